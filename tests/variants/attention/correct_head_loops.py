"""Loops over the batch, the heads and the queries; torch.softmax and masked_fill with -inf."""

BREAKS = set()

import math

import torch


def scaled_dot_product_attention(q, k, v, mask=None, causal=False):
    L, S = q.shape[-2], k.shape[-2]
    allowed = torch.ones(L, S, dtype=torch.bool, device=q.device)
    if causal:
        for i in range(L):
            for j in range(S):
                if j > i:
                    allowed[i, j] = False
    if mask is not None:
        allowed = torch.logical_and(allowed, mask)
    scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
    scores = scores.masked_fill(~allowed, -math.inf)
    weights = torch.softmax(scores, dim=-1)
    return torch.matmul(weights, v), weights


def self_attention(x, W_q, W_k, W_v):
    Q, K, V = x @ W_q, x @ W_k, x @ W_v
    rows = []
    for i in range(x.shape[0]):
        s = torch.stack([Q[i] @ K[j] for j in range(x.shape[0])]) / math.sqrt(W_q.shape[1])
        p = torch.softmax(s, dim=0)
        rows.append(sum(p[j] * V[j] for j in range(x.shape[0])))
    return torch.stack(rows)


def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, causal=False):
    E = x.shape[-1]
    if E % num_heads != 0:
        raise ValueError(f"{num_heads} heads do not divide E = {E}")
    D = E // num_heads
    Q, K, V = x @ W_q, x @ W_k, x @ W_v
    batches = []
    for b in range(x.shape[0]):
        heads = []
        for h in range(num_heads):
            cols = slice(h * D, (h + 1) * D)
            out, _ = scaled_dot_product_attention(Q[b, :, cols], K[b, :, cols], V[b, :, cols], causal=causal)
            heads.append(out)
        batches.append(torch.cat(heads, dim=-1))
    return torch.stack(batches) @ W_o
