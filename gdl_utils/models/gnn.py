"""Graph neural networks on one graph: a graph convolution written out, a node
classifier, and a graph autoencoder for link prediction.

A graph is node features ``x : (n_nodes, n_inputs)`` and an edge index
``edge_index : (2, E)`` (both directions of every undirected edge, no self-loops; see
:func:`gdl_utils.graphs.check_graph`).

- :func:`normalized_adjacency` and :class:`GCNLayer`: the graph convolution of Kipf &
  Welling (2017), ``H' = D^-1/2 (A + I) D^-1/2 H W + b``, with a sparse matrix, in a few
  lines. It equals ``torch_geometric.nn.GCNConv`` given the same weights (chapter 6
  checks it).
- :class:`GCN`: a node classifier of ``n_layers`` graph convolutions; ``layer``
  switches between the hand-written layer and PyTorch Geometric's ``GCNConv``,
  ``GATConv`` (Velickovic et al. 2018) and ``SAGEConv`` (Hamilton et al. 2017). Batches
  are :class:`gdl_utils.graphs.GraphBatch` ``(x, edge_index, y=y, mask=mask)``: the loss
  and the logged accuracy use the nodes where ``mask`` is True (semi-supervised
  training on one graph through ``fit``).
- :class:`GraphAutoencoder`: a GCN encoder and an inner-product decoder (Kipf & Welling
  2016); without node features, each node gets a learned embedding.

Used in: chapter 6 (notebooks 06a, 06b, 06c).
"""

from __future__ import annotations

import warnings
import weakref

import torch
import torch.nn.functional as F
from torch import nn

from ..graphs.batch import GraphBatch, as_graph_batch
from ..graphs.build import check_graph
from .registry import register

__all__ = ["GCN", "GCNLayer", "GraphAutoencoder", "normalized_adjacency", "LAYERS"]
LAYERS = ("hand", "gcn", "gat", "sage")


def normalized_adjacency(edge_index: torch.Tensor, n_nodes: int) -> torch.Tensor:
    """The sparse ``(n_nodes, n_nodes)`` matrix ``D^-1/2 (A + I) D^-1/2``.

    Row ``i`` averages node ``i`` and the sources of its incoming edges, each weighted
    by ``1 / sqrt(deg(i) deg(j))`` (degrees counted with the self-loop). Self-loops or
    duplicated edges in ``edge_index`` would be counted twice and raise ``ValueError``.

    Used in: chapter 6 (notebook 06a).
    """
    ei = check_graph(edge_index, n_nodes, self_loops=False, duplicates=False)
    loops = torch.arange(n_nodes, device=ei.device)
    src, dst = torch.cat([ei[0], loops]), torch.cat([ei[1], loops])
    deg = torch.zeros(n_nodes, device=ei.device).index_add_(
        0, dst, torch.ones_like(dst, dtype=torch.float)
    )
    weight = deg[src].rsqrt() * deg[dst].rsqrt()
    indices = torch.stack([dst, src])  # row = receiving node, column = sender
    adj = torch.sparse_coo_tensor(
        indices, weight, (n_nodes, n_nodes), check_invariants=False
    )
    adj = adj.coalesce()  # compressed rows multiply faster (MPS: COO only)
    if adj.device.type == "mps":
        return adj
    with warnings.catch_warnings():  # "sparse CSR support is in beta"
        warnings.simplefilter("ignore", UserWarning)
        return adj.to_sparse_csr()


@register
class GCNLayer(nn.Module):
    """One graph convolution ``H' = Â H W + b`` (no activation).

    Parameters
    ----------
    in_features, out_features : widths of ``H`` and ``H'``

    ``forward(x, graph)``: ``x`` (n_nodes, in_features); ``graph`` an edge index
    ``(2, E)`` or the sparse ``Â`` of :func:`normalized_adjacency` (computed once and
    reused by :class:`GCN`). Returns (n_nodes, out_features).

    Used in: chapter 6 (notebooks 06a, 06b, 06c).
    """

    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.linear = nn.Linear(in_features, out_features, bias=False)
        self.bias = nn.Parameter(torch.zeros(out_features))

    def forward(self, x: torch.Tensor, graph: torch.Tensor) -> torch.Tensor:
        sparse = graph.layout != torch.strided
        adj = graph if sparse else normalized_adjacency(graph, x.shape[0])
        return adj @ self.linear(x).float() + self.bias


def _conv(layer: str, n_in: int, n_out: int, heads: int, last: bool) -> nn.Module:
    if layer == "hand":
        return GCNLayer(n_in, n_out)
    import torch_geometric.nn as pyg  # imported here: only the library layers need it

    if layer == "gcn":
        return pyg.GCNConv(n_in, n_out)
    if layer == "sage":
        return pyg.SAGEConv(n_in, n_out, aggr="mean")
    if last:  # GAT: one head on the output layer, concatenated heads before it
        return pyg.GATConv(n_in, n_out, heads=1)
    if n_out % heads:
        raise ValueError(f"GCN: hidden={n_out} must be divisible by heads={heads}")
    return pyg.GATConv(n_in, n_out // heads, heads=heads)


@register
class GCN(nn.Module):
    """A node classifier: ``n_layers`` graph convolutions with ReLU and dropout.

    Parameters
    ----------
    n_inputs : width of the node features ``x``
    n_outputs : classes (logits per node)
    hidden : width of the hidden layers
    n_layers : graph convolutions (1 is a single linear propagation; depth = hops)
    dropout : dropout on the input of every layer (training only)
    layer : "hand" (:class:`GCNLayer`), or PyTorch Geometric's "gcn" (``GCNConv``),
        "gat" (``GATConv``, ``heads`` heads) or "sage" (``SAGEConv``, mean)
    heads : attention heads of the hidden GAT layers

    ``forward(x, edge_index)``: (n_nodes, n_inputs), (2, E) -> (n_nodes, n_outputs);
    with ``layer="hand"``, ``edge_index`` may be the sparse ``Â`` of
    :func:`normalized_adjacency` (computed once instead of every step).

    Used in: chapter 6 (notebooks 06a, 06b, 06c).
    """

    def __init__(
        self,
        n_inputs: int,
        n_outputs: int,
        hidden: int = 64,
        n_layers: int = 2,
        dropout: float = 0.5,
        layer: str = "hand",
        heads: int = 4,
    ):
        super().__init__()
        if layer not in LAYERS:
            raise ValueError(f"GCN: layer must be one of {LAYERS}, got {layer!r}")
        if n_layers < 1:
            raise ValueError(f"GCN: n_layers must be >= 1, got {n_layers}")
        self.layer, self.dropout = layer, dropout
        sizes = [n_inputs] + [hidden] * (n_layers - 1) + [n_outputs]
        self.convs = nn.ModuleList(
            _conv(layer, a, b, heads, last=i == n_layers - 1)
            for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))
        )

    def _graph(self, edge_index: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """The checked graph (``Â`` for the hand-written layer), cached while the same,
        unmodified ``edge_index`` tensor comes back (as in training on one graph)."""
        cache = getattr(self, "_cache", None)
        if (
            cache is not None
            and cache[0]() is edge_index
            and cache[1] == (edge_index._version, x.shape[0], x.device)
        ):
            return cache[2]
        n = x.shape[0]
        if self.layer == "hand":
            check_graph(edge_index, n, name=f"edge_index (for the {n} rows of x)")
            graph = normalized_adjacency(edge_index, n)
        else:
            name = f"edge_index (for the {n} rows of x)"
            graph = check_graph(
                edge_index, n, self_loops=False, duplicates=False, name=name
            )
        key = (edge_index._version, n, x.device)
        self._cache = (weakref.ref(edge_index), key, graph)
        return graph

    def hidden_states(self, x: torch.Tensor, edge_index: torch.Tensor) -> list:
        """Every layer's output ``[(n_nodes, width), ...]``, the logits last."""
        n = x.shape[0]
        if edge_index.layout != torch.strided:  # a precomputed Â (hand layer only)
            if self.layer != "hand" or edge_index.shape != (n, n):
                raise ValueError(
                    f"GCN: a sparse adjacency needs layer='hand' and shape ({n}, {n}),"
                    f" got layer={self.layer!r}, shape {tuple(edge_index.shape)}"
                )
            graph = edge_index
        else:
            graph = self._graph(edge_index, x)
        states = []
        for i, conv in enumerate(self.convs):
            x = F.dropout(x, self.dropout, self.training)
            x = conv(x, graph)
            if i < len(self.convs) - 1:
                x = torch.relu(x)
            states.append(x)
        return states

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        return self.hidden_states(x, edge_index)[-1]

    def training_step(self, batch: GraphBatch):
        """Cross-entropy and accuracy on the nodes of ``batch.mask`` (labels
        ``batch.y``)."""
        b = as_graph_batch(batch, "GCN", needs=("y", "mask"))
        logits, y = self(b.x, b.edge_index)[b.mask], b.y[b.mask]
        acc = (logits.argmax(1) == y).float().mean()
        return F.cross_entropy(logits.float(), y), {"acc": acc}

    def predict_step(self, batch: GraphBatch):
        """Logits of every node, ``(n_nodes, n_outputs)``."""
        b = as_graph_batch(batch, "GCN")
        return self(b.x, b.edge_index)


@register
class GraphAutoencoder(nn.Module):
    """Graph autoencoder: a two-layer GCN encodes nodes, ``sigmoid(z_u . z_v)`` decodes
    the probability of a link (Kipf & Welling 2016).

    Parameters
    ----------
    n_inputs : width of the node features, or None: no features, each of the
        ``n_nodes`` nodes gets a learned ``hidden``-dimensional input vector (the
        paper's one-hot identity features times the first weight matrix)
    n_nodes : required when ``n_inputs`` is None
    hidden, n_latent : widths of the hidden layer and of the embedding ``z``
    layer : graph convolution, as in :class:`GCN`

    Batches (:class:`~gdl_utils.graphs.GraphBatch`; ``x`` may be None):
    ``GraphBatch(x, edge_index)`` to train (the edges are the positives, as many random
    pairs the negatives, redrawn every step), ``GraphBatch(x, edge_index, pairs=pairs,
    labels=labels)`` to validate on fixed pairs (n_pairs, 2) with 0/1 labels, and
    ``GraphBatch(x, edge_index, pairs=pairs)`` to predict their link logits.

    Used in: chapter 6 (notebook 06c).
    """

    def __init__(
        self,
        n_inputs: int | None,
        n_nodes: int | None = None,
        hidden: int = 64,
        n_latent: int = 32,
        layer: str = "hand",
    ):
        super().__init__()
        if n_inputs is None:
            if not n_nodes:
                raise ValueError("GraphAutoencoder: give n_nodes when n_inputs=None")
            self.embedding = nn.Parameter(torch.randn(n_nodes, hidden) * 0.1)
        self.n_nodes = n_nodes
        n_in = hidden if n_inputs is None else n_inputs
        self.encoder = GCN(n_in, n_latent, hidden, n_layers=2, dropout=0.0, layer=layer)

    def encode(self, x, edge_index: torch.Tensor) -> torch.Tensor:
        """Node embeddings ``z : (n_nodes, n_latent)``."""
        if x is None:
            if not hasattr(self, "embedding"):
                raise ValueError("GraphAutoencoder: built with features, x is None")
            x = self.embedding
        return self.encoder(x, edge_index)

    @staticmethod
    def decode(z: torch.Tensor, pairs: torch.Tensor) -> torch.Tensor:
        """Link logits ``z_u . z_v`` of ``pairs`` (n_pairs, 2) -> (n_pairs,)."""
        u, v = pairs[:, 0].contiguous(), pairs[:, 1].contiguous()
        return (z.index_select(0, u) * z.index_select(0, v)).sum(-1)

    @staticmethod
    def sample_pairs(edge_index: torch.Tensor, n_nodes: int):
        """Each undirected edge once as a positive, as many uniform random pairs as
        negatives (a few may be edges: rare in a sparse graph) -> pairs (2 P, 2), 0/1
        labels (2 P,)."""
        pos = edge_index[:, edge_index[0] < edge_index[1]].t()  # (P, 2)
        neg = torch.randint(0, n_nodes, pos.shape, device=pos.device)
        labels = torch.cat([torch.ones(len(pos)), torch.zeros(len(neg))])
        return torch.cat([pos, neg]), labels.to(pos.device)

    def training_step(self, batch: GraphBatch):
        """Binary cross-entropy of the decoded links: ``batch.pairs`` with
        ``batch.labels`` if given (validation), else freshly sampled pairs."""
        b = as_graph_batch(batch, "GraphAutoencoder", refuses=("y", "mask"))
        z = self.encode(b.x, b.edge_index)
        if b.pairs is None:  # training: the edges and as many random pairs
            pairs, labels = self.sample_pairs(b.edge_index, z.shape[0])
        else:  # validation: fixed pairs and their labels
            as_graph_batch(b, "GraphAutoencoder", needs=("labels",))
            pairs, labels = b.pairs.long(), b.labels.float()
        return F.binary_cross_entropy_with_logits(self.decode(z, pairs).float(), labels)

    def predict_step(self, batch: GraphBatch):
        """Link logits of ``batch.pairs`` -> (n_pairs,)."""
        b = as_graph_batch(
            batch, "GraphAutoencoder", needs=("pairs",), refuses=("y", "mask")
        )
        return self.decode(self.encode(b.x, b.edge_index), b.pairs.long())
