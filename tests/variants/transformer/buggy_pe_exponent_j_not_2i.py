"""positional_encoding uses the exponent j / d_model instead of 2⌊j/2⌋ / d_model: the cosines get the next pair's frequency."""

import math

import torch

BREAKS = {"positional_encoding"}


def positional_encoding(length, d_model):
    if length < 1 or d_model < 1:
        raise ValueError("length and d_model must be at least 1")
    p = torch.arange(length, dtype=torch.float64)[:, None]
    j = torch.arange(d_model)
    angle = p / 10000.0 ** (j.double() / d_model)
    return torch.where(j % 2 == 0, torch.sin(angle), torch.cos(angle))


def layer_norm(x, gamma, beta, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    out = (x - mean) / torch.sqrt(var + eps)
    if gamma is not None:
        out = out * gamma
    if beta is not None:
        out = out + beta
    return out


def feed_forward(x, W1, b1, W2, b2):
    return torch.relu(x @ W1 + b1) @ W2 + b2


def encoder_layer(x, params, num_heads, key_mask=None, causal=False, eps=1e-5):
    B, L, E = x.shape
    if E % num_heads != 0:
        raise ValueError("num_heads must divide E")
    D = E // num_heads
    allowed = torch.ones(B, 1, L, L, dtype=torch.bool, device=x.device)
    if causal:
        allowed = allowed & torch.ones(L, L, dtype=torch.bool, device=x.device).tril()
    if key_mask is not None:
        allowed = allowed & key_mask[:, None, None, :]
    q, k, v = ((x @ params["W_" + n] + params["b_" + n]).reshape(B, L, num_heads, D).transpose(1, 2) for n in "qkv")
    scores = q @ k.transpose(-2, -1) / math.sqrt(D)
    scores = scores.masked_fill(~allowed, float("-inf"))
    attn = torch.softmax(scores, dim=-1) @ v
    mha = attn.transpose(1, 2).reshape(B, L, E) @ params["W_o"] + params["b_o"]
    h = layer_norm(x + mha, params["gamma1"], params["beta1"], eps)
    ff = feed_forward(h, params["W1"], params["b1"], params["W2"], params["b2"])
    return layer_norm(h + ff, params["gamma2"], params["beta2"], eps)
