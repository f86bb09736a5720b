"""logistic_regression: functions, outputs, forbidden calls and public checks.

Large logits (|z| up to 1e4, SPEC) are built exactly: integer features and weights, so X w + b
is the same in float32 and float64 and a correct float32 student meets the float64 truth to
rtol (a sum of terms of 1e4 that cancelled near 0 would carry float32 round-off of 1e-3 into
sigmoid, which is not the student's fault).
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
from grader.outputs import Array, Scalar, Tuple

FORBIDDEN = (
    "torch.*sigmoid",  # torch.sigmoid, Tensor.sigmoid (F.sigmoid resolves to it), F.logsigmoid
    "torch.*sigmoid_",
    "torch.special.expit",
    "torch.nn.Sigmoid",
    "torch.nn.LogSigmoid",
    "torch.*softplus",
    "torch.nn.Softplus",
    "torch.*binary_cross_entropy*",  # F.binary_cross_entropy and F.binary_cross_entropy_with_logits
    "torch.nn.BCELoss",
    "torch.nn.BCEWithLogitsLoss",
    "scipy.special.expit",
    "scipy.special.log_expit",
    "sklearn",
    *AUTOGRAD,
)


def _rows(w: np.ndarray, b: Any, X: np.ndarray, *_: Any) -> tuple[int, ...]:
    return (X.shape[0],)


FUNCTIONS = (
    Function("predict_proba", Array(_rows), FORBIDDEN),
    Function("bce_with_logits", Scalar(label="loss"), FORBIDDEN),
    Function(
        "loss_and_grad",
        Tuple((Scalar(label="loss"), Array(lambda w, *_: w.shape, label="dw"), Scalar(label="db"))),
        FORBIDDEN,
    ),
    Function("predict", Array(_rows, kind="int"), FORBIDDEN),
    Function(
        "train",
        Tuple((Array(lambda X, *_, **__: (X.shape[1],), label="w"), Scalar(label="b"))),
        FORBIDDEN,
    ),
)

# -- inputs ------------------------------------------------------------------------------------

HUGE_LOGIT = 1e4

# Budgets (hypothesis examples per generated check) by measured catch power: bench/catch_power.py
# found every check that fails on a buggy variant at full budget still failing at a quarter of
# it, but for the hidden train parity, whose penalty was drawn 0 in every one of its examples
# (its penalty is now always positive, and it keeps half its budget). Set at about a quarter.


@st.composite
def model(
    draw: st.DrawFn, huge: bool = False, ties: bool = False, float64: bool = False, max_n: int = 10, max_d: int = 4
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(w, b, X, y): w (d,), b 0-d, X (n, d), y (n,) int64 of 0/1.

    Moderate: standard normal values rounded to two decimals. ``huge``: integer X in
    [-2500, 2500] and integer w in [-2, 2], b in [-50, 50], so that |z| reaches about 1e4 (one
    row is set to reach it) and X w + b is exact in float32. ``ties``: small integers, with b
    set so that some row's logit is exactly 0."""
    dtype = np.dtype(np.float64) if float64 else draw(strategies.dtypes)
    n, d = draw(st.integers(1, max_n)), draw(st.integers(1, max_d))
    g = strategies.rng(draw(strategies.seeds))
    y = g.integers(0, 2, size=n).astype(np.int64)
    if huge:
        w = g.choice([-2.0, -1.0, 1.0, 2.0], size=d)
        X = g.integers(-2500, 2501, size=(n, d)).astype(np.float64)
        X[g.integers(0, n)] = np.sign(w) * HUGE_LOGIT / (np.abs(w).sum()) * g.choice([-1.0, 1.0])
        b = np.array(float(g.integers(-50, 51)))
    elif ties:
        w, X = g.integers(-3, 4, size=d).astype(np.float64), g.integers(-3, 4, size=(n, d)).astype(np.float64)
        b = np.array(-float(X[g.integers(0, n)] @ w))
    else:
        w, X = np.round(g.normal(0.0, 1.0, size=d), 2), np.round(g.normal(0.0, 1.0, size=(n, d)), 2)
        b = np.array(np.round(g.normal(0.0, 1.0), 2))
    return w.astype(dtype), b.astype(dtype), X.astype(dtype), y


@st.composite
def logits(draw: st.DrawFn, huge: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(z, y): z (n,) of either sign, about 3 in size (rounded to two decimals), or, with
    ``huge``, integers up to HUGE_LOGIT in size with one at ±HUGE_LOGIT; y int64 of 0/1."""
    dtype = draw(strategies.dtypes)
    n = draw(st.integers(1, 12))
    g = strategies.rng(draw(strategies.seeds))
    if huge:
        z = np.round(g.uniform(-HUGE_LOGIT, HUGE_LOGIT, size=n))
        z[g.integers(0, n)] = g.choice([-HUGE_LOGIT, HUGE_LOGIT])
    else:
        z = np.round(g.normal(0.0, 3.0, size=n), 2)
    return z.astype(dtype), g.integers(0, 2, size=n).astype(np.int64)


@st.composite
def binary_blobs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """(X, y): two Gaussian clusters (centres 6 apart, unit spread) with standardised
    features, y int64 of 0/1; a linear classifier separates them (nearly) perfectly."""
    dtype = draw(strategies.dtypes)
    d, per_class = draw(st.integers(1, 3)), draw(st.integers(4, 12))
    g = strategies.rng(draw(strategies.seeds))
    direction = g.normal(0.0, 1.0, size=d)
    direction = 3.0 * direction / np.linalg.norm(direction)
    y = np.repeat([0, 1], per_class)
    X = np.where(y[:, None] == 1, direction, -direction) + g.normal(0.0, 1.0, size=(len(y), d))
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X.astype(dtype), y.astype(np.int64)


regs = st.sampled_from([0.0, 0.1, 1.0])
proba_calls = model().map(lambda m: Call(m[:3]))
huge_proba_calls = model(huge=True).map(lambda m: Call(m[:3]))
bce_calls = logits().map(lambda zy: Call(zy))
huge_bce_calls = logits(huge=True).map(lambda zy: Call(zy))
lag_calls = st.tuples(model(), regs).map(lambda r: Call((*r[0], r[1])))
gradient_calls = st.tuples(model(float64=True, max_n=6, max_d=3), regs).map(lambda r: Call((*r[0], r[1])))
predict_calls = st.one_of(model(), model(ties=True)).map(lambda m: Call(m[:3]))
train_calls = binary_blobs().map(lambda b: Call(b, {"lr": 0.5, "epochs": 100}))


def _t(*rows: Any, dtype: Any = np.float64) -> np.ndarray:
    return np.array(rows, dtype=dtype)


def _labels(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


# -- properties --------------------------------------------------------------------------------


def _logits(call: Call) -> np.ndarray:
    w, b, X = (np.asarray(a, dtype=np.float64) for a in call.args[:3])
    return X @ w + b


def probabilities_in_range(student: Student, call: Call, out: Any) -> str | None:
    z = _logits(call)
    bad = np.flatnonzero(~np.isfinite(out) | (out < 0) | (out > 1))
    if bad.size:
        i = int(bad[0])
        return _("row {i}: the logit is {z:g} and the probability {p}: it must be finite and in [0, 1]").format(
            i=i, z=z[i], p=out[i]
        )
    return None


def symmetric(student: Student, call: Call, out: Any) -> str | None:
    """sigmoid(-z) = 1 - sigmoid(z): flipping w and b swaps the classes."""
    w, b, X = call.args
    flipped = student("predict_proba", Call((-w, np.asarray(-b), X)))  # -b of a 0-d array is a NumPy scalar
    total = out + flipped
    worst = tolerance.worst_mismatch(total, np.ones_like(total), tolerance.for_dtype(X.dtype))
    if worst is None:
        return None
    i = worst.index[0]
    return _(
        "row {i}: predict_proba(w, b, X) + predict_proba(-w, -b, X) is {total:.6g}, "
        "not 1 (sigmoid(-z) = 1 - sigmoid(z), z = {z:g})"
    ).format(i=i, total=total[i], z=_logits(call)[i])


def _bce_definition(z: np.ndarray, y: np.ndarray) -> float:
    """The textbook formula, in float64, for moderate z only (it overflows for large |z|)."""
    p = 1.0 / (1.0 + np.exp(-z.astype(np.float64)))
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))


def matches_the_definition(student: Student, call: Call, out: Any) -> str | None:
    z, y = call.args
    expected = _bce_definition(z, y)
    if tolerance.worst_mismatch(np.array(out), np.array(expected), tolerance.for_dtype(z.dtype)) is None:
        return None
    return _("the loss is {got:.6g}, but mean(-(y log σ(z) + (1 - y) log(1 - σ(z)))) is {expected:.6g}").format(
        got=float(out), expected=expected
    )


def costs_the_margin(student: Student, call: Call, out: Any) -> str | None:
    """Each term is log(1 + e^(-s z)) with s = 2y - 1: between max(0, -s z) and that plus log 2.
    So for large logits a confidently wrong one costs |z|, and a right one about 0."""
    z, y = call.args
    wrong = np.maximum(0.0, -(2 * y - 1) * z.astype(np.float64))
    low, high = float(np.mean(wrong)), float(np.mean(wrong)) + np.log(2.0)
    slack = tolerance.for_dtype(z.dtype).rtol * (abs(high) + 1.0)
    if not np.isfinite(out):
        return _("the loss is {got} for logits up to {largest:g}: compute it from z stably").format(
            got=float(out), largest=float(np.abs(z).max())
        )
    if low - slack <= float(out) <= high + slack:
        return None
    return _(
        "the loss is {got:.6g}; a confidently wrong logit z costs about |z| and a right one about 0, "
        "so the mean must lie in [{low:.6g}, {high:.6g}] (the wrong ones' mean |z|, plus at most log 2)"
    ).format(got=float(out), low=low, high=high)


def loss_agrees_with_bce(student: Student, call: Call, out: Any) -> str | None:
    w, b, X, y, reg = call.args
    z = (X.astype(np.float64) @ w + b).astype(X.dtype)
    expected = float(student("bce_with_logits", Call((z, y)))) + reg * float(np.sum(w.astype(np.float64) ** 2))
    if tolerance.worst_mismatch(np.array(out[0]), np.array(expected), tolerance.for_dtype(X.dtype)) is None:
        return None
    return _(
        "loss = {got:.6g}, but bce_with_logits(X @ w + b, y) + reg·Σw² with your bce_with_logits is {expected:.6g}"
    ).format(got=float(out[0]), expected=expected)


def predicts_the_side(student: Student, call: Call, out: Any) -> str | None:
    z = _logits(call)
    expected = (z >= 0).astype(np.int64)
    wrong = np.flatnonzero(out != expected)
    if not wrong.size:
        return None
    i = int(wrong[0])
    values = {"i": i, "z": z[i], "expected": expected[i], "got": out[i]}
    if z[i] == 0:
        return _("row {i}: the logit z is {z:g}, so the class is {expected}, got {got} (z = 0 exactly gives 1)").format(
            **values
        )
    return _("row {i}: the logit z is {z:g}, so the class is {expected}, got {got}").format(**values)


def fits_the_blobs(student: Student, call: Call, out: Any) -> str | None:
    X, y = call.args
    w, b = out
    accuracy = float(np.mean(((X.astype(np.float64) @ w + b) >= 0) == (y == 1)))
    if accuracy >= 0.9:
        return None
    return _(
        "training accuracy {accuracy:.0%} on two well-separated clusters ({kwargs}); "
        "gradient descent should reach at least 90%"
    ).format(accuracy=accuracy, kwargs=call.kwargs)


def no_epochs_no_change(student: Student, call: Call, out: Any) -> str | None:
    w, b = out
    if np.all(w == 0) and float(b) == 0:
        return None
    return _("with epochs = 0, train should return the zeros it starts from")


LOSS = Objective("loss_and_grad", forward=lambda call: call, reduce=lambda out, call: out[0])


def analytic_gradients(student: Student, call: Call) -> dict[str, Any]:
    _loss, dw, db = student("loss_and_grad", call)
    return {"w": dw, "b": db}


LOG2, LOG_4_3 = float(np.log(2.0)), float(np.log(4.0 / 3.0))

CHECKS = (
    Contract(
        name="predict_proba returns (n,) floats", function="predict_proba", points=0.25, inputs=proba_calls, examples=2
    ),
    KnownAnswers(
        name="predict_proba known answers",
        function="predict_proba",
        points=0.25,
        cases=(
            Case(Call((_t(1.0), np.array(0.0), _t([0.0], [np.log(3.0)]))), _t(0.5, 0.75)),
            Case(Call((_t(1.0, 1.0), np.array(-1.0), _t([0.5, 0.5], [1.0, 1.0]))), _t(0.5, 1 / (1 + np.exp(-1.0)))),
            Case(
                Call((_t(1.0, dtype=np.float32), np.array(0.0, dtype=np.float32), _t([1e4], [-1e4], dtype=np.float32))),
                _t(1.0, 0.0),
            ),
        ),
    ),
    Property(
        name="predict_proba is finite and in [0, 1] for |z| up to 1e4",
        function="predict_proba",
        points=0.5,
        inputs=huge_proba_calls,
        examples=4,
        holds=probabilities_in_range,
    ),
    Property(
        name="predict_proba: sigmoid(-z) = 1 - sigmoid(z)",
        function="predict_proba",
        points=0.25,
        inputs=st.one_of(proba_calls, huge_proba_calls),
        examples=4,
        holds=symmetric,
    ),
    Contract(
        name="bce_with_logits returns a number", function="bce_with_logits", points=0.25, inputs=bce_calls, examples=2
    ),
    KnownAnswers(
        name="bce_with_logits known answers, a wrong logit of 1e4 costs 1e4",
        function="bce_with_logits",
        points=0.5,
        cases=(
            Case(Call((_t(0.0), _labels(1))), LOG2),
            Case(Call((_t(np.log(3.0), 0.0), _labels(1, 0))), (LOG_4_3 + LOG2) / 2),
            Case(Call((_t(1e4, -1e4), _labels(0, 0))), 5000.0),
            Case(Call((_t(-1e4, 1e4, dtype=np.float32), _labels(1, 1))), 5000.0),
            Case(Call((_t(1e4, -1e4, dtype=np.float32), _labels(1, 0))), 0.0),
        ),
    ),
    Property(
        name="bce_with_logits is the mean cross-entropy of sigmoid(z)",
        function="bce_with_logits",
        points=0.5,
        inputs=bce_calls,
        examples=4,
        holds=matches_the_definition,
    ),
    Property(
        name="bce_with_logits for |z| up to 1e4: a wrong logit costs |z|, a right one about 0",
        function="bce_with_logits",
        points=0.5,
        inputs=huge_bce_calls,
        examples=4,
        holds=costs_the_margin,
    ),
    Contract(
        name="loss_and_grad returns (loss, dw, db)", function="loss_and_grad", points=0.25, inputs=lag_calls, examples=2
    ),
    Property(
        name="loss_and_grad's loss is bce_with_logits plus reg·Σw²",
        evidence=("loss_and_grad matches reference", "bce_with_logits known answers, a wrong logit of 1e4 costs 1e4"),
        function="loss_and_grad",
        points=0.25,
        inputs=lag_calls,
        examples=2,
        holds=loss_agrees_with_bce,
    ),
    Gradient(
        name="loss_and_grad's gradients match central differences of its loss",
        evidence=("loss_and_grad matches reference",),
        function="loss_and_grad",
        points=1.0,
        inputs=gradient_calls,
        wrt={"w": 0, "b": 1},
        analytic=analytic_gradients,
        objective=LOSS,
    ),
    Contract(name="predict returns (n,) integers", function="predict", points=0.25, inputs=predict_calls, examples=2),
    KnownAnswers(
        name="predict known answers, z = 0 gives 1",
        function="predict",
        points=0.25,
        cases=(
            Case(Call((_t(1.0, -1.0), np.array(0.0), _t([2.0, 1.0], [1.0, 1.0], [0.0, 3.0]))), _labels(1, 1, 0)),
            Case(
                Call((_t(2.0, dtype=np.float32), np.array(-1.0, dtype=np.float32), _t([0.0], [1.0], dtype=np.float32))),
                _labels(0, 1),
            ),
        ),
    ),
    Property(
        name="predict is 1 exactly where z >= 0",
        function="predict",
        points=0.5,
        inputs=predict_calls,
        examples=4,
        holds=predicts_the_side,
    ),
    Contract(name="train returns (w, b)", function="train", points=0.25, inputs=train_calls, examples=2),
    Property(
        name="train from zeros: epochs = 0 changes nothing",
        function="train",
        points=0.25,
        inputs=train_calls.map(lambda c: Call(c.args, {**c.kwargs, "epochs": 0})),
        examples=2,
        holds=no_epochs_no_change,
    ),
    KnownAnswers(
        name="train known answers: one step from zeros",
        function="train",
        points=0.5,
        cases=(
            # sigmoid(0) = 0.5: dw = [(2·(0.5 - 1) + 0·0.5) / 2] = [-0.5], db = 0.
            Case(Call((_t([2.0], [0.0]), _labels(1, 0)), {"lr": 0.1, "epochs": 1}), (_t(0.05), 0.0)),
            # dw = [(1·(0.5 - 1) + 3·(0.5 - 1)) / 2] = [-1], db = -0.5; the penalty of w = 0 is 0.
            Case(Call((_t([1.0], [3.0]), _labels(1, 1)), {"lr": 0.5, "epochs": 1, "reg": 1.0}), (_t(0.5), 0.25)),
            # A second step from w = 0.5, b = 0.25, where the penalty acts: z = (0.75, 1.75),
            # r = σ(z) - 1 = (-0.320821, -0.148047), dw = (r0 + 3 r1) / 2 + 2·1·0.5 = 0.617519,
            # db = (r0 + r1) / 2 = -0.234434; w = 0.5 - 0.5 dw, b = 0.25 - 0.5 db.
            Case(
                Call((_t([1.0], [3.0]), _labels(1, 1)), {"lr": 0.5, "epochs": 2, "reg": 1.0}),
                (_t(0.19124072372991885), 0.3672171247140741),
            ),
        ),
    ),
    Property(
        name="train fits two well-separated clusters",
        function="train",
        points=0.5,
        inputs=train_calls,
        examples=2,
        holds=fits_the_blobs,
    ),
)

EXERCISE = Exercise("logistic_regression", N_("Logistic regression"), FUNCTIONS, CHECKS)
