"""Correct: every window by Python loops over plain indices, the first maximum found by a strict
comparison, k-max pooling by ranks counted one pair at a time."""

from __future__ import annotations

import torch


def _pair(v):
    if isinstance(v, (list, tuple)):
        return int(v[0]), int(v[1])
    return int(v), int(v)


def _geometry(x, kernel_size, stride, padding):
    kh, kw = _pair(kernel_size)
    sh, sw = (kh, kw) if stride is None else _pair(stride)
    ph, pw = _pair(padding)
    if min(kh, kw, sh, sw) < 1:
        raise ValueError("kernel_size and stride must be at least 1")
    if not (0 <= ph <= kh // 2 and 0 <= pw <= kw // 2):
        raise ValueError("padding must be between 0 and half the kernel")
    H, W = x.shape[-2], x.shape[-1]
    if H + 2 * ph < kh or W + 2 * pw < kw:
        raise ValueError("empty output")
    return kh, kw, sh, sw, ph, pw, (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1


def _window_cells(i, j, kh, kw, sh, sw, ph, pw, H, W):
    """The window's cells inside the image, row-major, as (row, col)."""
    cells = []
    for u in range(kh):
        for v in range(kw):
            r, c = i * sh + u - ph, j * sw + v - pw
            if 0 <= r < H and 0 <= c < W:
                cells.append((r, c))
    return cells


def _argmax_cell(img, cells):
    best = None
    for r, c in cells:
        if best is None or img[r][c] > img[best[0]][best[1]]:
            best = (r, c)
    return best


def max_pool2d(x, kernel_size, stride=None, padding=0):
    kh, kw, sh, sw, ph, pw, oh, ow = _geometry(x, kernel_size, stride, padding)
    N, C, H, W = x.shape
    data = x.tolist()
    out = [[[[0.0] * ow for _ in range(oh)] for _ in range(C)] for _ in range(N)]
    for n in range(N):
        for c in range(C):
            img = data[n][c]
            for i in range(oh):
                for j in range(ow):
                    r, s = _argmax_cell(img, _window_cells(i, j, kh, kw, sh, sw, ph, pw, H, W))
                    out[n][c][i][j] = img[r][s]
    return torch.tensor(out, dtype=x.dtype, device=x.device)


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    kh, kw, sh, sw, ph, pw, oh, ow = _geometry(x, kernel_size, stride, padding)
    N, C, H, W = x.shape
    data = x.tolist()
    out = torch.zeros(N, C, oh, ow, dtype=torch.float64)
    for n in range(N):
        for c in range(C):
            for i in range(oh):
                for j in range(ow):
                    total = sum(data[n][c][r][s] for r, s in _window_cells(i, j, kh, kw, sh, sw, ph, pw, H, W))
                    out[n, c, i, j] = total / (kh * kw)
    return out.to(dtype=x.dtype, device=x.device)


def max_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
    kh, kw, sh, sw, ph, pw, oh, ow = _geometry(x, kernel_size, stride, padding)
    N, C, H, W = x.shape
    data, up = x.tolist(), dout.tolist()
    dx = [[[[0.0] * W for _ in range(H)] for _ in range(C)] for _ in range(N)]
    for n in range(N):
        for c in range(C):
            for i in range(oh):
                for j in range(ow):
                    r, s = _argmax_cell(data[n][c], _window_cells(i, j, kh, kw, sh, sw, ph, pw, H, W))
                    dx[n][c][r][s] += up[n][c][i][j]
    return torch.tensor(dx, dtype=x.dtype, device=x.device)


def kmax_pool(x, k):
    L = x.shape[-1]
    if k < 1 or k > L:
        raise ValueError(f"k must be in [1, {L}]")
    rows = x.reshape(-1, L).tolist()
    kept = []
    for row in rows:
        # rank of position i: how many values beat it (larger, or equal and earlier)
        ranks = [sum(1 for j, w in enumerate(row) if w > v or (w == v and j < i)) for i, v in enumerate(row)]
        kept.append([v for v, rank in zip(row, ranks) if rank < k])
    return torch.tensor(kept, dtype=x.dtype, device=x.device).reshape(*x.shape[:-1], k)
