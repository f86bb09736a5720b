"""Correct: everything in NumPy (np.argmax returns the first maximum, argsort(kind="stable")
keeps equal values in order), returning NumPy arrays."""

from __future__ import annotations

import numpy as np


def _two(v):
    return tuple(int(a) for a in np.broadcast_to(np.asarray(v), (2,)))


def _prepare(x, kernel_size, stride, padding, fill):
    k = _two(kernel_size)
    s = k if stride is None else _two(stride)
    p = _two(padding)
    if min(k) < 1 or min(s) < 1:
        raise ValueError("kernel_size and stride must be >= 1")
    if p[0] < 0 or p[1] < 0 or p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError("padding out of range")
    a = x.detach().cpu().numpy()
    if a.shape[2] + 2 * p[0] < k[0] or a.shape[3] + 2 * p[1] < k[1]:
        raise ValueError("the kernel does not fit")
    padded = np.pad(a, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])), constant_values=fill)
    windows = np.lib.stride_tricks.sliding_window_view(padded, k, axis=(2, 3))[:, :, :: s[0], :: s[1]]
    return a, k, s, p, windows.reshape(*windows.shape[:4], -1)


def max_pool2d(x, kernel_size, stride=None, padding=0):
    return _prepare(x, kernel_size, stride, padding, -np.inf)[-1].max(axis=-1)


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    _, k, _, _, windows = _prepare(x, kernel_size, stride, padding, 0.0)
    return windows.sum(axis=-1) / (k[0] * k[1])


def max_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
    a, k, s, p, windows = _prepare(x, kernel_size, stride, padding, -np.inf)
    N, C, H, W = a.shape
    best = windows.argmax(axis=-1)
    oh, ow = best.shape[2:]
    rows = np.arange(oh)[:, None] * s[0] + best // k[1]
    cols = np.arange(ow)[None, :] * s[1] + best % k[1]
    dx = np.zeros((N, C, H + 2 * p[0], W + 2 * p[1]), dtype=a.dtype)
    n, c = np.meshgrid(np.arange(N), np.arange(C), indexing="ij")
    np.add.at(dx, (n[..., None, None], c[..., None, None], rows, cols), dout.detach().cpu().numpy())
    return dx[:, :, p[0] : p[0] + H, p[1] : p[1] + W]


def kmax_pool(x, k):
    a = x.detach().cpu().numpy()
    if not 1 <= k <= a.shape[-1]:
        raise ValueError("k must be between 1 and L")
    order = np.argsort(-a, axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(a, np.sort(order, axis=-1), axis=-1)
