"""gdl_utils: models and tools for the course *Deep Learning for Genomics*.

The most used functions are available at the top level::

    from gdl_utils import one_hot, reverse_complement, get_device, set_seed

Everything else lives in one module per topic: :mod:`~gdl_utils.sequence`, :mod:`~gdl_utils.seqio`,
:mod:`~gdl_utils.motifs`, :mod:`~gdl_utils.simulate`, :mod:`~gdl_utils.datasets`,
:mod:`~gdl_utils.splits`, :mod:`~gdl_utils.training`, :mod:`~gdl_utils.crossval`, :mod:`~gdl_utils.metrics`,
:mod:`~gdl_utils.plotting`, :mod:`~gdl_utils.filters` and :mod:`~gdl_utils.models`.
"""
from .kmers import kmer_tokenize
from .sequence import one_hot, one_hot_decode, reverse_complement
from .training import fit, get_device, predict, set_seed

__version__ = "0.1.0"

__all__ = [
    "one_hot",
    "one_hot_decode",
    "reverse_complement",
    "kmer_tokenize",
    "get_device",
    "set_seed",
    "fit",
    "predict",
    "__version__",
]
