"""A typical solution: one helper builds the combined mask, float32 kept, heads via view/permute."""

BREAKS = set()

import math

import torch
import torch.nn.functional as F


def _keep(L, S, mask, causal, device):
    keep = torch.ones(L, S, dtype=torch.bool, device=device)
    if causal:
        keep = torch.tril(keep)
    if mask is not None:
        keep = keep & mask.bool()
    return keep


def scaled_dot_product_attention(q, k, v, mask=None, causal=False):
    att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
    att = att.masked_fill(_keep(q.size(-2), k.size(-2), mask, causal, q.device) == 0, float("-inf"))
    att = F.softmax(att, dim=-1)
    return att @ v, att


def self_attention(x, W_q, W_k, W_v):
    y, _ = scaled_dot_product_attention(x @ W_q, x @ W_k, x @ W_v)
    return y


def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, causal=False):
    B, T, C = x.size()
    if C % num_heads != 0:
        raise ValueError("embedding size must be divisible by num_heads")
    hs = C // num_heads
    q = (x @ W_q).view(B, T, num_heads, hs).permute(0, 2, 1, 3)
    k = (x @ W_k).view(B, T, num_heads, hs).permute(0, 2, 1, 3)
    v = (x @ W_v).view(B, T, num_heads, hs).permute(0, 2, 1, 3)
    y, _ = scaled_dot_product_attention(q, k, v, causal=causal)
    y = y.permute(0, 2, 1, 3).contiguous().view(B, T, C)
    return y @ W_o
