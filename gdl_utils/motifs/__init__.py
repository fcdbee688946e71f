"""Motifs: position weight matrices and scanning (:mod:`.pwm`), the ``Motif`` object
and JASPAR (:mod:`.jaspar`), motif-to-motif comparison with Tomtom (:mod:`.match`),
which planted motifs a network recovered (:mod:`.recovery`), and ΔPWM variant
scores (:mod:`.variants`).

Layer: data. Import public names from here, e.g.
``from gdl_utils.motifs import ...``; the API appendix lists them.
"""

from .jaspar import (
    JASPAR_RELEASE,
    Motif,
    load_jaspar_collection,
    load_jaspar_motif,
)
from .match import (
    compile_tomtom,
    match_motifs,
    motif_similarity,
    orient_like,
    tomtom,
    tomtom_table,
)
from .pwm import (
    best_match,
    counts_to_ppm,
    information_content,
    ppm_to_log_odds,
    sample_motif,
    scan_pwm,
)
from .recovery import (
    jaspar_families,
    recovery_table,
)
from .variants import (
    delta_pwm,
    score_variants,
)

__all__ = [
    "JASPAR_RELEASE",
    "Motif",
    "best_match",
    "compile_tomtom",
    "counts_to_ppm",
    "information_content",
    "jaspar_families",
    "load_jaspar_collection",
    "load_jaspar_motif",
    "match_motifs",
    "motif_similarity",
    "orient_like",
    "ppm_to_log_odds",
    "recovery_table",
    "sample_motif",
    "scan_pwm",
    "tomtom",
    "tomtom_table",
    "delta_pwm",
    "score_variants",
]
