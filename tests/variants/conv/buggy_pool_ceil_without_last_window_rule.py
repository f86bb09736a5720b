"""pool_output_size with ceil_mode rounds up and keeps a last window that starts in the right padding."""

from __future__ import annotations

import torch
import torch.nn.functional as F

BREAKS = {"pool_output_size"}


def _pair(v):
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    if size < 1 or kernel_size < 1 or stride < 1 or dilation < 1 or padding < 0:
        raise ValueError("size, kernel_size, stride and dilation must be >= 1, padding >= 0")
    out = (size + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1
    if out < 1:
        raise ValueError("the kernel does not fit in the padded input")
    return out


def conv2d_output_shape(input_shape, out_channels, kernel_size, stride=1, padding=0, dilation=1):
    n, c, h, w = input_shape
    if n < 1 or c < 1 or out_channels < 1:
        raise ValueError("empty input or no filters")
    (kh, kw), (sh, sw) = _pair(kernel_size), _pair(stride)
    (ph, pw), (dh, dw) = _pair(padding), _pair(dilation)
    return (n, out_channels, conv_output_size(h, kh, sh, ph, dh), conv_output_size(w, kw, sw, pw, dw))


def pool_output_size(size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    if stride is None:
        stride = kernel_size
    if size < 1 or kernel_size < 1 or stride < 1 or dilation < 1 or padding < 0:
        raise ValueError("size, kernel_size, stride and dilation must be >= 1, padding >= 0")
    if padding > kernel_size // 2:
        raise ValueError("padding must be at most half the kernel size")
    span = size + 2 * padding - dilation * (kernel_size - 1) - 1
    if ceil_mode:
        out = -(-span // stride) + 1
    else:
        out = span // stride + 1
    if out < 1:
        raise ValueError("the output would be empty")
    return out


def same_padding(kernel_size, dilation=1):
    if kernel_size < 1 or dilation < 1:
        raise ValueError("kernel_size and dilation must be >= 1")
    effective = dilation * (kernel_size - 1) + 1
    if effective % 2 == 0:
        raise ValueError(f"an effective kernel of {effective} is even: no symmetric padding keeps the size")
    return (effective - 1) // 2


def conv2d_forward(x, weight, bias, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride), _pair(padding), _pair(dilation)
    n, c, h, w = x.shape
    f, _, kh, kw = weight.shape
    out_h = conv_output_size(h, kh, sh, ph, dh)
    out_w = conv_output_size(w, kw, sw, pw, dw)
    xp = F.pad(x, (pw, pw, ph, ph))
    out = torch.zeros(n, f, out_h, out_w, dtype=x.dtype, device=x.device)
    for u in range(kh):
        for v in range(kw):
            top, left = u * dh, v * dw
            patch = xp[:, :, top : top + sh * (out_h - 1) + 1 : sh, left : left + sw * (out_w - 1) + 1 : sw]
            out = out + torch.einsum("nchw,fc->nfhw", patch, weight[:, :, u, v])
    if bias is not None:
        out = out + bias[:, None, None]
    return out
