"""Pretraining a language model on a genome: regions, windows, masking, batches and
bits per base.

- Regions: :func:`region_mask` marks intervals of a genome (a held-out evaluation
  region, the benchmark sequences of a fine-tuning task) so that
  :func:`sample_windows` never draws a training window that touches them.
- Objectives: :func:`causal_lm_batch` (predict the next token; ``labels[:, i]`` is
  ``input_ids[:, i + 1]``) and :func:`mask_tokens` (BERT's masked LM, Devlin et al.
  2019: 15 % of positions are scored; of those 80 % become ``[MASK]``, 10 % a random
  token, 10 % stay).
- :class:`GenomeWindows`: fresh windows at every pass as dict batches ``{"input_ids",
  "labels"}`` (labels -100 = not scored); each ``torchrun`` process reads its own
  shard. The models compute the loss themselves (``CausalLM(config)(input_ids,
  labels)`` -> ``(logits, loss)``, :mod:`gdl_utils.models.language_model`).
- Evaluation (bits per base on a held-out region): :mod:`gdl_utils.lm.bits`.

Token ids are those of :class:`gdl_utils.lm.NucleotideTokenizer` (base code +
4) or of a non-overlapping :class:`~gdl_utils.lm.KmerTokenizer`.

Used in: chapter 7.
"""

from __future__ import annotations

import numpy as np
import torch

from .._util import as_numpy, check_fraction, check_int
from ..models.language_model import IGNORE
from ..training import distributed as dist
from ..training import make_loader
from .tokenizers import MASK_ID, N_SPECIAL

__all__ = [
    "region_mask",
    "sample_windows",
    "causal_lm_batch",
    "mask_tokens",
    "GenomeWindows",
]


def region_mask(length: int, intervals) -> np.ndarray:
    """(length,) bool, True inside any of the half-open ``(start, stop)`` intervals.

    Used in: chapter 7.
    """
    length = check_int(length, "region_mask: length", minimum=1)
    mask = np.zeros(length, dtype=bool)
    for i, (start, stop) in enumerate(intervals):
        if not 0 <= start <= stop <= length:
            raise ValueError(
                f"region_mask: interval {i} ({start}, {stop}) is not inside [0,"
                f" {length}]"
            )
        mask[start:stop] = True
    return mask


def sample_windows(
    tokens: np.ndarray,
    n: int,
    length: int,
    exclude: np.ndarray | None = None,
    seed: int | None = None,
) -> np.ndarray:
    """``n`` windows of ``length`` consecutive tokens at random starts.

    Parameters
    ----------
    tokens : (L,) token ids of the genome
    exclude : (L,) bool, True where no window may reach (held-out regions)

    Returns
    -------
    (n, length) int64 array

    Used in: chapter 7.
    """
    tokens = np.asarray(tokens)
    n = check_int(n, "sample_windows: n", minimum=1)
    length = check_int(length, "sample_windows: length", minimum=1)
    if len(tokens) < length:
        raise ValueError(
            f"sample_windows: {len(tokens)} tokens, shorter than length={length}"
        )
    starts = np.arange(len(tokens) - length + 1)
    if exclude is not None:
        if np.shape(exclude) != tokens.shape:
            raise ValueError(
                f"sample_windows: exclude has shape {np.shape(exclude)}, tokens"
                f" {tokens.shape}"
            )
        hits = np.concatenate([[0], np.cumsum(exclude)])  # excluded before each index
        starts = starts[hits[starts + length] == hits[starts]]
        if not starts.size:
            raise ValueError("sample_windows: every window touches an excluded region")
    chosen = np.random.default_rng(seed).choice(starts, size=n)
    return tokens[chosen[:, None] + np.arange(length)].astype(np.int64)


def causal_lm_batch(windows) -> dict[str, torch.Tensor]:
    """Next-token targets: ``input_ids = windows``, ``labels[:, i] = windows[:, i + 1]``
    and -100 at the last position.

    Used in: chapter 7.
    """
    ids = torch.as_tensor(np.asarray(windows), dtype=torch.long)
    labels = torch.full_like(ids, IGNORE)
    labels[:, :-1] = ids[:, 1:]
    return {"input_ids": ids, "labels": labels}


def mask_tokens(
    windows,
    rate: float = 0.15,
    *,
    vocab_size: int,
    bert: bool = True,
    seed: int | None = None,
) -> dict[str, torch.Tensor]:
    """Masked-LM inputs: a ``rate`` fraction of positions is scored (label = the
    original token, -100 elsewhere); with ``bert`` 80 % of them become ``[MASK]``, 10 %
    a random DNA token and 10 % stay as they are, else all become ``[MASK]``.

    Parameters
    ----------
    windows : (N, L) token ids (DNA tokens only, ids >= 4)
    vocab_size : the tokeniser's vocabulary size (random tokens are drawn from the DNA
        ids ``4 .. vocab_size - 1``)

    Used in: chapter 7.
    """
    ids = np.asarray(windows)
    rate = check_fraction(rate, "mask_tokens: rate")
    if ids.size and (ids.min() < N_SPECIAL or ids.max() >= vocab_size):
        raise ValueError(
            f"mask_tokens: ids must be DNA tokens in [{N_SPECIAL}, {vocab_size}), got"
            f" [{ids.min()}, {ids.max()}]"
        )
    rng = np.random.default_rng(seed)
    scored = rng.random(ids.shape) < rate
    roll = rng.random(ids.shape) if bert else np.zeros(ids.shape)
    inputs = np.where(scored & (roll < 0.8), MASK_ID, ids)
    swap = scored & (roll >= 0.8) & (roll < 0.9)
    inputs = np.where(swap, rng.integers(N_SPECIAL, vocab_size, ids.shape), inputs)
    return {
        "input_ids": torch.as_tensor(inputs, dtype=torch.long),
        "labels": torch.as_tensor(np.where(scored, ids, IGNORE), dtype=torch.long),
    }


def _check_nucleotide_ids(tokens, k: int, both_strands: bool) -> None:
    """``ValueError`` unless ``tokens`` are nucleotide ids 4..7 (the complement
    ``11 - t`` and the k-mer index read each id as a base)."""
    ids = as_numpy(tokens)
    why = "both_strands=True" if both_strands else f"k={k}"
    if ids.ndim != 1 or ids.dtype.kind not in "iu":
        raise ValueError(
            f"GenomeWindows: tokens must be a 1-D array of integer token ids, got"
            f" dtype {ids.dtype} and shape {ids.shape}"
        )
    bad = (ids < N_SPECIAL) | (ids > N_SPECIAL + 3)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(
            f"GenomeWindows: tokens must be nucleotide ids 4..7 (NucleotideTokenizer,"
            f" base code + 4) with {why}, got id {int(ids[i])} at position {i};"
            " encode the genome with NucleotideTokenizer and pass k= for k-mer"
            " windows"
        )


class GenomeWindows:
    """Fresh training windows at every pass: an iterable of dict batches
    ``{"input_ids", "labels"}`` (B, L) for ``fit``.

    Pass ``e`` draws ``n_windows`` windows with :func:`sample_windows` (seed ``seed +
    e``, the same on every process), makes a causal (``objective="causal"``) or masked
    (``"mlm"``, :func:`mask_tokens`) batch and reads it in order through
    :func:`gdl_utils.training.make_loader`: under ``torchrun`` process ``r`` of ``W``
    reads windows ``r, r + W, ...``, so the W processes' batches of ``batch_size // W``
    windows together are exactly the single-process batch.

    Parameters
    ----------
    tokens : (L,) nucleotide token ids of the genome (base code + 4, ids 4..7 of
        :class:`~gdl_utils.lm.NucleotideTokenizer`); with ``k > 1`` or
        ``both_strands`` any other id (a k-mer id, a special token) is a ``ValueError``
        naming it and its position, since these read each id as a base
    n_windows, length : windows per pass and tokens per window
    k : read each window as ``length`` non-overlapping k-mers (ids of
        ``KmerTokenizer(k)``; ``k * length`` bases per window) instead of bases
    both_strands : reverse-complement a random half of the windows
    batch_size : global batch (all processes together), divisible by the world size
    exclude : (L,) bool, regions no window may touch
    vocab_size : needed for ``"mlm"`` (random replacement tokens)
    seed : an int, not None: every process must draw the same windows

    Used in: chapter 7.
    """

    def __init__(
        self, tokens, n_windows, length, batch_size, *, exclude=None,
        objective="causal", mask_rate=0.15, vocab_size=None, seed=0, k=1,
        both_strands=False,
    ):  # fmt: skip
        check_int(seed, "GenomeWindows: seed")
        if objective not in ("causal", "mlm"):
            raise ValueError(f"GenomeWindows: objective {objective!r} not causal/mlm")
        self.tokens, self.exclude, self.objective = tokens, exclude, objective
        self.n_windows, self.length = n_windows, length
        self.mask_rate, self.vocab_size, self.seed = mask_rate, vocab_size, seed
        self.k = check_int(k, "GenomeWindows: k", minimum=1)
        self.both_strands = both_strands
        if self.k > 1 or both_strands:
            _check_nucleotide_ids(self.tokens, self.k, both_strands)
        world = dist.world_size()
        if batch_size % world:
            raise ValueError(
                f"GenomeWindows: batch_size={batch_size} is not divisible by the"
                f" {world} processes"
            )
        self.batch_size, self.passes = batch_size // world, 0

    def _bases(self, seed: int) -> np.ndarray:
        """(n_windows, length * k) nucleotide ids of one pass, on the strand read."""
        w = sample_windows(
            self.tokens, self.n_windows, self.length * self.k, self.exclude, seed
        )
        if self.both_strands:  # complement of id t is 11 - t (A=4 <-> T=7)
            flip = np.random.default_rng([seed, 1]).random(len(w)) < 0.5
            w[flip] = 11 - w[flip, ::-1]
        return w

    def sequences(self, pass_index: int = 0) -> list[str]:
        """The DNA the model reads in pass ``pass_index`` (0-based): ``n_windows``
        strings of ``length * k`` bases, reverse-complemented where the window was
        flipped. What a leak check searches for held-out sequences."""
        w = self._bases(self.seed + check_int(pass_index, "pass_index", minimum=0))
        if w.size and (w.min() < N_SPECIAL or w.max() >= N_SPECIAL + 4):
            raise ValueError(
                "GenomeWindows.sequences: the tokens are not nucleotide ids 4..7"
                " (NucleotideTokenizer), so the windows cannot be read as DNA"
            )
        letters = np.frombuffer(b"ACGT", np.uint8)[w - N_SPECIAL]
        return [row.tobytes().decode() for row in letters]

    def batch(self, seed: int) -> dict[str, torch.Tensor]:
        """All windows of one pass as one dict of (n_windows, length) tensors."""
        w = self._bases(seed)
        if self.k > 1:  # ids of KmerTokenizer(k): 8 + index of the k-mer
            powers = 4 ** np.arange(self.k - 1, -1, -1)
            w = (w - N_SPECIAL).reshape(len(w), self.length, self.k) @ powers + 8
        if self.objective == "causal":
            return causal_lm_batch(w)
        return mask_tokens(w, self.mask_rate, vocab_size=self.vocab_size, seed=seed)

    def __iter__(self):
        b = self.batch(self.seed + self.passes)
        self.passes += 1
        loader = make_loader(b["input_ids"], b["labels"], batch_size=self.batch_size)
        for x, y in loader:
            yield {"input_ids": x, "labels": y}

    def __len__(self) -> int:
        return -(-self.n_windows // (self.batch_size * dist.world_size()))
