"""The chapter 6 exercise check: a GraphSAGE mean layer passes; broken ones (sum
instead of mean, messages in the wrong direction, the two weights swapped) fail."""

from __future__ import annotations

import pytest
import torch

from gdl_utils.exercises import check_sage_layer


def sage_layer(
    x, edge_index, weight_self, weight_neigh, bias, *, aggr="mean", flip=False
):
    sender, receiver = edge_index.flip(0) if flip else edge_index
    total = torch.zeros_like(x).index_add_(0, receiver, x[sender])
    if aggr == "mean":
        count = torch.bincount(receiver, minlength=len(x)).clamp(min=1)
        total = total / count[:, None]
    return x @ weight_self.T + total @ weight_neigh.T + bias


def test_a_mean_layer_passes():
    summary = check_sage_layer(sage_layer)
    assert summary.startswith("check_sage_layer: all") and "\n" not in summary
    for seed in (1, 2):
        check_sage_layer(sage_layer, seed=seed)


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (dict(aggr="sum"), "star"),
        (dict(flip=True), "node 0 receives nothing"),
    ],
)
def test_a_broken_layer_fails(broken, message):
    with pytest.raises(AssertionError, match=message):
        check_sage_layer(lambda *a: sage_layer(*a, **broken))


def test_swapped_weights_fail():
    with pytest.raises(AssertionError, match="differs"):
        check_sage_layer(lambda x, e, ws, wn, b: sage_layer(x, e, wn, ws, b))
