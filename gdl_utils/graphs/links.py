"""Link prediction without leakage: an edge split, negative pairs, and the classical
neighbourhood heuristics.

- :func:`link_split`: hold out a fraction of the undirected edges as validation and
  test positives, sample as many node pairs that are *not* edges as negatives, and keep
  the rest as the message-passing graph. That no held-out edge is in the message-passing
  graph, and that no negative pair is an edge, is asserted (a model that sees a test
  edge while encoding would score it by copying it).
- :func:`heuristic_scores`: common neighbours, Adamic-Adar (Adamic & Adar 2003) and
  preferential attachment (Liben-Nowell & Kleinberg 2007), computed by ``networkx`` on
  the message-passing graph only.

Used in: chapter 6 (notebook 06c).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .._util import check_fraction
from .build import check_graph, edge_pairs

__all__ = ["LinkSplit", "heuristic_scores", "link_split", "HEURISTICS"]
HEURISTICS = ("common neighbours", "Adamic-Adar", "preferential attachment")


@dataclass
class LinkSplit:
    """An edge split of one undirected graph.

    Attributes
    ----------
    n_nodes : nodes of the graph (all kept; some may lose every edge)
    train_pairs : (n_train, 2) undirected edges ``u < v`` the model may see
    val_pairs, test_pairs : (n, 2) node pairs to score, positives first
    val_labels, test_labels : (n,) 1 for a held-out edge, 0 for a sampled non-edge

    Used in: chapter 6 (notebook 06c).
    """

    n_nodes: int
    train_pairs: np.ndarray
    val_pairs: np.ndarray
    val_labels: np.ndarray
    test_pairs: np.ndarray
    test_labels: np.ndarray

    def message_passing_graph(self) -> torch.Tensor:
        """The training edges in both directions, ``(2, 2 * n_train)`` torch.long.

        Used in: chapter 6 (notebook 06c).
        """
        u, v = self.train_pairs.T
        return torch.as_tensor(np.stack([np.r_[u, v], np.r_[v, u]]), dtype=torch.long)


def _sample_non_edges(n_nodes, forbidden: set, n: int, rng) -> np.ndarray:
    """``n`` distinct pairs ``u < v`` that are not in ``forbidden`` (keys u*N+v)."""
    chosen: set = set()
    while len(chosen) < n:
        u, v = rng.integers(0, n_nodes, size=(2, 2 * (n - len(chosen)) + 16))
        u, v = np.minimum(u, v), np.maximum(u, v)
        for key in (u * n_nodes + v)[u != v].tolist():
            if key not in forbidden and key not in chosen:
                chosen.add(key)
                if len(chosen) == n:
                    break
    keys = np.array(sorted(chosen), dtype=np.int64)
    return np.stack([keys // n_nodes, keys % n_nodes], axis=1)


def link_split(
    edge_index,
    n_nodes: int,
    *,
    val_fraction: float = 0.05,
    test_fraction: float = 0.1,
    seed: int | None = None,
) -> LinkSplit:
    """Split the undirected edges of a graph into train / validation / test positives,
    and sample one non-edge per held-out edge as a negative.

    Parameters
    ----------
    edge_index : (2, E) integer ids (either or both directions; duplicates and
        self-loops are dropped)
    n_nodes : number of nodes
    val_fraction, test_fraction : fractions of the distinct undirected edges held out
    seed : the same seed gives the same split

    Negatives are drawn uniformly from all pairs ``u < v`` that are edges of *no* part
    of the graph, distinct, and shared by no two parts. Raises ``ValueError`` if the
    fractions leave no training edge, or if the graph has too few non-edges.

    Used in: chapter 6 (notebook 06c).
    """
    check_fraction(val_fraction, "val_fraction")
    check_fraction(test_fraction, "test_fraction")
    pairs = edge_pairs(edge_index, n_nodes)
    n_val, n_test = (round(f * len(pairs)) for f in (val_fraction, test_fraction))
    if n_val + n_test >= len(pairs) or min(n_val, n_test) < 1:
        raise ValueError(
            f"link_split: {len(pairs)} edges cannot give {n_val} validation, {n_test}"
            f" test and at least one training edge (val_fraction={val_fraction},"
            f" test_fraction={test_fraction})"
        )
    if n_nodes * (n_nodes - 1) // 2 - len(pairs) < 2 * (n_val + n_test):
        raise ValueError(
            f"link_split: the graph is too dense to sample {n_val + n_test} non-edges"
        )
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(pairs))
    val_pos, test_pos = pairs[order[:n_val]], pairs[order[n_val : n_val + n_test]]
    train = pairs[np.sort(order[n_val + n_test :])]
    edges = set((pairs[:, 0] * n_nodes + pairs[:, 1]).tolist())
    negatives = _sample_non_edges(n_nodes, edges, n_val + n_test, rng)
    negatives = negatives[rng.permutation(len(negatives))]
    val_neg, test_neg = negatives[:n_val], negatives[n_val:]
    split = LinkSplit(
        n_nodes,
        train,
        np.concatenate([val_pos, val_neg]),
        np.r_[np.ones(n_val), np.zeros(n_val)].astype(np.float32),
        np.concatenate([test_pos, test_neg]),
        np.r_[np.ones(n_test), np.zeros(n_test)].astype(np.float32),
    )
    _assert_no_leakage(split, edges)
    return split


def _assert_no_leakage(split: LinkSplit, edges: set) -> None:
    n = split.n_nodes

    def keys(p):
        return set((p[:, 0] * n + p[:, 1]).tolist())

    train = keys(split.train_pairs)
    for part in ("val", "test"):
        pairs, labels = (
            getattr(split, f"{part}_pairs"),
            getattr(split, f"{part}_labels"),
        )
        pos, neg = keys(pairs[labels == 1]), keys(pairs[labels == 0])
        assert not pos & train, f"a {part} edge is in the message-passing graph"
        assert not neg & edges, f"a {part} negative pair is an edge of the graph"
    assert not keys(split.val_pairs) & keys(split.test_pairs), "val and test overlap"


def heuristic_scores(split_or_pairs, pairs, n_nodes: int | None = None) -> dict:
    """Classical link-prediction scores of ``pairs`` on a graph, by ``networkx``.

    Parameters
    ----------
    split_or_pairs : a :class:`LinkSplit` (its message-passing graph is used) or a
        (n_edges, 2) array of undirected edges
    pairs : (n_pairs, 2) node pairs to score
    n_nodes : number of nodes (taken from the split if one is given)

    Returns
    -------
    dict: name in :data:`HEURISTICS` -> (n_pairs,) float array. Common neighbours
    ``|N(u) & N(v)|``; Adamic-Adar ``sum over common w of 1 / log deg(w)``;
    preferential attachment ``deg(u) * deg(v)``.

    Used in: chapter 6 (notebook 06c).
    """
    import networkx as nx

    if isinstance(split_or_pairs, LinkSplit):
        n_nodes, graph_pairs = split_or_pairs.n_nodes, split_or_pairs.train_pairs
    else:
        graph_pairs = np.asarray(split_or_pairs)
        if n_nodes is None:
            raise ValueError("heuristic_scores: give n_nodes with an edge array")
    pairs = np.asarray(pairs)
    check_graph(pairs.T, n_nodes, name="pairs")
    check_graph(graph_pairs.T, n_nodes, name="graph edges")
    graph = nx.Graph()
    graph.add_nodes_from(range(n_nodes))
    graph.add_edges_from(map(tuple, graph_pairs.tolist()))
    ebunch = list(map(tuple, pairs.tolist()))
    return {
        "common neighbours": np.array(
            [len(list(nx.common_neighbors(graph, u, v))) for u, v in ebunch], float
        ),
        "Adamic-Adar": np.array([s for *_, s in nx.adamic_adar_index(graph, ebunch)]),
        "preferential attachment": np.array(
            [s for *_, s in nx.preferential_attachment(graph, ebunch)], float
        ),
    }
