"""einsum everywhere; hidden positions filled with the dtype's most negative number, not -inf."""

BREAKS = set()

import torch


def scaled_dot_product_attention(q, k, v, mask=None, causal=False):
    scores = torch.einsum("...id,...jd->...ij", q, k) * q.shape[-1] ** -0.5
    L, S = scores.shape[-2:]
    keep = torch.ones_like(scores, dtype=torch.bool)
    if causal:
        i = torch.arange(L, device=q.device)[:, None]
        j = torch.arange(S, device=q.device)[None, :]
        keep = keep & (j <= i)
    if mask is not None:
        keep = keep & mask
    scores = torch.where(keep, scores, torch.finfo(scores.dtype).min)
    weights = torch.softmax(scores, dim=-1)
    return torch.einsum("...ij,...jd->...id", weights, v), weights


def self_attention(x, W_q, W_k, W_v):
    Q = torch.einsum("nc,cp->np", x, W_q)
    K = torch.einsum("nc,cp->np", x, W_k)
    V = torch.einsum("nc,cp->np", x, W_v)
    return scaled_dot_product_attention(Q, K, V)[0]


def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, causal=False):
    B, L, E = x.shape
    if E % num_heads:
        raise ValueError("E must be a multiple of num_heads")
    D = E // num_heads
    Q, K, V = (torch.einsum("ble,ef->blf", x, W).reshape(B, L, num_heads, D) for W in (W_q, W_k, W_v))
    scores = torch.einsum("bihd,bjhd->bhij", Q, K) / D**0.5
    if causal:
        scores = scores.masked_fill(torch.ones(L, L, dtype=torch.bool, device=x.device).triu(1), -1e30)
    weights = torch.softmax(scores, dim=-1)
    heads = torch.einsum("bhij,bjhd->bihd", weights, V).reshape(B, L, E)
    return torch.einsum("ble,ef->blf", heads, W_o)
