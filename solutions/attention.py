"""Reference: attention. Plain torch, on whatever device and dtype the inputs have."""

from __future__ import annotations

import math

import torch


def scaled_dot_product_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    mask: torch.Tensor | None = None,
    causal: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    allowed = torch.ones(scores.shape[-2:], dtype=torch.bool, device=q.device)
    if causal:
        allowed = torch.tril(allowed)  # query i sees keys j <= i
    if mask is not None:
        allowed = allowed & mask
    scores = torch.where(allowed, scores, float("-inf"))
    scores = scores - scores.amax(dim=-1, keepdim=True)  # every row keeps a finite entry
    e = torch.exp(scores)
    weights = e / e.sum(dim=-1, keepdim=True)
    return weights @ v, weights


def self_attention(x: torch.Tensor, W_q: torch.Tensor, W_k: torch.Tensor, W_v: torch.Tensor) -> torch.Tensor:
    out, _ = scaled_dot_product_attention(x @ W_q, x @ W_k, x @ W_v)
    return out


def multi_head_attention(
    x: torch.Tensor,
    W_q: torch.Tensor,
    W_k: torch.Tensor,
    W_v: torch.Tensor,
    W_o: torch.Tensor,
    num_heads: int,
    causal: bool = False,
) -> torch.Tensor:
    B, L, E = x.shape
    if E % num_heads != 0:
        raise ValueError(f"num_heads = {num_heads} does not divide the embedding size E = {E}")

    def heads(t: torch.Tensor) -> torch.Tensor:
        """(B, L, E) -> (B, H, L, E / H): head h holds columns h·E/H ... (h+1)·E/H - 1."""
        return t.reshape(B, L, num_heads, E // num_heads).transpose(1, 2)

    out, _ = scaled_dot_product_attention(heads(x @ W_q), heads(x @ W_k), heads(x @ W_v), causal=causal)
    return out.transpose(1, 2).reshape(B, L, E) @ W_o
