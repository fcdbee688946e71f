"""One graph as a batch, with named parts: :class:`GraphBatch`.

A graph model trains on one graph per step (chapter 6), and what a step needs besides
the graph depends on the task: node labels and the mask of labelled nodes for a node
classifier, node pairs and their 0/1 labels for link prediction. PyTorch Geometric
passes them by name (``data.x, data.edge_index, data.edge_label_index``); so does
``GraphBatch``, a named tuple that ``fit``, ``predict`` and
:func:`gdl_utils.runtime.to_device` move as a whole (``None`` parts stay ``None``).

Used in: chapter 6 (notebooks 06a, 06b, 06c).
"""

from __future__ import annotations

from typing import NamedTuple

import torch

__all__ = ["GraphBatch", "as_graph_batch"]


class GraphBatch(NamedTuple):
    """One graph and what a step needs from it, by name.

    Parameters
    ----------
    x : (n_nodes, n_features) node features, or None (a model with learned node
        inputs, e.g. :class:`~gdl_utils.models.GraphAutoencoder` without features)
    edge_index : (2, E) long edge index (both directions of every undirected edge), or
        for the hand-written GCN the sparse ``(n_nodes, n_nodes)`` normalised adjacency
    y : (n_nodes,) long node classes (node classification)
    mask : (n_nodes,) bool, the nodes whose labels the loss uses
    pairs : (n_pairs, 2) long node pairs to score (link prediction)
    labels : (n_pairs,) 0/1 labels of ``pairs`` (1 = a link)

    Examples: ``GraphBatch(x, edge_index, y=y, mask=train)`` for a node classifier,
    ``GraphBatch(None, graph, pairs=val_pairs, labels=val_labels)`` to validate a graph
    autoencoder.

    Used in: chapter 6 (06a, 06b, 06c).
    """

    x: torch.Tensor | None
    edge_index: torch.Tensor
    y: torch.Tensor | None = None
    mask: torch.Tensor | None = None
    pairs: torch.Tensor | None = None
    labels: torch.Tensor | None = None


def as_graph_batch(
    batch, where: str = "graph model", *, needs=(), refuses=()
) -> GraphBatch:
    """``batch`` as a :class:`GraphBatch`: a GraphBatch as it is, a plain tuple or list
    read by position in GraphBatch's field order (``(x, edge_index, y, mask)``).

    Parameters
    ----------
    where : the caller, named in errors
    needs, refuses : names of fields that must be given (not None) / must be None

    Raises TypeError for anything else or a tuple of the wrong length, ValueError
    naming a missing or unexpected field.

    Used in: chapter 6 (through the models' ``training_step`` and ``predict_step``).
    """
    if isinstance(batch, (tuple, list)) and not isinstance(batch, GraphBatch):
        if 2 <= len(batch) <= len(GraphBatch._fields):
            batch = GraphBatch(*batch)
    if not isinstance(batch, GraphBatch):
        raise TypeError(
            f"{where}: expected a GraphBatch(x, edge_index, y=..., mask=..., pairs=...,"
            f" labels=...), got {type(batch).__name__}"
            + (f" of length {len(batch)}" if isinstance(batch, (tuple, list)) else "")
        )
    missing = [f for f in needs if getattr(batch, f) is None]
    extra = [f for f in refuses if getattr(batch, f) is not None]
    if missing or extra:
        raise ValueError(
            f"{where}: the batch needs {missing or 'nothing more'} and must not have"
            f" {extra or 'more'} (GraphBatch fields {list(GraphBatch._fields)})"
        )
    return batch
