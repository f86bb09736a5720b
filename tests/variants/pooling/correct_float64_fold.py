"""Correct, another formula: windows by F.unfold in float64, the backward as the one-hot of each
window's first maximum (a cumulative count of maxima) folded back with F.fold, which adds
overlapping windows; k-max pooling by topk on a key that breaks ties by position."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(int(a) for a in v)


def _args(x, kernel_size, stride, padding):
    k = _pair(kernel_size)
    s = k if stride is None else _pair(stride)
    p = _pair(padding)
    if min(k + s) <= 0:
        raise ValueError("kernel_size and stride must be positive")
    if any(pi < 0 or pi > ki // 2 for pi, ki in zip(p, k)):
        raise ValueError("padding must be in [0, kernel_size // 2]")
    if any(n + 2 * pi < ki for n, pi, ki in zip(x.shape[2:], p, k)):
        raise ValueError("empty output")
    out = tuple((n + 2 * pi - ki) // si + 1 for n, pi, ki, si in zip(x.shape[2:], p, k, s))
    return k, s, p, out


def _columns(x, k, s, p, fill):
    """(N, C, kh·kw, L) windows of x in float64, padded with fill."""
    N, C = x.shape[:2]
    xp = F.pad(x.double(), (p[1], p[1], p[0], p[0]), value=fill)
    return F.unfold(xp, k, stride=s).reshape(N, C, k[0] * k[1], -1)


def max_pool2d(x, kernel_size, stride=None, padding=0):
    k, s, p, out = _args(x, kernel_size, stride, padding)
    cols = _columns(x, k, s, p, float("-inf"))
    return cols.max(dim=2).values.reshape(*x.shape[:2], *out).to(x.dtype)


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    k, s, p, out = _args(x, kernel_size, stride, padding)
    cols = _columns(x, k, s, p, 0.0)
    return cols.mean(dim=2).reshape(*x.shape[:2], *out).to(x.dtype)


def max_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
    k, s, p, out = _args(x, kernel_size, stride, padding)
    N, C, H, W = x.shape
    cols = _columns(x, k, s, p, float("-inf"))
    is_max = cols == cols.max(dim=2, keepdim=True).values
    first = is_max & (is_max.cumsum(dim=2) == 1)
    grads = first.double() * dout.double().reshape(N, C, 1, -1)
    size = (H + 2 * p[0], W + 2 * p[1])
    dx = F.fold(grads.reshape(N, C * k[0] * k[1], -1), size, k, stride=s).reshape(N, C, *size)
    return dx[:, :, p[0] : p[0] + H, p[1] : p[1] + W].to(x.dtype)


def kmax_pool(x, k):
    L = x.shape[-1]
    if k < 1 or k > L:
        raise ValueError("need 1 <= k <= L")
    # rank by value, then by position: key = rank of the value among the row's sorted distinct
    # values, times L, minus the position: larger values first, among equal ones the earlier
    values = x.double()
    dense_rank = torch.searchsorted(torch.sort(values, dim=-1).values.contiguous(), values.contiguous())
    position = torch.arange(L, device=x.device)
    key = dense_rank * L + (L - 1 - position)
    idx = torch.topk(key, k, dim=-1).indices.sort(dim=-1).values
    return x.gather(-1, idx)
