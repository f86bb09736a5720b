"""Exercise: graph neural networks: message passing with sum, mean and max aggregation, a
GraphSAGE-style layer and a graph convolution (GCN) layer.

Graphs as PyTorch Geometric passes them:

- node features ``x``: a ``torch.Tensor`` of shape (N, F), float32 or float64, one row per node;
- ``edge_index``: an int64 tensor of shape (2, E), E >= 1, entries in [0, N). Edge e goes from
  the source ``edge_index[0, e]`` to the target ``edge_index[1, e]``, and messages flow
  source -> target. The graph may be directed, may repeat an edge (each copy is a separate
  edge and sends its own message) and may hold self-loops (i -> i, a normal edge from i to
  itself). Nodes that appear in no edge are allowed.
- Weights are multiplied on the right: ``x @ W`` with W of shape (F, F').

Return tensors of x's dtype on x's device (a NumPy array is accepted too). Never modify an
input in place (no ``x /= ...``, no ``edge_index[...] = ...``): the grader checks.

Forbidden in every function: ``torch_geometric``, ``torch_scatter``, ``torch_sparse`` and
``dgl`` (any import or use). A function that uses one gets zero points. Fair tools:
``index_add_``, ``scatter_add_``, ``scatter_reduce(_)`` and ``index_put_(accumulate=True)`` on
a fresh tensor of your own, dense or sparse adjacency matrices, and loops.

Check your work with ``mlgrade check gnn``.
"""

from __future__ import annotations

import torch


def aggregate(
    x: torch.Tensor, edge_index: torch.Tensor, reduce: str = "sum", edge_weight: torch.Tensor | None = None
) -> torch.Tensor:
    """Message passing: each node reduces the messages of the edges that point to it.

    Edge e sends the message m_e = x[edge_index[0, e]], times edge_weight[e] when weights are
    given. Row i of the result reduces the messages of the edges e with edge_index[1, e] = i:

        "sum":  the sum of the messages
        "mean": their sum divided by the number of such edges (with weights, still by the
                count of edges, not by the sum of their weights: the mean of the weighted
                messages, as PyG's mean aggregation computes it)
        "max":  their elementwise maximum (which may be negative)

    A node that receives no message gets a row of zeros, for every reduce (as PyG does).

    Args:
        x: shape (N, F).
        edge_index: int64, shape (2, E).
        reduce: "sum", "mean" or "max".
        edge_weight: shape (E,), x's dtype, any sign; or None (every weight 1).

    Returns:
        shape (N, F).

    Raises:
        ValueError: for another reduce.

    Example: x = [[1], [2], [4]], edge_index = [[0, 1, 1], [1, 2, 2]] (0 -> 1 once, 1 -> 2
    twice): "sum" gives [[0], [1], [4]], "mean" gives [[0], [1], [2]], "max" gives
    [[0], [1], [2]]; with edge_weight = [3, 1, -1], "sum" gives [[0], [3], [0]].
    """
    raise NotImplementedError("gnn.aggregate: reduce the messages x[source] at each target node")


def sage_layer(
    x: torch.Tensor,
    edge_index: torch.Tensor,
    W_self: torch.Tensor,
    W_neigh: torch.Tensor,
    b: torch.Tensor | None = None,
    reduce: str = "mean",
    activation: str = "relu",
) -> torch.Tensor:
    """A GraphSAGE-style message-passing layer:

        act( x @ W_self + aggregate(x, edge_index, reduce) @ W_neigh + b )

    The aggregation comes first and the weight after it: for "max", max(x) @ W is not
    max(x @ W).

    Args:
        x: shape (N, F).
        edge_index: int64, shape (2, E).
        W_self, W_neigh: shape (F, F').
        b: shape (F',), or None for no bias.
        reduce: "sum", "mean" or "max", as ``aggregate``.
        activation: "relu", "tanh" or "none" (the identity).

    Returns:
        shape (N, F').

    Raises:
        ValueError: for another reduce or activation.

    Example: x = [[1], [-2]], edge_index = [[0], [1]], W_self = [[1]], W_neigh = [[2]],
    b = None, "mean", "none" gives [[1], [0]] (node 1: -2 + 2 * 1).
    """
    raise NotImplementedError("gnn.sage_layer: act(x W_self + aggregate(x) W_neigh + b)")


def gcn_layer(
    x: torch.Tensor, edge_index: torch.Tensor, W: torch.Tensor, b: torch.Tensor | None = None
) -> torch.Tensor:
    """The graph convolution of Kipf & Welling:

        D̂^(-1/2) Â D̂^(-1/2) x W + b

    - A[i, j] is the number of edges j -> i (a repeated edge counts as many times as it occurs);
    - Â = A + I: every node gets one more self-loop. An input self-loop i -> i adds to the one
      that + I adds, so Â[i, i] = 1 + the number of input self-loops of i;
    - D̂ is diagonal with D̂[i, i] = sum_j Â[i, j]: the in-degree of i plus one (always >= 1).

    Row by row: out[i] = sum_j Â[i, j] * (x W)[j] / sqrt(D̂[i, i] * D̂[j, j]) + b. A node with no
    incoming edge gets (x W)[i] + b. (PyTorch Geometric's GCNConv agrees on every graph
    without input self-loops; for a node with one, it keeps a single self-loop instead: do
    not copy that.)

    Args:
        x: shape (N, F).
        edge_index: int64, shape (2, E).
        W: shape (F, F').
        b: shape (F',), or None for no bias.

    Returns:
        shape (N, F').

    Example: x = [[1], [4]], edge_index = [[0], [1]] (0 -> 1), W = [[1]], b = None:
    D̂ = diag(1, 2), out = [[1], [1 / sqrt(2) + 4 / 2]] = [[1], [2.7071...]].
    """
    raise NotImplementedError("gnn.gcn_layer: D̂^-1/2 (A + I) D̂^-1/2 x W + b, degrees from the edges")
