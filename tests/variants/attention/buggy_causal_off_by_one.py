"""Causal hides j >= i, so a query cannot see itself (row 0 sees nothing)."""

BREAKS = {"scaled_dot_product_attention", "multi_head_attention"}

import math

import torch


def scaled_dot_product_attention(q, k, v, mask=None, causal=False):
    d = q.shape[-1]
    scores = q @ k.transpose(-2, -1) / math.sqrt(d)
    L, S = scores.shape[-2], scores.shape[-1]
    allowed = torch.ones(L, S, dtype=torch.bool, device=q.device)
    if causal:
        allowed = torch.tril(allowed, diagonal=-1)
    if mask is not None:
        allowed = allowed & mask
    scores = scores.masked_fill(~allowed, float("-inf"))
    scores = scores - scores.max(dim=-1, keepdim=True).values
    w = torch.exp(scores)
    w = w / w.sum(dim=-1, keepdim=True)
    return w @ v, w


def self_attention(x, W_q, W_k, W_v):
    Q, K, V = x @ W_q, x @ W_k, x @ W_v
    out, _ = scaled_dot_product_attention(Q, K, V)
    return out


def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, causal=False):
    B, L, E = x.shape
    if E % num_heads:
        raise ValueError("num_heads must divide E")
    D = E // num_heads

    def split(t):
        return t.reshape(B, L, num_heads, D).transpose(1, 2)

    out, _ = scaled_dot_product_attention(split(x @ W_q), split(x @ W_k), split(x @ W_v), causal=causal)
    return out.transpose(1, 2).reshape(B, L, E) @ W_o
