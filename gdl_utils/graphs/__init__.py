"""Graphs as data: the one ``edge_index`` validator and k-NN graphs (:mod:`.build`),
one graph with named parts as a training batch (:mod:`.batch`, ``GraphBatch``),
link-prediction splits and heuristic baselines (:mod:`.links`).

Layer: data. Import public names from here, e.g.
``from gdl_utils.graphs import ...``; the API appendix lists them.
"""

from .batch import GraphBatch, as_graph_batch
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
    "GraphBatch",
    "HEURISTICS",
    "LinkSplit",
    "as_graph_batch",
    "check_graph",
    "edge_pairs",
    "heuristic_scores",
    "knn_graph",
    "labelled_per_class",
    "link_split",
]
