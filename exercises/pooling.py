"""Exercise: pooling in convolutional networks: max and average pooling, max pooling's
backward pass, and k-max pooling over sequences.

Conventions for every function here (course-wide):

- Images are ``torch.Tensor`` of shape (N, C, H, W) (NCHW: batch, channels, height, width),
  float32 or float64. Return a tensor of the input's dtype on the input's device (a NumPy
  array is accepted too).
- ``kernel_size``, ``stride`` and ``padding`` are each an int or an (h, w) pair (a tuple or
  list of two ints): an int means the same value for the height and the width. ``stride=None``
  means stride = kernel_size. Dilation is 1 and there is no ceil mode.
- The output size along the height (the width alike) is

      H' = floor((H + 2 * ph - kh) / sh) + 1

- ValueError in ``max_pool2d``, ``avg_pool2d`` and ``max_pool2d_backward`` when an entry of
  kernel_size or stride is < 1, an entry of padding is < 0 or > kernel_size // 2 of the same
  dimension (torch's own limit), or the output would be empty (H + 2 * ph < kh).
- Never modify an input in place (no ``x[...] = ...``, no ``x.zero_()``): the grader checks.
- Forbidden in every function: any torch pooling or unpooling call, whatever its spelling:
  every ``torch`` path with "pool" in its name (``F.max_pool2d``, ``F.avg_pool2d``,
  ``max_pool2d_with_indices``, ``F.max_unpool2d``, ``F.adaptive_max_pool2d``, ``F.lp_pool2d``,
  ``F.fractional_max_pool2d``, ``nn.MaxPool2d``, ``nn.AvgPool2d``, ``torch.max_pool2d``,
  ``torch.ops.aten.max_pool2d`` and their 1-D and 3-D kin: any ``aten`` op with "pool" in its name). In
  ``max_pool2d_backward`` autograd is forbidden too (``Tensor.backward``, ``torch.autograd``,
  ``torch.func``, ``requires_grad``, ``requires_grad_``, ``retain_grad``). A function that
  calls one gets zero points. Fair tools: ``F.pad``, ``Tensor.unfold``, ``F.unfold``,
  ``as_strided``, ``argmax``, ``sort(stable=True)``, ``topk``, ``gather``, ``scatter_add_``,
  ``index_add_``, and loops.

Check your work with ``mlgrade check pooling``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

IntOrPair = int | Sequence[int]


def max_pool2d(
    x: torch.Tensor, kernel_size: IntOrPair, stride: IntOrPair | None = None, padding: IntOrPair = 0
) -> torch.Tensor:
    """2-D max pooling, as ``torch.nn.functional.max_pool2d`` computes it (dilation 1, no ceil mode).

        out[n, c, i, j] = max over u < kh, v < kw of  xp[n, c, i * sh + u, j * sw + v]

    where xp is x padded with ph rows above and below and pw columns left and right. The
    padding is implicit -infinity: a padded position never wins, so a window of negative
    values at the border gives a negative maximum, not 0.

    Args:
        x: shape (N, C, H, W).
        kernel_size: (kh, kw), an int or an (h, w) pair.
        stride: (sh, sw), an int or a pair; None means stride = kernel_size.
        padding: (ph, pw), an int or a pair, 0 <= ph <= kh // 2 (the width alike).

    Returns:
        shape (N, C, H', W').

    Raises:
        ValueError: see the module docstring (kernel or stride < 1, padding out of range,
        empty output).

    Example: x = [[1, 2, 0], [3, -1, 4], [0, 5, 2]] as a (1, 1, 3, 3) image, kernel_size=2,
    stride=1 gives [[3, 4], [5, 5]]; with kernel_size=2 (stride 2), padding=1 it gives
    [[1, 2], [3, 5]].
    """
    raise NotImplementedError("pooling.max_pool2d: take the maximum of each (padded) window")


def avg_pool2d(
    x: torch.Tensor, kernel_size: IntOrPair, stride: IntOrPair | None = None, padding: IntOrPair = 0
) -> torch.Tensor:
    """2-D average pooling, as ``torch.nn.functional.avg_pool2d`` computes it with its defaults.

        out[n, c, i, j] = (1 / (kh * kw)) * sum over u < kh, v < kw of  xp[n, c, i * sh + u, j * sw + v]

    where xp is x padded with zeros (ph rows above and below, pw columns left and right). The
    padded zeros count (torch's ``count_include_pad=True``): every window's sum is divided by
    kh * kw, also at the borders, where fewer real values are in the window.

    Args and Raises: as ``max_pool2d``.

    Returns:
        shape (N, C, H', W').

    Example: x = [[1, 2], [3, 4]] as a (1, 1, 2, 2) image, kernel_size=2, padding=1 gives
    [[0.25, 0.5], [0.75, 1.0]] (each window holds one real value and three zeros).
    """
    raise NotImplementedError("pooling.avg_pool2d: divide each zero-padded window's sum by kh * kw")


def max_pool2d_backward(
    dout: torch.Tensor,
    x: torch.Tensor,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
) -> torch.Tensor:
    """The gradient of sum(dout * max_pool2d(x, kernel_size, stride, padding)) with respect to x.

    Each output gradient dout[n, c, i, j] goes, whole, to the one input position that is the
    maximum of window (i, j); every other position of the window gets nothing from it. A
    position that is the maximum of several overlapping windows (stride < kernel) receives
    the sum of their gradients. Positions that win no window get 0.

    Ties: when a window holds its maximum more than once, the gradient goes to the first
    occurrence in row-major order of the window (topmost row first, then leftmost), as torch's
    max_pool2d does. Not to every tied position, not split between them, not to the last one.
    (``argmax`` returns the first maximum.)

    Args:
        dout: shape (N, C, H', W'), the upstream gradient, the shape max_pool2d(x, ...) has.
        x: shape (N, C, H, W), the forward pass's input.
        kernel_size, stride, padding: as ``max_pool2d``.

    Returns:
        dx: shape (N, C, H, W), x's dtype.

    Raises:
        ValueError: as ``max_pool2d``.

    Autograd is forbidden here (``Tensor.backward``, ``torch.autograd``, ``torch.func``,
    ``requires_grad``): compute the gradient yourself.

    Example: x = [[1, 1], [0, 1]] as a (1, 1, 2, 2) image, kernel_size=2, dout = [[5]] gives
    dx = [[5, 0], [0, 0]] (the first of the three tied 1s). With x = [[0, 2, 0]] (shape
    (1, 1, 1, 3)), kernel_size=(1, 2), stride=1 and dout = [[3, 4]], dx = [[0, 7, 0]].
    """
    raise NotImplementedError("pooling.max_pool2d_backward: route each dout to its window's first maximum")


def kmax_pool(x: torch.Tensor, k: int) -> torch.Tensor:
    """k-max pooling (Kalchbrenner et al. 2014) over the last axis: the k largest values of
    each row, kept in their original order (not sorted by size).

    Ties: among equal values the earlier position is preferred, i.e. the kept positions are
    the first k of a *stable* sort by decreasing value (``torch.sort(..., stable=True)``).
    ``torch.topk`` does not promise this: on the CPU, ``topk([2, 5, 2, 2, 1, 5], 3)`` keeps
    position 3, not 0, so an answer built on ``topk`` must break ties itself.

    Args:
        x: shape (..., L): any number of leading dimensions, one row per position of them.
        k: an int, 1 <= k <= L. k = L returns x unchanged.

    Returns:
        shape (..., k), x's dtype.

    Raises:
        ValueError: when k < 1 or k > L.

    Example: kmax_pool([2, 5, 2, 2, 1, 5], 3) keeps positions 0, 1 and 5: [2, 5, 5].
    kmax_pool([[1, 3, 2], [4, 0, 4]], 2) gives [[3, 2], [4, 4]].
    """
    raise NotImplementedError("pooling.kmax_pool: keep the first k positions of a stable sort, in their order")
