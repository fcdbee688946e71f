"""gdl_utils: models and tools for the course *Deep Learning for Genomics*.

The most used functions are available at the top level::

    from gdl_utils import one_hot, reverse_complement, get_device, set_seed

Everything else lives in one module per topic. Data: :mod:`~gdl_utils.sequence`,
:mod:`~gdl_utils.strands`, :mod:`~gdl_utils.kmers`, :mod:`~gdl_utils.seqio`,
:mod:`~gdl_utils.bed`, :mod:`~gdl_utils.pwm`, :mod:`~gdl_utils.motifs`,
:mod:`~gdl_utils.motif_match`, :mod:`~gdl_utils.motif_recovery`,
:mod:`~gdl_utils.simulate`, :mod:`~gdl_utils.simulated_data`, :mod:`~gdl_utils.grammar`,
:mod:`~gdl_utils.duplicates`, :mod:`~gdl_utils.splits`, :mod:`~gdl_utils.enrichment`,
:mod:`~gdl_utils.datasets`, :mod:`~gdl_utils.order_task`, :mod:`~gdl_utils.nanopore`,
:mod:`~gdl_utils.graphs`, :mod:`~gdl_utils.tokenizers`. Models and learning:
:mod:`~gdl_utils.models`, :mod:`~gdl_utils.runtime` (devices, seeds, threads,
precision), :mod:`~gdl_utils.training` (``fit``, ``predict``),
:mod:`~gdl_utils.checkpoint`, :mod:`~gdl_utils.distributed` (``torchrun``),
:mod:`~gdl_utils.crossval`, :mod:`~gdl_utils.metrics`,
:mod:`~gdl_utils.metric_reports`, :mod:`~gdl_utils.latent` (learned representations),
:mod:`~gdl_utils.link_prediction`, :mod:`~gdl_utils.markov`, :mod:`~gdl_utils.pretrain`,
:mod:`~gdl_utils.lm_eval`.
Reading models:
:mod:`~gdl_utils.filters`, :mod:`~gdl_utils.first_layer`,
:mod:`~gdl_utils.attribution`, :mod:`~gdl_utils.attribution_methods`,
:mod:`~gdl_utils.attribution_scores`, :mod:`~gdl_utils.modisco`, :mod:`~gdl_utils.ctc`.
Output:
:mod:`~gdl_utils.plotting`, :mod:`~gdl_utils.report`.
"""

from .kmers import kmer_tokenize
from .runtime import get_device, set_seed, set_threads
from .sequence import one_hot, one_hot_decode
from .strands import reverse_complement
from .training import fit, predict

__version__ = "0.1.0"

__all__ = [
    "one_hot",
    "one_hot_decode",
    "reverse_complement",
    "kmer_tokenize",
    "get_device",
    "set_seed",
    "set_threads",
    "fit",
    "predict",
    "__version__",
]
