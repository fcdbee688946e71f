"""Reading trained models: convolution filters and motifs (:mod:`.filters`,
:mod:`.first_layer`), in-silico mutagenesis with a model or any predictor
(:mod:`.ism`), attribution methods (:mod:`.methods`) behind one input validator
(:mod:`.inputs`), their ground-truth scores (:mod:`.scores`) and TF-MoDISco
(:mod:`.modisco`).

Layer: reading models. Import public names from here, e.g.
``from gdl_utils.interpret import ...``; the API appendix lists them.
"""

from .filters import (
    conv_from_pwm,
    conv_weight_to_pwm,
    filter_pwms,
    one_hot_weights,
)
from .first_layer import (
    filter_activations,
)
from .inputs import (
    check_attribution_input,
)
from .ism import (
    ism,
    mutation_effects,
)
from .methods import (
    METHODS,
    attribute,
    dinucleotide_shuffle,
)
from .modisco import (
    compile_modisco,
    enable_disk_cache,
    pattern_recovery,
    run_modisco,
)
from .scores import (
    map_agreement,
    position_importance,
    random_attribution,
    randomized_copy,
    rank_similarity,
    rc_agreement,
    score_positions,
    simplex_correction,
    site_mask,
)

__all__ = [
    "METHODS",
    "attribute",
    "check_attribution_input",
    "compile_modisco",
    "conv_from_pwm",
    "conv_weight_to_pwm",
    "dinucleotide_shuffle",
    "enable_disk_cache",
    "filter_activations",
    "filter_pwms",
    "ism",
    "map_agreement",
    "mutation_effects",
    "one_hot_weights",
    "pattern_recovery",
    "position_importance",
    "random_attribution",
    "randomized_copy",
    "rank_similarity",
    "rc_agreement",
    "run_modisco",
    "score_positions",
    "simplex_correction",
    "site_mask",
]
