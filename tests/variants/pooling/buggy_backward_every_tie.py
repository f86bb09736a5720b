"""Every tied maximum of a window gets the whole gradient (a mask x == max): only ties show it."""

from __future__ import annotations

import torch
import torch.nn.functional as F

BREAKS = {"max_pool2d_backward"}


def _pair(v):
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def _setup(x, kernel_size, stride, padding):
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(kernel_size if stride is None else stride)
    ph, pw = _pair(padding)
    if kh < 1 or kw < 1 or sh < 1 or sw < 1:
        raise ValueError("kernel_size and stride must be positive")
    if ph < 0 or pw < 0 or ph > kh // 2 or pw > kw // 2:
        raise ValueError("padding must be between 0 and kernel_size // 2")
    H, W = x.shape[2], x.shape[3]
    if H + 2 * ph < kh or W + 2 * pw < kw:
        raise ValueError("the output would be empty")
    out_h = (H + 2 * ph - kh) // sh + 1
    out_w = (W + 2 * pw - kw) // sw + 1
    return kh, kw, sh, sw, ph, pw, out_h, out_w


def _patches(x, kh, kw, sh, sw, ph, pw, fill):
    xp = F.pad(x, (pw, pw, ph, ph), value=fill)
    p = xp.unfold(2, kh, sh).unfold(3, kw, sw)
    return p.reshape(*p.shape[:4], kh * kw)


def max_pool2d(x, kernel_size, stride=None, padding=0):
    kh, kw, sh, sw, ph, pw, _, _ = _setup(x, kernel_size, stride, padding)
    return _patches(x, kh, kw, sh, sw, ph, pw, float("-inf")).max(dim=-1).values


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    kh, kw, sh, sw, ph, pw, _, _ = _setup(x, kernel_size, stride, padding)
    return _patches(x, kh, kw, sh, sw, ph, pw, 0.0).sum(dim=-1) / (kh * kw)


def max_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
    kh, kw, sh, sw, ph, pw, out_h, out_w = _setup(x, kernel_size, stride, padding)
    N, C, H, W = x.shape
    patches = _patches(x, kh, kw, sh, sw, ph, pw, float("-inf"))
    dx = torch.zeros(N, C, H + 2 * ph, W + 2 * pw, dtype=x.dtype, device=x.device)
    for n in range(N):
        for c in range(C):
            for i in range(out_h):
                for j in range(out_w):
                    window = patches[n, c, i, j]
                    for best in torch.nonzero(window == window.max()).flatten().tolist():
                        r = i * sh + best // kw
                        s = j * sw + best % kw
                        dx[n, c, r, s] += dout[n, c, i, j]
    return dx[:, :, ph : ph + H, pw : pw + W]


def kmax_pool(x, k):
    L = x.shape[-1]
    if k < 1 or k > L:
        raise ValueError("k must be between 1 and L")
    idx = torch.sort(x, dim=-1, descending=True, stable=True).indices[..., :k]
    idx, _ = torch.sort(idx, dim=-1)
    return torch.gather(x, -1, idx)
