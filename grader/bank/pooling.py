"""pooling: functions, outputs, forbidden calls and public checks.

Ties decide the pooling functions: which of several equal maxima max pooling's backward feeds,
which of equal values k-max pooling keeps. So most inputs here hold integer-valued floats
drawn from a handful of values, where ties are the rule (``pool_layer(values="ties")``); the
gradient check by central differences needs the opposite, distinct values far apart
(``values="distinct"``), or a step of 1e-6 would move a window's maximum. The hidden checks
take their truth from torch's own ``max_pool2d``/``avg_pool2d`` and autograd, computed in the
grader's process (see ``grader.hidden.pooling``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from hypothesis import strategies as st

from grader import strategies, tolerance
from grader.checks import Call, Case, Contract, Gradient, KnownAnswers, Objective, Property, Student
from grader.exercise import Exercise, Function
from grader.forbidden import AUTOGRAD
from grader.i18n import N_, _, ngettext
from grader.outputs import Array

# SPEC: every torch path with "pool" in its name, whatever its spelling. fnmatch is
# case-sensitive, so the modules' classes (MaxPool2d, AdaptiveAvgPool1d) need "Pool"; an op
# reached through torch.ops.aten is named "aten.max_pool2d" by the worker's recorder (which
# applies only patterns that start with "torch." or "*") and "torch.ops.aten.max_pool2d" by
# the source scan.
FORBIDDEN = ("torch.*pool*", "torch.*Pool*", "*aten.*pool*")

Values = Literal["ties", "distinct", "large"]


def _pair(v: Any) -> tuple[int, int]:
    return (int(v), int(v)) if isinstance(v, (int, np.integer)) else (int(v[0]), int(v[1]))


def pooled_shape(x: np.ndarray, kernel_size: Any, stride: Any = None, padding: Any = 0) -> tuple[int, ...]:
    """(N, C, H', W'): the output's shape, for the contract. Never raises: on an input the
    function must refuse, whatever it returns is judged by the check that expects ValueError."""
    k, p = _pair(kernel_size), _pair(padding)
    s = k if stride is None else _pair(stride)
    sizes = [(n + 2 * pi - ki) // si + 1 if si > 0 else 0 for n, ki, si, pi in zip(x.shape[2:], k, s, p, strict=True)]
    return (*x.shape[:2], *(max(size, 0) for size in sizes))


def check_geometry(x: np.ndarray, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
    """ValueError where SPEC asks for one: kernel or stride < 1, padding < 0 or > kernel // 2,
    or an empty output (torch's own pooling raises RuntimeError for most of these)."""
    k, p = _pair(kernel_size), _pair(padding)
    s = k if stride is None else _pair(stride)
    if min(*k, *s) < 1:
        raise ValueError("kernel_size and stride must be >= 1")
    for size, ki, pi in zip(x.shape[2:], k, p, strict=True):
        if not 0 <= pi <= ki // 2 or size + 2 * pi < ki:
            raise ValueError("padding out of range, or an empty output")


def kmax_shape(x: np.ndarray, k: int) -> tuple[int, ...]:
    return (*x.shape[:-1], k)


FUNCTIONS = (
    Function("max_pool2d", Array(pooled_shape), FORBIDDEN),
    Function("avg_pool2d", Array(pooled_shape), FORBIDDEN),
    Function(
        "max_pool2d_backward",
        Array(lambda dout, x, *rest: tuple(x.shape), label="dx"),
        FORBIDDEN + AUTOGRAD,
    ),
    Function("kmax_pool", Array(kmax_shape), FORBIDDEN),
)

# -- inputs ------------------------------------------------------------------------------------

LARGE = 1e4  # |x| up to about this: float32 holds integers exactly up to 2**24


def _values(g: np.random.Generator, shape: tuple[int, ...], values: Values) -> np.ndarray:
    """Integers in [-3, 3] (ties everywhere), a shuffled grid of distinct values 0.07 apart
    (no ties, no two values within a gradient step), or integers of size up to about LARGE."""
    size = int(np.prod(shape))
    if values == "ties":
        return g.integers(-3, 4, size=shape).astype(np.float64)
    if values == "distinct":
        return (0.07 * (g.permutation(size) - size // 2)).round(2).reshape(shape)
    return np.round(g.normal(0.0, LARGE / 3, size=shape))


def _padding(draw: st.DrawFn, kernel: tuple[int, int], as_int: bool) -> Any:
    """A padding within torch's limit kernel // 2: an int where it fits both axes and
    ``as_int``, else an (h, w) pair."""
    ph, pw = (draw(st.integers(0, k // 2)) for k in kernel)
    if as_int:
        return draw(st.integers(0, min(kernel) // 2))
    return (ph, pw)


@st.composite
def pool_layer(
    draw: st.DrawFn,
    values: Values = "ties",
    dtypes: st.SearchStrategy[np.dtype[Any]] = strategies.dtypes,
    invalid: bool = False,
    max_channels: int = 3,
    max_extra: int = 5,
) -> tuple[np.ndarray, Any, Any, Any]:
    """(x, kernel_size, stride, padding) of a 2-D pooling: x (N, C, H, W) whose padded size
    fits the kernel, kernel 1..4 and stride 1..3 (or None, one time in three) as ints or
    (h, w) pairs, padding up to kernel // 2. Windows overlap whenever stride < kernel. With
    ``invalid``, one input in four breaks a rule the functions must raise ValueError for."""
    dtype = draw(dtypes)
    kernel = draw(strategies.int_or_pair(1, 4))
    stride = draw(st.one_of(st.none(), strategies.int_or_pair(1, 3)))
    padding = _padding(draw, _pair(kernel), isinstance(kernel, int) and draw(st.booleans()))
    k, p = _pair(kernel), _pair(padding)
    H, W = (draw(st.integers(max(1, ki - 2 * pi), ki + max_extra)) for ki, pi in zip(k, p, strict=True))
    if invalid and draw(st.integers(0, 3)) == 0:
        broken = draw(st.sampled_from(["kernel", "stride", "padding", "negative", "empty"]))
        if broken == "kernel":
            kernel = (0, k[1])
        elif broken == "stride":
            stride = (k[0], 0)
        elif broken == "padding":
            padding = (p[0], k[1] // 2 + 1)
        elif broken == "negative":
            padding = (-1, p[1])
        else:  # a window taller than the image: padding 0 and H <= kh
            kernel, padding, H = (k[0] + 1, k[1]), 0, draw(st.integers(1, k[0]))
    g = strategies.rng(draw(strategies.seeds))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, max_channels)), H, W)
    return _values(g, shape, values).astype(dtype), kernel, stride, padding


def with_upstream(layers: st.SearchStrategy[tuple[np.ndarray, Any, Any, Any]]) -> st.SearchStrategy[Call]:
    """The backward's calls (dout, x, kernel_size, stride, padding): dout standard normal
    rounded to two decimals, of the pooled shape."""

    def call(layer: tuple[np.ndarray, Any, Any, Any], seed: int) -> Call:
        dout = strategies.rng(seed).normal(0.0, 1.0, size=pooled_shape(*layer))
        return Call((np.round(dout, 2).astype(layer[0].dtype), *layer))

    return st.builds(call, layers, strategies.seeds)


pool_calls = pool_layer().map(lambda a: Call(a))
large_pool_calls = pool_layer(values="large").map(lambda a: Call(a))
any_pool_calls = pool_layer(invalid=True).map(lambda a: Call(a))
backward_calls = with_upstream(pool_layer())
gradient_calls = with_upstream(pool_layer("distinct", strategies.float64_only, max_channels=2, max_extra=3))


@st.composite
def kmax_inputs(
    draw: st.DrawFn, values: Values = "ties", invalid: bool = False, max_len: int = 10
) -> tuple[np.ndarray, int]:
    """(x, k): x (..., L) with no, one or two leading dimensions, 1 <= k <= L; with
    ``invalid``, k is 0 or L + 1 one time in four."""
    dtype = draw(strategies.dtypes)
    batch = draw(st.sampled_from([(), (1,), (3,), (2, 3)]))
    L = draw(st.integers(1, max_len))
    k = draw(st.integers(1, L))
    if invalid and draw(st.integers(0, 3)) == 0:
        k = draw(st.sampled_from([0, L + 1]))
    g = strategies.rng(draw(strategies.seeds))
    return _values(g, (*batch, L), values).astype(dtype), k


kmax_calls = kmax_inputs().map(lambda a: Call(a))
large_kmax_calls = kmax_inputs(values="large").map(lambda a: Call(a))
any_kmax_calls = kmax_inputs(invalid=True).map(lambda a: Call(a))


def _image(rows: Sequence[Sequence[float]], dtype: Any = np.float64) -> np.ndarray:
    """One image of one channel: shape (1, 1, H, W)."""
    return np.array(rows, dtype=dtype)[None, None]


# -- properties (each returns None when it holds, else what is wrong) ---------------------------


def _differs(got: np.ndarray, want: np.ndarray, dtype: np.dtype) -> tuple[int, ...] | None:
    worst = tolerance.worst_mismatch(got, want, tolerance.for_dtype(dtype))
    return None if worst is None else worst.index


def max_is_shift_equivariant(student: Student, call: Call, out: Any) -> str | None:
    """max_pool2d(a·x + b) = a·max_pool2d(x) + b for a > 0, and every output is a value of x.
    The padding never wins: a padded 0 would break both."""
    x, *rest = call.args
    a, b = 2.0, -7.0  # exact in float32 for the integers drawn here
    moved = student("max_pool2d", Call(((a * x + b).astype(x.dtype), *rest)))
    at = _differs(moved, a * out + b, x.dtype)
    if at is not None:
        return _(
            "max_pool2d(2·x - 7) differs from 2·max_pool2d(x) - 7 at {at}: a maximum moves with "
            "its values (is the padding a real 0 instead of -inf?)"
        ).format(at=list(at))
    strangers = ~np.isin(out, x.astype(np.float64))
    if strangers.any():
        at = tuple(int(i) for i in np.argwhere(strangers)[0])
        return _(
            "the result at {at} is {value:g}, which is no value of x: each output is a value of its window"
        ).format(at=list(at), value=out[at])
    return None


def avg_is_linear(student: Student, call: Call, out: Any) -> str | None:
    x, *rest = call.args
    other = np.round(np.cos(np.arange(x.size)).reshape(x.shape) * 3, 2).astype(x.dtype)
    a, b = 0.5, -2.0
    mixed = (a * x.astype(np.float64) + b * other).astype(x.dtype)
    first = out
    second = student("avg_pool2d", Call((other, *rest)))
    combined = student("avg_pool2d", Call((mixed, *rest)))
    at = _differs(combined, a * first + b * second, x.dtype)
    if at is None:
        return None
    return _(
        "avg_pool2d(0.5·x - 2·y) differs from 0.5·avg_pool2d(x) - 2·avg_pool2d(y) at {at}: it must be linear"
    ).format(at=list(at))


def real_cells(x: np.ndarray, kernel_size: Any, stride: Any = None, padding: Any = 0) -> np.ndarray:
    """(H', W'): how many of each window's kh·kw cells lie inside the image, not in the padding."""
    k, p = _pair(kernel_size), _pair(padding)
    s = k if stride is None else _pair(stride)
    counts = []
    for size, ki, si, pi, n in zip(
        x.shape[2:], k, s, p, pooled_shape(x, kernel_size, stride, padding)[2:], strict=True
    ):
        starts = np.arange(n) * si - pi
        counts.append(np.minimum(starts + ki, size) - np.maximum(starts, 0))
    return np.outer(counts[0], counts[1]).astype(np.float64)


def avg_of_constant(student: Student, call: Call, out: Any) -> str | None:
    """On an image of 3s, each window gives 3 · (its cells inside the image) / (kh·kw): the
    padded zeros count in the division (count_include_pad)."""
    x, kernel_size, *rest = call.args
    constant = np.full(x.shape, 3.0, dtype=x.dtype)
    out = student("avg_pool2d", Call((constant, kernel_size, *rest)))  # the same windows, on 3s
    kh, kw = _pair(kernel_size)
    want = np.broadcast_to(3.0 * real_cells(x, kernel_size, *rest) / (kh * kw), out.shape)
    at = _differs(out, want, x.dtype)
    if at is None:
        return None
    return ngettext(
        "on an image of 3s the result at {at} is {got:.6g}, expected {expected:.6g}: each window's "
        "sum over kh·kw = {cells} cell, the padded zeros included",
        "on an image of 3s the result at {at} is {got:.6g}, expected {expected:.6g}: each window's "
        "sum over kh·kw = {cells} cells, the padded zeros included",
        kh * kw,
    ).format(at=list(at), got=out[at], expected=want[at], cells=kh * kw)


def gradient_sums_to_upstream(student: Student, call: Call, dx: Any) -> str | None:
    """Each dout[n, c, i, j] goes whole to one position: dx[n, c] sums to dout[n, c]'s sum."""
    dout = call.args[0]
    got, want = dx.sum(axis=(2, 3)), dout.astype(np.float64).sum(axis=(2, 3))
    at = _differs(got, want, dout.dtype)
    if at is None:
        return None
    n, c = at
    return _(
        "dx[{n}, {c}] sums to {got:.6g}, but dout[{n}, {c}] sums to {expected:.6g}: each output gradient "
        "goes, whole, to exactly one position (overlapping windows add, tied maxima do not share or copy)"
    ).format(n=n, c=c, got=got[at], expected=want[at])


def kmax_keeps_largest(student: Student, call: Call, out: Any) -> str | None:
    x, k = call.args
    want = np.sort(x.astype(np.float64), axis=-1)[..., x.shape[-1] - k :]
    for row in np.ndindex(x.shape[:-1]):
        if not np.array_equal(np.sort(out[row]), want[row]):
            message = (
                _("row {row}: the kept values {kept} are not the {k} largest, {largest}")
                if row
                else _("the row: the kept values {kept} are not the {k} largest, {largest}")
            )
            return message.format(row=list(row), kept=out[row].tolist(), k=k, largest=want[row].tolist())
    return None


def kmax_keeps_order(student: Student, call: Call, out: Any) -> str | None:
    x = call.args[0]
    for row in np.ndindex(x.shape[:-1]):
        rest = iter(x[row].astype(np.float64).tolist())
        if not all(any(v == w for w in rest) for v in out[row].tolist()):  # a subsequence of the row
            message = (
                _(
                    "row {row}: {kept} is not a subsequence of {values}: keep the values in their original order, "
                    "not sorted by size"
                )
                if row
                else _(
                    "the row: {kept} is not a subsequence of {values}: keep the values in their original order, "
                    "not sorted by size"
                )
            )
            return message.format(row=list(row), kept=out[row].tolist(), values=x[row].tolist())
    return None


# -- gradients ---------------------------------------------------------------------------------


def upstream_dot(out: Any, call: Call) -> float:
    """sum(dout · out): a scalar whose gradient with respect to the pooled output is dout."""
    return float(np.sum(call.args[0] * out))


def upstream_size(out: Any, call: Call) -> float:
    return float(np.sum(np.abs(call.args[0] * out)))


pool_objective = Objective("max_pool2d", lambda c: Call(c.args[1:]), upstream_dot, upstream_size)


def backward_analytic(student: Student, call: Call) -> dict[str, Any]:
    return {"x": student("max_pool2d_backward", call)}


GRADIENT_WRT = {"x": 1}

# -- known answers -----------------------------------------------------------------------------

X33 = _image([[1, 2, 0], [3, -1, 4], [0, 5, 2]])
NEGATIVE = _image([[-1, -2], [-3, -4]], np.float32)


def _refusals(*head: np.ndarray) -> tuple[Case, ...]:
    """The ValueErrors the three 2-D functions share, on X33 (after ``head``, dout's place)."""
    return tuple(
        Case(Call((*head, X33, *args)), raises=ValueError)
        for args in (
            (3, 1, 2),  # padding 2 > 3 // 2
            ((2, 1), 1, (0, 1)),  # padding 1 > kernel width 1 // 2
            (4,),  # the window does not fit: empty output
            (0,),
            (2, (1, 0)),
            (2, 1, -1),
        )
    )


# Budgets by measured catch power (bench/catch_power.py --exercise pooling): each generated
# check keeps the default 13 examples unless half (7) or a quarter (4) of them still failed on
# every buggy variant that the full budget failed on. Most bugs here show only on some
# geometries (padding, unequal pairs, overlapping windows), which is why most keep 13.
CHECKS = (
    Contract(name="max_pool2d returns an (N, C, H', W') tensor", function="max_pool2d", points=0.25, inputs=pool_calls),
    KnownAnswers(
        name="max_pool2d known answers",
        function="max_pool2d",
        points=0.75,
        cases=(
            Case(Call((X33, 2, 1)), _image([[3, 4], [5, 5]])),
            Case(Call((X33, 2, None, 1)), _image([[1, 2], [3, 5]])),
            Case(Call((NEGATIVE, 2, None, 1)), _image([[-1, -2], [-3, -4]])),
            Case(Call((_image([[1, 5, 2, 0, 3], [4, 4, -1, 6, 2]]), (1, 3), (1, 2))), _image([[5, 3], [4, 6]])),
            Case(Call((_image([[1, 2], [3, 0], [5, 6]]), [2, 1])), _image([[3, 2]])),
            Case(
                Call((np.arange(16.0).reshape(2, 2, 2, 2) * -1, 2, 1)), np.array([0.0, -4, -8, -12]).reshape(2, 2, 1, 1)
            ),
            *_refusals(),
        ),
    ),
    Property(
        name="max_pool2d moves with its values (2·x - 7) and returns values of x",
        function="max_pool2d",
        points=0.5,
        inputs=pool_calls,
        holds=max_is_shift_equivariant,
    ),
    Contract(name="avg_pool2d returns an (N, C, H', W') tensor", function="avg_pool2d", points=0.25, inputs=pool_calls),
    KnownAnswers(
        name="avg_pool2d known answers",
        function="avg_pool2d",
        points=0.75,
        cases=(
            Case(Call((_image([[1, 2], [3, 4]]), 2, None, 1)), _image([[0.25, 0.5], [0.75, 1.0]])),
            Case(Call((X33, 2, 1)), _image([[1.25, 1.25], [1.75, 2.5]])),
            Case(Call((_image([[1, 3, 5, 7], [2, 4, 6, 8]]), (1, 2))), _image([[2, 6], [3, 7]])),
            Case(
                Call((np.ones((1, 1, 3, 3), dtype=np.float32), 3, 1, 1)),
                _image([[4 / 9, 6 / 9, 4 / 9], [6 / 9, 1, 6 / 9], [4 / 9, 6 / 9, 4 / 9]]),
            ),
            Case(Call((_image([[1, 2, 3], [4, 5, 6]]), (2, 3), 1, (1, 0))), _image([[1.0], [21 / 6], [15 / 6]])),
            *_refusals(),
        ),
    ),
    Property(
        name="avg_pool2d is linear in x",
        function="avg_pool2d",
        points=0.25,
        inputs=pool_calls,
        examples=5,
        holds=avg_is_linear,
    ),
    Property(
        name="avg_pool2d of a constant image counts the padded zeros",
        function="avg_pool2d",
        points=0.25,
        inputs=pool_calls,
        holds=avg_of_constant,
    ),
    Contract(
        name="max_pool2d_backward returns dx of x's shape",
        function="max_pool2d_backward",
        points=0.25,
        inputs=backward_calls,
        examples=7,
    ),
    KnownAnswers(
        name="max_pool2d_backward known answers (ties: the first maximum)",
        function="max_pool2d_backward",
        points=0.75,
        cases=(
            Case(Call((_image([[5]]), _image([[1, 1], [0, 1]]), 2)), _image([[5, 0], [0, 0]])),
            Case(Call((_image([[3, 4]]), _image([[0, 2, 0]]), (1, 2), 1)), _image([[0, 7, 0]])),
            Case(Call((_image([[1, 2], [3, 4]]), X33, 2, 1)), _image([[0, 0, 0], [1, 0, 2], [0, 7, 0]])),
            Case(Call((_image([[1, 2], [3, 4]], np.float32), NEGATIVE, 2, None, 1)), _image([[1, 2], [3, 4]])),
            Case(Call((_image([[1, 10]]), _image([[2, 2, 2], [2, 2, 2]]), 2, 1)), _image([[1, 10, 0], [0, 0, 0]])),
            Case(Call((_image([[2]]), _image([[0, 3], [3, 0]]), 2)), _image([[0, 2], [0, 0]])),
            *_refusals(np.ones((1, 1, 1, 1))),  # a refused call's dout: any shape
        ),
    ),
    Gradient(
        name="max_pool2d_backward agrees with central differences of your max_pool2d",
        evidence=("max_pool2d_backward known answers (ties: the first maximum)", "max_pool2d known answers"),
        function="max_pool2d_backward",
        points=0.75,
        inputs=gradient_calls,
        wrt=GRADIENT_WRT,
        analytic=backward_analytic,
        objective=pool_objective,
    ),
    Property(
        name="max_pool2d_backward passes each output gradient on whole, once",
        function="max_pool2d_backward",
        points=0.25,
        inputs=backward_calls,
        examples=7,
        holds=gradient_sums_to_upstream,
    ),
    Contract(
        name="kmax_pool returns a (..., k) tensor", function="kmax_pool", points=0.25, inputs=kmax_calls, examples=4
    ),
    KnownAnswers(
        name="kmax_pool known answers (ties: the earlier position)",
        function="kmax_pool",
        points=0.75,
        cases=(
            Case(Call((np.array([2.0, 5, 2, 2, 1, 5]), 3)), np.array([2.0, 5, 5])),
            Case(Call((np.array([[1.0, 3, 2], [4, 0, 4]]), 2)), np.array([[3.0, 2], [4, 4]])),
            Case(Call((np.array([3.0, 1, 2], dtype=np.float32), 3)), np.array([3.0, 1, 2])),
            Case(Call((np.array([[-1.0, -1, -3]]), 1)), np.array([[-1.0]])),
            Case(Call((np.array([[[1.0, 0, 0, 2]], [[0, 2, 0, 2]]]), 2)), np.array([[[1.0, 2]], [[2, 2]]])),
            Case(Call((np.array([3.0, 1, 2]), 0)), raises=ValueError),
            Case(Call((np.array([3.0, 1, 2]), 4)), raises=ValueError),
        ),
    ),
    Property(
        name="kmax_pool keeps the k largest values",
        function="kmax_pool",
        points=0.5,
        inputs=kmax_calls,
        examples=4,
        holds=kmax_keeps_largest,
    ),
    Property(
        name="kmax_pool keeps the values in their original order",
        function="kmax_pool",
        points=0.25,
        inputs=kmax_calls,
        examples=4,
        holds=kmax_keeps_order,
    ),
)

EXERCISE = Exercise("pooling", N_("Pooling: max, average, max-pool's backward and k-max"), FUNCTIONS, CHECKS)
