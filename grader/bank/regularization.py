"""regularization: functions, outputs, forbidden calls and public checks.

Dropout takes its uniform draws as an argument, so every check is deterministic; the draws
keep clear of the threshold 1 − p (SPEC: never within 1e-6 of it), so that ``u < 1 − p`` and
``u <= 1 − p`` agree and float32 rounds no draw across it. The proximal step is judged
publicly by its optimality conditions, the definition of the proximal operator, rather than
by the formula.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from grader import strategies, tolerance
from grader.checks import Call, Case, Contract, Gradient, KnownAnswers, Objective, Property, Student
from grader.exercise import Exercise, Function
from grader.forbidden import AUTOGRAD
from grader.i18n import N_, _
from grader.outputs import Array

EVERYWHERE = ("torch.optim", "torch.optim.*", *AUTOGRAD)
DROPOUT = (
    *EVERYWHERE,
    "torch.nn.functional.dropout",
    "torch.nn.functional.dropout1d",
    "torch.nn.functional.dropout2d",
    "torch.nn.functional.dropout3d",
    "torch.nn.functional.alpha_dropout",
    "torch.nn.functional.feature_alpha_dropout",
    "torch.dropout",
    "torch.nn.Dropout*",
    "torch.bernoulli",
    "torch.Tensor.bernoulli",
    "torch.Tensor.bernoulli_",
)
SOFTSHRINK = (*EVERYWHERE, "torch.nn.functional.softshrink", "torch.nn.Softshrink")
PENALTIES = ("l1", "l2_squared")


def same_shape(first: np.ndarray, *_: Any) -> tuple[int, ...]:
    return tuple(first.shape)


FUNCTIONS = (
    Function("dropout_forward", Array(same_shape), DROPOUT),
    Function("dropout_backward", Array(same_shape, label="dx"), DROPOUT),
    Function("penalized_step", Array(same_shape), EVERYWHERE),
    Function("l1_proximal_step", Array(same_shape), SOFTSHRINK),
)

# -- inputs ------------------------------------------------------------------------------------

DROP_PROBABILITIES = (0.0, 0.1, 0.25, 0.5, 0.8, 1.0)


def _t(*values: float, dtype: Any = np.float64) -> np.ndarray:
    return np.array(values, dtype=dtype)


@st.composite
def dropout_calls(
    draw: st.DrawFn,
    dtypes: st.SearchStrategy[np.dtype[Any]] = strategies.dtypes,
    training: bool | None = True,
    probabilities: tuple[float, ...] = DROP_PROBABILITIES,
    scale: float = 3.0,
) -> Call:
    """(x, p, u, training): u on a grid of hundredths shifted by 0.005, so never within 0.005
    of 1 − p (a hundredth for every p drawn); x of any small shape, sometimes as large as 1e4."""
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    dtype = draw(dtypes)
    g = strategies.rng(draw(strategies.seeds))
    size = draw(st.sampled_from((scale, scale, 1e4)))
    x = np.round(g.normal(0, size, size=shape), 2).astype(dtype)
    u = (np.floor(g.uniform(0, 1, size=shape) * 100) / 100 + 0.005).astype(dtype)
    p = draw(st.sampled_from(probabilities))
    mode = draw(st.booleans()) if training is None else training
    return Call((x, p, u, mode))


@st.composite
def bad_probability_calls(draw: st.DrawFn) -> Call:
    x, _p, u, _training = draw(dropout_calls()).args
    return Call((x, draw(st.sampled_from((-0.5, -0.01, 1.01, 2.0))), u, True))


@st.composite
def step_calls(draw: st.DrawFn, penalties: tuple[str, ...] = PENALTIES) -> Call:
    """(w, grad, lr, lam, penalty), w with some exact zeros (where sign(0) = 0 matters)."""
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=2)))
    dtype = draw(strategies.dtypes)
    g = strategies.rng(draw(strategies.seeds))
    w = np.round(g.normal(0, 1, size=shape), 2)
    w[g.uniform(size=shape) < 0.3] = 0.0
    grad = np.round(g.normal(0, 1, size=shape), 2)
    lr, lam = draw(st.sampled_from((0.01, 0.1, 0.5))), draw(st.sampled_from((0.0, 0.1, 1.0, 3.0)))
    return Call((w.astype(dtype), grad.astype(dtype), lr, lam, draw(st.sampled_from(penalties))))


@st.composite
def proximal_calls(draw: st.DrawFn) -> Call:
    """(w, grad, lr, lam), with entries of |w − lr·grad| below, at and above lr·lam."""
    w, grad, lr, lam, _penalty = draw(step_calls()).args
    g = strategies.rng(draw(strategies.seeds))
    at_threshold = g.uniform(size=w.shape) < 0.2  # |v| = lr·lam exactly: grad 0, w = ±lr·lam
    w = np.where(at_threshold, np.sign(g.normal(size=w.shape)) * lr * lam, w).astype(w.dtype)
    grad = np.where(at_threshold, 0.0, grad).astype(grad.dtype)
    return Call((w, grad, lr, lam))


# -- checks' helpers ---------------------------------------------------------------------------


def dropout_upstream_dot(out: Any, call: Call) -> float:
    """sum(dout · out): its gradient with respect to x is dropout_backward's dx."""
    return float(np.sum(call.args[0] * out))


def dropout_upstream_size(out: Any, call: Call) -> float:
    return float(np.sum(np.abs(call.args[0] * out)))


# A gradient check's call: (dout, p, u, training, x); the objective runs the forward on x.
dropout_objective = Objective(
    "dropout_forward",
    lambda c: Call((c.args[4], c.args[1], c.args[2], c.args[3])),
    dropout_upstream_dot,
    dropout_upstream_size,
)


def dropout_analytic(student: Student, call: Call) -> dict[str, Any]:
    return {"x": student("dropout_backward", Call(call.args[:4]))}


@st.composite
def dropout_gradient_calls(draw: st.DrawFn) -> Call:
    x, p, u, training = draw(dropout_calls(strategies.float64_only, training=None, scale=1.0)).args
    dout = np.round(strategies.rng(draw(strategies.seeds)).normal(size=x.shape), 2)
    return Call((dout, p, u, training, x))


# -- properties (each returns None when it holds, else what is wrong) ---------------------------


def kept_scaled_dropped_zero(student: Student, call: Call, out: Any) -> str | None:
    """Each entry is either dropped (0) or kept and scaled by 1/(1 − p), and which one is
    decided by u < 1 − p; p = 1 keeps nothing."""
    x, p, u, _training = call.args
    keep = (u.astype(np.float64) < 1 - p) if p < 1 else np.zeros(u.shape, dtype=bool)
    expected = np.where(keep, x.astype(np.float64) / (1 - p if p < 1 else 1.0), 0.0)
    if not np.all(np.isfinite(out)):
        return _("the output holds nan or inf (p = {p:g}); with p = 1 every entry is dropped: return zeros").format(p=p)
    dropped_but_not_zero = ~keep & (out != 0)
    if np.any(dropped_but_not_zero):
        j = tuple(int(i) for i in np.argwhere(dropped_but_not_zero)[0])
        return _("entry {index} has u = {u:.4g} >= 1 - p = {keep:g}, so it is dropped and must be 0").format(
            index=list(j), u=float(u[j]), keep=1 - p
        )
    worst = tolerance.worst_mismatch(out, expected, tolerance.for_dtype(x.dtype))
    if worst is None:
        return None
    j = worst.index
    return _(
        "entry {index} has u = {u:.4g} < 1 - p = {keep:g}, so it is kept and scaled: x / (1 - p) = "
        "{expected:.6g}, but it is {value:.6g} (p is the probability of dropping)"
    ).format(index=list(j), u=float(u[j]), keep=1 - p, expected=float(expected[j]), value=float(out[j]))


def identity_when_not_training(student: Student, call: Call, out: Any) -> str | None:
    x = call.args[0]
    worst = tolerance.worst_mismatch(out, x, tolerance.for_dtype(x.dtype))
    if worst is None:
        return None
    return _("with training False the result is the input itself, whatever p and u; entry {index} differs").format(
        index=list(worst.index)
    )


def lam_zero_is_a_gradient_step(student: Student, call: Call, out: Any) -> str | None:
    w, grad, lr, _lam, penalty = call.args
    expected = w.astype(np.float64) - lr * grad.astype(np.float64)
    worst = tolerance.worst_mismatch(out, expected, tolerance.for_dtype(w.dtype))
    if worst is None:
        return None
    return _("with lam = 0 the penalty plays no part: w - lr * grad; entry {index} differs ({penalty})").format(
        index=list(worst.index), penalty=penalty
    )


def l2_is_weight_decay(student: Student, call: Call, out: Any) -> str | None:
    """The step on Loss + lam·‖w‖² shrinks w by the factor (1 − 2·lr·lam) before the loss step."""
    w, grad, lr, lam, _penalty = call.args
    expected = (1 - 2 * lr * lam) * w.astype(np.float64) - lr * grad.astype(np.float64)
    worst = tolerance.worst_mismatch(out, expected, tolerance.for_dtype(w.dtype))
    if worst is None:
        return None
    return _(
        "the l2_squared penalty's gradient is 2·lam·w, so the step is (1 - 2·lr·lam)·w - lr·grad (weight "
        "decay); entry {index} is off by a relative {relative:.3g}"
    ).format(index=list(worst.index), relative=worst.relative)


def is_the_proximal_point(student: Student, call: Call, out: Any) -> str | None:
    """z minimises ½‖z − v‖² + t‖z‖₁ (v = w − lr·grad, t = lr·lam) exactly when, entry by
    entry, z = 0 and |v| ≤ t, or z ≠ 0 and z = v − t·sign(z)."""
    w, grad, lr, lam = call.args
    v = w.astype(np.float64) - lr * grad.astype(np.float64)
    t = lr * lam
    tol = tolerance.for_dtype(w.dtype)
    slack = tol.atol + tol.rtol * (np.abs(v) + np.mean(np.abs(v)))
    for j in np.ndindex(v.shape):
        z = float(out[j])
        if not np.isfinite(z):  # every comparison below is False for nan: it would pass
            return _("entry {index} is {value}, not a finite number").format(index=list(j), value=z)
        # exactly 0 inside the threshold; at it, within round-off (float32's lr·lam is not float64's)
        if abs(v[j]) <= t and abs(z) > (slack[j] if abs(v[j]) > t - slack[j] else 0.0):
            return _(
                "entry {index}: |w - lr·grad| = {size:.6g} <= lr·lam = {threshold:.6g}, so the proximal step "
                "sets it to exactly 0, but it is {value:.6g}"
            ).format(index=list(j), size=abs(v[j]), threshold=t, value=z)
        if abs(v[j]) > t + slack[j] and abs(z - (v[j] - t * np.sign(v[j]))) > slack[j]:
            return _(
                "entry {index}: w - lr·grad = {step:.6g} lies beyond the threshold lr·lam = {threshold:.6g}, so it "
                "moves towards 0 by the threshold, to {expected:.6g}, but it is {value:.6g}"
            ).format(index=list(j), step=v[j], threshold=t, expected=v[j] - t * np.sign(v[j]), value=z)
    return None


CHECKS = (
    Contract(
        name="dropout_forward returns the shape of x",
        function="dropout_forward",
        points=0.25,
        inputs=dropout_calls(training=None),
        examples=2,
    ),
    KnownAnswers(
        name="dropout_forward known answers",
        function="dropout_forward",
        points=0.75,
        cases=(
            Case(Call((_t(1, 2, 3, 4), 0.5, _t(0.1, 0.6, 0.3, 0.9))), _t(2, 0, 6, 0)),
            # p = 0.25 drops where u >= 0.75 and scales the rest by 4/3
            Case(Call((_t(3, 3, 3), 0.25, _t(0.7, 0.8, 0.05))), _t(4, 0, 4)),
            Case(Call((_t(1, -2, dtype=np.float32), 0.0, _t(0.99, 0.0, dtype=np.float32))), _t(1, -2)),
            Case(Call((_t(1, -2), 1.0, _t(0.3, 0.0))), _t(0, 0)),
            Case(Call((_t(1, -2), 0.5, _t(0.9, 0.1), False)), _t(1, -2)),
            Case(Call((_t(1, -2), 1.5, _t(0.9, 0.1))), raises=ValueError),
            Case(Call((_t(1, -2), -0.1, _t(0.9, 0.1))), raises=ValueError),
        ),
    ),
    Property(
        name="dropout_forward keeps where u < 1 - p, scaled by 1/(1 - p)",
        function="dropout_forward",
        points=0.5,
        inputs=dropout_calls(),
        examples=7,
        holds=kept_scaled_dropped_zero,
    ),
    Property(
        name="dropout_forward is the identity when not training",
        function="dropout_forward",
        points=0.25,
        inputs=dropout_calls(training=False),
        examples=3,
        holds=identity_when_not_training,
    ),
    Contract(
        name="dropout_backward returns the shape of dout",
        function="dropout_backward",
        points=0.25,
        inputs=dropout_calls(training=None),
        examples=2,
    ),
    KnownAnswers(
        name="dropout_backward known answers",
        function="dropout_backward",
        points=0.5,
        cases=(
            Case(Call((_t(1, 1, 1, 1), 0.5, _t(0.1, 0.6, 0.3, 0.9))), _t(2, 0, 2, 0)),
            Case(Call((_t(2, -4, dtype=np.float32), 0.75, _t(0.2, 0.3, dtype=np.float32))), _t(8, 0)),
            Case(Call((_t(1, -2), 1.0, _t(0.3, 0.0))), _t(0, 0)),
            Case(Call((_t(1, -2), 0.5, _t(0.9, 0.1), False)), _t(1, -2)),
            Case(Call((_t(1, -2), 2.0, _t(0.9, 0.1))), raises=ValueError),
        ),
    ),
    Gradient(
        name="dropout_backward agrees with central differences of your dropout_forward",
        evidence=("dropout_backward known answers", "dropout_forward known answers"),
        function="dropout_backward",
        points=0.5,
        inputs=dropout_gradient_calls(),
        wrt={"x": 4},
        analytic=dropout_analytic,
        objective=dropout_objective,
        examples=4,
    ),
    Contract(
        name="penalized_step returns the shape of w",
        function="penalized_step",
        points=0.25,
        inputs=step_calls(),
        examples=2,
    ),
    KnownAnswers(
        name="penalized_step known answers",
        function="penalized_step",
        points=0.5,
        cases=(
            Case(Call((_t(1, 0, -2), _t(0, 0, 0), 0.1, 1.0, "l2_squared")), _t(0.8, 0, -1.6)),
            Case(Call((_t(1, 0, -2), _t(0, 0, 0), 0.1, 1.0, "l1")), _t(0.9, 0, -1.9)),
            # the default penalty is l2_squared; grad joins: 1 − 0.5·(1 + 0.2·2)
            Case(Call((_t(1, dtype=np.float32), _t(1, dtype=np.float32), 0.5, 0.2)), _t(0.3)),
            # sign(0) = 0: a zero weight moves by the loss gradient alone
            Case(Call((_t(0, 0.5), _t(1, 0), 0.1, 2.0, "l1")), _t(-0.1, 0.3)),
            Case(Call((_t(1, 0), _t(0, 0), 0.1, 1.0, "l2")), raises=ValueError),
        ),
    ),
    Property(
        name="penalized_step with lam = 0 is a plain gradient step",
        function="penalized_step",
        points=0.25,
        inputs=step_calls().map(lambda c: Call((*c.args[:3], 0.0, c.args[4]))),
        examples=3,
        holds=lam_zero_is_a_gradient_step,
    ),
    Property(
        name="penalized_step with l2_squared is weight decay",
        function="penalized_step",
        points=0.25,
        inputs=step_calls(("l2_squared",)),
        examples=4,
        holds=l2_is_weight_decay,
    ),
    Contract(
        name="l1_proximal_step returns the shape of w",
        function="l1_proximal_step",
        points=0.25,
        inputs=proximal_calls(),
        examples=2,
    ),
    KnownAnswers(
        name="l1_proximal_step known answers",
        function="l1_proximal_step",
        points=0.5,
        cases=(
            Case(Call((_t(1, 0.05, -1), _t(0, 0, 0), 0.1, 1.0)), _t(0.9, 0, -0.9)),
            # the gradient step first: v = (1 − 0.5·1, −0.2 + 0.5·2) = (0.5, 0.8), threshold 0.25
            Case(Call((_t(1, -0.2), _t(1, -2), 0.5, 0.5)), _t(0.25, 0.55)),
            # |v| = lr·lam exactly: 0; and lam = 0 is the gradient step
            Case(Call((_t(0.5, -0.5, dtype=np.float32), _t(0, 0, dtype=np.float32), 1.0, 0.5)), _t(0, 0)),
            Case(Call((_t(0.5, -0.5), _t(1, 1), 0.1, 0.0)), _t(0.4, -0.6)),
        ),
    ),
    Property(
        name="l1_proximal_step is the proximal point of the L1 norm",
        examples=7,
        function="l1_proximal_step",
        points=0.75,
        inputs=proximal_calls(),
        holds=is_the_proximal_point,
    ),
)

EXERCISE = Exercise("regularization", N_("Dropout and penalised updates"), FUNCTIONS, CHECKS)
