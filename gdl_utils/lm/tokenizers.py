"""Tokenisers for DNA: single nucleotides, k-mers (non-overlapping and overlapping) and
byte-pair encoding, all with one interface.

Every tokeniser maps a DNA string to ``(n_tokens,)`` int64 ids and back:
``tok.encode(seq)``, ``tok.decode(ids)`` (``decode(encode(s)) == s.upper()``),
``tok.tokenize(seq)`` (the token strings), ``tok.vocab`` / ``tok.vocab_size``. The
four special tokens come first in every vocabulary, with the same ids: ``[PAD]`` 0,
``[MASK]`` 1, ``[CLS]`` 2, ``[UNK]`` 3. Input is A, C, G, T in either case; any other
character (``N``, IUPAC codes, ``U``, ``-``) is a ``ValueError`` naming it and its
position (a tokeniser that silently maps ``N`` to ``[UNK]`` would make ``decode`` lie).

- :class:`NucleotideTokenizer`: one token per base (HyenaDNA, Caduceus).
- :class:`KmerTokenizer`: ``overlapping=False`` cuts the sequence into k-mers (the
  Nucleotide Transformer's 6-mers; a tail shorter than ``k`` becomes single bases);
  ``overlapping=True`` emits every k-mer at stride 1 (DNABERT): ``L - k + 1`` tokens,
  neighbours share ``k - 1`` bases.
- :class:`BPETokenizer`: byte-pair encoding (Sennrich et al. 2016) trained with the
  Hugging Face ``tokenizers`` library (DNABERT-2): :func:`train_bpe`.

Used in: chapter 7.
"""

from __future__ import annotations

import itertools

import numpy as np

from .._util import ALPHABET, check_int, codes

__all__ = [
    "SPECIAL_TOKENS",
    "PAD_ID",
    "MASK_ID",
    "CLS_ID",
    "UNK_ID",
    "DNATokenizer",
    "NucleotideTokenizer",
    "KmerTokenizer",
    "BPETokenizer",
    "train_bpe",
]

SPECIAL_TOKENS = ("[PAD]", "[MASK]", "[CLS]", "[UNK]")
PAD_ID, MASK_ID, CLS_ID, UNK_ID = range(4)
N_SPECIAL = len(SPECIAL_TOKENS)
BLOCK = 1 << 20
"""``encode`` checks a sequence in blocks of this many bases, so that its temporaries
stay small next to the output whatever the sequence's length (a whole genome)."""


class DNATokenizer:
    """The shared interface: a vocabulary (special tokens first) and encode / decode.

    Subclasses implement ``_encode(c)`` (``c``: (L,) uint8 codes 0..3) and
    ``_decode(tokens)`` (token strings -> DNA).

    Used in: chapter 7.
    """

    name = "dna"

    def __init__(self, vocab: list[str]):
        self.vocab = list(vocab)
        self.token_to_id = {t: i for i, t in enumerate(self.vocab)}
        if tuple(self.vocab[:N_SPECIAL]) != SPECIAL_TOKENS:
            raise ValueError(
                f"{self.name}: the vocabulary must start with {SPECIAL_TOKENS}, got"
                f" {self.vocab[:N_SPECIAL]}"
            )

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def codes(self, seq: str) -> np.ndarray:
        """(L,) uint8 codes 0..3 of ``seq``; ``ValueError`` naming a non-ACGT character
        and its position."""
        name = f"{self.name} tokenizer: sequence"
        if not isinstance(seq, str) or len(seq) <= BLOCK:
            return codes(seq, strict=True, name=name)
        out = np.empty(len(seq), dtype=np.uint8)  # one code per character
        for a in range(0, len(seq), BLOCK):
            piece = seq[a : a + BLOCK]
            out[a : a + BLOCK] = codes(piece, strict=True, name=name, offset=a)
        return out

    def encode(self, seq: str) -> np.ndarray:
        """(n_tokens,) int64 token ids of the DNA string ``seq``."""
        return self._encode(self.codes(seq))

    def tokenize(self, seq: str) -> list[str]:
        """The token strings of ``seq``."""
        return [self.vocab[i] for i in self.encode(seq)]

    def decode(self, ids) -> str:
        """The DNA string of ``(n_tokens,)`` ids; ``ValueError`` names an id that is out
        of range or a special token, and its position."""
        ids = np.asarray(ids)
        if ids.ndim != 1 or (ids.size and ids.dtype.kind not in "iu"):
            raise ValueError(
                f"{self.name}: decode takes a 1-D array of integer ids, got dtype"
                f" {ids.dtype} and shape {ids.shape}"
            )
        bad = np.flatnonzero((ids < N_SPECIAL) | (ids >= self.vocab_size))
        if bad.size:
            i, v = int(bad[0]), int(ids[bad[0]])
            what = SPECIAL_TOKENS[v] if 0 <= v < N_SPECIAL else "out of range"
            raise ValueError(
                f"{self.name}: id {v} ({what}) at position {i} is not DNA (vocabulary"
                f" of {self.vocab_size})"
            )
        return self._decode([self.vocab[i] for i in ids.tolist()])

    def _decode(self, tokens: list[str]) -> str:
        return "".join(tokens)

    def check_model(self, model) -> None:
        """``ValueError`` if ``model`` (a transformer or a model with an ``encoder``)
        was built for another vocabulary size (a checkpoint of another tokeniser)."""
        config = getattr(getattr(model, "encoder", model), "config", None)
        size = getattr(config, "vocab_size", None)
        if size != self.vocab_size:
            raise ValueError(
                f"{self!r} has {self.vocab_size} tokens but the model"
                f" {type(model).__name__} was built for vocab_size={size}"
            )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(vocab_size={self.vocab_size})"


class NucleotideTokenizer(DNATokenizer):
    """One token per base: ids 4..7 for A, C, G, T.

    Used in: chapter 7.
    """

    name = "nucleotide"

    def __init__(self):
        super().__init__(list(SPECIAL_TOKENS) + list(ALPHABET))

    def _encode(self, c: np.ndarray) -> np.ndarray:
        ids = c.astype(np.int64)
        ids += N_SPECIAL
        return ids


class KmerTokenizer(DNATokenizer):
    """k-mer tokens, non-overlapping (stride ``k``) or overlapping (stride 1, DNABERT).

    Parameters
    ----------
    k : k-mer length (1..8)
    overlapping : stride 1 (``L - k + 1`` tokens; needs ``L >= k``) instead of ``k``

    The vocabulary: the special tokens, the single bases (a non-overlapping tail shorter
    than ``k``), then the ``4**k`` k-mers in lexicographic order.

    Used in: chapter 7.
    """

    def __init__(self, k: int, *, overlapping: bool = False):
        self.k = check_int(k, "KmerTokenizer: k", minimum=1)
        if self.k > 8:
            raise ValueError(f"KmerTokenizer: k must be <= 8, got {k}")
        self.overlapping = bool(overlapping)
        self.name = f"{'overlapping' if overlapping else 'non-overlapping'} {k}-mer"
        kmers = ["".join(p) for p in itertools.product(ALPHABET, repeat=self.k)]
        singles = list(ALPHABET) if self.k > 1 else []
        self._first = N_SPECIAL + len(singles)  # id of the first k-mer ("AAA...")
        super().__init__(list(SPECIAL_TOKENS) + singles + kmers)

    def _index(self, c: np.ndarray, stride: int, out: np.ndarray) -> None:
        """Write into ``out`` the id of every k-mer starting at 0, stride, 2 * stride,
        ... (``len(out)`` of them), in place: no temporary as long as ``out``."""
        out[:] = 0
        for j in range(self.k):  # out = 4 * out + code of base j of each k-mer
            np.left_shift(out, 2, out=out)
            np.add(out, c[j : j + stride * (len(out) - 1) + 1 : stride], out=out)
        out += self._first

    def _encode(self, c: np.ndarray) -> np.ndarray:
        if self.overlapping:
            if len(c) < self.k:
                raise ValueError(
                    f"{self.name}: a sequence of length {len(c)} is shorter than k ="
                    f" {self.k}"
                )
            ids = np.empty(len(c) - self.k + 1, dtype=np.int64)
            self._index(c, 1, ids)
            return ids
        n_full = len(c) // self.k
        ids = np.empty(n_full + len(c) % self.k, dtype=np.int64)
        if n_full:
            self._index(c, self.k, ids[:n_full])
        ids[n_full:] = c[n_full * self.k :]  # the tail: single bases
        ids[n_full:] += N_SPECIAL
        return ids

    def _decode(self, tokens: list[str]) -> str:
        if not self.overlapping:
            return "".join(tokens)
        for i in range(1, len(tokens)):
            if len(tokens[i]) != self.k or tokens[i][:-1] != tokens[i - 1][1:]:
                raise ValueError(
                    f"{self.name}: token {tokens[i]!r} at position {i} does not overlap"
                    f" token {tokens[i - 1]!r} at position {i - 1} by {self.k - 1}"
                    " bases"
                )
        return (tokens[0] + "".join(t[-1] for t in tokens[1:])) if tokens else ""


class BPETokenizer(DNATokenizer):
    """Byte-pair encoding through a trained Hugging Face ``tokenizers.Tokenizer``
    (train one with :func:`train_bpe`).

    Parameters
    ----------
    hf_tokenizer : a ``tokenizers.Tokenizer`` with a BPE model whose vocabulary starts
        with the special tokens and contains A, C, G, T

    Used in: chapter 7.
    """

    name = "BPE"

    def __init__(self, hf_tokenizer):
        self.hf = hf_tokenizer
        vocab = hf_tokenizer.get_vocab()
        missing = [t for t in ALPHABET if t not in vocab]
        if missing:
            raise ValueError(f"BPETokenizer: bases {missing} are not in the vocabulary")
        super().__init__(sorted(vocab, key=vocab.get))

    def encode(self, seq: str) -> np.ndarray:
        self.codes(seq)  # the character check
        return np.asarray(self.hf.encode(seq.upper()).ids, dtype=np.int64)


def train_bpe(sequences, vocab_size: int = 512, *, chunk: int = 1000) -> BPETokenizer:
    """Train a BPE tokeniser on DNA with the Hugging Face ``tokenizers`` library.

    Parameters
    ----------
    sequences : a DNA string or an iterable of them (A, C, G, T, either case), with
        at least one base (``ValueError`` otherwise)
    vocab_size : size of the final vocabulary (special tokens and bases included)
    chunk : long sequences are cut into pieces of this many bases (BPE's "words";
        merges never cross a cut)

    Returns
    -------
    BPETokenizer with ids 0..3 the special tokens, 4..7 A, C, G, T, then the merges in
    the order they were learned.

    Used in: chapter 7.
    """
    from tokenizers import Tokenizer, models, trainers

    vocab_size = check_int(vocab_size, "train_bpe: vocab_size", minimum=N_SPECIAL + 4)
    chunk = check_int(chunk, "train_bpe: chunk", minimum=2)
    seqs = [sequences] if isinstance(sequences, str) else list(sequences)
    for r, s in enumerate(seqs):
        codes(s, strict=True, name=f"train_bpe: sequence {r}")
    if not any(seqs):
        got = f"{len(seqs)} empty string(s)" if seqs else "no sequences"
        raise ValueError(
            f"train_bpe: sequences hold no bases (got {got}); pass at least one DNA"
            " string of A, C, G, T to learn merges from"
        )
    pieces = [s[i : i + chunk].upper() for s in seqs for i in range(0, len(s), chunk)]
    hf = Tokenizer(models.BPE(unk_token="[UNK]"))
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=list(ALPHABET),
        show_progress=False,
    )
    hf.train_from_iterator(pieces, trainer)
    return BPETokenizer(hf)
