"""gdl_utils: models and tools for the course *Deep Learning for Genomics*.

The most used functions are available at the top level::

    from gdl_utils import one_hot, reverse_complement, fit, predict

Everything else lives in one folder per topic, and each folder is one layer (see
CONTRIBUTING.md, "Layers of the package"); import public names from the folder, e.g.
``from gdl_utils.motifs import tomtom``.

- floor: :mod:`~gdl_utils.runtime` (devices, seeds, threads, precision),
  :mod:`~gdl_utils.report` (book glue), :mod:`~gdl_utils.plotting` (figures);
- data: :mod:`~gdl_utils.dna`, :mod:`~gdl_utils.motifs`, :mod:`~gdl_utils.simulate`,
  :mod:`~gdl_utils.datasets`, :mod:`~gdl_utils.graphs`, :mod:`~gdl_utils.basecalling`;
- models: :mod:`~gdl_utils.models`;
- learning: :mod:`~gdl_utils.training` (``fit``, ``predict``, checkpoints,
  ``torchrun``), :mod:`~gdl_utils.evaluate` (metrics, representations);
- reading models and chapter pipelines: :mod:`~gdl_utils.interpret`,
  :mod:`~gdl_utils.lm` (tokenisers, pretraining, bits per base).
"""

from .dna.kmers import kmer_tokenize
from .dna.sequence import one_hot, one_hot_decode
from .dna.strands import reverse_complement
from .runtime import get_device, set_seed, set_threads
from .training import fit, predict

__version__ = "0.2.0"

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
