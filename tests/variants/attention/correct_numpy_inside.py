"""Computes in NumPy (float64) and returns NumPy arrays; a large negative number for hidden keys."""

BREAKS = set()

import numpy as np


def _np(t):
    return t.detach().cpu().numpy()


def scaled_dot_product_attention(q, k, v, mask=None, causal=False):
    q, k, v = _np(q).astype(np.float64), _np(k).astype(np.float64), _np(v).astype(np.float64)
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    L, S = scores.shape[-2:]
    allowed = np.ones((L, S), dtype=bool)
    if causal:
        allowed = np.tril(allowed)
    if mask is not None:
        allowed = allowed & _np(mask)
    scores = np.where(allowed, scores, -1e9)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ v, w


def self_attention(x, W_q, W_k, W_v):
    x, W_q, W_k, W_v = (_np(t).astype(np.float64) for t in (x, W_q, W_k, W_v))
    Q, K, V = x @ W_q, x @ W_k, x @ W_v
    s = Q @ K.T / np.sqrt(Q.shape[1])
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)) @ V


def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, causal=False):
    x, W_q, W_k, W_v, W_o = (_np(t).astype(np.float64) for t in (x, W_q, W_k, W_v, W_o))
    B, L, E = x.shape
    if E % num_heads:
        raise ValueError("num_heads does not divide E")
    D = E // num_heads
    Q, K, V = (np.split(x @ W, num_heads, axis=-1) for W in (W_q, W_k, W_v))
    heads = []
    for h in range(num_heads):
        s = Q[h] @ np.swapaxes(K[h], -1, -2) / np.sqrt(D)
        if causal:
            s = np.where(np.tril(np.ones((L, L), dtype=bool)), s, -np.inf)
        e = np.exp(s - s.max(axis=-1, keepdims=True))
        heads.append((e / e.sum(axis=-1, keepdims=True)) @ V[h])
    return np.concatenate(heads, axis=-1) @ W_o
