"""The gnn reference is the dense formulas the hidden checks take as the truth, on graphs with
isolated nodes, repeated edges, self-loops and directed edges, on the CPU and on CUDA where
there is one; and its GCN layer is PyG's GCNConv (with symmetric normalisation and added
self-loops) on a graph without input self-loops, written out by hand."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import DEVICES

from grader.checks import Call
from grader.hidden import gnn as truth
from solutions import gnn as ref

# (N, edges): N = 1 with a self-loop; a repeated edge, a self-loop and node 3 isolated; a star
# out of node 3; many edges into node 0 and nodes 3 and 5 isolated
GRAPHS = [
    (1, [[0], [0]]),
    (4, [[0, 0, 1, 2, 2], [1, 1, 2, 2, 0]]),
    (4, [[3, 3, 3, 0], [0, 1, 2, 3]]),
    (6, [[1, 2, 4, 4, 4], [0, 0, 0, 0, 4]]),
]


def graph(n: int, edges: list[list[int]], dtype: torch.dtype, device: str) -> tuple[torch.Tensor, torch.Tensor]:
    edge_index = torch.tensor(edges, dtype=torch.int64)
    g = torch.Generator().manual_seed(n)
    x = torch.randn(n, 3, generator=g, dtype=torch.float64).to(dtype)
    return x.to(device), edge_index.to(device)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize(("n", "edges"), GRAPHS)
def test_the_reference_is_the_dense_truth(device: str, dtype: torch.dtype, n: int, edges: list[list[int]]) -> None:
    x, edge_index = graph(n, edges, dtype, device)
    xs, es = x.cpu().numpy(), edge_index.cpu().numpy()
    weight = torch.linspace(-2.0, 2.0, edge_index.shape[1], dtype=dtype, device=device)
    rtol = 1e-5 if dtype == torch.float32 else 1e-12
    for reduce in ("sum", "mean", "max"):
        for w in (None, weight):
            got = ref.aggregate(x, edge_index, reduce, w)
            assert got.dtype == dtype and got.device == x.device
            want = truth.dense_aggregate(xs, es, reduce, None if w is None else w.cpu().numpy())
            np.testing.assert_allclose(got.cpu().double().numpy(), want, rtol=rtol, atol=rtol)
        W_self, W_neigh = (torch.full((3, 2), v, dtype=dtype, device=device) for v in (0.5, -1.0))
        b = torch.tensor([0.25, -0.5], dtype=dtype, device=device)
        for activation in ("relu", "tanh", "none"):
            got = ref.sage_layer(x, edge_index, W_self, W_neigh, b, reduce, activation)
            args = (xs, es, *(t.cpu().numpy() for t in (W_self, W_neigh, b)), reduce, activation)
            np.testing.assert_allclose(got.cpu().double().numpy(), truth.truth_sage(Call(args)), rtol=rtol, atol=rtol)
    W = torch.arange(6, dtype=dtype, device=device).reshape(3, 2) / 6
    got = ref.gcn_layer(x, edge_index, W)
    want = truth.truth_gcn(Call((xs, es, W.cpu().numpy(), None)))
    np.testing.assert_allclose(got.cpu().double().numpy(), want, rtol=rtol, atol=rtol)


def test_gcn_is_gcnconv_without_input_self_loops() -> None:
    """GCNConv: add one self-loop per node, deg = in-degree (with it), norm = deg^-1/2[j] deg^-1/2[i]."""
    edge_index = torch.tensor([[0, 0, 1, 3], [1, 1, 2, 0]])
    x = torch.randn(4, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    W = torch.eye(2, dtype=torch.float64)
    loops = torch.arange(4).repeat(2, 1)
    full = torch.cat([edge_index, loops], dim=1)
    deg = torch.zeros(4, dtype=torch.float64).index_add(0, full[1], torch.ones(full.shape[1], dtype=torch.float64))
    norm = deg[full[0]].rsqrt() * deg[full[1]].rsqrt()
    expected = torch.zeros_like(x).index_add(0, full[1], x[full[0]] * norm[:, None])
    torch.testing.assert_close(ref.gcn_layer(x, edge_index, W), expected)
