"""Chapter 6 exercises: a GraphSAGE layer with mean aggregation, checked against
PyTorch Geometric's ``SAGEConv`` with the same weights.

Layer: exercises.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["check_sage_layer"]


def _cases(seed: int) -> list[tuple[str, int, torch.Tensor, int, int]]:
    """(name, n_nodes, edge_index (2, E), in_features, out_features) cases."""
    rng = np.random.default_rng(seed)

    def random_graph(n: int, n_edges: int) -> torch.Tensor:
        pairs = {
            tuple(p) for p in rng.integers(0, n, size=(n_edges, 2)) if p[0] != p[1]
        }
        return torch.as_tensor(sorted(pairs), dtype=torch.long).reshape(-1, 2).T

    return [
        (
            "one edge 0 -> 1 (node 0 receives nothing)",
            2,
            torch.tensor([[0], [1]]),
            3,
            2,
        ),
        ("directed star: 1, 2, 3 -> 0", 4, torch.tensor([[1, 2, 3], [0, 0, 0]]), 3, 2),
        (
            "path 0 - 1 - 2, both directions",
            3,
            torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]]),
            4,
            3,
        ),
        ("an isolated node (4)", 5, torch.tensor([[0, 1, 2, 3], [1, 2, 3, 0]]), 3, 3),
        ("random graph", 30, random_graph(30, 120), 8, 5),
    ]


def check_sage_layer(fn, seed: int = 0, atol: float = 1e-5) -> str:
    """Check a student's GraphSAGE layer (mean aggregation) against ``SAGEConv``.

    Parameters
    ----------
    fn : callable
        ``fn(x, edge_index, weight_self, weight_neigh, bias) -> (n, out_features)``:
        ``x`` the ``(n, in_features)`` node features, ``edge_index`` a ``(2, E)``
        long tensor of ``(sender, receiver)`` columns, ``weight_self`` and
        ``weight_neigh`` ``(out_features, in_features)`` (the layout of
        ``nn.Linear``), ``bias`` ``(out_features,)``. It returns
        ``x_i W_self^T + mean_{j -> i} x_j W_neigh^T + b``; a node that receives
        no edge gets a zero mean.
    seed : int
        Seed of the random features, weights and graph.
    atol : float
        Absolute tolerance.

    Returns
    -------
    str
        A one-line summary when every case agrees.

    Raises
    ------
    AssertionError
        Naming the first case and node that differ, the expected and the returned
        row.

    Used in: chapter 6 (notebook 06a).
    """
    from torch_geometric.nn import SAGEConv  # here: PyG takes seconds to import

    cases = _cases(seed)
    gen = torch.Generator().manual_seed(seed)
    for name, n, edge_index, f_in, f_out in cases:
        x = torch.randn(n, f_in, generator=gen)
        conv = SAGEConv(f_in, f_out, aggr="mean")
        with torch.no_grad():
            conv.lin_l.weight.copy_(torch.randn(f_out, f_in, generator=gen))
            conv.lin_l.bias.copy_(torch.randn(f_out, generator=gen))
            conv.lin_r.weight.copy_(torch.randn(f_out, f_in, generator=gen))
            expected = conv(x, edge_index)
            got = fn(
                x.clone(),
                edge_index.clone(),
                conv.lin_r.weight.clone(),
                conv.lin_l.weight.clone(),
                conv.lin_l.bias.clone(),
            )
        where = f"case '{name}': {n} nodes, {edge_index.shape[1]} edges"
        got = torch.as_tensor(got)
        assert got.shape == expected.shape, (
            f"{where}: output of shape {tuple(expected.shape)} expected, got "
            f"{tuple(got.shape)}"
        )
        close = torch.isclose(got.float(), expected, atol=atol, rtol=1e-4).all(dim=1)
        if not bool(close.all()):
            node = int((~close).nonzero()[0])
            raise AssertionError(
                f"{where}: node {node} differs: "
                f"expected {expected[node].numpy().round(4)}, "
                f"got {got[node].detach().numpy().round(4)}"
            )
    return f"check_sage_layer: all {len(cases)} cases agree with SAGEConv (mean)"
