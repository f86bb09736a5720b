"""losses: functions, outputs, forbidden calls and public checks.

The public properties say what a loss or a norm must do without handing out its formula:
exact comparison for the 0-1 loss (differences of one part in a million count), +inf exactly
where a true class has probability 0, a mean that does not change when the data set is
doubled, norms that scale with w, a structural risk linear in lam, and a penalty's gradient
against central differences of the student's own structural risk.

Budgets, measured with bench/catch_power.py on the variants: a quarter of the usual (4
examples, 2 for a contract) wherever a quarter lost no catch; half where only a quarter lost
one (7 or 8); the usual where even half lost one (the risks' parity, penalty_grad's contract
and its public gradient check).
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
from grader.i18n import N_, _
from grader.outputs import Array, Scalar

LOSSES = ("zero_one", "squared", "absolute", "log")
PENALTIES = ("l0", "l1", "l2", "l2_squared")

FORBIDDEN = (
    # torch.nn.functional.* and the torch._C spellings they call
    "torch.*mse_loss",
    "torch.*l1_loss",  # l1_loss and smooth_l1_loss
    "torch.*huber_loss",
    "torch.*nll_loss",
    "torch.*cross_entropy",
    "torch.*binary_cross_entropy*",
    "torch.nn.*Loss",  # the modules: MSELoss, L1Loss, NLLLoss, BCELoss, ...
    # the ready-made norms; torch.norm is torch.functional.norm when it runs
    "torch.norm",
    "torch.functional.norm",
    "torch.linalg.norm",
    "torch.linalg.vector_norm",
    "torch.Tensor.norm",
    "numpy.linalg.norm",
    "sklearn",
)


def _n(y_true: np.ndarray, *_: Any) -> tuple[int, ...]:
    return (y_true.shape[0],)


FUNCTIONS = (
    Function("zero_one_loss", Array(_n), FORBIDDEN),
    Function("squared_loss", Array(_n), FORBIDDEN),
    Function("absolute_loss", Array(_n), FORBIDDEN),
    Function("log_loss", Array(_n), FORBIDDEN),
    Function("empirical_risk", Scalar(), FORBIDDEN),
    Function("l0_norm", Scalar("int"), FORBIDDEN),
    Function("l1_norm", Scalar(), FORBIDDEN),
    Function("l2_norm", Scalar(), FORBIDDEN),
    Function("structural_risk", Scalar(), FORBIDDEN),
    Function("penalty_grad", Array(lambda w, *_: tuple(w.shape)), FORBIDDEN + AUTOGRAD),
)

# -- inputs ------------------------------------------------------------------------------------

NUDGE = 1e-6  # relative: a prediction this far off is wrong for the 0-1 loss, and stays apart in float32


def nudged(v: np.ndarray, g: np.random.Generator) -> np.ndarray:
    """v moved by about one part in a million (at least 1e-6): different in float32 and float64
    alike, but within any tolerance a student might wrongly compare with (``isclose``)."""
    return v + g.choice([-1.0, 1.0], size=v.shape) * NUDGE * np.maximum(np.abs(v), 1.0)


@st.composite
def targets(draw: st.DrawFn, near: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(y_true, y_pred), both (n,) of one float dtype, rounded to two decimals; about a quarter
    of the predictions exactly right, and with ``near`` about a quarter off by one part in a
    million (``nudged``)."""
    dtype = draw(strategies.dtypes)
    n = draw(st.integers(1, 20))
    g = strategies.rng(draw(strategies.seeds))
    y_true = np.round(g.normal(0.0, 2.0, size=n), 2)
    y_pred = np.round(y_true + g.normal(0.0, 1.0, size=n), 2)
    kind = g.integers(0, 4 if near else 2, size=n)
    y_pred = np.where(kind == 0, y_true, y_pred)
    if near:
        y_pred = np.where(kind == 1, nudged(y_true, g), y_pred)
    return y_true.astype(dtype), y_pred.astype(dtype)


@st.composite
def label_pairs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """(y_true, y_pred): int64 labels in 0 … 4, drawn as pairs so that hypothesis shrinks by
    deleting samples."""
    label = st.integers(0, 4)
    pairs = draw(st.lists(st.tuples(label, label), min_size=1, max_size=20))
    y_true, y_pred = zip(*pairs, strict=True)
    return np.array(y_true, dtype=np.int64), np.array(y_pred, dtype=np.int64)


TINY_PROBABILITIES = (1e-30, 1e-20, 1e-10)  # exact -log: 69.08, 46.05, 23.03; an epsilon shows


@st.composite
def probabilities(draw: st.DrawFn, tiny: bool = False, zero: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(y_true, probs): labels (n,) int64 and probs (n, k) whose rows sum to 1, made of
    multiples of 1/8 or 1/10 with some exact zeros among the other classes; the true class has
    a probability > 0. With ``tiny``, about half the rows give their true class one of
    TINY_PROBABILITIES; with ``zero``, at least one row gives it exactly 0 (its loss is +inf)."""
    dtype = draw(strategies.dtypes)
    n, k = draw(st.integers(1, 10)), draw(st.integers(1 if not (tiny or zero) else 2, 5))
    g = strategies.rng(draw(strategies.seeds))
    denominator = draw(st.sampled_from([8, 10]))
    y = g.integers(0, k, size=n)
    probs = np.zeros((n, k))
    for i in range(n):
        counts = g.multinomial(denominator - 1, g.dirichlet(np.full(k, 0.5)))
        counts[y[i]] += 1  # the true class is never 0 here
        probs[i] = counts / denominator
    if tiny:
        for row in np.flatnonzero(g.random(n) < 0.5):
            value = g.choice(TINY_PROBABILITIES)
            other = (y[row] + 1 + g.integers(0, k - 1)) % k
            probs[row] = 0.0
            probs[row, y[row]], probs[row, other] = value, 1.0 - value
    if zero:
        rows = g.random(n) < 0.4
        rows[g.integers(0, n)] = True
        for row in np.flatnonzero(rows):
            other = (y[row] + 1 + g.integers(0, k - 1)) % k
            probs[row, other] += probs[row, y[row]]
            probs[row, y[row]] = 0.0
    return y.astype(np.int64), probs.astype(dtype)


@st.composite
def weights(draw: st.DrawFn, away_from_zero: bool = False, dtypes: Any = strategies.dtypes) -> np.ndarray:
    """w of shape (d,), (a, b) or (a, b, c), entries rounded to two decimals, some exactly 0
    (none with ``away_from_zero``: then |w_i| >= strategies.KINK_MARGIN, for central differences)."""
    dtype = draw(dtypes)
    shape = draw(st.sampled_from([(1,), (3,), (6,), (2, 3), (4, 1), (2, 2, 2)]))
    g = strategies.rng(draw(strategies.seeds))
    if away_from_zero:
        return strategies.away_from_zero(g, shape).astype(dtype)
    w = np.round(g.normal(0.0, 1.5, size=shape), 2)
    w[g.random(shape) < 0.3] = 0.0
    return w.astype(dtype)


def risk_call(draw: st.DrawFn, loss: str, dtype: np.dtype[Any] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(y_true, y_pred) for ``loss``: probabilities for "log", near-misses for "zero_one"."""
    if loss == "log":
        y, probs = draw(probabilities(tiny=draw(st.booleans())))
        return y, probs
    return draw(targets(near=loss == "zero_one"))


@st.composite
def risk_calls(draw: st.DrawFn, losses: tuple[str, ...] = LOSSES) -> Call:
    loss = draw(st.sampled_from(losses))
    return Call((*risk_call(draw, loss), loss))


@st.composite
def structural_calls(draw: st.DrawFn, lams: tuple[float, ...] = (0.0, 0.1, 0.5, 2.0)) -> Call:
    loss, penalty = draw(st.sampled_from(LOSSES)), draw(st.sampled_from(PENALTIES))
    y_true, y_pred = risk_call(draw, loss)
    dtype = y_pred.dtype
    w = draw(weights(dtypes=st.just(dtype)))
    return Call((y_true, y_pred, w, draw(st.sampled_from(lams))), {"loss": loss, "penalty": penalty})


target_calls = targets().map(lambda yy: Call(yy))
zero_one_calls = st.one_of(targets(near=True), label_pairs()).map(lambda yy: Call(yy))
near_miss_calls = targets(near=True).map(lambda yy: Call(yy))
log_calls = probabilities().map(lambda yp: Call(yp))
log_extreme_calls = (
    st.tuples(st.booleans(), st.booleans())
    .flatmap(lambda flags: probabilities(tiny=flags[0], zero=flags[1] or not flags[0]))
    .map(lambda yp: Call(yp))
)
norm_calls = weights().map(lambda w: Call((w,)))
penalty_calls = st.tuples(weights(), st.sampled_from(PENALTIES)).map(lambda r: Call(r))
penalty_gradient_calls = st.tuples(
    weights(away_from_zero=True, dtypes=strategies.float64_only), st.sampled_from(PENALTIES)
).map(lambda r: Call(r))


def _t(*values: Any, dtype: Any = np.float64) -> np.ndarray:
    return np.array(values, dtype=dtype)


def _labels(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


# -- properties (each returns None when it holds, else what is wrong) ---------------------------


def _close(got: Any, expected: Any, dtype: np.dtype[Any] | None) -> bool:
    tol = tolerance.for_dtype(dtype if dtype is not None else "float64")
    return tolerance.worst_mismatch(np.asarray(got), np.asarray(expected), tol) is None


def zero_one_is_exact(student: Student, call: Call, out: Any) -> str | None:
    y_true, y_pred = call.args
    expected = (y_true != y_pred).astype(np.float64)
    if np.array_equal(out, expected):
        return None
    i = int(np.flatnonzero(out != expected)[0])
    shown = {"i": i, "loss": out[i], "true": y_true[i].item(), "pred": y_pred[i].item()}
    if y_true[i] == y_pred[i]:
        return _(
            "loss[{i}] = {loss:.6g} for y_true[{i}] = {true!r} and y_pred[{i}] = {pred!r}: "
            "they are equal, so the loss is 0.0"
        ).format(**shown)
    gap = abs(float(y_true[i]) - float(y_pred[i]))
    return _(
        "loss[{i}] = {loss:.6g} for y_true[{i}] = {true!r} and y_pred[{i}] = {pred!r}: they differ (by {gap:.3g}), "
        "so the loss is 1.0: the comparison is exact, with no tolerance"
    ).format(gap=gap, **shown)


def squared_scales_by_four(student: Student, call: Call, out: Any) -> str | None:
    """L(y, y + 2d) = 4 L(y, y + d), symmetric in its arguments, and 0 where ŷ = y."""
    return _scales(student, "squared_loss", call, out, 4.0)


def absolute_scales_by_two(student: Student, call: Call, out: Any) -> str | None:
    return _scales(student, "absolute_loss", call, out, 2.0)


def _scales(student: Student, function: str, call: Call, out: Any, factor: float) -> str | None:
    y_true, y_pred = call.args
    if np.any(out < 0):
        i = int(np.flatnonzero(out < 0)[0])
        return _("loss[{i}] = {loss:.6g} is negative; a loss is never below 0").format(i=i, loss=out[i])
    swapped = student(function, Call((y_pred, y_true)))
    if not _close(swapped, out, y_true.dtype):
        return _("{function}(y_pred, y_true) = {swapped} should equal {function}(y_true, y_pred) = {out}").format(
            function=function, swapped=swapped, out=out
        )
    doubled = (2.0 * y_pred.astype(np.float64) - y_true).astype(y_true.dtype)  # y + 2(ŷ − y)
    far = student(function, Call((y_true, doubled)))
    if _close(far, factor * out, y_true.dtype):
        return None
    return _(
        "with the errors y_pred − y_true doubled (y_pred = {doubled}), the loss should be {factor:g} times as "
        "large, {expected}, but it is {got}"
    ).format(doubled=doubled, factor=factor, expected=factor * out, got=far)


def log_loss_infinite_where_zero(student: Student, call: Call, out: Any) -> str | None:
    y, probs = call.args
    p = probs[np.arange(len(y)), y].astype(np.float64)
    for i in range(len(y)):
        if p[i] == 0 and out[i] != np.inf:
            return _(
                "loss[{i}] = {loss}, but the true class {label} has probability exactly 0 in row {i}: "
                "−log 0 = +inf (no clipping, no epsilon)"
            ).format(i=i, loss=float(out[i]), label=y[i])
        if p[i] > 0 and not np.isfinite(out[i]):
            return _(
                "loss[{i}] = {loss}, but the true class {label} has probability {p:.3g} > 0 in row {i}: "
                "only the true class's probability counts (0 · log 0 of another class is nan)"
            ).format(i=i, loss=float(out[i]), label=y[i], p=p[i])
        if p[i] > 0 and not _close(out[i], -math.log(p[i]), probs.dtype) and p[i] < 1e-5:
            return _(
                "loss[{i}] = {loss:.6g}, but the true class {label} has probability {p:.3g} in row {i}, "
                "and −log {p:.3g} = {expected:.6g}: no clipping, no epsilon"
            ).format(i=i, loss=out[i], label=y[i], p=p[i], expected=-math.log(p[i]))
    return None


def risk_is_a_mean(student: Student, call: Call, out: Any) -> str | None:
    """The data set twice over has the same risk: the mean, not the sum."""
    y_true, y_pred, loss = call.args
    twice = Call((np.concatenate([y_true, y_true]), np.concatenate([y_pred, y_pred]), loss))
    again = student("empirical_risk", twice)
    if _close(again, out, y_pred.dtype):
        return None
    return _(
        "empirical_risk = {got:.6g}, but {again:.6g} on the same samples twice over "
        "(loss={loss!r}): the risk is the mean loss over the samples, not their sum"
    ).format(got=float(out), again=float(again), loss=loss)


def norm_scales(student: Student, function: str, call: Call, out: Any) -> str | None:
    (w,) = call.args
    value = float(out)
    if value < 0:
        return _("{function}(w) = {value:.6g} is negative; a norm is never below 0").format(
            function=function, value=value
        )
    flipped = float(student(function, Call((-w,))))
    if not _close(flipped, value, w.dtype):
        return _("{function}(-w) = {flipped:.6g} should equal {function}(w) = {value:.6g}: signs do not count").format(
            function=function, flipped=flipped, value=value
        )
    doubled = float(student(function, Call(((2.0 * w).astype(w.dtype),))))
    if _close(doubled, 2.0 * value, w.dtype):
        return None
    return _(
        "{function}(2·w) = {doubled:.6g} should be twice {function}(w) = {value:.6g}: a norm is "
        "homogeneous, ||2w|| = 2·||w||"
    ).format(function=function, doubled=doubled, value=value)


def l1_scales(student: Student, call: Call, out: Any) -> str | None:
    return norm_scales(student, "l1_norm", call, out)


def l2_scales(student: Student, call: Call, out: Any) -> str | None:
    return norm_scales(student, "l2_norm", call, out)


def linear_in_lam(student: Student, call: Call, out: Any) -> str | None:
    """R(lam) − R(0) = lam · J(w): doubling lam doubles what it adds; R(0) is the same for
    every penalty (lam multiplies the penalty only)."""
    y_true, y_pred, w, lam = call.args
    at = {x: float(student("structural_risk", Call((y_true, y_pred, w, x), call.kwargs))) for x in (0.0, 2 * lam)}
    added, added_twice = float(out) - at[0.0], at[2 * lam] - at[0.0]
    if not _close(added_twice, 2 * added, y_pred.dtype):
        return _(
            "structural_risk is {at_zero:.6g} with lam = 0, {got:.6g} with lam = {lam:g} and "
            "{at_twice:.6g} with lam = {twice:g}: doubling lam should double what it adds, lam · J(w); "
            "lam multiplies the penalty only"
        ).format(at_zero=at[0.0], got=float(out), lam=lam, at_twice=at[2 * lam], twice=2 * lam)
    other = "l1" if call.kwargs["penalty"] != "l1" else "l2"
    base = float(student("structural_risk", Call((y_true, y_pred, w, 0.0), {**call.kwargs, "penalty": other})))
    if _close(base, at[0.0], y_pred.dtype):
        return None
    return _(
        "with lam = 0 the penalty should not count, but penalty={penalty!r} gives {got:.6g} "
        "and penalty={other!r} gives {base:.6g}"
    ).format(penalty=call.kwargs["penalty"], got=at[0.0], other=other, base=base)


# -- gradient: penalty_grad against central differences of structural_risk's penalty -----------

NO_DATA = np.zeros(1)  # y_true = y_pred = [0]: the squared loss adds nothing


def penalty_only(call: Call) -> Call:
    """structural_risk's call whose value is J(w) alone: no error, lam = 1."""
    w, penalty = call.args
    return Call((NO_DATA, NO_DATA, w, 1.0), {"loss": "squared", "penalty": penalty})


PENALTY = Objective("structural_risk", penalty_only, lambda out, c: float(out))


def penalty_analytic(student: Student, call: Call) -> dict[str, Any]:
    return {"w": student("penalty_grad", call)}


# -- hand-computed answers -------------------------------------------------------------------

Y, YHAT = _t(1.0, 2.0, -1.0), _t(3.0, 2.5, -1.0)  # errors 2, 0.5, 0
LOG_Y, LOG_P = _labels(0, 1, 2), _t([0.5, 0.5, 0.0], [0.9, 0.1, 0.0], [0.0, 0.0, 1.0])
W = _t(3.0, 0.0, -4.0)  # ||w||_0 = 2, ||w||_1 = 7, ||w||_2 = 5, ||w||_2² = 25
LN2, LN10 = math.log(2.0), math.log(10.0)


def _bad(function: str, *calls: Call) -> KnownAnswers:
    return KnownAnswers(
        name=f"{function} rejects an unknown name",
        function=function,
        points=0.2 if function != "penalty_grad" else 0.1,
        cases=tuple(Case(c, raises=ValueError) for c in calls),
    )


CHECKS = (
    # zero_one_loss: 1.0 (hidden 0.4)
    Contract(
        name="zero_one_loss returns an (n,) vector",
        function="zero_one_loss",
        points=0.1,
        inputs=zero_one_calls,
        examples=2,
    ),
    KnownAnswers(
        name="zero_one_loss known answers",
        function="zero_one_loss",
        points=0.3,
        cases=(
            Case(Call((_labels(0, 1, 2), _labels(0, 2, 2))), _t(0.0, 1.0, 0.0)),
            Case(Call((_t(1.0, -0.5, dtype=np.float32), _t(1.0, 0.5, dtype=np.float32))), _t(0.0, 1.0)),
            # 0.1 + 0.2 is not 0.3 in floating point, and 1 + 1e-6 is not 1
            Case(Call((_t(0.3, 1.0, 2.0), _t(0.1 + 0.2, 1.0 + 1e-6, 2.0))), _t(1.0, 1.0, 0.0)),
            Case(Call((_labels(3), _labels(3))), _t(0.0)),
        ),
    ),
    Property(
        name="zero_one_loss compares exactly",
        function="zero_one_loss",
        points=0.2,
        inputs=near_miss_calls,
        examples=4,
        holds=zero_one_is_exact,
    ),
    # squared_loss: 0.75 (hidden 0.3)
    Contract(
        name="squared_loss returns an (n,) vector", function="squared_loss", points=0.1, inputs=target_calls, examples=2
    ),
    KnownAnswers(
        name="squared_loss known answers",
        function="squared_loss",
        points=0.2,
        cases=(
            Case(Call((Y, YHAT)), _t(4.0, 0.25, 0.0)),
            Case(Call((_t(-1.0, dtype=np.float32), _t(2.0, dtype=np.float32))), _t(9.0)),
        ),
    ),
    Property(
        name="squared_loss is symmetric and quadruples when the error doubles",
        function="squared_loss",
        points=0.15,
        inputs=target_calls,
        examples=4,
        holds=squared_scales_by_four,
    ),
    # absolute_loss: 0.75 (hidden 0.3)
    Contract(
        name="absolute_loss returns an (n,) vector",
        function="absolute_loss",
        points=0.1,
        inputs=target_calls,
        examples=2,
    ),
    KnownAnswers(
        name="absolute_loss known answers",
        function="absolute_loss",
        points=0.2,
        cases=(
            Case(Call((Y, YHAT)), _t(2.0, 0.5, 0.0)),
            Case(Call((_t(-1.0, 4.0, dtype=np.float32), _t(2.0, 1.5, dtype=np.float32))), _t(3.0, 2.5)),
        ),
    ),
    Property(
        name="absolute_loss is symmetric and doubles when the error doubles",
        function="absolute_loss",
        points=0.15,
        inputs=target_calls,
        examples=4,
        holds=absolute_scales_by_two,
    ),
    # log_loss: 1.5 (hidden 0.7)
    Contract(name="log_loss returns an (n,) vector", function="log_loss", points=0.1, inputs=log_calls, examples=2),
    KnownAnswers(
        name="log_loss known answers",
        function="log_loss",
        points=0.4,
        cases=(
            # zeros among the other classes must not turn into nan
            Case(Call((LOG_Y, LOG_P)), _t(LN2, LN10, 0.0)),
            Case(Call((_labels(1), _t([0.75, 0.25], dtype=np.float32))), _t(math.log(4.0))),
            # no clipping: exactly 0 gives +inf, 1e-30 gives 69.08
            Case(Call((_labels(0, 1), _t([0.0, 1.0], [1.0 - 1e-30, 1e-30]))), _t(math.inf, 30 * LN10)),
            Case(Call((_labels(0), _t([1e-30, 1.0], dtype=np.float32))), _t(-math.log(float(np.float32(1e-30))))),
        ),
    ),
    Property(
        name="log_loss is +inf exactly where the true class has probability 0",
        function="log_loss",
        points=0.3,
        inputs=log_extreme_calls,
        examples=4,
        holds=log_loss_infinite_where_zero,
    ),
    # empirical_risk: 1.5 (hidden 0.6)
    Contract(
        name="empirical_risk returns a number", function="empirical_risk", points=0.1, inputs=risk_calls(), examples=2
    ),
    KnownAnswers(
        name="empirical_risk known answers",
        function="empirical_risk",
        points=0.4,
        cases=(
            Case(Call((Y, YHAT, "squared")), 4.25 / 3),
            Case(Call((Y, YHAT, "absolute")), 2.5 / 3),
            Case(Call((Y, YHAT, "zero_one")), 2.0 / 3),
            Case(Call((_labels(1, 0), _labels(1, 1), "zero_one")), 0.5),
            Case(Call((LOG_Y, LOG_P, "log")), (LN2 + LN10) / 3),
            Case(Call((_labels(0, 0), _t([0.0, 1.0], [1.0, 0.0]), "log")), math.inf),
        ),
    ),
    _bad(
        "empirical_risk",
        Call((Y, YHAT, "mse")),
        Call((Y, YHAT, "Squared")),
        Call((Y, YHAT, "hinge")),
    ),
    Property(
        name="empirical_risk is a mean, not a sum",
        function="empirical_risk",
        points=0.2,
        inputs=risk_calls(),
        examples=4,
        holds=risk_is_a_mean,
    ),
    # l0_norm: 1.0 (hidden 0.5)
    Contract(name="l0_norm returns an int", function="l0_norm", points=0.1, inputs=norm_calls, examples=2),
    KnownAnswers(
        name="l0_norm known answers",
        function="l0_norm",
        points=0.4,
        cases=(
            Case(Call((W,)), 2),
            Case(Call((_t([0.0, 1.5], [-2.0, 0.0]),)), 2),
            # exactly: a tiny weight counts, -0.0 does not
            Case(Call((_t(1e-30, -0.0, 0.0, -1e-8),)), 2),
            Case(Call((_t(0.0, 0.0, dtype=np.float32),)), 0),
        ),
    ),
    # l1_norm: 1.0 (hidden 0.4)
    Contract(name="l1_norm returns a number", function="l1_norm", points=0.1, inputs=norm_calls, examples=2),
    KnownAnswers(
        name="l1_norm known answers",
        function="l1_norm",
        points=0.3,
        cases=(
            Case(Call((W,)), 7.0),
            Case(Call((_t([1.0, -2.0], [0.5, -0.5], dtype=np.float32),)), 4.0),
        ),
    ),
    Property(
        name="l1_norm ignores signs and doubles with w",
        function="l1_norm",
        points=0.2,
        inputs=norm_calls,
        examples=4,
        holds=l1_scales,
    ),
    # l2_norm: 1.0 (hidden 0.4)
    Contract(name="l2_norm returns a number", function="l2_norm", points=0.1, inputs=norm_calls, examples=2),
    KnownAnswers(
        name="l2_norm known answers",
        function="l2_norm",
        points=0.3,
        cases=(
            Case(Call((W,)), 5.0),
            Case(Call((_t([1.0, -2.0], [2.0, 4.0], dtype=np.float32),)), 5.0),
            Case(Call((_t(0.0, 0.0),)), 0.0),
        ),
    ),
    Property(
        name="l2_norm ignores signs and doubles with w",
        function="l2_norm",
        points=0.2,
        inputs=norm_calls,
        examples=4,
        holds=l2_scales,
    ),
    # structural_risk: 2.0 (hidden 0.9)
    Contract(
        name="structural_risk returns a number",
        function="structural_risk",
        points=0.1,
        inputs=structural_calls(),
        examples=2,
    ),
    KnownAnswers(
        name="structural_risk known answers",
        function="structural_risk",
        points=0.5,
        cases=(
            Case(Call((Y, YHAT, W, 0.1)), 4.25 / 3 + 2.5),  # the defaults: squared, l2_squared
            Case(Call((Y, YHAT, W, 0.1), {"penalty": "l2"}), 4.25 / 3 + 0.5),
            Case(Call((Y, YHAT, W, 0.1), {"loss": "absolute", "penalty": "l1"}), 2.5 / 3 + 0.7),
            Case(Call((Y, YHAT, W, 0.5), {"loss": "zero_one", "penalty": "l0"}), 2.0 / 3 + 1.0),
            Case(Call((LOG_Y, LOG_P, W, 0.0), {"loss": "log", "penalty": "l2"}), (LN2 + LN10) / 3),
        ),
    ),
    _bad(
        "structural_risk",
        Call((Y, YHAT, W, 0.1), {"penalty": "l3"}),
        Call((Y, YHAT, W, 0.0), {"penalty": "ridge"}),  # even when lam = 0
        Call((Y, YHAT, W, 0.1), {"loss": "mse"}),
    ),
    Property(
        name="structural_risk adds lam times the penalty",
        function="structural_risk",
        points=0.3,
        inputs=structural_calls(lams=(0.1, 0.5, 2.0)),
        examples=7,
        holds=linear_in_lam,
    ),
    # penalty_grad: 1.5 (hidden 0.6)
    Contract(
        name="penalty_grad returns the shape of w",
        function="penalty_grad",
        points=0.1,
        inputs=penalty_calls,
        examples=3,
    ),
    KnownAnswers(
        name="penalty_grad known answers",
        function="penalty_grad",
        points=0.4,
        cases=(
            Case(Call((W, "l0")), _t(0.0, 0.0, 0.0)),
            Case(Call((W, "l1")), _t(1.0, 0.0, -1.0)),  # sign(0) = 0
            Case(Call((W, "l2")), _t(0.6, 0.0, -0.8)),
            Case(Call((W, "l2_squared")), _t(6.0, 0.0, -8.0)),
            Case(Call((_t([0.0, 0.0], [0.0, 0.0]), "l2")), _t([0.0, 0.0], [0.0, 0.0])),  # no 0/0
            Case(Call((_t([0.5], [-2.0], dtype=np.float32), "l2_squared")), _t([1.0], [-4.0])),
        ),
    ),
    _bad("penalty_grad", Call((W, "L1")), Call((W, "elastic_net"))),
    Gradient(
        name="penalty_grad agrees with central differences of your structural_risk",
        evidence=("penalty_grad known answers", "structural_risk known answers"),
        function="penalty_grad",
        points=0.3,
        inputs=penalty_gradient_calls,
        examples=4,
        wrt={"w": 0},
        analytic=penalty_analytic,
        objective=PENALTY,
    ),
)

EXERCISE = Exercise("losses", N_("Losses, risks and penalties"), FUNCTIONS, CHECKS)
