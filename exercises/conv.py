"""Exercise: convolution, from output sizes to a 2-D convolution layer's forward pass.

Conventions for every function here (course-wide):

- Sizes, kernel sizes, strides, paddings and dilations are Python ints; where a function says
  "int or pair", the value is an int (the same for height and width) or an (h, w) pair.
  Return Python ints (or 0-d integer tensors) for sizes.
- Tensors are ``torch.Tensor`` of dtype float32 or float64, laid out as PyTorch does:
  (N, C, H, W) for images, (F, C, kh, kw) for filters. Return tensors of the input's dtype on
  the input's device (a NumPy array is accepted too).
- Never modify an input in place: the grader checks.
- An out-of-range argument (a size, kernel size, stride or dilation below 1, a negative
  padding) or an output that would be empty raises ``ValueError``.
- Forbidden in ``conv2d_forward`` only, in every spelling: ``torch.conv*`` (``torch.conv2d``,
  ...), ``torch.nn.functional.conv*``, ``torch.nn.Conv*`` modules and
  ``torch.nn.functional.unfold``/``fold``. They do the exercise for you; ``conv2d_forward``
  gets zero points if it calls one. ``Tensor.unfold``, ``Tensor.as_strided``, ``torch.einsum``,
  ``torch.nn.functional.pad`` and plain loops are all fair. The size functions may use anything.

Check your work with ``mlgrade check conv``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch


def conv_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """The length of the output of a convolution along one axis.

    The input is padded with ``padding`` zeros on each side; the kernel's taps are ``dilation``
    apart, so it spans  dilation * (kernel_size - 1) + 1  positions; it moves ``stride`` at a
    time and only windows that fit entirely in the padded input count:

        out = floor((size + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1

    Args:
        size: the input's length, >= 1.
        kernel_size: >= 1.
        stride: >= 1.
        padding: zeros added on each side, >= 0.
        dilation: >= 1.

    Returns:
        out, an int >= 1.

    Raises:
        ValueError: an argument is out of range, or the kernel does not fit in the padded
        input (the output would be empty).

    Example: conv_output_size(5, 3) == 3; conv_output_size(7, 3, stride=2, padding=1) == 4;
    conv_output_size(2, 3) raises ValueError.
    """
    raise NotImplementedError("conv.conv_output_size: apply the output-size formula, and check the arguments")


def conv2d_output_shape(
    input_shape: Sequence[int],
    out_channels: int,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
) -> tuple[int, int, int, int]:
    """The shape of ``torch.nn.functional.conv2d``'s result, without computing it.

    The height follows ``conv_output_size`` with the first item of each pair, the width with
    the second; the batch size is kept and the channels become ``out_channels``:

        (N, C, H, W) -> (N, out_channels, H', W')

    Args:
        input_shape: (N, C, H, W), each >= 1.
        out_channels: F, the number of filters, >= 1.
        kernel_size, stride, padding, dilation: each an int or an (h, w) pair.

    Returns:
        (N, F, H', W'): a tuple of four ints.

    Raises:
        ValueError: an argument is out of range, or the output would be empty.

    Example: conv2d_output_shape((2, 3, 32, 32), 8, 5, stride=1, padding=2) == (2, 8, 32, 32);
    conv2d_output_shape((1, 1, 10, 6), 4, (3, 1), stride=(2, 1)) == (1, 4, 4, 6).
    """
    raise NotImplementedError("conv.conv2d_output_shape: use conv_output_size for H and W")


def pool_output_size(
    size: int,
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
    dilation: int = 1,
    ceil_mode: bool = False,
) -> int:
    """The length of the output of max pooling along one axis, as ``torch.nn.functional.max_pool1d``.

    The stride defaults to the kernel size (``stride=None``: windows side by side). Without
    ``ceil_mode`` this is the convolution formula. With ``ceil_mode`` the division rounds up,
    so that a last, partial window is kept, but a window must start inside the input or its
    left padding: if the last window would start at or after  size + padding  (in padded
    coordinates, (out - 1) * stride >= size + padding), it is dropped and out is one less.

        out = floor_or_ceil((size + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1

    Args:
        size: >= 1.
        kernel_size: >= 1.
        stride: >= 1, or None for kernel_size.
        padding: >= 0 and at most kernel_size // 2 (as PyTorch requires).
        dilation: >= 1.
        ceil_mode: round up instead of down (with the rule above).

    Returns:
        out, an int >= 1.

    Raises:
        ValueError: an argument is out of range, padding > kernel_size // 2, or the output
        would be empty.

    Example: pool_output_size(6, 2) == 3; pool_output_size(5, 2) == 2;
    pool_output_size(5, 2, ceil_mode=True) == 3; pool_output_size(3, 2, padding=1, ceil_mode=True) == 2.
    """
    raise NotImplementedError("conv.pool_output_size: the convolution formula, stride defaulting to the kernel")


def same_padding(kernel_size: int, dilation: int = 1) -> int:
    """The padding that keeps the size unchanged at stride 1 ("same" convolution).

    The effective kernel spans  k_eff = dilation * (kernel_size - 1) + 1  positions; padding p
    on each side keeps the size when 2 * p = k_eff - 1, so p = (k_eff - 1) / 2. That is only
    possible when k_eff is odd.

    Args:
        kernel_size: >= 1.
        dilation: >= 1.

    Returns:
        p, an int >= 0, with conv_output_size(n, kernel_size, 1, p, dilation) == n for every n
        large enough for the kernel to fit.

    Raises:
        ValueError: an argument is out of range, or k_eff is even (no symmetric padding works).

    Example: same_padding(3) == 1; same_padding(3, dilation=2) == 2; same_padding(4) raises ValueError.
    """
    raise NotImplementedError("conv.same_padding: half of the effective kernel minus one")


def conv2d_forward(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
) -> torch.Tensor:
    """The forward pass of a 2-D convolution layer, as ``torch.nn.functional.conv2d``.

    This is cross-correlation (the kernel is not flipped). With x padded by ph zeros above and
    below and pw zeros left and right (xp), stride (sh, sw) and dilation (dh, dw):

        out[n, f, i, j] = bias[f] + sum_{c, u, v} weight[f, c, u, v] * xp[n, c, i*sh + u*dh, j*sw + v*dw]

    for u < kh, v < kw; H' and W' as in ``conv2d_output_shape``. With ``bias=None`` there is
    no bias term.

    Args:
        x: shape (N, C, H, W).
        weight: shape (F, C, kh, kw), same dtype as x.
        bias: shape (F,), or None.
        stride, padding, dilation: each an int (both axes) or an (h, w) pair.

    Returns:
        shape (N, F, H', W'), x's dtype.

    Forbidden here: torch.conv*, torch.nn.functional.conv*, torch.nn.Conv*,
    torch.nn.functional.unfold and fold (see the module docstring).
    """
    raise NotImplementedError("conv.conv2d_forward: pad x, then sum weight times each window")
