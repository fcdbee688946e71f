"""Genomic language models: tokenisers (:mod:`.tokenizers`), pretraining data and
masking (:mod:`.pretrain`), bits per base of a causal model (:mod:`.bits`) and the
Markov baselines (:mod:`.markov`). ``python -m gdl_utils.lm`` pretrains a model on a
genome, in one process or under ``torchrun`` (:mod:`.__main__`); the models themselves
(``CausalLM``, ``MaskedLM``) are in :mod:`gdl_utils.models`.

Layer: reading models and chapter pipelines. Import public names from here, e.g.
``from gdl_utils.lm import ...``; the API appendix lists them.
"""

from .bits import (
    causal_bits_per_base,
    causal_log2_probs,
)
from .markov import (
    MAX_ORDER,
    MarkovModel,
    markov_bits_per_base,
    markov_log2_probs,
)
from .pretrain import (
    IGNORE,
    GenomeWindows,
    causal_lm_batch,
    mask_tokens,
    region_mask,
    sample_windows,
)
from .tokenizers import (
    N_SPECIAL,
    SPECIAL_TOKENS,
    BPETokenizer,
    DNATokenizer,
    KmerTokenizer,
    NucleotideTokenizer,
    train_bpe,
)

__all__ = [
    "BPETokenizer",
    "DNATokenizer",
    "GenomeWindows",
    "IGNORE",
    "KmerTokenizer",
    "MAX_ORDER",
    "MarkovModel",
    "N_SPECIAL",
    "NucleotideTokenizer",
    "SPECIAL_TOKENS",
    "causal_bits_per_base",
    "causal_lm_batch",
    "causal_log2_probs",
    "markov_bits_per_base",
    "markov_log2_probs",
    "mask_tokens",
    "region_mask",
    "sample_windows",
    "train_bpe",
]
