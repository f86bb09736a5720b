"""least_squares: functions, outputs, forbidden calls and public checks."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from grader import strategies, tolerance
from grader.checks import Call, Case, Contract, KnownAnswers, Property, Student
from grader.exercise import Exercise, Function
from grader.i18n import N_, _
from grader.outputs import Array, Scalar, Tuple

FORBIDDEN = (
    "torch.linalg.lstsq",
    "torch.linalg.pinv",
    "torch.pinverse",
    "torch.Tensor.pinverse",
    "numpy.linalg.lstsq",
    "numpy.linalg.pinv",
    "numpy.polyfit",
    "scipy.linalg.lstsq",
    "scipy.linalg.pinv",
    "sklearn",
)


def weights_shape(X: np.ndarray, *_: Any) -> tuple[int, ...]:
    return (X.shape[1] + 1,)


FUNCTIONS = (
    Function("fit_line", Tuple((Scalar(label=N_("slope a")), Scalar(label=N_("intercept b")))), FORBIDDEN),
    Function("fit", Array(weights_shape), FORBIDDEN),
    Function("predict", Array(lambda X, w: (X.shape[0],)), FORBIDDEN),
    Function("ridge_fit", Array(weights_shape), FORBIDDEN),
)

# -- inputs ------------------------------------------------------------------------------------

line_calls = strategies.line_points().map(lambda xy: Call(xy))
fit_calls = strategies.regression().map(lambda r: Call((r[0], r[1])))
exact_fit_calls = strategies.regression(noise=False).map(lambda r: Call((r[0], r[1])))
predict_calls = strategies.regression().map(lambda r: Call((r[0], r[2].astype(r[0].dtype))))
ridge_calls = st.tuples(strategies.regression(), strategies.ridge_penalties).map(
    lambda r: Call((r[0][0], r[0][1], r[1]))
)
huge_ridge_calls = strategies.regression().map(lambda r: Call((r[0], r[1], 1e6 * len(r[1]))))


def _t(*values: float, dtype: Any = np.float64) -> np.ndarray:
    return np.array(values, dtype=dtype)


# -- properties (each returns None when it holds, else what is wrong) ---------------------------


def _design(X: np.ndarray) -> np.ndarray:
    return np.hstack([np.ones((X.shape[0], 1)), X.astype(np.float64)])


def _stationary(
    A: np.ndarray, y: np.ndarray, w: np.ndarray, lam: float, dtype: np.dtype, line: bool = False
) -> str | None:
    """Does w solve (AᵀA + lam·P) w = Aᵀy (P the identity without the intercept)? The residual
    of the equations is measured relative to the size of their terms: a w off by a relative δ
    leaves a residual of about δ, so the dtype's rtol is the same bar as a reference comparison.
    ``line`` speaks of a line's (intercept b, slope a) instead of w's components."""
    penalty = lam * np.concatenate([[0.0], w[1:]])
    residual = A.T @ (y - A @ w) - penalty
    scale = np.abs(A.T) @ (np.abs(y) + np.abs(A) @ np.abs(w)) + np.abs(penalty)
    ratio = np.abs(residual) / scale
    worst = int(np.argmax(ratio))
    if ratio[worst] <= tolerance.for_dtype(dtype).rtol:
        return None
    values = {"value": residual[worst], "ratio": ratio[worst]}
    if line and worst == 0:  # w = [b, a]: the design's column of ones comes first
        return _(
            "the loss is not at its minimum at the returned (a, b): its derivative with respect to the "
            "intercept b is {value:.4g} (relative {ratio:.2g}), not zero"
        ).format(**values)
    if line:
        return _(
            "the loss is not at its minimum at the returned (a, b): its derivative with respect to the "
            "slope a is {value:.4g} (relative {ratio:.2g}), not zero"
        ).format(**values)
    return _(
        "the gradient of the loss is not zero at the returned w: its component {worst} is "
        "{value:.4g} (relative {ratio:.2g}); the normal equations are not satisfied"
    ).format(worst=worst, **values)


def line_is_stationary(student: Student, call: Call, out: Any) -> str | None:
    x, y = call.args
    a, b = float(out[0]), float(out[1])
    return _stationary(_design(x[:, None]), y.astype(np.float64), np.array([b, a]), 0.0, x.dtype, line=True)


def fit_is_stationary(student: Student, call: Call, out: Any) -> str | None:
    X, y = call.args
    return _stationary(_design(X), y.astype(np.float64), out, 0.0, X.dtype)


def ridge_is_stationary(student: Student, call: Call, out: Any) -> str | None:
    X, y, lam = call.args
    return _stationary(_design(X), y.astype(np.float64), out, lam, X.dtype)


def huge_penalty_gives_mean(student: Student, call: Call, out: Any) -> str | None:
    _X, y, lam = call.args
    mean = float(np.mean(y.astype(np.float64)))
    tol = tolerance.for_dtype(y.dtype)
    coefficient_size = float(np.max(np.abs(out[1:])))
    # "not <=", so that a nan fails as every comparison with it is False
    if not coefficient_size <= 1e-3:
        return _("with lam = {lam:g} the coefficients w[1:] should be nearly 0, but max |w[1:]| = {size:.4g}").format(
            lam=lam, size=coefficient_size
        )
    if not abs(out[0] - mean) <= 1e-3 + tol.rtol * abs(mean):
        return _(
            "with lam = {lam:g} the intercept w[0] should be close to mean(y) = {mean:.6g} (the intercept "
            "is not penalised), but w[0] = {got:.6g}"
        ).format(lam=lam, mean=mean, got=float(out[0]))
    return None


def ridge_zero_is_least_squares(student: Student, call: Call, out: Any) -> str | None:
    # Judged on its own, not against the student's fit: a bug in fit (or a fit not written
    # yet) must not cost ridge_fit points.
    X, y, _lam = call.args
    problem = _stationary(_design(X), y.astype(np.float64), out, 0.0, X.dtype)
    if problem is None:
        return None
    return _("with lam = 0, ridge_fit is plain least squares (what fit computes), but {problem}").format(
        problem=problem
    )


def exact_data_recovered(student: Student, call: Call, out: Any) -> str | None:
    X, y = call.args
    fitted = _design(X) @ out
    worst = tolerance.worst_mismatch(fitted, y, tolerance.for_dtype(X.dtype))
    if worst is None:
        return None
    return _(
        "y is exactly linear in X, so the fitted values w[0] + X @ w[1:] should reproduce y; "
        "at row {row} they are off by a relative {relative:.3g}"
    ).format(row=worst.index[0], relative=worst.relative)


CHECKS = (
    Contract(name="fit_line returns two numbers", function="fit_line", points=0.5, inputs=line_calls, examples=3),
    KnownAnswers(
        name="fit_line known answers",
        function="fit_line",
        points=1.0,
        cases=(
            Case(Call((_t(0, 1, 2), _t(1, 3, 5))), (2.0, 1.0)),
            Case(Call((_t(0, 2, dtype=np.float32), _t(0, -4, dtype=np.float32))), (-2.0, 0.0)),
            Case(Call((_t(-1, 0, 1), _t(1, 0, 1))), (0.0, 2.0 / 3.0)),
            Case(Call((_t(10, 11, 12, 13), _t(5, 5, 5, 5))), (0.0, 5.0)),
        ),
    ),
    Property(
        name="fit_line satisfies the normal equations",
        function="fit_line",
        points=0.5,
        inputs=line_calls,
        holds=line_is_stationary,
    ),
    Contract(name="fit returns a (d+1,) vector", function="fit", points=0.5, inputs=fit_calls, examples=3),
    KnownAnswers(
        name="fit known answers",
        function="fit",
        points=0.5,
        cases=(
            Case(Call((np.array([[0.0], [1.0], [2.0]]), _t(1, 3, 5))), _t(1, 2)),
            Case(Call((np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]), _t(3, 4, 1))), _t(1, 2, 3)),
        ),
    ),
    Property(
        name="fit recovers the weights of noiseless data",
        function="fit",
        points=0.5,
        inputs=exact_fit_calls,
        holds=exact_data_recovered,
    ),
    Property(
        name="fit satisfies the normal equations",
        function="fit",
        points=1.0,
        inputs=fit_calls,
        holds=fit_is_stationary,
    ),
    Contract(name="predict returns an (n,) vector", function="predict", points=0.25, inputs=predict_calls, examples=3),
    KnownAnswers(
        name="predict known answers",
        function="predict",
        points=0.75,
        cases=(
            Case(Call((np.array([[1.0, 2.0], [3.0, 4.0]]), _t(0.5, 1, -1))), _t(-0.5, -0.5)),
            Case(Call((np.array([[0.0], [1.0], [-2.0]], dtype=np.float32), _t(3, 0, dtype=np.float32))), _t(3, 3, 3)),
        ),
    ),
    Contract(
        name="ridge_fit returns a (d+1,) vector", function="ridge_fit", points=0.25, inputs=ridge_calls, examples=3
    ),
    Property(
        name="ridge_fit with lam = 0 is plain least squares",
        function="ridge_fit",
        points=0.25,
        inputs=fit_calls.map(lambda c: Call((*c.args, 0.0))),
        examples=5,
        holds=ridge_zero_is_least_squares,
    ),
    Property(
        name="ridge_fit satisfies the penalised normal equations",
        function="ridge_fit",
        points=0.75,
        inputs=ridge_calls,
        holds=ridge_is_stationary,
    ),
    Property(
        name="ridge_fit with a huge penalty predicts the mean",
        function="ridge_fit",
        points=0.5,
        inputs=huge_ridge_calls,
        examples=5,
        holds=huge_penalty_gives_mean,
    ),
)

EXERCISE = Exercise("least_squares", N_("Least squares and ridge regression"), FUNCTIONS, CHECKS)
