"""optimization: functions, outputs, forbidden calls and public checks.

The descent functions are judged publicly by hand-computed answers and by properties that
relate a function to itself (two epochs are one epoch and then the other), so that they say
what is wrong without handing out the loop to copy. The optimizer steps are called over
several steps with their own state fed back (``Steps``), as a training loop calls them; their
truth over many generated steps is torch.optim itself, in the hidden checks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from grader import strategies, tolerance
from grader.checks import Call, Case, Contract, KnownAnswers, Property, Steps, Student
from grader.exercise import Exercise, Function
from grader.forbidden import AUTOGRAD
from grader.i18n import N_, _, ngettext
from grader.outputs import Array, Dict, List, NoneOr, Scalar, Tuple, Vector

OPTIM = ("torch.optim", "torch.optim.*")
SOLVERS = (
    "torch.linalg.lstsq",
    "torch.linalg.solve",
    "torch.linalg.pinv",
    "torch.linalg.inv",
    "torch.inverse",
    "torch.Tensor.inverse",
    "torch.pinverse",
    "torch.Tensor.pinverse",
    "numpy.linalg",
    "numpy.linalg.*",
)
EVERYWHERE = OPTIM + AUTOGRAD
DESCENT = EVERYWHERE + SOLVERS


def param_shape(param: np.ndarray, *_: Any) -> tuple[int, ...]:
    return tuple(param.shape)


def weights_shape(X: np.ndarray, y: np.ndarray, w: np.ndarray, *_: Any) -> tuple[int, ...]:
    return tuple(w.shape)


ADAM_STATE = Dict(
    {"step": Scalar("int", "step"), "exp_avg": Array(param_shape), "exp_avg_sq": Array(param_shape)},
    label="new_state",
)

FUNCTIONS = (
    Function("minibatches", List(Vector("int")), EVERYWHERE),
    Function("numerical_gradient", Array(lambda w, *_: tuple(w.shape)), EVERYWHERE),
    Function("batch_gd", Array(weights_shape), DESCENT),
    Function("sgd", Array(weights_shape), DESCENT),
    Function("minibatch_gd", Array(weights_shape), DESCENT),
    Function(
        "sgd_momentum_step",
        Tuple((Array(param_shape, label="new_param"), NoneOr(Array(param_shape), label="new_buf"))),
        EVERYWHERE,
    ),
    Function("adam_step", Tuple((Array(param_shape, label="new_param"), ADAM_STATE)), EVERYWHERE),
)

# Each step's new_param and state become the next step's param and state; the gradients are
# the check's per-step argument.
SGD_STEPS = Steps("sgd_momentum_step", feed={0: 0, 1: 2}, fed=N_("new_param becomes param, new_buf becomes buf"))
ADAM_STEPS = Steps("adam_step", feed={0: 0, 1: 2}, fed=N_("new_param becomes param, new_state becomes state"))

# -- inputs ------------------------------------------------------------------------------------


def _t(*values: float, dtype: Any = np.float64) -> np.ndarray:
    return np.array(values, dtype=dtype)


F32 = np.float32


def adam_state(step: int, exp_avg: float, exp_avg_sq: float) -> dict[str, Any]:
    return {"step": step, "exp_avg": _t(exp_avg), "exp_avg_sq": _t(exp_avg_sq)}


def _ints(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


@st.composite
def order_calls(draw: st.DrawFn) -> Call:
    """An order of n example indices, as a list or an int64 tensor, and a batch size that may
    or may not divide n, or exceed it."""
    n = draw(st.integers(1, 12))
    order = list(strategies.rng(draw(strategies.seeds)).permutation(n))
    batch_size = draw(st.integers(1, n + 2))
    as_tensor = draw(st.booleans())
    return Call((np.array(order, dtype=np.int64) if as_tensor else [int(i) for i in order], batch_size))


@st.composite
def risk_calls(draw: st.DrawFn, losses: tuple[str, ...] = ("squared", "absolute")) -> Call:
    """(w, X, y, loss, h): h large (up to 1), where the formula and the limit differ; float64
    also gets small h, float32 not (its differences of R would be all round-off)."""
    d, n, dtype = draw(st.integers(1, 4)), draw(st.integers(1, 6)), draw(strategies.dtypes)
    g = strategies.rng(draw(strategies.seeds))
    w, X, y = (np.round(g.normal(0, 1, size=s), 1).astype(dtype) for s in ((d,), (n, d), (n,)))
    steps = (1.0, 0.5, 0.3, 0.1) if dtype == np.float32 else (1.0, 0.5, 0.3, 0.1, 1e-3)
    return Call((w, X, y, draw(st.sampled_from(losses)), draw(st.sampled_from(steps))))


@st.composite
def descent_problem(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(X, y, w0, lr) with lr small enough that every step contracts, one example or all:
    a float32 run then loses no more than its round-off."""
    d, dtype = draw(st.integers(1, 3)), draw(strategies.dtypes)
    n = draw(st.integers(d, 7))
    g = strategies.rng(draw(strategies.seeds))
    X = np.round(g.normal(0, 1, size=(n, d)), 1)
    y = np.round(g.normal(0, 1, size=n), 1)
    w0 = np.round(g.normal(0, 1, size=d), 1)
    curvature = max(2 * np.linalg.eigvalsh(X.T @ X / n).max(), 2 * (X**2).sum(axis=1).max(), 0.1)
    lr = float(np.round(draw(st.sampled_from((0.1, 0.3, 0.6))) / curvature, 3)) or 0.001
    return X.astype(dtype), y.astype(dtype), w0.astype(dtype), lr


def _orders(draw: st.DrawFn, n: int, most: int = 3) -> Any:
    g = strategies.rng(draw(strategies.seeds))
    rows = [g.permutation(n) for _row in range(draw(st.integers(0, most)))]
    if draw(st.booleans()):
        return np.array(rows, dtype=np.int64).reshape(len(rows), n)
    return [[int(i) for i in row] for row in rows]


@st.composite
def batch_gd_calls(draw: st.DrawFn) -> Call:
    X, y, w0, lr = draw(descent_problem())
    return Call((X, y, w0, lr, draw(st.integers(0, 5))))


@st.composite
def sgd_calls(draw: st.DrawFn) -> Call:
    X, y, w0, lr = draw(descent_problem())
    return Call((X, y, w0, lr, _orders(draw, X.shape[0])))


@st.composite
def minibatch_calls(draw: st.DrawFn) -> Call:
    X, y, w0, lr = draw(descent_problem())
    return Call((X, y, w0, lr, _orders(draw, X.shape[0]), draw(st.integers(1, X.shape[0] + 1))))


@st.composite
def parameter_and_grads(draw: st.DrawFn, most_steps: int = 5) -> tuple[np.ndarray, list[np.ndarray]]:
    """A parameter of any small shape, and one gradient per step."""
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)))
    dtype = draw(strategies.dtypes)
    g = strategies.rng(draw(strategies.seeds))
    param = np.round(g.normal(0, 1, size=shape), 2).astype(dtype)
    grads = [np.round(g.normal(0, 1, size=shape), 2).astype(dtype) for _step in range(draw(st.integers(1, most_steps)))]
    return param, grads


@st.composite
def sgd_step_calls(draw: st.DrawFn, valid: bool = True) -> Call:
    """Several steps of SGD from buf None: (param, [grad per step], None, lr) with momentum,
    dampening, nesterov and weight decay drawn; only combinations torch accepts when ``valid``."""
    param, grads = draw(parameter_and_grads())
    momentum = draw(st.sampled_from((0.0, 0.5, 0.9)))
    nesterov = draw(st.booleans())
    dampening = 0.0 if nesterov and valid else draw(st.sampled_from((0.0, 0.1, 0.5)))
    if valid and nesterov and momentum == 0:
        momentum = 0.9
    kwargs = {
        "momentum": momentum,
        "dampening": dampening,
        "nesterov": nesterov,
        "weight_decay": draw(st.sampled_from((0.0, 0.0, 0.1))),
    }
    return Call((param, grads, None, draw(st.sampled_from((0.1, 0.01, 0.5)))), kwargs)


@st.composite
def adam_step_calls(draw: st.DrawFn) -> Call:
    """Several steps of Adam from the empty state {}, every hyper-parameter drawn."""
    param, grads = draw(parameter_and_grads())
    betas = draw(st.sampled_from(((0.9, 0.999), (0.5, 0.9), (0.8, 0.99))))
    kwargs = {
        "lr": draw(st.sampled_from((1e-3, 0.01, 0.1))),
        "betas": betas if draw(st.booleans()) else list(betas),
        "eps": draw(st.sampled_from((1e-8, 1e-3, 0.1))),
        "weight_decay": draw(st.sampled_from((0.0, 0.0, 0.1))),
    }
    return Call((param, grads, {}), kwargs)


# -- properties (each returns None when it holds, else what is wrong) ---------------------------


def batches_cover_the_order(student: Student, call: Call, out: Any) -> str | None:
    order, batch_size = [int(i) for i in call.args[0]], call.args[1]
    joined = [int(i) for batch in out for i in batch]
    if joined != order:
        return _(
            "the batches joined together are {joined}, not the order {order} (nothing dropped, nothing moved)"
        ).format(joined=joined, order=order)
    sizes = [len(batch) for batch in out]
    if any(s != batch_size for s in sizes[:-1]) or not 0 < sizes[-1] <= batch_size:
        return _(
            "the batches have sizes {sizes}: every batch but the last should hold batch_size = {batch_size}"
        ).format(sizes=sizes, batch_size=batch_size)
    return None


def squared_central_difference_is_exact(student: Student, call: Call, out: Any) -> str | None:
    """R is quadratic for the squared loss, so its central difference is its gradient for
    every h: (2/n)·Xᵀ(Xw − y). A one-sided difference is off by h·(1/n)·Σ x_ij²."""
    w, X, y, _loss, h = (np.asarray(a, dtype=np.float64) if isinstance(a, np.ndarray) else a for a in call.args)
    gradient = 2.0 / X.shape[0] * X.T @ (X @ w - y)
    worst = tolerance.worst_mismatch(out, gradient, tolerance.for_dtype(call.args[0].dtype))
    if worst is None:
        return None
    return _(
        "for the squared loss R is quadratic, so the central difference equals the gradient "
        "(2/n)·Xᵀ(Xw − y) for every h (here h = {h:g}); entry {index} is off by a "
        "relative {relative:.3g}: a one-sided difference, or a divisor other than 2h?"
    ).format(h=h, index=worst.index[0], relative=worst.relative)


def _same_as(student: Student, function: str, first: Call, then: Any, out: Any) -> tolerance.Mismatch | None:
    """None when ``out`` equals ``function`` run on ``first``, then on ``then(result)``; else
    where they differ most."""
    middle = student(function, first)
    second = then(middle.astype(first.args[2].dtype))
    split = student(function, second)
    return tolerance.worst_mismatch(out, split, tolerance.for_dtype(first.args[0].dtype))


def epochs_compose(student: Student, call: Call, out: Any) -> str | None:
    X, y, w0, lr, epochs = call.args
    if epochs < 2:
        return None
    worst = _same_as(student, "batch_gd", Call((X, y, w0, lr, epochs - 1)), lambda w: Call((X, y, w, lr, 1)), out)
    if worst is None:
        return None
    return ngettext(
        "{epochs} epochs should be {earlier} epoch and then one more from where they end, but they differ at "
        "w[{index}] (relative {relative:.3g}): is w0 used where w is meant?",
        "{epochs} epochs should be {earlier} epochs and then one more from where they end, but they differ at "
        "w[{index}] (relative {relative:.3g}): is w0 used where w is meant?",
        epochs - 1,
    ).format(epochs=epochs, earlier=epochs - 1, index=worst.index[0], relative=worst.relative)


def _rows(orders: Any) -> list[Any]:
    return list(orders)


def orders_compose(student: Student, call: Call, out: Any) -> str | None:
    """E epochs are the first epoch, then the other E − 1 from where it ended."""
    X, y, w0, lr, orders, *rest = call.args
    rows = _rows(orders)
    if len(rows) < 2:
        return None

    def part(chosen: list[Any]) -> Any:
        return np.array(chosen, dtype=np.int64) if isinstance(orders, np.ndarray) else chosen

    function = "sgd" if not rest else "minibatch_gd"
    worst = _same_as(
        student,
        function,
        Call((X, y, w0, lr, part(rows[:1]), *rest)),
        lambda w: Call((X, y, w, lr, part(rows[1:]), *rest)),
        out,
    )
    if worst is None:
        return None
    return _(
        "{epochs} epochs should be the first epoch and then the other {others} from where it ended, but they "
        "differ at w[{index}] (relative {relative:.3g}): is w0 used where w is meant?"
    ).format(epochs=len(rows), others=len(rows) - 1, index=worst.index[0], relative=worst.relative)


def momentum_zero_is_plain_sgd(student: Student, call: Call, out: Any) -> str | None:
    param, grad, _buf, lr = call.args
    decay = call.kwargs.get("weight_decay", 0.0)
    expected = param.astype(np.float64) - lr * (grad.astype(np.float64) + decay * param.astype(np.float64))
    worst = tolerance.worst_mismatch(out[0], expected, tolerance.for_dtype(param.dtype))
    if worst is None:
        return None
    return _(
        "with momentum 0 a step is plain SGD, param − lr·(grad + weight_decay·param); new_param"
        "{index} is off by a relative {relative:.3g}"
    ).format(index=list(worst.index), relative=worst.relative)


def adam_first_step_size(student: Student, call: Call, out: Any) -> str | None:
    """Adam's first step: m̂ = g, v̂ = g², so each entry moves by lr·|g|/(|g| + eps) against g."""
    param, grads, _state = call.args
    lr, eps = call.kwargs["lr"], call.kwargs["eps"]
    g = grads[0].astype(np.float64)
    expected = param.astype(np.float64) - lr * g / (np.abs(g) + eps)
    worst = tolerance.worst_mismatch(out[0][0], expected, tolerance.for_dtype(param.dtype))
    if worst is not None:
        return _(
            "on the first step the bias corrections make m̂ = g and v̂ = g², so each entry moves by "
            "lr·|g|/(|g| + eps) against g; new_param{index} is off by a relative "
            "{relative:.3g} (is the bias correction, or eps outside the square root, right?)"
        ).format(index=list(worst.index), relative=worst.relative)
    steps = [int(state[0]) for _param, state in out]
    if steps != list(range(1, len(out) + 1)):
        return _("new_state['step'] over the steps is {steps}, expected {expected}").format(
            steps=steps, expected=list(range(1, len(out) + 1))
        )
    return None


first_adam_step_calls = adam_step_calls().map(lambda c: Call(c.args, {**c.kwargs, "weight_decay": 0.0}))

CHECKS = (
    Contract(
        name="minibatches returns a list of batches",
        examples=7,
        function="minibatches",
        points=0.25,
        inputs=order_calls(),
    ),
    KnownAnswers(
        name="minibatches known answers",
        function="minibatches",
        points=0.5,
        cases=(
            Case(Call(([4, 0, 3, 1, 2], 2)), [[4, 0], [3, 1], [2]]),
            Case(Call((_ints(2, 0, 1, 3), 2)), [[2, 0], [1, 3]]),
            Case(Call(([5, 1, 2], 3)), [[5, 1, 2]]),
            Case(Call(([1, 0], 10)), [[1, 0]]),
            Case(Call((_ints(0, 1, 2, 3, 4, 5, 6), 3)), [[0, 1, 2], [3, 4, 5], [6]]),
            Case(Call(([0, 1], 0)), raises=ValueError),
        ),
    ),
    Property(
        name="minibatches cover the order in order",
        examples=7,
        function="minibatches",
        points=0.25,
        inputs=order_calls(),
        holds=batches_cover_the_order,
    ),
    Contract(
        name="numerical_gradient returns a (d,) vector",
        function="numerical_gradient",
        points=0.25,
        inputs=risk_calls(),
        examples=2,
    ),
    KnownAnswers(
        name="numerical_gradient known answers at large h",
        function="numerical_gradient",
        points=0.5,
        cases=(
            # |w·1 − 0| at w = 1, h = 2: (|3| − |−1|) / 4 = 0.5, where the slope is 1
            Case(Call((_t(1), np.array([[1.0]]), _t(0), "absolute", 2.0)), _t(0.5)),
            # mean of |w − 1| and |w + 1| at w = 0, h = 0.5: both sides 1, so 0
            Case(Call((_t(0), np.array([[1.0], [1.0]]), _t(1, -1), "absolute", 0.5)), _t(0.0)),
            # (w1 + 2 w2 − 1)² at w = (1, 1), h = 1: exact for a quadratic, 2·2·(1, 2) = (4, 8)
            Case(Call((_t(1, 1), np.array([[1.0, 2.0]]), _t(1), "squared", 1.0)), _t(4, 8)),
            Case(
                Call((_t(1, 1, dtype=F32), np.array([[1.0, 2.0]], dtype=F32), _t(1, dtype=F32), "squared", 1.0)),
                _t(4, 8),
            ),
            Case(Call((_t(1), np.array([[1.0]]), _t(0), "hinge", 0.1)), raises=ValueError),
            Case(Call((_t(1), np.array([[1.0]]), _t(0), "squared", 0.0)), raises=ValueError),
        ),
    ),
    Property(
        name="numerical_gradient of the squared loss is exact at any h",
        examples=7,
        function="numerical_gradient",
        points=0.5,
        inputs=risk_calls(("squared",)),
        holds=squared_central_difference_is_exact,
    ),
    Contract(
        name="batch_gd returns a (d,) vector", function="batch_gd", points=0.25, inputs=batch_gd_calls(), examples=2
    ),
    KnownAnswers(
        name="batch_gd known answers",
        function="batch_gd",
        points=0.25,
        cases=(
            # gradient (2/2)·((0 − 2) + (0 − 4)) = −6: w = 0 + 0.25·6
            Case(Call((np.array([[1.0], [1.0]]), _t(2, 4), _t(0), 0.25, 1)), _t(1.5)),
            # then the gradient at 1.5 is (2/2)·(−0.5 − 2.5) = −3: w = 1.5 + 0.75
            Case(Call((np.array([[1.0], [1.0]]), _t(2, 4), _t(0), 0.25, 2)), _t(2.25)),
            Case(Call((np.array([[1.0, 0.0], [0.0, 2.0]]), _t(1, 1), _t(3, -1), 0.1, 0)), _t(3, -1)),
            # rows (1, 0), (0, 2): gradient (2/2)·(Xᵀ(Xw − y)) at w = 0 is (−1, −4)
            Case(
                Call(
                    (
                        np.array([[1.0, 0.0], [0.0, 2.0]], dtype=np.float32),
                        _t(1, 2, dtype=np.float32),
                        _t(0, 0, dtype=np.float32),
                        0.1,
                        1,
                    )
                ),
                _t(0.1, 0.4),
            ),
        ),
    ),
    Property(
        name="batch_gd's epochs compose",
        function="batch_gd",
        points=0.25,
        inputs=batch_gd_calls(),
        examples=4,
        holds=epochs_compose,
    ),
    Contract(name="sgd returns a (d,) vector", function="sgd", points=0.25, inputs=sgd_calls(), examples=2),
    KnownAnswers(
        name="sgd known answers",
        function="sgd",
        points=0.5,
        cases=(
            # example 1 first: w = 0 − 0.1·2·(0 − 4)·1 = 0.8; then example 0: 0.8 − 0.1·2·(0.8 − 2) = 1.04
            Case(Call((np.array([[1.0], [1.0]]), _t(2, 4), _t(0), 0.1, [[1, 0]])), _t(1.04)),
            # the other order: 0.4, then 0.4 − 0.2·(0.4 − 4) = 1.12
            Case(Call((np.array([[1.0], [1.0]]), _t(2, 4), _t(0), 0.1, _ints(0, 1).reshape(1, 2))), _t(1.12)),
            Case(Call((np.array([[1.0], [1.0]]), _t(2, 4), _t(0.5), 0.1, [])), _t(0.5)),
            # two epochs of one example: 0.4, then 0.4 − 0.2·(0.4 − 2) = 0.72
            Case(Call((np.array([[1.0]]), _t(2), _t(0), 0.1, [[0], [0]])), _t(0.72)),
        ),
    ),
    Property(
        name="sgd's epochs compose",
        function="sgd",
        points=0.25,
        inputs=sgd_calls(),
        examples=4,
        holds=orders_compose,
    ),
    Contract(
        name="minibatch_gd returns a (d,) vector",
        function="minibatch_gd",
        points=0.25,
        inputs=minibatch_calls(),
        examples=2,
    ),
    KnownAnswers(
        name="minibatch_gd known answers",
        function="minibatch_gd",
        points=0.5,
        cases=(
            # batches [0, 1], [2]: gradient (2/2)·((0 − 2) + (0 − 4)) = −6, w = 0.6; then the
            # last batch alone, divided by its own size 1: 0.6 − 0.1·2·(0.6 − 6) = 1.68
            Case(Call((np.array([[1.0], [1.0], [1.0]]), _t(2, 4, 6), _t(0), 0.1, [[0, 1, 2]], 2)), _t(1.68)),
            # batch_size >= n: one full-batch step, gradient (2/3)·(−12) = −8, w = 0.8
            Case(Call((np.array([[1.0], [1.0], [1.0]]), _t(2, 4, 6), _t(0), 0.1, [[2, 0, 1]], 5)), _t(0.8)),
            Case(Call((np.array([[1.0], [1.0]]), _t(2, 4), _t(0), 0.1, [[1, 0]], 1)), _t(1.04)),
        ),
    ),
    Property(
        name="minibatch_gd's epochs compose",
        function="minibatch_gd",
        points=0.25,
        inputs=minibatch_calls(),
        examples=4,
        holds=orders_compose,
    ),
    Contract(
        name="sgd_momentum_step returns (new_param, new_buf), step after step",
        function="sgd_momentum_step",
        points=0.25,
        inputs=sgd_step_calls(),
        examples=3,
        via=SGD_STEPS,
    ),
    KnownAnswers(
        name="sgd_momentum_step known answers",
        function="sgd_momentum_step",
        points=0.5,
        cases=(
            Case(Call((_t(1), _t(0.5), _t(2), 0.1), {"momentum": 0.9}), (_t(0.77), _t(2.3))),
            # first step: buf None, so new_buf = g without dampening
            Case(Call((_t(1), _t(0.5), None, 0.1), {"momentum": 0.9, "dampening": 0.5}), (_t(0.95), _t(0.5))),
            # dampening after the first step: 0.9·2 + 0.5·0.5 = 2.05
            Case(Call((_t(1), _t(0.5), _t(2), 0.1), {"momentum": 0.9, "dampening": 0.5}), (_t(0.795), _t(2.05))),
            # nesterov: g = 0.5 + 0.9·2.3 = 2.57
            Case(Call((_t(1), _t(0.5), _t(2), 0.1), {"momentum": 0.9, "nesterov": True}), (_t(0.743), _t(2.3))),
            # weight decay: g = 0.5 + 0.1·1 = 0.6 (momentum 0: no buffer)
            Case(Call((_t(1, 2), _t(0.5, 0), None, 0.1), {"weight_decay": 0.1}), (_t(0.94, 1.98), None)),
            Case(Call((_t(1), _t(0.5), None, 0.1), {"momentum": 0.0, "nesterov": True}), raises=ValueError),
            Case(
                Call((_t(1), _t(0.5), None, 0.1), {"momentum": 0.9, "dampening": 0.1, "nesterov": True}),
                raises=ValueError,
            ),
        ),
    ),
    KnownAnswers(
        name="sgd_momentum_step over two steps",
        function="sgd_momentum_step",
        points=0.25,
        via=SGD_STEPS,
        cases=(
            # buf 1, param 0.9; then buf 0.9·1 + 1 = 1.9, param 0.9 − 0.19 = 0.71
            Case(
                Call((_t(1), [_t(1), _t(1)], None, 0.1), {"momentum": 0.9}),
                [(_t(0.9), _t(1.0)), (_t(0.71), _t(1.9))],
            ),
        ),
    ),
    Property(
        name="sgd_momentum_step with momentum 0 is plain SGD",
        function="sgd_momentum_step",
        points=0.25,
        inputs=sgd_step_calls().map(
            lambda c: Call((c.args[0], c.args[1][0], None, c.args[3]), {**c.kwargs, "momentum": 0.0, "nesterov": False})
        ),
        examples=3,
        holds=momentum_zero_is_plain_sgd,
    ),
    Contract(
        name="adam_step returns (new_param, new_state), step after step",
        function="adam_step",
        points=0.25,
        inputs=adam_step_calls(),
        examples=3,
        via=ADAM_STEPS,
    ),
    KnownAnswers(
        name="adam_step known answers",
        function="adam_step",
        points=0.5,
        cases=(
            # m = 0.2, v = 0.004; m̂ = 2, v̂ = 4: 1 − 0.1·2/(2 + 1e-8)
            Case(
                Call((_t(1), _t(2), {}), {"lr": 0.1}),
                (_t(1 - 0.2 / (2 + 1e-8)), adam_state(1, 0.2, 0.004)),
            ),
            # from step 1 with m = 0.2, v = 0.004, g = 2 again, betas (0.5, 0.5), eps 1:
            # m = 0.1 + 1 = 1.1, v = 0.002 + 2 = 2.002; m̂ = 1.1/0.75, v̂ = 2.002/0.75
            Case(
                Call(
                    (_t(1), _t(2), {"step": 1, "exp_avg": _t(0.2), "exp_avg_sq": _t(0.004)}),
                    {"lr": 0.1, "betas": (0.5, 0.5), "eps": 1.0},
                ),
                (_t(1 - 0.1 * (1.1 / 0.75) / (np.sqrt(2.002) / np.sqrt(0.75) + 1.0)), adam_state(2, 1.1, 2.002)),
            ),
            # weight decay joins the gradient: g = 1 + 0.5·2 = 2, betas as a list
            Case(
                Call((_t(2), _t(1), {}), {"lr": 0.5, "betas": [0.9, 0.99], "eps": 0.0, "weight_decay": 0.5}),
                (_t(1.5), adam_state(1, 0.2, 0.04)),
            ),
        ),
    ),
    Property(
        name="adam_step's first step moves each entry by about lr",
        function="adam_step",
        points=0.25,
        inputs=first_adam_step_calls,
        examples=3,
        via=ADAM_STEPS,
        holds=adam_first_step_size,
    ),
)

EXERCISE = Exercise("optimization", N_("Gradient descent, SGD with momentum and Adam"), FUNCTIONS, CHECKS)
