"""conv: hidden checks against the reference, which measures every size with torch itself."""

from __future__ import annotations

import numpy as np

from grader.bank.conv import (
    any_conv_size_calls,
    any_padding_calls,
    any_pool_calls,
    any_shape_calls,
    layer_calls_by_kind,
)
from grader.checks import Call, ReferenceParity
from grader.strategies import pair


def torch_conv2d(call: Call) -> np.ndarray:
    """``torch.nn.functional.conv2d`` itself, in float64 on the CPU: the truth for conv2d_forward
    (the reference module may not call it, being graded as a student's submission is; this
    runs in the grader's process, as ``ReferenceParity(truth=...)`` computes its truth)."""
    import torch

    x, weight, bias, *rest = call.args
    stride, padding, dilation = (pair(v) for v in (*rest, *(1, 0, 1)[len(rest) :]))
    x, weight = torch.from_numpy(x).double(), torch.from_numpy(weight).double()
    bias = None if bias is None else torch.from_numpy(bias).double()
    return torch.nn.functional.conv2d(x, weight, bias, stride=stride, padding=padding, dilation=dilation).numpy()


CONV2D = "torch.nn.functional.conv2d"

# The size functions take ints only: a hundred examples cost milliseconds, and reach the rare
# corners (ceil_mode's dropped last window, an empty output, an argument out of range).
CHECKS = (
    ReferenceParity(
        name="conv_output_size matches torch",
        function="conv_output_size",
        points=1.0,
        inputs=any_conv_size_calls,
        examples=50,
    ),
    ReferenceParity(
        name="conv2d_output_shape matches torch",
        function="conv2d_output_shape",
        points=1.25,
        inputs=any_shape_calls,
        examples=50,
    ),
    ReferenceParity(
        name="pool_output_size matches torch's max_pool1d",
        function="pool_output_size",
        points=1.0,
        inputs=any_pool_calls,
        examples=75,
    ),
    ReferenceParity(
        name="same_padding matches reference",
        function="same_padding",
        points=0.5,
        inputs=any_padding_calls,
        examples=20,
    ),
    ReferenceParity(
        name="conv2d_forward matches torch, int arguments",
        function="conv2d_forward",
        points=1.0,
        inputs=layer_calls_by_kind["ints"],
        truth=torch_conv2d,
        truth_name=CONV2D,
    ),
    ReferenceParity(
        name="conv2d_forward matches torch, (h, w) pair arguments",
        function="conv2d_forward",
        points=1.0,
        inputs=layer_calls_by_kind["pairs"],
        truth=torch_conv2d,
        truth_name=CONV2D,
    ),
)
