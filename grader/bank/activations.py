"""activations: functions, outputs, forbidden calls and public checks.

Every derivative is checked against central differences of the student's own activation
(the public :class:`Gradient` checks, float64, inputs away from ReLU's kink), and the chain's
derivative against central differences of the student's own a_L. The smooth functions are
held to be finite, bounded and symmetric for |x| up to 1e4 in float32 and float64. At exactly
0, ReLU' may be 0 or 1 and leaky ReLU' 1 or alpha: only a property that accepts both sees
zeros; known answers and the hidden parity never contain one.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st

from grader import strategies, tolerance
from grader.checks import Call, Case, Contract, Gradient, KnownAnswers, Objective, Property, Student
from grader.exercise import Exercise, Function
from grader.forbidden import AUTOGRAD
from grader.i18n import N_, _, ngettext
from grader.outputs import Array, Scalar, Tuple

ACTIVATIONS = ("sigmoid", "tanh", "relu")

FORBIDDEN = (
    # each with its in-place form (sigmoid_, relu_, ...)
    "torch.sigmoid",
    "torch.sigmoid_",
    "torch.Tensor.sigmoid",
    "torch.Tensor.sigmoid_",
    "torch.special.expit",
    "torch.nn.functional.sigmoid",
    "torch.nn.Sigmoid",
    "scipy.special.expit",
    "torch.tanh",
    "torch.tanh_",
    "torch.Tensor.tanh",
    "torch.Tensor.tanh_",
    "torch.nn.functional.tanh",
    "torch.nn.Tanh",
    "numpy.tanh",
    "math.tanh",
    "torch.relu",
    "torch.relu_",
    "torch.Tensor.relu",
    "torch.Tensor.relu_",
    "torch.nn.functional.relu",
    "torch.nn.functional.relu_",
    "torch.nn.ReLU",
    "torch.nn.functional.leaky_relu",
    "torch.nn.functional.leaky_relu_",
    "torch.nn.LeakyReLU",
    "torch.*prelu",  # torch.prelu, torch.nn.functional.prelu, Tensor.prelu
    "torch.nn.PReLU",
    "torch.*rrelu*",  # rrelu, rrelu_, rrelu_with_noise
    "torch.nn.RReLU",
    *AUTOGRAD,
)


def _same_shape(x: np.ndarray, *_: Any) -> tuple[int, ...]:
    return tuple(x.shape)


ELEMENTWISE = ("sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "relu_grad", "leaky_relu", "leaky_relu_grad")
FUNCTIONS = (
    *(Function(name, Array(_same_shape), FORBIDDEN) for name in ELEMENTWISE),
    Function(
        "chain_gradient",
        Tuple((Scalar(label=N_("output a_L")), Scalar(label=N_("gradient da_L/da_0")))),
        FORBIDDEN,
    ),
)

# -- inputs ------------------------------------------------------------------------------------

SHAPES = ((), (1,), (5,), (2, 3), (2, 2, 2))
EXTREMES = (0.0, 0.5, 5.0, 20.0, 50.0, 100.0, 500.0, 1000.0, 1e4)  # exp(89) is inf in float32, exp(710) in float64
ALPHAS = (0.0, 0.01, 0.1, 0.2, 0.5, 0.99)


@st.composite
def ordinary(draw: st.DrawFn, high: float = 6.0, zeros: bool = False) -> np.ndarray:
    """x of any shape in SHAPES, |x| <= ``high``, rounded to two decimals; away from 0
    (|x| >= strategies.KINK_MARGIN) unless ``zeros``, which puts exact zeros among them."""
    dtype = draw(strategies.dtypes)
    shape = draw(st.sampled_from(SHAPES))
    g = strategies.rng(draw(strategies.seeds))
    x = strategies.away_from_zero(g, shape, high)
    if zeros:
        hit = g.random(shape) < 0.4
        x = np.where(hit, 0.0, x)
        x.flat[g.integers(0, x.size)] = 0.0
    return np.asarray(x).astype(dtype)


@st.composite
def extremes(draw: st.DrawFn) -> np.ndarray:
    """x of shape (n,) or (a, b), entries ± EXTREMES, always including +1e4 and −1e4."""
    dtype = draw(strategies.dtypes)
    shape = draw(st.sampled_from([(2,), (6,), (3, 4)]))
    g = strategies.rng(draw(strategies.seeds))
    x = g.choice([-1.0, 1.0], size=shape) * g.choice(EXTREMES, size=shape)
    first, last = g.permutation(x.size)[:2]
    x.flat[first], x.flat[last] = 1e4, -1e4
    return x.astype(dtype)


CHAIN_DEPTHS = (1, 2, 3, 5, 8)
# Budgets: bench/catch_power.py found every check still failing on every buggy variant it
# failed on at a quarter of the bank's usual budgets (133 of 133), so a quarter it is.
EXAMPLES = 4


@st.composite
def chains(draw: st.DrawFn, activations: tuple[str, ...] = ACTIVATIONS, dtypes: Any = strategies.dtypes) -> Call:
    """chain_gradient's call: a0 0-d, w and b (L,), |w_l| in [0.5, 3], b standard normal, all
    rounded to two decimals; the activation passed by keyword, or left to its default
    ("sigmoid"). For "relu", redrawn until every z_l is at least strategies.KINK_MARGIN from 0."""
    dtype = draw(dtypes)
    activation = draw(st.sampled_from(activations))
    L = draw(st.sampled_from(CHAIN_DEPTHS))
    g = strategies.rng(draw(strategies.seeds))
    for _attempt in range(1000):
        a0 = np.round(g.normal(0.0, 1.0), 2)
        w = np.round(g.choice([-1.0, 1.0], size=L) * g.uniform(0.5, 3.0, size=L), 2)
        b = np.round(g.normal(0.0, 1.0, size=L), 2)
        if activation != "relu" or min_abs_z(a0, w, b) >= strategies.KINK_MARGIN:
            break
    else:  # pragma: no cover
        raise AssertionError("no relu chain away from the kink")
    kwargs = {} if activation == "sigmoid" and draw(st.booleans()) else {"activation": activation}
    return Call((np.array(a0, dtype=dtype), w.astype(dtype), b.astype(dtype)), kwargs)


def min_abs_z(a0: float, w: np.ndarray, b: np.ndarray) -> float:
    """The smallest |z_l| of a relu chain, computed in float64."""
    a, smallest = float(a0), math.inf
    for wl, bl in zip(w, b, strict=True):
        z = float(wl) * a + float(bl)
        smallest, a = min(smallest, abs(z)), max(z, 0.0)
    return smallest


x_calls = ordinary().map(lambda x: Call((x,)))
extreme_calls = extremes().map(lambda x: Call((x,)))
zero_calls = ordinary(zeros=True).map(lambda x: Call((x,)))
alpha_calls = st.tuples(ordinary(), st.sampled_from(ALPHAS)).map(lambda r: Call((r[0],), {"alpha": r[1]}))
alpha_zero_calls = st.tuples(ordinary(zeros=True), st.sampled_from(ALPHAS)).map(
    lambda r: Call((r[0],), {"alpha": r[1]})
)
chain_calls = chains()
sigmoid_chain_calls = chains(("sigmoid",))


@st.composite
def upstream(draw: st.DrawFn, alphas: bool = False) -> Call:
    """(dout, x) for a Gradient check, float64, x away from 0 and within |x| <= 6; with
    ``alphas`` an alpha keyword too."""
    dout, x = draw(strategies.activations(strategies.float64_only, high=6.0))
    return Call((dout, x), {"alpha": draw(st.sampled_from(ALPHAS))} if alphas else {})


gradient_calls = upstream()
leaky_gradient_calls = upstream(alphas=True)
chain_gradient_calls = chains(dtypes=strategies.float64_only)


def _t(*values: Any, dtype: Any = np.float64) -> np.ndarray:
    return np.array(values, dtype=dtype)


# -- gradients: each derivative against central differences of its own activation ------------


def upstream_dot(out: Any, call: Call) -> float:
    """sum(dout · f(x)): its gradient with respect to x is dout · f'(x)."""
    return float(np.sum(call.args[0] * out))


def upstream_size(out: Any, call: Call) -> float:
    return float(np.sum(np.abs(call.args[0] * out)))


def activation_of(function: str) -> Objective:
    return Objective(function, lambda c: Call((c.args[1],), c.kwargs), upstream_dot, upstream_size)


def derivative_times_dout(derivative: str) -> Any:
    def analytic(student: Student, call: Call) -> dict[str, Any]:
        dout, x = call.args
        return {"x": dout * student(derivative, Call((x,), call.kwargs))}

    analytic.__name__ = f"{derivative}_times_dout"
    return analytic


CHAIN_OUTPUT = Objective("chain_gradient", lambda c: c, lambda out, c: float(out[0]))


def chain_analytic(student: Student, call: Call) -> dict[str, Any]:
    return {"a0": student("chain_gradient", call)[1]}


def derivative_check(derivative: str, activation: str, points: float, inputs: Any = gradient_calls) -> Gradient:
    return Gradient(
        name=f"{derivative} agrees with central differences of your {activation}",
        evidence=(f"{derivative} known answers", f"{activation} known answers"),
        function=derivative,
        points=points,
        inputs=inputs,
        wrt={"x": 1},
        analytic=derivative_times_dout(derivative),
        objective=activation_of(activation),
    )


# -- properties (each returns None when it holds, else what is wrong) ---------------------------


def _negated(x: np.ndarray) -> np.ndarray:
    """−x as an array even when x is 0-d (NumPy's −x of a 0-d array is a scalar)."""
    return np.asarray(-x, dtype=x.dtype)


def _first(mask: np.ndarray) -> tuple[int, ...]:
    return tuple(int(v) for v in np.argwhere(mask)[0]) if mask.ndim else ()


def _where(i: tuple[int, ...]) -> str:
    return f"[{', '.join(map(str, i))}]" if i else ""


def _x(x: np.ndarray, i: tuple[int, ...]) -> str:
    return f"{float(x[i]):.6g}"


def _bounded(function: str, x: np.ndarray, out: np.ndarray, low: float, high: float) -> str | None:
    if not np.all(np.isfinite(out)):
        i = _first(~np.isfinite(out))
        return _(
            "{function}(x){where} is {value} for x = {x}: exp overflows for large |x| "
            "(exp(1e4) is inf, and inf / inf is nan); evaluate exp only of numbers <= 0"
        ).format(function=function, where=_where(i), value=float(out[i]), x=_x(x, i))
    outside = (out < low) | (out > high)
    if np.any(outside):
        i = _first(outside)
        return _("{function}(x){where} = {value:.6g} for x = {x}, outside [{low:g}, {high:g}]").format(
            function=function, where=_where(i), value=float(out[i]), x=_x(x, i), low=low, high=high
        )
    return None


def _mirrored(student: Student, function: str, x: np.ndarray, out: np.ndarray, sign: float, message: str) -> str | None:
    """f(−x) = sign · f(x), within 1e-6 absolute (saturated values round differently); else
    ``message`` (translated) with {x}, {mirrored} (f(−x)) and {value} (f(x))."""
    mirrored = student(function, Call((_negated(x),)))
    off = ~(np.abs(mirrored - sign * out) <= 1e-6 + tolerance.for_dtype(x.dtype).rtol * np.abs(out))
    if not np.any(off):
        return None
    i = _first(off)
    return message.format(x=_x(x, i), mirrored=float(mirrored[i]), value=float(out[i]))


SATURATED = 20.0  # from here σ is within 2.1e-9 of 0 or 1, tanh within 1e-17 of ±1


def _saturates(function: str, x: np.ndarray, out: np.ndarray, limit: np.ndarray) -> str | None:
    far = (np.abs(x) >= SATURATED) & ~(np.abs(out - limit) <= 1e-6)
    if not np.any(far):
        return None
    i = _first(far)
    return _("{function}(x){where} = {value:.6g} for x = {x}; it should be within 1e-6 of {limit:g}").format(
        function=function, where=_where(i), value=float(out[i]), x=_x(x, i), limit=float(limit[i])
    )


def sigmoid_stays_finite(student: Student, call: Call, out: Any) -> str | None:
    (x,) = call.args
    return (
        _bounded("sigmoid", x, out, 0.0, 1.0)
        or _saturates("sigmoid", x, out, (x > 0).astype(np.float64))
        or _complement(student, x, out)
    )


def _complement(student: Student, x: np.ndarray, out: np.ndarray) -> str | None:
    """σ(−x) = 1 − σ(x)."""
    mirrored = student("sigmoid", Call((_negated(x),)))
    off = ~(np.abs(mirrored - (1.0 - out)) <= 1e-6)
    if not np.any(off):
        return None
    i = _first(off)
    return _(
        "sigmoid(−x) should equal 1 − sigmoid(x): for x = {x}, sigmoid(−x) = {mirrored:.6g} "
        "but 1 − sigmoid(x) = {complement:.6g}"
    ).format(x=_x(x, i), mirrored=float(mirrored[i]), complement=1.0 - float(out[i]))


def sigmoid_grad_stays_finite(student: Student, call: Call, out: Any) -> str | None:
    (x,) = call.args
    return (
        _bounded("sigmoid_grad", x, out, 0.0, 0.25)
        or _saturates("sigmoid_grad", x, out, np.zeros_like(out))
        or _mirrored(
            student,
            "sigmoid_grad",
            x,
            out,
            1.0,
            _(
                "sigmoid_grad(−x) should be sigmoid_grad(x) (σ' is even): for x = {x}, "
                "sigmoid_grad(−x) = {mirrored:.6g} but sigmoid_grad(x) = {value:.6g}"
            ),
        )
    )


def tanh_stays_finite(student: Student, call: Call, out: Any) -> str | None:
    (x,) = call.args
    return (
        _bounded("tanh", x, out, -1.0, 1.0)
        or _saturates("tanh", x, out, np.sign(x).astype(np.float64))
        or _mirrored(
            student,
            "tanh",
            x,
            out,
            -1.0,
            _(
                "tanh(−x) should be −tanh(x) (tanh is odd): for x = {x}, tanh(−x) = {mirrored:.6g} "
                "but tanh(x) = {value:.6g}"
            ),
        )
    )


def tanh_grad_stays_finite(student: Student, call: Call, out: Any) -> str | None:
    (x,) = call.args
    return (
        _bounded("tanh_grad", x, out, 0.0, 1.0)
        or _saturates("tanh_grad", x, out, np.zeros_like(out))
        or _mirrored(
            student,
            "tanh_grad",
            x,
            out,
            1.0,
            _(
                "tanh_grad(−x) should be tanh_grad(x) (tanh' is even): for x = {x}, "
                "tanh_grad(−x) = {mirrored:.6g} but tanh_grad(x) = {value:.6g}"
            ),
        )
    )


def _odd_part(student: Student, function: str, call: Call, out: Any, slope: float) -> str | None:
    """f(x) − f(−x) = slope · x, with f(x) >= 0 for relu (slope 1) and the leaky one's slope 1 + alpha."""
    (x,) = call.args
    mirrored = student(function, Call((_negated(x),), call.kwargs))
    expected = slope * x.astype(np.float64)
    bad = tolerance.worst_mismatch(out - mirrored, expected, tolerance.for_dtype(x.dtype))
    if bad is None:
        return None
    i = bad.index
    return _(
        "{function}(x) − {function}(−x) should be {slope:g}·x: for x = {x}, {function}(x) = "
        "{value:.6g} and {function}(−x) = {mirrored:.6g}"
    ).format(function=function, slope=slope, x=_x(x, i), value=float(out[i]), mirrored=float(mirrored[i]))


def relu_odd_part(student: Student, call: Call, out: Any) -> str | None:
    (x,) = call.args
    if np.any(out < 0):
        i = _first(out < 0)
        return _("relu(x){where} = {value:.6g} for x = {x} is negative; relu is never below 0").format(
            where=_where(i), value=float(out[i]), x=_x(x, i)
        )
    return _odd_part(student, "relu", call, out, 1.0)


def leaky_odd_part(student: Student, call: Call, out: Any) -> str | None:
    return _odd_part(student, "leaky_relu", call, out, 1.0 + call.kwargs.get("alpha", 0.01))


def _step(function: str, x: np.ndarray, out: np.ndarray, low: float) -> str | None:
    """1 where x > 0, ``low`` where x < 0, and either at x = 0."""
    expected = np.where(x > 0, 1.0, low)
    at_zero = (x == 0) & ((out == 1.0) | (out == low))
    off = ~((out == expected) | at_zero | (np.abs(out - expected) <= 1e-6))
    if not np.any(off):
        return None
    i = _first(off)
    if x[i] == 0:
        return _("{function}(x){where} = {value:.6g}, but at x = 0 it may be {low:g} or 1, nothing else").format(
            function=function, where=_where(i), value=float(out[i]), low=low
        )
    return _("{function}(x){where} = {value:.6g}, but for x = {x} it is {expected:g}").format(
        function=function, where=_where(i), value=float(out[i]), x=_x(x, i), expected=float(expected[i])
    )


def relu_grad_is_a_step(student: Student, call: Call, out: Any) -> str | None:
    (x,) = call.args
    return _step("relu_grad", x, out, 0.0)


def leaky_grad_is_a_step(student: Student, call: Call, out: Any) -> str | None:
    (x,) = call.args
    return _step("leaky_relu_grad", x, out, call.kwargs.get("alpha", 0.01))


def sigmoid_chain_vanishes(student: Student, call: Call, out: Any) -> str | None:
    """With the sigmoid: a_L in [0, 1] and |grad| <= Π|w_l| / 4^L."""
    _a0, w, _b = call.args
    a_L, grad = float(out[0]), float(out[1])
    if not 0.0 <= a_L <= 1.0:
        return _("a_L = {a_L:.6g}, but a sigmoid's output lies in [0, 1]").format(a_L=a_L)
    bound = float(np.prod(np.abs(w.astype(np.float64)))) / 4.0 ** len(w)
    if abs(grad) <= bound * (1 + tolerance.for_dtype(w.dtype).rtol) + 1e-12:
        return None
    return ngettext(
        "|da_L/da_0| = {grad:.6g}, but with the sigmoid (σ' <= 1/4) it is at most "
        "Π|w_l| / 4^L = {bound:.6g} for this {layers} layer",
        "|da_L/da_0| = {grad:.6g}, but with the sigmoid (σ' <= 1/4) it is at most "
        "Π|w_l| / 4^L = {bound:.6g} for these {layers} layers",
        len(w),
    ).format(grad=abs(grad), bound=bound, layers=len(w))


# -- hand-computed answers -------------------------------------------------------------------

LN2, LN3 = math.log(2.0), math.log(3.0)


def _chain(a0: float, w: tuple[float, ...], b: tuple[float, ...], activation: str | None = None) -> Call:
    kwargs = {} if activation is None else {"activation": activation}
    return Call((np.array(a0), _t(*w), _t(*b)), kwargs)


def _contract(function: str, inputs: Any = x_calls) -> Contract:
    return Contract(name=f"{function} returns the shape of x", function=function, points=0.1, inputs=inputs, examples=2)


CHECKS = (
    # sigmoid: 1.5 (hidden 0.7)
    _contract("sigmoid"),
    KnownAnswers(
        name="sigmoid known answers",
        function="sigmoid",
        points=0.3,
        cases=(
            Case(Call((_t(0.0, LN3, -LN3),)), _t(0.5, 0.75, 0.25)),
            Case(Call((np.array(0.0, dtype=np.float32),)), np.array(0.5)),
            Case(Call((_t([1e4, -1e4], [1e3, -1e3], dtype=np.float32),)), _t([1.0, 0.0], [1.0, 0.0])),
        ),
    ),
    Property(
        name="sigmoid is finite, in [0, 1] and symmetric for |x| up to 1e4",
        function="sigmoid",
        points=0.4,
        inputs=extreme_calls,
        examples=EXAMPLES,
        holds=sigmoid_stays_finite,
    ),
    # sigmoid_grad: 1.25 (hidden 0.5)
    _contract("sigmoid_grad"),
    KnownAnswers(
        name="sigmoid_grad known answers",
        function="sigmoid_grad",
        points=0.25,
        cases=(
            Case(Call((_t(0.0, LN3, -LN3),)), _t(0.25, 0.1875, 0.1875)),
            Case(Call((_t(1e4, -1e4, dtype=np.float32),)), _t(0.0, 0.0)),
        ),
    ),
    Property(
        name="sigmoid_grad is finite, in [0, 1/4] and even for |x| up to 1e4",
        function="sigmoid_grad",
        points=0.2,
        inputs=extreme_calls,
        examples=EXAMPLES,
        holds=sigmoid_grad_stays_finite,
    ),
    derivative_check("sigmoid_grad", "sigmoid", 0.2),
    # tanh: 1.5 (hidden 0.7)
    _contract("tanh"),
    KnownAnswers(
        name="tanh known answers",
        function="tanh",
        points=0.3,
        cases=(
            Case(Call((_t(0.0, LN2, -LN2),)), _t(0.0, 0.6, -0.6)),
            Case(Call((_t([1e4, -1e4], [1e3, -1e3], dtype=np.float32),)), _t([1.0, -1.0], [1.0, -1.0])),
        ),
    ),
    Property(
        name="tanh is finite, in [-1, 1] and odd for |x| up to 1e4",
        function="tanh",
        points=0.4,
        inputs=extreme_calls,
        examples=EXAMPLES,
        holds=tanh_stays_finite,
    ),
    # tanh_grad: 1.25 (hidden 0.5)
    _contract("tanh_grad"),
    KnownAnswers(
        name="tanh_grad known answers",
        function="tanh_grad",
        points=0.25,
        cases=(
            Case(Call((_t(0.0, LN2, -LN2),)), _t(1.0, 0.64, 0.64)),
            Case(Call((_t(1e4, -1e4, dtype=np.float32),)), _t(0.0, 0.0)),
        ),
    ),
    Property(
        name="tanh_grad is finite, in [0, 1] and even for |x| up to 1e4",
        function="tanh_grad",
        points=0.2,
        inputs=extreme_calls,
        examples=EXAMPLES,
        holds=tanh_grad_stays_finite,
    ),
    derivative_check("tanh_grad", "tanh", 0.2),
    # relu: 1.0 (hidden 0.4)
    _contract("relu", zero_calls),
    KnownAnswers(
        name="relu known answers",
        function="relu",
        points=0.3,
        cases=(
            Case(Call((_t(-1.0, 0.0, 2.5),)), _t(0.0, 0.0, 2.5)),
            Case(Call((_t([-0.5], [3.0], dtype=np.float32),)), _t([0.0], [3.0])),
        ),
    ),
    Property(
        name="relu is never negative, and relu(x) - relu(-x) = x",
        function="relu",
        points=0.2,
        inputs=zero_calls,
        examples=EXAMPLES,
        holds=relu_odd_part,
    ),
    # relu_grad: 1.0 (hidden 0.3)
    _contract("relu_grad", zero_calls),
    KnownAnswers(
        name="relu_grad known answers",
        function="relu_grad",
        points=0.2,
        cases=(  # never at 0, where either convention is right
            Case(Call((_t(-1.0, 2.5, -0.01),)), _t(0.0, 1.0, 0.0)),
            Case(Call((_t([3.0, -2.0], [1e4, -1e4], dtype=np.float32),)), _t([1.0, 0.0], [1.0, 0.0])),
        ),
    ),
    Property(
        name="relu_grad is 1 for x > 0, 0 for x < 0, 0 or 1 at 0",
        function="relu_grad",
        points=0.3,
        inputs=zero_calls,
        examples=EXAMPLES,
        holds=relu_grad_is_a_step,
    ),
    derivative_check("relu_grad", "relu", 0.1),
    # leaky_relu: 1.0 (hidden 0.4)
    _contract("leaky_relu", alpha_zero_calls),
    KnownAnswers(
        name="leaky_relu known answers",
        function="leaky_relu",
        points=0.3,
        cases=(
            Case(Call((_t(-2.0, 3.0),), {"alpha": 0.1}), _t(-0.2, 3.0)),
            Case(Call((_t(-100.0, 0.0, 5.0),)), _t(-1.0, 0.0, 5.0)),  # alpha = 0.01 by default
            Case(Call((_t([-4.0], [2.0], dtype=np.float32),), {"alpha": 0.5}), _t([-2.0], [2.0])),
        ),
    ),
    Property(
        name="leaky_relu(x) - leaky_relu(-x) = (1 + alpha) x",
        function="leaky_relu",
        points=0.2,
        inputs=alpha_zero_calls,
        examples=EXAMPLES,
        holds=leaky_odd_part,
    ),
    # leaky_relu_grad: 1.0 (hidden 0.3)
    _contract("leaky_relu_grad", alpha_zero_calls),
    KnownAnswers(
        name="leaky_relu_grad known answers",
        function="leaky_relu_grad",
        points=0.2,
        cases=(
            Case(Call((_t(-2.0, 3.0),), {"alpha": 0.1}), _t(0.1, 1.0)),
            Case(Call((_t(-100.0, 5.0),)), _t(0.01, 1.0)),
            Case(Call((_t([-4.0], [2.0], dtype=np.float32),), {"alpha": 0.5}), _t([0.5], [1.0])),
        ),
    ),
    Property(
        name="leaky_relu_grad is 1 for x > 0, alpha for x < 0, either at 0",
        function="leaky_relu_grad",
        points=0.3,
        inputs=alpha_zero_calls,
        examples=EXAMPLES,
        holds=leaky_grad_is_a_step,
    ),
    derivative_check("leaky_relu_grad", "leaky_relu", 0.1, leaky_gradient_calls),
    # chain_gradient: 2.5 (hidden 1.0)
    Contract(
        name="chain_gradient returns two numbers", function="chain_gradient", points=0.1, inputs=chain_calls, examples=2
    ),
    KnownAnswers(
        name="chain_gradient known answers",
        function="chain_gradient",
        points=0.5,
        cases=(
            # z = 0: a = 0.5, grad = 2 · 1/4
            Case(_chain(0.0, (2.0,), (0.0,)), (0.5, 0.5)),
            # z_1 = ln 3: a_1 = 3/4, σ' = 3/16; z_2 = 4·3/4 − 3 = 0: a_2 = 1/2, σ' = 1/4
            Case(_chain(LN3, (1.0, 4.0), (0.0, -3.0), "sigmoid"), (0.5, 4.0 * 3 / 16 / 4)),
            # z_1 = 0: tanh 0 = 0, tanh' = 1; z_2 = ln 2: a_2 = 0.6, tanh' = 0.64
            Case(_chain(0.0, (1.0, -1.0), (0.0, LN2), "tanh"), (0.6, -0.64)),
            # z_1 = 3, z_2 = −6 + 10 = 4, z_3 = 4 · 0.5 − 5 = −3: the last unit is off
            Case(_chain(1.0, (2.0, -2.0, 0.5), (1.0, 10.0, -5.0), "relu"), (0.0, 0.0)),
            Case(_chain(1.0, (2.0, -2.0), (1.0, 10.0), "relu"), (4.0, -4.0)),
        ),
    ),
    KnownAnswers(
        name="chain_gradient rejects an unknown activation",
        function="chain_gradient",
        points=0.2,
        cases=(
            Case(_chain(0.0, (1.0,), (0.0,), "softmax"), raises=ValueError),
            Case(_chain(0.0, (1.0,), (0.0,), "Sigmoid"), raises=ValueError),
            Case(_chain(0.5, (1.0, 2.0), (0.0, 1.0), "leaky_relu"), raises=ValueError),
        ),
    ),
    Property(
        name="chain_gradient with the sigmoid vanishes: |grad| <= prod |w_l| / 4^L",
        function="chain_gradient",
        points=0.3,
        inputs=sigmoid_chain_calls,
        examples=EXAMPLES,
        holds=sigmoid_chain_vanishes,
    ),
    Gradient(
        name="chain_gradient's grad agrees with central differences of your a_L",
        evidence=("chain_gradient known answers",),
        function="chain_gradient",
        points=0.4,
        inputs=chain_gradient_calls,
        wrt={"a0": 0},
        analytic=chain_analytic,
        objective=CHAIN_OUTPUT,
    ),
)

EXERCISE = Exercise("activations", N_("Activation functions and vanishing gradients"), FUNCTIONS, CHECKS)
