"""k-th order Markov models of DNA: the classical compression baseline.

A k-th order Markov model predicts each base from the ``k`` bases before it,
``p(x_i | x_{i-k} .. x_{i-1})``, with probabilities counted on a training sequence and
smoothed by adding ``alpha`` to every count (Laplace's rule for ``alpha = 1``). Its
**bits per base** on a held-out sequence, the mean of ``-log2 p(x_i | context)``, is
what an arithmetic coder driven by the model would spend per base: 2 bits is no
compression, and statistical DNA compressors (Cao et al. 2007) reach about 1.9 on
bacterial genomes. A language model is scored the same way.

Used in: chapter 7.
"""

from __future__ import annotations

import numpy as np

from .._util import check_int, codes

__all__ = ["MarkovModel", "markov_bits_per_base"]

MAX_ORDER = 12


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
    """A k-th order Markov model of DNA with add-``alpha`` smoothing.

    Parameters
    ----------
    order : k, the number of preceding bases (0 = base composition only)
    alpha : pseudo-count added to every (context, base) count

    Attributes after :meth:`fit`: ``counts`` (4**order, 4) and ``log2_probs``
    (4**order, 4).

    Used in: chapter 7.
    """

    def __init__(self, order: int, alpha: float = 1.0):
        self.order = check_int(order, "MarkovModel: order", minimum=0)
        if self.order > MAX_ORDER:
            raise ValueError(f"MarkovModel: order must be <= {MAX_ORDER}, got {order}")
        if not alpha > 0:
            raise ValueError(f"MarkovModel: alpha must be > 0, got {alpha}")
        self.alpha = float(alpha)
        self.counts = None

    def fit(self, seqs) -> MarkovModel:
        """Count (context, base) pairs in one sequence or a list of them (a list keeps
        contexts from spanning the gaps between pieces, e.g. around a held-out region).
        """
        single = isinstance(seqs, str) or (
            isinstance(seqs, np.ndarray) and seqs.ndim == 1
        )
        seqs = [seqs] if single else list(seqs)
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

    def log2_prob(self, seq, start: int | None = None) -> np.ndarray:
        """(L - start,) ``log2 p(x_i | context)`` of positions ``start .. L-1`` (default
        ``start = order``, the first position with a full context)."""
        c, ctx = self._context_of(seq, start)
        return self.log2_probs[ctx, c[len(c) - len(ctx) :]]

    def predict_log2(self, seq, start: int | None = None) -> np.ndarray:
        """(L - start, 4) ``log2 p(b | context)`` of the four bases at every position
        ``start .. L-1``: the whole predicted distribution."""
        return self.log2_probs[self._context_of(seq, start)[1]]

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


def markov_bits_per_base(
    train, test, orders=range(9), *, alpha: float = 1.0, start: int | None = None
) -> dict[int, float]:
    """Bits per base on ``test`` of Markov models of each order fitted on ``train``.

    All orders are scored on the same positions, ``start`` (default: the largest order)
    to the end of ``test``.

    Returns
    -------
    {order: bits per base}

    Used in: chapter 7.
    """
    orders = list(orders)
    start = max(orders) if start is None else start
    return {
        k: MarkovModel(k, alpha).fit(train).bits_per_base(test, start) for k in orders
    }
