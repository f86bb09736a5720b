"""Reference: the Transformer encoder (post-norm), with right-multiplied weights. Plain torch,
on whatever device and dtype the inputs have."""

from __future__ import annotations

import math

import torch


def positional_encoding(length: int, d_model: int) -> torch.Tensor:
    if length < 1 or d_model < 1:
        raise ValueError(f"length and d_model must be at least 1, got {length} and {d_model}")
    p = torch.arange(length, dtype=torch.float64)[:, None]
    j = torch.arange(d_model)
    angle = p / 10000.0 ** ((2 * (j // 2)).double() / d_model)  # columns 2i and 2i + 1 share an angle
    return torch.where(j % 2 == 0, torch.sin(angle), torch.cos(angle))


def layer_norm(
    x: torch.Tensor, gamma: torch.Tensor | None, beta: torch.Tensor | None, eps: float = 1e-5
) -> torch.Tensor:
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)  # biased, as layer_norm
    out = (x - mean) / torch.sqrt(var + eps)
    if gamma is not None:
        out = out * gamma
    if beta is not None:
        out = out + beta
    return out


def feed_forward(
    x: torch.Tensor, W1: torch.Tensor, b1: torch.Tensor, W2: torch.Tensor, b2: torch.Tensor
) -> torch.Tensor:
    return torch.relu(x @ W1 + b1) @ W2 + b2


def _attention(x: torch.Tensor, params: dict[str, torch.Tensor], num_heads: int, allowed: torch.Tensor) -> torch.Tensor:
    B, L, E = x.shape

    def heads(t: torch.Tensor) -> torch.Tensor:
        """(B, L, E) -> (B, heads, L, E / heads): head h holds columns h·E/heads … (h+1)·E/heads - 1."""
        return t.reshape(B, L, num_heads, E // num_heads).transpose(1, 2)

    q, k, v = (heads(x @ params[f"W_{n}"] + params[f"b_{n}"]) for n in "qkv")
    scores = q @ k.transpose(-2, -1) / math.sqrt(E // num_heads)
    scores = torch.where(allowed, scores, float("-inf"))
    scores = scores - scores.amax(dim=-1, keepdim=True)  # every row keeps an allowed key
    e = torch.exp(scores)
    out = (e / e.sum(dim=-1, keepdim=True)) @ v
    return out.transpose(1, 2).reshape(B, L, E) @ params["W_o"] + params["b_o"]


def encoder_layer(
    x: torch.Tensor,
    params: dict[str, torch.Tensor],
    num_heads: int,
    key_mask: torch.Tensor | None = None,
    causal: bool = False,
    eps: float = 1e-5,
) -> torch.Tensor:
    B, L, E = x.shape
    if E % num_heads != 0:
        raise ValueError(f"num_heads = {num_heads} does not divide the embedding size E = {E}")
    allowed = torch.ones(B, 1, L, L, dtype=torch.bool, device=x.device)
    if causal:
        allowed = allowed & torch.ones(L, L, dtype=torch.bool, device=x.device).tril()  # keys j <= i
    if key_mask is not None:
        allowed = allowed & key_mask[:, None, None, :]  # True: a real token, may be attended to
    h = layer_norm(x + _attention(x, params, num_heads, allowed), params["gamma1"], params["beta1"], eps)
    ff = feed_forward(h, params["W1"], params["b1"], params["W2"], params["b2"])
    return layer_norm(h + ff, params["gamma2"], params["beta2"], eps)
