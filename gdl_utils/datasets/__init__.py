"""Real data for the course: a registry of remote files (cache, mirror, offline) and
loaders.

See ``gdl_utils/datasets/registry.json`` for the files, and ``python -m
gdl_utils.datasets list``. Chapters read registered files with :func:`dataset_path` (one
file) or :func:`fetch_dataset` (all files).

Loaders of real sets, one module each: :mod:`.uci`, :mod:`.logomaker_sets`,
:mod:`.expression` (``.h5ad`` single-cell matrices), :mod:`.rbp` (PUM2 eCLIP),
:mod:`.nanopore` (FAST5 reads), :mod:`.string_ppi` (STRING links), :mod:`.genomes`
(*E. coli* genome and sigma-promoters), :mod:`.mpra` (Kircher saturation mutagenesis);
and :mod:`.enrichment`, selection counts -> regression targets.

Layer: data. Import public names from here, e.g.
``from gdl_utils.datasets import load_pum2``.
"""

from .bladder import Bladder, check_bladder, load_bladder, read_bladder
from .enrichment import log2_enrichment, position_enrichment
from .expression import (
    Expression,
    align_genes,
    check_expression,
    load_pbmc68k_reduced,
    read_h5ad_checked,
)
from .fetching import (
    UnknownDatasetError,
    cache_path,
    dataset_path,
    fetch,
    fetch_dataset,
    fetch_with_source,
)
from .genomes import (
    load_ecoli_genome,
    load_ecoli_promoters,
    locate_in_genome,
    read_promoter_file,
    repeated_elsewhere,
)
from .logomaker_sets import (
    load_ars1_library,
    load_ars1_wildtype,
    load_crp_sites,
    load_human_5ss,
)
from .mpra import element_effects, load_kircher_mpra, parse_kircher_mpra
from .nanopore import (
    NanoporeRead,
    load_lambda_reference,
    load_nanopore_reads,
    read_fast5,
)
from .nutrimouse import Nutrimouse, load_nutrimouse, read_nutrimouse
from .pombe import POMBE_COLUMNS, check_pombe_halflife, load_pombe_halflife
from .proteins import load_flip_ss, load_scl2205, parse_fasta_text
from .rbp import load_pum2, parse_pum2
from .registry import (
    DataIntegrityError,
    DataUnavailableError,
    list_datasets,
    load_registry,
)
from .string_ppi import StringLinks, load_string_links, read_string_links
from .uci import load_uci_promoters, load_uci_splice

__all__ = [
    "Bladder",
    "check_bladder",
    "load_bladder",
    "read_bladder",
    "DataIntegrityError",
    "DataUnavailableError",
    "Expression",
    "NanoporeRead",
    "StringLinks",
    "UnknownDatasetError",
    "align_genes",
    "cache_path",
    "check_expression",
    "dataset_path",
    "element_effects",
    "fetch",
    "fetch_dataset",
    "fetch_with_source",
    "list_datasets",
    "load_ars1_library",
    "load_ars1_wildtype",
    "load_crp_sites",
    "load_ecoli_genome",
    "load_ecoli_promoters",
    "load_human_5ss",
    "load_kircher_mpra",
    "load_lambda_reference",
    "load_nanopore_reads",
    "load_pbmc68k_reduced",
    "load_pum2",
    "load_registry",
    "load_string_links",
    "load_uci_promoters",
    "load_uci_splice",
    "locate_in_genome",
    "repeated_elsewhere",
    "log2_enrichment",
    "parse_kircher_mpra",
    "parse_pum2",
    "position_enrichment",
    "read_fast5",
    "read_h5ad_checked",
    "read_promoter_file",
    "read_string_links",
    "POMBE_COLUMNS",
    "check_pombe_halflife",
    "load_pombe_halflife",
    "Nutrimouse",
    "load_nutrimouse",
    "read_nutrimouse",
    "load_flip_ss",
    "load_scl2205",
    "parse_fasta_text",
]
