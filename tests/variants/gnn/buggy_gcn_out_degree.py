"""gcn_layer counts degrees at the sources (out-degree) instead of the targets."""

from __future__ import annotations

import torch

BREAKS = {"gcn_layer"}


def aggregate(x, edge_index, reduce="sum", edge_weight=None):
    if reduce not in ("sum", "mean", "max"):
        raise ValueError(f"unknown reduce {reduce}")
    src, dst = edge_index[0], edge_index[1]
    N = x.shape[0]
    msg = x[src]
    if edge_weight is not None:
        msg = msg * edge_weight.unsqueeze(1)
    if reduce == "max":
        out = torch.full_like(x, float("-inf"))
        out = out.scatter_reduce(0, dst.unsqueeze(1).expand_as(msg), msg, reduce="amax")
        has_msg = torch.zeros(N, dtype=torch.bool, device=x.device)
        has_msg[dst] = True
        return torch.where(has_msg.unsqueeze(1), out, torch.zeros_like(out))
    out = torch.zeros_like(x)
    out.index_add_(0, dst, msg)
    if reduce == "mean":
        cnt = torch.bincount(dst, minlength=N).to(x.dtype)
        out = out / cnt.clamp(min=1).unsqueeze(1)
    return out


def sage_layer(x, edge_index, W_self, W_neigh, b=None, reduce="mean", activation="relu"):
    if activation not in ("relu", "tanh", "none"):
        raise ValueError(f"unknown activation {activation}")
    h = x @ W_self + aggregate(x, edge_index, reduce) @ W_neigh
    if b is not None:
        h = h + b
    if activation == "relu":
        return torch.relu(h)
    if activation == "tanh":
        return torch.tanh(h)
    return h


def gcn_layer(x, edge_index, W, b=None):
    N = x.shape[0]
    src, dst = edge_index[0], edge_index[1]
    deg = torch.bincount(src, minlength=N).to(x.dtype) + 1
    norm = 1.0 / torch.sqrt(deg[src] * deg[dst])
    xw = x @ W
    out = xw / deg.unsqueeze(1)
    out = out.index_add(0, dst, xw[src] * norm.unsqueeze(1))
    if b is not None:
        out = out + b
    return out
