"""Reference: convolution. Plain torch, on whatever device and dtype the inputs have.

The size functions do not trust a formula: they build a small tensor of zeros and ask
``torch.nn.functional``'s ``conv1d``, ``conv2d`` or ``max_pool1d`` for the shape of the result,
turning torch's RuntimeError (an empty output, too much padding) into the ValueError the
exercise asks for.
``conv2d_forward`` may not call ``conv2d`` (the grader forbids it to students, and grades this
module as it grades them): it takes the windows with ``Tensor.unfold`` and sums with ``einsum``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

IntOrPair = int | Sequence[int]


def _pair(v: IntOrPair) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def _check_ranges(
    sizes: Sequence[int],
    kernels: Sequence[int],
    strides: Sequence[int],
    paddings: Sequence[int],
    dilations: Sequence[int],
) -> None:
    if min(*sizes, *kernels, *strides, *dilations) < 1 or min(paddings) < 0:
        raise ValueError("sizes, kernel sizes, strides and dilations must be >= 1, paddings >= 0")


def conv_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    _check_ranges([size], [kernel_size], [stride], [padding], [dilation])
    x, w = torch.zeros(1, 1, size), torch.zeros(1, 1, kernel_size)
    try:
        return torch.nn.functional.conv1d(x, w, stride=stride, padding=padding, dilation=dilation).shape[-1]
    except RuntimeError as exc:
        raise ValueError(str(exc)) from None


def conv2d_output_shape(
    input_shape: Sequence[int],
    out_channels: int,
    kernel_size: IntOrPair,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
) -> tuple[int, ...]:
    kernel, stride, padding, dilation = _pair(kernel_size), _pair(stride), _pair(padding), _pair(dilation)
    _check_ranges([*input_shape, out_channels], kernel, stride, padding, dilation)
    n, c, h, w = input_shape
    x, weight = torch.zeros(n, c, h, w), torch.zeros(out_channels, c, *kernel)
    try:
        return tuple(torch.nn.functional.conv2d(x, weight, stride=stride, padding=padding, dilation=dilation).shape)
    except RuntimeError as exc:
        raise ValueError(str(exc)) from None


def pool_output_size(
    size: int,
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
    dilation: int = 1,
    ceil_mode: bool = False,
) -> int:
    stride = kernel_size if stride is None else stride
    _check_ranges([size], [kernel_size], [stride], [padding], [dilation])
    x = torch.zeros(1, 1, size)
    try:
        return torch.nn.functional.max_pool1d(x, kernel_size, stride, padding, dilation, ceil_mode=ceil_mode).shape[-1]
    except RuntimeError as exc:  # an empty output, or padding > kernel_size // 2
        raise ValueError(str(exc)) from None


def same_padding(kernel_size: int, dilation: int = 1) -> int:
    span = dilation * (kernel_size - 1) + 1  # the effective kernel
    if kernel_size < 1 or dilation < 1 or span % 2 == 0:
        raise ValueError(f"no padding keeps the size for an effective kernel of {span}")
    return (span - 1) // 2


def conv2d_forward(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    stride: IntOrPair = 1,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
) -> torch.Tensor:
    # Written out: conv2d is forbidden to the student; the hidden checks compare with it.
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride), _pair(padding), _pair(dilation)
    kh, kw = weight.shape[2:]
    xp = torch.nn.functional.pad(x, (pw, pw, ph, ph))
    # every window the dilated kernel spans, (N, C, H', W', span_h, span_w); keep its taps
    windows = xp.unfold(2, dh * (kh - 1) + 1, sh).unfold(3, dw * (kw - 1) + 1, sw)[..., ::dh, ::dw]
    out = torch.einsum("nchwuv,fcuv->nfhw", windows, weight)
    return out if bias is None else out + bias[:, None, None]
