"""Reference: pooling. Plain torch on whatever device and dtype the inputs have: windows by
``Tensor.unfold`` (no pooling call, no autograd), the backward beside its forward."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch.nn import functional

IntOrPair = int | Sequence[int]
Pair = tuple[int, int]


def _pair(v: IntOrPair) -> Pair:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def _geometry(
    x: torch.Tensor, kernel_size: IntOrPair, stride: IntOrPair | None, padding: IntOrPair
) -> tuple[Pair, Pair, Pair]:
    """((kh, kw), (sh, sw), (ph, pw)), or ValueError where torch's own max_pool2d refuses."""
    k, p = _pair(kernel_size), _pair(padding)
    s = k if stride is None else _pair(stride)
    if min(*k, *s) < 1:
        raise ValueError(f"kernel_size {k} and stride {s} must be >= 1")
    for size, ki, pi in zip(x.shape[-2:], k, p, strict=True):
        if pi < 0 or pi > ki // 2:
            raise ValueError(f"padding {p} must be between 0 and half the kernel size {k}")
        if size + 2 * pi < ki:
            raise ValueError(f"the {k} window does not fit in the padded {tuple(x.shape[-2:])} input")
    return k, s, p


def _windows(x: torch.Tensor, k: Pair, s: Pair, p: Pair, fill: float) -> torch.Tensor:
    """(N, C, H', W', kh·kw): each output position's window, padded with ``fill``, row-major."""
    padded = functional.pad(x, (p[1], p[1], p[0], p[0]), value=fill)
    windows = padded.unfold(2, k[0], s[0]).unfold(3, k[1], s[1])
    return windows.reshape(*windows.shape[:4], k[0] * k[1])


def max_pool2d(
    x: torch.Tensor, kernel_size: IntOrPair, stride: IntOrPair | None = None, padding: IntOrPair = 0
) -> torch.Tensor:
    k, s, p = _geometry(x, kernel_size, stride, padding)
    return _windows(x, k, s, p, float("-inf")).amax(dim=-1)


def avg_pool2d(
    x: torch.Tensor, kernel_size: IntOrPair, stride: IntOrPair | None = None, padding: IntOrPair = 0
) -> torch.Tensor:
    k, s, p = _geometry(x, kernel_size, stride, padding)
    return _windows(x, k, s, p, 0.0).sum(dim=-1) / (k[0] * k[1])  # padded zeros count


def max_pool2d_backward(
    dout: torch.Tensor, x: torch.Tensor, kernel_size: IntOrPair, stride: IntOrPair | None = None, padding: IntOrPair = 0
) -> torch.Tensor:
    k, s, p = _geometry(x, kernel_size, stride, padding)
    N, C, H, W = x.shape
    # argmax returns the first maximum: the window's first occurrence in row-major order
    best = _windows(x, k, s, p, float("-inf")).argmax(dim=-1)  # (N, C, H', W')
    out_h, out_w = best.shape[-2:]
    rows = torch.arange(out_h, device=x.device).view(-1, 1) * s[0] + best // k[1] - p[0]
    cols = torch.arange(out_w, device=x.device).view(1, -1) * s[1] + best % k[1] - p[1]
    dx = torch.zeros(N, C, H * W, dtype=x.dtype, device=x.device)
    # overlapping windows with the same winner add their gradients
    dx.scatter_add_(2, (rows * W + cols).reshape(N, C, -1), dout.reshape(N, C, -1).to(x.dtype))
    return dx.reshape(N, C, H, W)


def kmax_pool(x: torch.Tensor, k: int) -> torch.Tensor:
    L = x.shape[-1]
    if k < 1 or k > L:
        raise ValueError(f"k = {k} must be between 1 and the length {L}")
    # a stable sort keeps equal values in their order: the earlier position is preferred
    order = torch.sort(x, dim=-1, descending=True, stable=True).indices
    kept = order[..., :k].sort(dim=-1).values  # back in their original order
    return x.gather(-1, kept)
