"""Seeded simulations with real JASPAR motifs and ground-truth sites: presence and
multi-label tasks (:mod:`.tasks`), the ``SimulatedData`` container (:mod:`.data`),
motif grammar (:mod:`.grammar`) and motif order (:mod:`.order`).

Layer: data. Import public names from here, e.g.
``from gdl_utils.simulate import ...``; the API appendix lists them.
"""

from .data import (
    SITE_COLUMNS,
    SimulatedData,
)
from .grammar import (
    simulate_grammar,
)
from .order import (
    pair_gaps,
    simulate_order,
    swap_order,
)
from .tasks import (
    PRESETS,
    embed_sites,
    preset_motifs,
    random_sequences,
    simulate_multilabel,
    simulate_presence,
)

__all__ = [
    "PRESETS",
    "SITE_COLUMNS",
    "SimulatedData",
    "embed_sites",
    "pair_gaps",
    "preset_motifs",
    "random_sequences",
    "simulate_grammar",
    "simulate_multilabel",
    "simulate_order",
    "simulate_presence",
    "swap_order",
]
