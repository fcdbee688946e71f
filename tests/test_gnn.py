"""Graph neural networks (gdl_utils.models.gnn): the hand-written GCN layer equals
PyTorch Geometric's, the models train through ``fit`` on named ``GraphBatch`` batches
(node masks, link pairs) on every device, and bad graphs and batches are refused."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch_geometric.nn import GCNConv

from gdl_utils.graphs import GraphBatch, as_graph_batch, knn_graph, link_split
from gdl_utils.models.gnn import GCN, GCNLayer, GraphAutoencoder, normalized_adjacency
from gdl_utils.training import fit, predict
from gdl_utils.training.checkpoint import load_model, save_checkpoint


def blobs(n=90, n_classes=3, seed=0):
    """Three well-separated clusters in 2-d (graph) with noisy 6-d features."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(n_classes), n // n_classes)
    centres = 10.0 * np.eye(n_classes, 2)
    pos = centres[y] + rng.normal(0, 0.5, (n, 2))
    x = rng.normal(size=(n, 6)).astype(np.float32)
    x[:, 0] += 0.3 * y  # weak signal in the features
    return torch.as_tensor(x), knn_graph(pos, 5, n_pcs=None), torch.as_tensor(y)


def test_normalized_adjacency_by_hand():
    # path 0 - 1 - 2: degrees with self-loops 2, 3, 2
    ei = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
    dense = normalized_adjacency(ei, 3).to_dense()
    d = np.array([2, 3, 2]) ** -0.5
    expected = d[:, None] * (np.eye(3) + np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]]))
    np.testing.assert_allclose(dense.numpy(), expected * d[None, :], rtol=1e-6)
    with pytest.raises(ValueError, match="self-loop"):
        normalized_adjacency(torch.tensor([[0, 1], [0, 0]]), 3)
    with pytest.raises(ValueError, match="more than once"):
        normalized_adjacency(torch.tensor([[0, 0], [1, 1]]), 3)


def test_hand_layer_equals_gcnconv(device):
    x, ei, _ = blobs()
    x, ei = x.to(device), ei.to(device)
    torch.manual_seed(0)
    hand, library = GCNLayer(6, 4).to(device), GCNConv(6, 4).to(device)
    with torch.no_grad():
        hand.linear.weight.copy_(library.lin.weight)
        library.bias.normal_()
        hand.bias.copy_(library.bias)
    torch.testing.assert_close(hand(x, ei), library(x, ei), rtol=1e-5, atol=1e-5)
    adj = normalized_adjacency(ei, len(x))  # a precomputed Â gives the same
    torch.testing.assert_close(hand(x, adj), library(x, ei), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("layer", ["hand", "gcn", "gat", "sage"])
def test_gcn_learns_from_the_graph_with_node_masks(device, layer):
    x, ei, y = blobs()
    train = torch.zeros(len(y), dtype=torch.bool)
    train[::6] = True  # 15 labelled nodes, 5 per class
    batch = GraphBatch(x, ei, y=y, mask=train)
    model = GCN(6, 3, hidden=16, layer=layer, dropout=0.0)
    hist = fit(
        model,
        [batch],
        [batch._replace(mask=~train)],
        epochs=60,
        lr=2e-2,
        device=device,
        seed=0,
        verbose=False,
    )
    df = hist.to_frame()
    assert {"train_acc", "val_acc"} <= set(df.columns)
    # chance 1/3; SAGE keeps each node's own (weak) features apart from its
    # neighbours' mean, so it smooths less in 60 steps
    floor = 0.7 if layer == "sage" else 0.85
    assert df["val_acc"].iloc[-1] > floor, df["val_acc"].iloc[-1]
    logits = predict(model, [batch])
    assert logits.shape == (len(y), 3)


def test_gcn_without_edges_is_an_mlp_and_cannot_use_the_graph():
    x, ei, y = blobs()
    train = torch.zeros(len(y), dtype=torch.bool)
    train[::15] = True
    none = torch.zeros((2, 0), dtype=torch.long)
    model = GCN(6, 3, hidden=16, dropout=0.0)
    fit(
        model,
        [GraphBatch(x, none, y=y, mask=train)],
        epochs=60,
        lr=2e-2,
        seed=0,
        device="cpu",
        verbose=False,
    )
    pred = predict(model, [GraphBatch(x, none)]).argmax(1)
    acc = (pred == y.numpy())[~train.numpy()].mean()
    assert acc < 0.7, acc


def test_gcn_refuses_bad_graphs():
    x, ei, y = blobs()
    model = GCN(6, 3, layer="gcn")
    with pytest.raises(
        ValueError, match=r"edge_index \(for the 80 rows of x\).*outside 0\.\.79"
    ):
        model(x[:80], ei)  # features of 80 nodes, a graph on 90
    with pytest.raises(ValueError, match="outside 0..89"):
        GCN(6, 3)(x, torch.cat([ei, torch.tensor([[0], [90]])], 1))
    with pytest.raises(ValueError, match="layer must be one of"):
        GCN(6, 3, layer="gin")
    with pytest.raises(ValueError, match="sparse adjacency needs layer='hand'"):
        GCN(6, 3, layer="gcn")(x, normalized_adjacency(ei, 90))


def test_graph_autoencoder_beats_chance_and_round_trips(device, tmp_path):
    x, ei, _ = blobs(n=120, seed=1)
    split = link_split(ei, 120, seed=0)
    graph = split.message_passing_graph()
    val = GraphBatch(
        None,
        graph,
        pairs=torch.as_tensor(split.val_pairs),
        labels=torch.as_tensor(split.val_labels),
    )
    torch.manual_seed(0)
    model = GraphAutoencoder(None, n_nodes=120, hidden=16, n_latent=8)
    hist = fit(
        model,
        [GraphBatch(None, graph)],
        [val],
        epochs=80,
        lr=1e-2,
        device=device,
        seed=0,
        verbose=False,
    )
    assert hist.to_frame()["val_loss"].iloc[-1] < 0.6  # chance: log 2 = 0.69
    from sklearn.metrics import roc_auc_score

    test = GraphBatch(None, graph, pairs=torch.as_tensor(split.test_pairs))
    scores = predict(model, [test])
    assert scores.shape == (len(split.test_pairs),)
    assert roc_auc_score(split.test_labels, scores) > 0.8
    save_checkpoint(model, tmp_path / "gae.pt")
    again = load_model(tmp_path / "gae.pt")
    np.testing.assert_allclose(predict(again, [test], device="cpu"), scores, atol=1e-4)
    with pytest.raises(ValueError, match="give n_nodes"):
        GraphAutoencoder(None)


def test_graph_batches_are_named_and_checked():
    x, ei, y = blobs()
    mask = torch.ones(len(y), dtype=torch.bool)
    b = GraphBatch(x, ei, y=y, mask=mask)
    assert b.pairs is None and b.labels is None and b._fields[:2] == ("x", "edge_index")
    assert as_graph_batch((x, ei, y, mask)) == b  # a plain tuple, read by position
    gcn = GCN(6, 3, hidden=8, dropout=0.0)
    torch.testing.assert_close(
        gcn.training_step(b)[0], gcn.training_step(tuple(b)[:4])[0]
    )
    with pytest.raises(ValueError, match=r"GCN: the batch needs \['y', 'mask'\]"):
        gcn.training_step(GraphBatch(x, ei))
    with pytest.raises(TypeError, match="expected a GraphBatch.*got Tensor"):
        gcn.predict_step(x)
    with pytest.raises(TypeError, match="of length 7"):
        as_graph_batch((x, ei, y, mask, None, None, None))
    gae = GraphAutoencoder(6)
    pairs, labels = torch.tensor([[0, 1], [2, 3]]), torch.tensor([1, 0])
    # the old positional batch (x, edge_index, pairs, labels) would put the pairs in
    # y= and mask=: refused, not misread
    with pytest.raises(ValueError, match=r"must not have \['y', 'mask'\]"):
        gae.training_step((x, ei, pairs, labels))
    with pytest.raises(ValueError, match=r"needs \['labels'\]"):
        gae.training_step(GraphBatch(x, ei, pairs=pairs))
    with pytest.raises(ValueError, match=r"needs \['pairs'\]"):
        gae.predict_step(GraphBatch(x, ei))
    assert gae.predict_step(GraphBatch(x, ei, pairs=pairs)).shape == (2,)
    loss = gae.training_step(GraphBatch(x, ei, pairs=pairs, labels=labels))
    assert loss.dim() == 0
