"""Graphs as tensors (gdl_utils.graphs) and leakage-free link prediction
(gdl_utils.graphs.links)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gdl_utils.graphs.build import check_graph, edge_pairs, knn_graph
from gdl_utils.graphs.links import LinkSplit, heuristic_scores, link_split


def test_check_graph_accepts_and_converts():
    ei = check_graph(np.array([[0, 1], [1, 0]], dtype=np.int32), 2)
    assert ei.dtype == torch.long and ei.shape == (2, 2)


@pytest.mark.parametrize(
    "edges, kwargs, error, match",
    [
        ([[0, 1, 2]], {}, ValueError, r"expected shape \(2, n_edges\), got \(1, 3\)"),
        ([[0, 1], [1, 2], [2, 0]], {}, ValueError, "transpose it"),
        ([[0.0, 1.0], [1.0, 0.0]], {}, TypeError, "must be integers"),
        (
            [[0, 1, 2], [1, 5, 0]],
            {},
            ValueError,
            r"outside 0\.\.2.*column 1 \(1 -> 5\)",
        ),
        ([[0, -1], [1, 0]], {}, ValueError, r"column 1 \(-1 -> 0\)"),
        ([[0, 2, 1], [1, 2, 0]], {"self_loops": False}, ValueError, "column 1 .node 2"),
        (
            [[0, 1, 0], [1, 0, 1]],
            {"duplicates": False},
            ValueError,
            r"listed more than once; the first repeat is column 2 \(0 -> 1\)",
        ),
        ([[0, 1], [1, 2]], {"undirected": True}, ValueError, r"column 0 \(0 -> 1\)"),
        ([[0], [1]], {"x": np.zeros((4, 2))}, ValueError, "3 nodes but the features"),
    ],
)
def test_check_graph_errors_name_what_and_where(edges, kwargs, error, match):
    with pytest.raises(error, match=match):
        check_graph(np.array(edges), 3, name="edge_index", **kwargs)


def test_check_graph_names_the_argument():
    with pytest.raises(ValueError, match="^pairs: "):
        check_graph(np.array([[0], [9]]), 3, name="pairs")
    with pytest.raises(TypeError, match="n_nodes must be an int"):
        check_graph(np.array([[0], [1]]), 3.0)


def test_knn_graph_is_symmetric_without_loops():
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 0.1, (20, 5)), rng.normal(5, 0.1, (20, 5))]
    ei = knn_graph(X, 3, n_pcs=2)
    check_graph(ei, 40, self_loops=False, duplicates=False, undirected=True)
    assert (ei.shape[1] >= 40 * 3) and (ei.shape[1] <= 2 * 40 * 3)
    assert ((ei[0] < 20) == (ei[1] < 20)).all()  # no edge between the two clusters
    with pytest.raises(ValueError, match="k must be an int in 1..39"):
        knn_graph(X, 40)
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="row 3"):
        knn_graph(X, 3)


def test_edge_pairs_are_unique_and_sorted():
    ei = np.array([[0, 1, 2, 1, 3], [1, 0, 1, 2, 3]])
    assert edge_pairs(ei, 4).tolist() == [[0, 1], [1, 2]]


def test_heuristics_on_a_tiny_graph():
    # 0-1, 0-2, 1-2, 1-3, 2-3, 3-4: pairs (0, 3) and (0, 4)
    graph = np.array([[0, 1], [0, 2], [1, 2], [1, 3], [2, 3], [3, 4]])
    scores = heuristic_scores(graph, np.array([[0, 3], [0, 4], [1, 4]]), n_nodes=5)
    # common neighbours of 0 and 3: {1, 2}; of 0 and 4: none; of 1 and 4: {3}
    assert scores["common neighbours"].tolist() == [2, 0, 1]
    # 1 and 2 have degree 3; 3 has degree 3
    aa = [2 / math.log(3), 0.0, 1 / math.log(3)]
    np.testing.assert_allclose(scores["Adamic-Adar"], aa)
    assert scores["preferential attachment"].tolist() == [2 * 3, 2 * 1, 3 * 1]
    with pytest.raises(ValueError, match="pairs: .*outside 0..4"):
        heuristic_scores(graph, np.array([[0, 7]]), n_nodes=5)


def random_graph(n, p, seed):
    rng = np.random.default_rng(seed)
    a = np.triu(rng.random((n, n)) < p, 1)
    return np.array(np.nonzero(a))


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(12, 40),
    p=st.floats(0.1, 0.4),
    seed=st.integers(0, 10_000),
    fractions=st.tuples(st.floats(0.05, 0.3), st.floats(0.05, 0.3)),
)
def test_link_split_has_no_leakage(n, p, seed, fractions):
    ei = random_graph(n, p, seed)
    n_edges = ei.shape[1]
    val_f, test_f = fractions
    n_val, n_test = round(val_f * n_edges), round(test_f * n_edges)
    if min(n_val, n_test) < 1 or n_val + n_test >= n_edges:
        with pytest.raises(ValueError, match="cannot give"):
            link_split(ei, n, val_fraction=val_f, test_fraction=test_f, seed=seed)
        return
    if n * (n - 1) // 2 - n_edges < 2 * (n_val + n_test):
        return
    split = link_split(ei, n, val_fraction=val_f, test_fraction=test_f, seed=seed)
    edges = {tuple(e) for e in edge_pairs(ei, n).tolist()}
    train = {tuple(e) for e in split.train_pairs.tolist()}
    held = []
    for pairs, labels in (
        (split.val_pairs, split.val_labels),
        (split.test_pairs, split.test_labels),
    ):
        pos = {tuple(e) for e in pairs[labels == 1].tolist()}
        neg = {tuple(e) for e in pairs[labels == 0].tolist()}
        assert pos <= edges and not pos & train  # held-out edges are real, unseen
        assert not neg & edges and len(neg) == len(pos)  # negatives are non-edges
        assert all(u < v for u, v in neg)
        held.append(pos | neg)
    assert not held[0] & held[1]
    assert train | set().union(*[h & edges for h in held]) == edges  # nothing lost
    mp = split.message_passing_graph()
    check_graph(mp, n, self_loops=False, duplicates=False, undirected=True)
    mp_pairs = {tuple(e) for e in edge_pairs(mp, n).tolist()}
    assert mp_pairs == train


def test_link_split_is_seeded_and_refuses_bad_fractions():
    ei = random_graph(30, 0.3, 0)
    a, b = (link_split(ei, 30, seed=1) for _ in range(2))
    assert isinstance(a, LinkSplit)
    assert np.array_equal(a.test_pairs, b.test_pairs)
    assert not np.array_equal(a.test_pairs, link_split(ei, 30, seed=2).test_pairs)
    with pytest.raises(ValueError, match="val_fraction must lie in"):
        link_split(ei, 30, val_fraction=1.5)
    with pytest.raises(ValueError, match="cannot give"):
        link_split(ei, 30, val_fraction=0.5, test_fraction=0.5)


def test_labelled_per_class_takes_k_of_each_class_and_at_most_half():
    from gdl_utils.graphs.build import labelled_per_class

    y = np.repeat([0, 1, 2], [10, 10, 4])
    mask = labelled_per_class(y, 3, seed=0)
    assert mask.dtype == bool and mask.shape == y.shape
    assert np.bincount(y[mask], minlength=3).tolist() == [3, 3, 2]  # class 2: half
    assert np.array_equal(mask, labelled_per_class(y, 3, seed=0))
    assert not np.array_equal(mask, labelled_per_class(y, 3, seed=1))
    with pytest.raises(ValueError, match="integer labels"):
        labelled_per_class(y.astype(float), 3)
