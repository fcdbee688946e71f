"""Real data for the course: a registry of remote files (cache, mirror, offline) and loaders.

See ``gdl_utils/datasets/registry.json`` for the files, and ``python -m gdl_utils.datasets list``.

Used in: ch. 1, 2, 3.
"""
from .registry import (DataIntegrityError, DataUnavailableError, cache_path, fetch, fetch_with_source,
                       list_datasets, load_registry)
from .uci import load_uci_promoters, load_uci_splice
from .logomaker_sets import load_ars1_library, load_ars1_wildtype, load_crp_sites, load_human_5ss

__all__ = [
    "DataIntegrityError", "DataUnavailableError", "cache_path", "fetch", "fetch_with_source",
    "list_datasets", "load_registry", "load_uci_promoters", "load_uci_splice", "load_ars1_library",
    "load_ars1_wildtype", "load_crp_sites", "load_human_5ss",
]
