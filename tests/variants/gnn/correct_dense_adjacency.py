"""Correct, another formula: dense matrices. A weighted adjacency (N, N) for sum and mean, a
count matrix for the degrees, a masked maximum over an incidence matrix (N, E) for max."""

from __future__ import annotations

import torch


def _incidence(n, edge_index, dtype):
    E = edge_index.shape[1]
    M = torch.zeros(n, E, dtype=dtype, device=edge_index.device)
    M[edge_index[1], torch.arange(E, device=edge_index.device)] = 1
    return M


def aggregate(x, edge_index, reduce="sum", edge_weight=None):
    if reduce not in {"sum", "mean", "max"}:
        raise ValueError("reduce must be sum, mean or max")
    M = _incidence(x.shape[0], edge_index, x.dtype)
    messages = x[edge_index[0]]
    if edge_weight is not None:
        messages = messages * edge_weight[:, None]
    if reduce == "max":
        masked = torch.where(M[:, :, None] > 0, messages[None], torch.tensor(float("-inf"), dtype=x.dtype))
        best = masked.max(dim=1).values
        return torch.where(M.sum(dim=1, keepdim=True) > 0, best, torch.zeros_like(best))
    total = M @ messages
    if reduce == "mean":
        total = total / M.sum(dim=1, keepdim=True).clamp(min=1)
    return total


def sage_layer(x, edge_index, W_self, W_neigh, b=None, reduce="mean", activation="relu"):
    acts = {"relu": torch.relu, "tanh": torch.tanh, "none": lambda t: t}
    if activation not in acts:
        raise ValueError("activation must be relu, tanh or none")
    out = x @ W_self + aggregate(x, edge_index, reduce) @ W_neigh
    return acts[activation](out if b is None else out + b)


def gcn_layer(x, edge_index, W, b=None):
    n = x.shape[0]
    A = torch.zeros(n, n, dtype=torch.float64)
    A.index_put_((edge_index[1], edge_index[0]), torch.ones(edge_index.shape[1], dtype=torch.float64), accumulate=True)
    A_hat = A + torch.eye(n, dtype=torch.float64)
    d = A_hat.sum(dim=1).rsqrt()
    out = (d[:, None] * A_hat * d[None, :]) @ x.double() @ W.double()
    if b is not None:
        out = out + b.double()
    return out.to(x.dtype)
