"""Graphs as tensors: one validator for edge lists, and the k-nearest-neighbour graph
of cells.

A graph on ``n_nodes`` nodes is an **edge index** ``(2, E)`` of integer node ids, one
column per directed edge ``source -> target`` (PyTorch Geometric's layout, Fey &
Lenssen 2019). An undirected graph lists every edge in both directions.

- :func:`check_graph`: the one validator every graph passes through: shape ``(2, E)``,
  integer dtype, ids in ``0 .. n_nodes - 1``, node features of the same size, and (where
  they matter) no self-loops and no duplicated edges; each error names the argument, the
  offending column and the node.
- :func:`knn_graph`: cells -> a symmetric k-NN graph on their principal components (the
  cell graph of single-cell analysis).
- :func:`edge_pairs`: the undirected edges as unique ``(u, v)`` pairs with ``u < v``.
- :func:`labelled_per_class`: which nodes are labelled in a few-label experiment.

Used in: chapter 6 (notebooks 06a, 06b, 06c).
"""

from __future__ import annotations

import numpy as np
import torch

from .._util import check_int

__all__ = ["check_graph", "edge_pairs", "knn_graph", "labelled_per_class"]


def _as_edge_tensor(edge_index, name: str) -> torch.Tensor:
    if isinstance(edge_index, torch.Tensor):
        ei = edge_index
    else:
        arr = np.asarray(edge_index)
        if arr.dtype.kind not in "biuf":
            raise TypeError(
                f"{name}: expected integer node ids, got an array of dtype {arr.dtype}"
            )
        ei = torch.from_numpy(np.ascontiguousarray(arr))
    if ei.dim() != 2 or ei.shape[0] != 2:
        hint = (
            " (transpose it: edges are columns)"
            if ei.dim() == 2 and ei.shape[1] == 2
            else ""
        )
        raise ValueError(
            f"{name}: expected shape (2, n_edges), got {tuple(ei.shape)}{hint}"
        )
    if ei.dtype.is_floating_point or ei.dtype == torch.bool or ei.is_complex():
        raise TypeError(
            f"{name}: node ids must be integers (torch.long), got dtype {ei.dtype}"
        )
    return ei.long()


def check_graph(
    edge_index,
    n_nodes: int,
    *,
    x=None,
    self_loops: bool = True,
    duplicates: bool = True,
    undirected: bool = False,
    name: str = "edge_index",
) -> torch.Tensor:
    """Validate a graph and return its edge index as a ``torch.long`` tensor.

    Parameters
    ----------
    edge_index : (2, E) integer array or tensor; column ``j`` is the edge
        ``edge_index[0, j] -> edge_index[1, j]``
    n_nodes : number of nodes; every id must lie in ``0 .. n_nodes - 1``
    x : optional node features ``(n_nodes, n_features)``; their row count must be
        ``n_nodes``
    self_loops, duplicates : whether edges ``i -> i`` and repeated columns are allowed
        (a layer that adds self-loops itself, such as a GCN, counts them twice
        otherwise)
    undirected : require every edge to appear in both directions
    name : the argument's name, used in the error messages

    Raises ``TypeError`` for non-integer ids and ``ValueError`` naming the first bad
    column (and its nodes) otherwise.

    Used in: chapter 6 (every graph model and split).
    """
    if isinstance(n_nodes, bool) or not isinstance(n_nodes, (int, np.integer)):
        raise TypeError(f"{name}: n_nodes must be an int, got {n_nodes!r}")
    if n_nodes < 1:
        raise ValueError(f"{name}: n_nodes must be >= 1, got {n_nodes}")
    ei = _as_edge_tensor(edge_index, name)
    if x is not None and (x.ndim < 1 or x.shape[0] != n_nodes):
        raise ValueError(
            f"{name}: the graph has {n_nodes} nodes but the features x have"
            f" {x.shape[0] if x.ndim else 0} rows (shape {tuple(x.shape)}); features"
            " and graph must describe the same nodes, in the same order"
        )
    bad = ((ei < 0) | (ei >= n_nodes)).any(0)
    if bad.any():
        j = int(bad.nonzero()[0, 0])
        raise ValueError(
            f"{name}: {int(bad.sum())} edge(s) use node ids outside 0..{n_nodes - 1};"
            f" the first is column {j} ({int(ei[0, j])} -> {int(ei[1, j])})"
        )
    if not self_loops:
        loop = ei[0] == ei[1]
        if loop.any():
            j = int(loop.nonzero()[0, 0])
            raise ValueError(
                f"{name}: {int(loop.sum())} self-loop(s) where none are allowed; the"
                f" first is column {j} (node {int(ei[0, j])})"
            )
    key = ei[0] * n_nodes + ei[1]
    if not duplicates:
        _, first = np.unique(key.cpu().numpy(), return_index=True)
        if len(first) < len(key):
            repeat = np.ones(len(key), dtype=bool)
            repeat[first] = False
            j = int(np.flatnonzero(repeat)[0])
            raise ValueError(
                f"{name}: {int(repeat.sum())} edge(s) listed more than once; the"
                f" first repeat is column {j} ({int(ei[0, j])} -> {int(ei[1, j])})"
            )
    if undirected:
        reverse = ei[1] * n_nodes + ei[0]
        missing = ~torch.isin(reverse, key)
        if missing.any():
            j = int(missing.nonzero()[0, 0])
            raise ValueError(
                f"{name}: not undirected: {int(missing.sum())} edge(s) lack the reverse"
                f" direction; the first is column {j} ({int(ei[0, j])} ->"
                f" {int(ei[1, j])})"
            )
    return ei


def edge_pairs(edge_index, n_nodes: int) -> np.ndarray:
    """The distinct undirected edges of a graph as ``(n_pairs, 2)`` ids with ``u < v``
    (self-loops dropped), sorted.

    Used in: chapter 6 (link prediction, notebook 06c).
    """
    ei = check_graph(edge_index, n_nodes).cpu().numpy()
    u, v = np.minimum(ei[0], ei[1]), np.maximum(ei[0], ei[1])
    keep = u != v
    key = np.unique(u[keep].astype(np.int64) * n_nodes + v[keep])
    return np.stack([key // n_nodes, key % n_nodes], axis=1)


def knn_graph(
    X, k: int = 15, *, n_pcs: int | None = 50, seed: int | None = 0
) -> torch.Tensor:
    """A symmetric k-nearest-neighbour graph of the rows of ``X``.

    Each row is linked to its ``k`` nearest other rows (Euclidean distance on the first
    ``n_pcs`` principal components of ``X``, or on ``X`` itself if ``n_pcs`` is None);
    the graph is then made undirected (an edge if either end chose the other), as in
    scanpy's neighbour graph. No self-loops, no duplicates.

    Parameters
    ----------
    X : (n_nodes, n_features) array, e.g. standardised log-expression of cells
    k : neighbours per node (1 <= k < n_nodes)
    n_pcs : principal components used for the distances (None: use X as is)
    seed : for the randomised PCA solver

    Returns
    -------
    edge_index : (2, E) torch.long, both directions of every edge

    Used in: chapter 6 (the cell graph, notebooks 06a, 06b).
    """
    from sklearn.decomposition import PCA
    from sklearn.neighbors import NearestNeighbors

    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2:
        raise ValueError(f"knn_graph: X must be (n_nodes, n_features), got {X.shape}")
    if not np.isfinite(X).all():
        row = int(np.argwhere(~np.isfinite(X))[0, 0])
        raise ValueError(
            f"knn_graph: X has NaN or infinite values (first in row {row})"
        )
    n = X.shape[0]
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k < n:
        raise ValueError(f"knn_graph: k must be an int in 1..{n - 1}, got {k!r}")
    if n_pcs is not None:
        n_pcs = min(n_pcs, *X.shape)
        X = PCA(n_components=n_pcs, random_state=seed).fit_transform(X)
    _, idx = NearestNeighbors(n_neighbors=k + 1).fit(X).kneighbors(X)
    src = np.repeat(np.arange(n), k)
    dst = np.array([row[row != i][:k] for i, row in enumerate(idx)]).ravel()
    u, v = np.concatenate([src, dst]), np.concatenate([dst, src])
    key = np.unique(u.astype(np.int64) * n + v)
    ei = torch.as_tensor(np.stack([key // n, key % n]))
    return check_graph(ei, n, self_loops=False, duplicates=False, undirected=True)


def labelled_per_class(y, k: int, *, seed: int | None = None) -> np.ndarray:
    """A random few-label mask: ``k`` nodes of every class, but never more than half
    of a class (the rest of each class stays unlabelled for testing).

    Parameters
    ----------
    y : (n_nodes,) integer class labels 0 .. n_classes - 1
    k : labelled nodes per class
    seed : the draw (the same seed gives the same mask)

    Returns
    -------
    (n_nodes,) bool

    Used in: chapter 6 (notebooks 06a, 06b).
    """
    y = np.asarray(y)
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise ValueError(
            f"labelled_per_class: y must be (n_nodes,) integer labels, got shape "
            f"{y.shape} and dtype {y.dtype}"
        )
    k = check_int(k, "k", minimum=1)
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(y), dtype=bool)
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        mask[rng.choice(members, min(k, len(members) // 2), replace=False)] = True
    return mask
