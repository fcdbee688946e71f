"""k-th order Markov models of DNA: the classical compression baseline.

A k-th order Markov model predicts each base from the ``k`` bases before it,
``p(x_i | x_{i-k} .. x_{i-1})``, with probabilities counted on a training sequence and
smoothed either by adding ``alpha`` to every count (Laplace's rule for ``alpha = 1``)
or, fairer at high orders where most contexts are rare, by **back-off**: each order's
estimate is the lower order's, updated by the context's counts as by a Dirichlet prior
of strength ``beta`` (a hierarchical Dirichlet model, MacKay & Peto 1995), so a
context seen once moves the prediction only a little. Its
**bits per base** on a held-out sequence, the mean of ``-log2 p(x_i | context)``, is
what an arithmetic coder driven by the model would spend per base: 2 bits is no
compression, and statistical DNA compressors (Cao et al. 2007) reach about 1.9 on
bacterial genomes. A language model is scored the same way.

Used in: chapter 7.
"""

from __future__ import annotations

import numpy as np

from .._util import check_int, codes

__all__ = ["MarkovModel", "markov_bits_per_base", "markov_log2_probs"]

MAX_ORDER = 12  # add-alpha: dense tables of 4**(order + 1) counts
MAX_BACKOFF_ORDER = 24  # back-off: sparse counts, one entry per seen context


def _as_codes(seq, name: str = "sequence") -> np.ndarray:
    """(L,) uint8 codes 0..3 of a DNA string (through ``_util.codes``, the one DNA ->
    integer converter) or a checked code array; ``ValueError`` naming a non-ACGT
    character (or code) and its position."""
    if isinstance(seq, str):
        return codes(seq, strict=True, name=name)
    c = np.asarray(seq)
    if c.ndim != 1 or (c.size and c.dtype.kind not in "iu"):
        raise ValueError(
            f"{name}: expected a DNA string or (L,) integer codes, got shape"
            f" {c.shape} and dtype {c.dtype}"
        )
    bad = np.flatnonzero((c < 0) | (c > 3))
    if bad.size:
        raise ValueError(
            f"{name}: code {int(c[bad[0]])} at position {int(bad[0])} (expected 0..3)"
        )
    return c.astype(np.uint8)


def _contexts(c: np.ndarray, order: int) -> np.ndarray:
    """(L - order,) index 0..4**order-1 of the ``order`` bases before each position
    ``order .. L-1``."""
    n = len(c) - order
    idx = np.zeros(max(n, 0), dtype=np.int64)
    for j in range(order):
        idx = idx * 4 + c[j : j + n]
    return idx


class MarkovModel:
    """A k-th order Markov model of DNA, add-``alpha`` or back-off smoothed.

    Parameters
    ----------
    order : k, the number of preceding bases (0 = base composition only); at most
        12 with ``smoothing="add"``, 24 with ``"backoff"``
    alpha : pseudo-count added to every (context, base) count (for ``"add"``, and
        for order 0 under ``"backoff"``)
    smoothing : ``"add"`` or ``"backoff"``: ``p_k(b | c) = (n(c, b) + beta
        p_{k-1}(b | c')) / (n(c) + beta)`` with ``c'`` the last ``k - 1`` bases of
        ``c`` (an unseen context keeps ``p_{k-1}``), computed at the scored positions
    beta : back-off strength, > 0: the number of observations a context needs before
        its own counts outweigh the lower order

    Attributes after :meth:`fit` with ``"add"``: ``counts`` (4**order, 4) and
    ``log2_probs`` (4**order, 4); with ``"backoff"``: ``tables``, per order the
    sorted seen (context, base) cells and their counts.

    Used in: chapter 7.
    """

    def __init__(
        self, order: int, alpha: float = 1.0, smoothing: str = "add", beta: float = 32.0
    ):
        self.order = check_int(order, "MarkovModel: order", minimum=0)
        if smoothing not in ("add", "backoff"):
            raise ValueError(
                f"MarkovModel: smoothing must be 'add' or 'backoff', got {smoothing!r}"
            )
        limit = MAX_ORDER if smoothing == "add" else MAX_BACKOFF_ORDER
        if self.order > limit:
            raise ValueError(
                f"MarkovModel: order must be <= {limit} with smoothing={smoothing!r},"
                f" got {order}"
            )
        if not alpha > 0:
            raise ValueError(f"MarkovModel: alpha must be > 0, got {alpha}")
        if not beta > 0:
            raise ValueError(f"MarkovModel: beta must be > 0, got {beta}")
        self.alpha, self.smoothing, self.beta = float(alpha), smoothing, float(beta)
        self.counts = None

    def fit(self, seqs) -> MarkovModel:
        """Count (context, base) pairs in one sequence or a list of them (a list keeps
        contexts from spanning the gaps between pieces, e.g. around a held-out region).
        """
        single = isinstance(seqs, str) or (
            isinstance(seqs, np.ndarray) and seqs.ndim == 1
        )
        seqs = [seqs] if single else list(seqs)
        if self.smoothing == "backoff":
            return self._fit_backoff(seqs)
        counts = np.zeros(4 ** (self.order + 1), dtype=np.int64)
        for r, s in enumerate(seqs):
            c = _as_codes(s, f"MarkovModel.fit: sequence {r}")
            if len(c) > self.order:
                cells = _contexts(c, self.order) * 4 + c[self.order :]
                counts += np.bincount(cells, minlength=counts.size)
        self.counts = counts.reshape(-1, 4)
        smoothed = self.counts + self.alpha
        self.log2_probs = np.log2(smoothed / smoothed.sum(1, keepdims=True))
        return self

    def _fit_backoff(self, seqs) -> MarkovModel:
        """Sparse (context, base) counts of every order 0..k, for back-off."""
        codes_ = [_as_codes(s, f"MarkovModel.fit: sequence {r}") for r, s in
                  enumerate(seqs)]  # fmt: skip
        self.tables = []
        for j in range(self.order + 1):
            cells = [_contexts(c, j) * 4 + c[j:] for c in codes_ if len(c) > j]
            cells = np.concatenate(cells) if cells else np.zeros(0, np.int64)
            self.tables.append(np.unique(cells, return_counts=True))
        self.counts = self.tables[0][1]  # fitted
        return self

    def _backoff_log2(self, c: np.ndarray, start: int) -> list[np.ndarray]:
        """Back-off log2 probabilities (L - start, 4) at positions start..L-1, of
        every order 0..k (each order's estimate is built on the one below)."""
        n, out = len(c) - start, []
        keys0, counts0 = self.tables[0]
        p = np.full(4, self.alpha)
        p[keys0] += counts0
        p = np.broadcast_to(p / p.sum(), (n, 4))
        out.append(np.log2(p))
        for j in range(1, self.order + 1):
            ctx = _contexts(c, j)[start - j :]  # (n,) the j bases before each position
            keys, counts = self.tables[j]
            cells = ctx[:, None] * 4 + np.arange(4)  # (n, 4)
            at = np.minimum(np.searchsorted(keys, cells), len(keys) - 1)
            n_cb = (
                np.where(keys[at] == cells, counts[at], 0) if len(keys) else 0 * cells
            )
            n_c = n_cb.sum(1, keepdims=True)  # unseen: n_c = 0 keeps the lower order
            p = (n_cb + self.beta * p) / (n_c + self.beta)
            out.append(np.log2(p))
        return out

    def log2_prob(self, seq, start: int | None = None) -> np.ndarray:
        """(L - start,) ``log2 p(x_i | context)`` of positions ``start .. L-1`` (default
        ``start = order``, the first position with a full context)."""
        logp = self.predict_log2(seq, start)
        c = _as_codes(seq, "MarkovModel: sequence")
        return logp[np.arange(len(logp)), c[len(c) - len(logp) :]]

    def predict_log2(self, seq, start: int | None = None) -> np.ndarray:
        """(L - start, 4) ``log2 p(b | context)`` of the four bases at every position
        ``start .. L-1``: the whole predicted distribution."""
        c, ctx = self._context_of(seq, start)
        if self.smoothing == "backoff":
            return self._backoff_log2(c, len(c) - len(ctx))[-1]
        return self.log2_probs[ctx]

    def _context_of(self, seq, start):
        if self.counts is None:
            raise ValueError("MarkovModel: call fit() before scoring")
        c = _as_codes(seq, "MarkovModel: sequence")
        start = self.order if start is None else check_int(start, "start", minimum=0)
        if start < self.order:
            raise ValueError(
                f"MarkovModel: start={start} is below the order {self.order} (no full"
                " context)"
            )
        if len(c) <= start:
            raise ValueError(
                f"MarkovModel: a sequence of length {len(c)} has no position from"
                f" start={start}"
            )
        return c, _contexts(c, self.order)[start - self.order :]

    def bits_per_base(self, seq, start: int | None = None) -> float:
        """Mean ``-log2 p(x_i | context)`` over positions ``start .. L-1``."""
        return float(-self.log2_prob(seq, start).mean())


def markov_log2_probs(
    train, test, orders=range(9), *, alpha: float = 1.0, start: int | None = None,
    smoothing: str = "add", beta: float = 32.0,
) -> dict[int, np.ndarray]:  # fmt: skip
    """Per-position ``log2 p(x_i | context)`` on ``test`` of Markov models of each
    order fitted on ``train`` (the per-base costs that :func:`markov_bits_per_base`
    averages; average them over any subset of positions).

    All orders are scored on the same positions, ``start`` (default: the largest order)
    to the end of ``test``; ``smoothing`` and ``beta`` as in :class:`MarkovModel`
    (with ``"backoff"`` one model of the top order is fitted and gives every order).

    Returns
    -------
    {order: (len(test) - start,) float64}

    Used in: chapter 7.
    """
    orders = list(orders)
    start = max(orders) if start is None else start
    c = _as_codes(test, "markov_log2_probs: test")
    if smoothing == "backoff":  # one fit: the top order holds every lower one
        top = MarkovModel(max(orders), alpha, smoothing, beta).fit(train)
        top._context_of(c, start)  # checks start against the top order
        by_order = top._backoff_log2(c, start)
        rows = np.arange(len(c) - start)
        return {k: by_order[k][rows, c[start:]] for k in orders}
    return {
        k: MarkovModel(k, alpha, smoothing).fit(train).log2_prob(c, start)
        for k in orders
    }


def markov_bits_per_base(
    train, test, orders=range(9), *, alpha: float = 1.0, start: int | None = None,
    smoothing: str = "add", beta: float = 32.0, positions=None,
) -> dict[int, float]:  # fmt: skip
    """Bits per base on ``test`` of Markov models of each order fitted on ``train``:
    the mean of ``-``:func:`markov_log2_probs`.

    ``positions``, a (len(test) - start,) bool mask, keeps a subset of the scored
    positions (e.g. those outside repeats); the other arguments as in
    :func:`markov_log2_probs`.

    Returns
    -------
    {order: bits per base}

    Used in: chapter 7.
    """
    logp = markov_log2_probs(
        train, test, orders, alpha=alpha, start=start, smoothing=smoothing, beta=beta
    )
    out = {}
    for k, lp in logp.items():
        if positions is not None:
            if np.shape(positions) != lp.shape:
                raise ValueError(
                    f"markov_bits_per_base: positions has shape {np.shape(positions)},"
                    f" the scored positions {lp.shape}"
                )
            lp = lp[np.asarray(positions, bool)]
        out[k] = float(-lp.mean())
    return out
