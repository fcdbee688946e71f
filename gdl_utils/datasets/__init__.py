"""Real data for the course: a registry of remote files (cache, mirror, offline) and
loaders.

See ``gdl_utils/datasets/registry.json`` for the files, and ``python -m
gdl_utils.datasets list``. Chapters read registered files with :func:`dataset_path` (one
file) or :func:`fetch_dataset` (all files).

Used in: ch. 1, 2, 3.
"""

from .fetching import (
    UnknownDatasetError,
    cache_path,
    dataset_path,
    fetch,
    fetch_dataset,
    fetch_with_source,
)
from .genomes import load_ecoli_genome, load_ecoli_promoters, locate_in_genome
from .logomaker_sets import (
    load_ars1_library,
    load_ars1_wildtype,
    load_crp_sites,
    load_human_5ss,
)
from .registry import (
    DataIntegrityError,
    DataUnavailableError,
    list_datasets,
    load_registry,
)
from .uci import load_uci_promoters, load_uci_splice

__all__ = [
    "DataIntegrityError",
    "DataUnavailableError",
    "UnknownDatasetError",
    "cache_path",
    "dataset_path",
    "fetch",
    "fetch_dataset",
    "fetch_with_source",
    "list_datasets",
    "load_registry",
    "load_uci_promoters",
    "load_ecoli_genome",
    "load_ecoli_promoters",
    "locate_in_genome",
    "load_uci_splice",
    "load_ars1_library",
    "load_ars1_wildtype",
    "load_crp_sites",
    "load_human_5ss",
]
