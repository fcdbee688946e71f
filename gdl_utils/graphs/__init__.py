"""Graphs as data: the one ``edge_index`` validator and k-NN graphs (:mod:`.build`),
link-prediction splits and heuristic baselines (:mod:`.links`).

Layer: data. Import public names
from here, e.g. ``from gdl_utils.graphs import ...``; the API appendix lists them.
"""

from .build import (
    check_graph,
    edge_pairs,
    knn_graph,
    labelled_per_class,
)
from .links import (
    HEURISTICS,
    LinkSplit,
    heuristic_scores,
    link_split,
)

__all__ = [
    "HEURISTICS",
    "LinkSplit",
    "check_graph",
    "edge_pairs",
    "heuristic_scores",
    "knn_graph",
    "labelled_per_class",
    "link_split",
]
