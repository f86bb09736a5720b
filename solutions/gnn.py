"""Reference: graph neural networks. Plain torch, on whatever device and dtype the inputs have:
messages gathered by indexing, summed with ``index_add``, maxed with ``scatter_reduce``, on
fresh tensors of the function's own; the GCN's degrees counted from the same edges."""

from __future__ import annotations

import torch

REDUCES = ("sum", "mean", "max")
ACTIVATIONS = {"relu": torch.relu, "tanh": torch.tanh, "none": lambda h: h}


def aggregate(
    x: torch.Tensor, edge_index: torch.Tensor, reduce: str = "sum", edge_weight: torch.Tensor | None = None
) -> torch.Tensor:
    if reduce not in REDUCES:
        raise ValueError(f"reduce must be one of {REDUCES}, got {reduce!r}")
    source, target = edge_index[0], edge_index[1]
    messages = x[source]  # (E, F): one per edge, repeated edges included
    if edge_weight is not None:
        messages = messages * edge_weight.to(x.dtype)[:, None]
    out = torch.zeros_like(x)
    if reduce == "max":
        # include_self=False: a node that receives nothing keeps its 0
        return out.scatter_reduce(0, target[:, None].expand_as(messages), messages, "amax", include_self=False)
    out = out.index_add(0, target, messages)
    if reduce == "mean":  # by the number of edges, not the sum of their weights
        count = torch.zeros(x.shape[0], dtype=x.dtype, device=x.device).index_add(
            0, target, torch.ones_like(target, dtype=x.dtype)
        )
        out = out / count.clamp(min=1)[:, None]
    return out


def sage_layer(
    x: torch.Tensor,
    edge_index: torch.Tensor,
    W_self: torch.Tensor,
    W_neigh: torch.Tensor,
    b: torch.Tensor | None = None,
    reduce: str = "mean",
    activation: str = "relu",
) -> torch.Tensor:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {tuple(ACTIVATIONS)}, got {activation!r}")
    h = x @ W_self + aggregate(x, edge_index, reduce) @ W_neigh  # aggregate first, then the weight
    if b is not None:
        h = h + b
    return ACTIVATIONS[activation](h)


def gcn_layer(
    x: torch.Tensor, edge_index: torch.Tensor, W: torch.Tensor, b: torch.Tensor | None = None
) -> torch.Tensor:
    source, target = edge_index[0], edge_index[1]
    # D̂[i, i] = 1 + the number of edges into i (repeated edges and input self-loops included)
    degree = torch.ones(x.shape[0], dtype=x.dtype, device=x.device).index_add(
        0, target, torch.ones_like(target, dtype=x.dtype)
    )
    scale = degree.rsqrt()
    h = x @ W
    # Â = A + I: every edge j -> i contributes h[j] / sqrt(d_i d_j), and + I gives h[i] / d_i
    messages = h[source] * (scale[source] * scale[target])[:, None]
    out = (h * (scale * scale)[:, None]).index_add(0, target, messages)
    return out if b is None else out + b
