"""conv: functions, outputs, forbidden calls and public checks.

The size functions return ints, compared exactly. Their public checks are hand-computed
answers (ValueError cases among them) and properties relating the student's own functions;
the hidden ones compare with what torch itself computes (see ``solutions.conv``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from grader import strategies, tolerance
from grader.checks import (
    Call,
    Case,
    Contract,
    KnownAnswers,
    Property,
    Student,
)
from grader.exercise import Exercise, Function
from grader.i18n import N_, _
from grader.outputs import Array, Scalar, Tuple
from grader.strategies import pair

# Only conv2d_forward is computed for the student by these; the size functions may use anything.
FORBIDDEN_IN_FORWARD = (
    "torch.conv*",
    "torch.nn.functional.conv*",
    "torch.nn.Conv*",
    "torch.nn.modules.conv",
    "torch.nn.functional.unfold",
    "torch.nn.functional.fold",
)


def _axis(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def forward_shape(
    x: np.ndarray, weight: np.ndarray, bias: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1
) -> tuple[int, ...]:
    """(N, F, H', W'): the grader's generated inputs always give a non-empty output."""
    axes = zip(x.shape[2:], weight.shape[2:], pair(stride), pair(padding), pair(dilation), strict=True)
    return (x.shape[0], weight.shape[0], *(_axis(*a) for a in axes))


SIZE = Scalar(kind="int", label="size")

FUNCTIONS = (
    Function("conv_output_size", SIZE),
    Function(
        "conv2d_output_shape",
        Tuple(
            (
                Scalar(kind="int", label="N"),
                Scalar(kind="int", label="F"),
                Scalar(kind="int", label="H'"),
                Scalar(kind="int", label="W'"),
            )
        ),
    ),
    Function("pool_output_size", SIZE),
    Function("same_padding", Scalar(kind="int", label="padding")),
    Function("conv2d_forward", Array(forward_shape), FORBIDDEN_IN_FORWARD),
)

# -- inputs ------------------------------------------------------------------------------------

conv_size_calls = strategies.conv_axis(valid=True).map(lambda a: Call(a))
any_conv_size_calls = strategies.conv_axis().map(lambda a: Call(a))
shape_calls = strategies.conv2d_shapes(valid=True).map(lambda a: Call(a))
any_shape_calls = strategies.conv2d_shapes().map(lambda a: Call(a))
pool_calls = strategies.pool_axis(valid=True).map(lambda a: Call(a))
any_pool_calls = strategies.pool_axis().map(lambda a: Call(a))
# Kernels whose effective span dilation * (kernel_size - 1) + 1 is odd: "same" padding exists.
odd_span_calls = (
    st.tuples(st.integers(1, 9), st.integers(1, 4))
    .filter(lambda kd: kd[1] * (kd[0] - 1) % 2 == 0)
    .map(lambda kd: Call(kd))
)
any_padding_calls = st.tuples(st.integers(1, 9), st.integers(1, 4)).map(lambda kd: Call(kd))
layer_calls = strategies.conv_layer().map(lambda a: Call(a))
layer_calls_by_kind = {
    "ints": strategies.conv_layer(pairs=False).map(lambda a: Call(a)),
    "pairs": strategies.conv_layer(pairs=True).map(lambda a: Call(a)),
}
one_channel_calls = strategies.conv_layer().map(
    lambda a: Call((np.ascontiguousarray(a[0][:, :1]), np.ones((1, 1, 1, 1), dtype=a[0].dtype), None))
)


def _image(rows: list[list[float]], dtype: Any = np.float64) -> np.ndarray:
    """One image of one channel: shape (1, 1, H, W)."""
    return np.array(rows, dtype=dtype)[None, None]


# -- properties (each returns None when it holds, else what is wrong) ---------------------------


def same_padding_keeps_size(student: Student, call: Call, out: Any) -> str | None:
    """Your conv_output_size at stride 1 with this padding gives back the size. A bug in your
    conv_output_size is its own checks' business: where the padding is right by definition
    (2 * padding = effective kernel - 1), same_padding is not blamed; where conv_output_size
    fails, the reference's stands in, or the failure names it (grader.checks._Neighbours)."""
    kernel_size, dilation = call.args
    padding = int(out)
    if padding < 0:
        return _("a padding of {padding} is negative").format(padding=padding)
    span = dilation * (kernel_size - 1) + 1
    if 2 * padding == span - 1:
        return None
    for size in (span, span + 1, span + 4):
        kept = int(student("conv_output_size", Call((size, kernel_size, 1, padding, dilation))))
        if kept != size:
            return _(
                "with padding {padding}, conv_output_size({size}, {kernel_size}, 1, {padding}, {dilation}) "
                "is {kept} (by your conv_output_size): the size is not kept; 2 * padding must equal the "
                "effective kernel {span} minus 1"
            ).format(padding=padding, size=size, kernel_size=kernel_size, dilation=dilation, kept=kept, span=span)
    return None


def shape_agrees_with_forward(student: Student, call: Call, out: Any) -> str | None:
    """The shape predicted is the shape of your conv2d_forward's result on inputs of that shape.

    Where your conv2d_forward fails (not written yet, raises, or returns the wrong shape: its
    own checks say so), the reference's stands in, or the failure names it as the one to fix
    first (grader.checks._Neighbours): conv2d_output_shape neither pays for it nor is paid."""
    (n, c, h, w), f, kernel, stride, padding, dilation = call.args
    kh, kw = pair(kernel)
    x, weight = np.zeros((n, c, h, w)), np.zeros((f, c, kh, kw))
    result = student("conv2d_forward", Call((x, weight, None, stride, padding, dilation)))
    predicted = tuple(int(v) for v in out)
    if predicted == tuple(result.shape):
        return None
    return _("your conv2d_forward returns shape {got} for these arguments, not {predicted}").format(
        got=tuple(result.shape), predicted=predicted
    )


def one_by_one_ones_is_identity(student: Student, call: Call, out: Any) -> str | None:
    x = call.args[0]
    worst = tolerance.worst_mismatch(out, x, tolerance.for_dtype(x.dtype))
    if worst is None:
        return None
    return _("a 1×1 kernel of ones on one channel must return x unchanged; it differs at {index}").format(
        index=list(worst.index)
    )


def linear_in_the_weight(student: Student, call: Call, out: Any) -> str | None:
    x, weight, _bias, *rest = call.args
    other = np.round(np.cos(np.arange(weight.size)).reshape(weight.shape), 2).astype(weight.dtype)
    a, b = 0.5, -2.0
    mixed = (a * weight.astype(np.float64) + b * other).astype(weight.dtype)
    first = student("conv2d_forward", Call((x, weight, None, *rest)))
    second = student("conv2d_forward", Call((x, other, None, *rest)))
    combined = student("conv2d_forward", Call((x, mixed, None, *rest)))
    worst = tolerance.worst_mismatch(combined, a * first + b * second, tolerance.for_dtype(x.dtype))
    if worst is None:
        return None
    return _(
        "conv2d_forward(x, {a}·W1 + {b}·W2, None) differs from {a}·conv2d_forward(x, W1, None) + "
        "{b}·conv2d_forward(x, W2, None) at {index}: without a bias it must be linear in the weight"
    ).format(a=a, b=b, index=list(worst.index))


# -- known answers -----------------------------------------------------------------------------

X33 = _image([[0, 1, 2], [3, 4, 5], [6, 7, 8]])
W22 = _image([[1, 2], [3, 4]])

CHECKS = (
    Contract(name="conv_output_size returns an int", function="conv_output_size", points=0.25, inputs=conv_size_calls),
    KnownAnswers(
        name="conv_output_size known answers",
        function="conv_output_size",
        points=0.75,
        cases=(
            Case(Call((5, 3)), 3),
            Case(Call((1, 1)), 1),
            Case(Call((7, 3, 2, 1)), 4),
            Case(Call((6, 3, 2)), 2),
            Case(Call((5, 3, 1, 1)), 5),
            Case(Call((10, 3), {"dilation": 2}), 6),
            Case(Call((8, 2, 3, 2, 3)), 3),
            Case(Call((2, 3)), raises=ValueError),
            Case(Call((3, 3, 1, 0, 2)), raises=ValueError),
            Case(Call((0, 1)), raises=ValueError),
            Case(Call((4, 0)), raises=ValueError),
            Case(Call((4, 2, 0)), raises=ValueError),
            Case(Call((4, 2, 1, -1)), raises=ValueError),
            Case(Call((4, 2, 1, 0, 0)), raises=ValueError),
        ),
    ),
    Contract(
        name="conv2d_output_shape returns four ints", function="conv2d_output_shape", points=0.25, inputs=shape_calls
    ),
    KnownAnswers(
        name="conv2d_output_shape known answers",
        function="conv2d_output_shape",
        points=0.5,
        cases=(
            Case(Call(((2, 3, 32, 32), 8, 5, 1, 2)), (2, 8, 32, 32)),
            Case(Call(((1, 1, 10, 6), 4, (3, 1), (2, 1))), (1, 4, 4, 6)),
            Case(Call(((1, 2, 9, 9), 3, 3, (2, 3), (1, 0), (1, 2))), (1, 3, 5, 2)),
            Case(Call(((4, 1, 7, 12), 2, (2, 4)), {"dilation": (3, 1)}), (4, 2, 4, 9)),
            Case(Call(((1, 1, 2, 2), 1, 3)), raises=ValueError),
            Case(Call(((1, 1, 9, 2), 1, (3, 2), 1, 0, (1, 2))), raises=ValueError),
        ),
    ),
    Property(
        name="conv2d_output_shape agrees with your conv2d_forward",
        evidence=("conv2d_output_shape known answers", "conv2d_forward known answers"),
        function="conv2d_output_shape",
        points=0.5,
        inputs=shape_calls,
        examples=8,
        holds=shape_agrees_with_forward,
    ),
    Contract(name="pool_output_size returns an int", function="pool_output_size", points=0.25, inputs=pool_calls),
    KnownAnswers(
        name="pool_output_size known answers",
        function="pool_output_size",
        points=0.75,
        cases=(
            Case(Call((6, 2)), 3),
            Case(Call((5, 2)), 2),
            Case(Call((5, 2), {"ceil_mode": True}), 3),
            Case(Call((3, 2, None, 1), {"ceil_mode": True}), 2),
            Case(Call((5, 3, 1)), 3),
            Case(Call((4, 2, 1, 0, 2)), 2),
            Case(Call((7, 3, 2, 1), {"ceil_mode": True}), 4),
            Case(Call((3, 3, 1, 2)), raises=ValueError),
            Case(Call((2, 3)), raises=ValueError),
            Case(Call((4, 2, 0)), raises=ValueError),
        ),
    ),
    KnownAnswers(
        name="same_padding known answers",
        function="same_padding",
        points=0.5,
        cases=(
            Case(Call((1,)), 0),
            Case(Call((3,)), 1),
            Case(Call((5,)), 2),
            Case(Call((3, 2)), 2),
            Case(Call((2, 2)), 1),
            Case(Call((4,)), raises=ValueError),
            Case(Call((2, 3)), raises=ValueError),
        ),
    ),
    Property(
        name="same_padding keeps the size at stride 1 (by your conv_output_size)",
        evidence=("same_padding known answers", "conv_output_size known answers"),
        function="same_padding",
        points=0.5,
        inputs=odd_span_calls,
        examples=8,
        holds=same_padding_keeps_size,
    ),
    Contract(
        name="conv2d_forward returns an (N, F, H', W') tensor",
        function="conv2d_forward",
        points=0.25,
        inputs=layer_calls,
        examples=4,
    ),
    KnownAnswers(
        name="conv2d_forward known answers",
        function="conv2d_forward",
        points=1.0,
        cases=(
            Case(Call((X33, W22, np.array([1.0]))), _image([[28, 38], [58, 68]])),
            Case(Call((X33, W22, None, (2, 1), (1, 0))), _image([[4, 11], [57, 67]])),
            Case(Call((X33, W22, None, 1, 0, (2, 1))), _image([[48, 58]])),
            Case(
                Call(
                    (
                        np.ones((1, 1, 4, 4), dtype=np.float32),
                        np.ones((2, 1, 2, 2), dtype=np.float32),
                        np.array([0.0, -1.0], dtype=np.float32),
                        2,
                    )
                ),
                np.stack([np.full((2, 2), 4.0), np.full((2, 2), 3.0)])[None],
            ),
            Case(
                Call((np.stack([X33[0, 0], -X33[0, 0]])[None], np.ones((1, 2, 1, 1)), None, 1, 1)),
                np.zeros((1, 1, 5, 5)),
            ),
        ),
    ),
    Property(
        name="conv2d_forward with a 1×1 kernel of ones is the identity",
        function="conv2d_forward",
        points=0.25,
        inputs=one_channel_calls,
        examples=5,
        holds=one_by_one_ones_is_identity,
    ),
    Property(
        name="conv2d_forward without a bias is linear in the weight",
        function="conv2d_forward",
        points=0.5,
        inputs=layer_calls,
        examples=5,
        holds=linear_in_the_weight,
    ),
)

EXERCISE = Exercise("conv", N_("Convolution: output sizes and a conv2d forward pass"), FUNCTIONS, CHECKS)
