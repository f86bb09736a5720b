"""batch_norm: functions, outputs, forbidden calls and public checks.

The forward's cache is the student's own business: it stays in the worker (``Opaque``) and
reaches their backward as ``isolation.Kept``. Two declared adapters (``grader.checks``) make
the generic check kinds fit, here and in the hidden checks:

- :data:`THROUGH_FORWARD`: a check of ``batchnorm_backward`` takes the call (x, gamma, beta,
  dout), runs the forward on (x, gamma, beta) keeping its result, then calls backward(dout, cache);
- :data:`FORWARD_OUT`: a comparison of the forward's result compares its out only, the cache
  being neither sent nor comparable.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from hypothesis import strategies as st

from grader import strategies, tolerance
from grader.checks import Call, Case, Chain, Contract, Gradient, Item, KnownAnswers, Objective, Property, Student
from grader.exercise import Exercise, Function
from grader.forbidden import AUTOGRAD
from grader.i18n import N_, _, ngettext
from grader.outputs import Array, Opaque, Tuple

FORBIDDEN = (
    # every spelling: torch.batch_norm, torch.native_batch_norm, torch.nn.functional.batch_norm,
    # torch.nn.BatchNorm1d, torch.nn.modules.batchnorm..., and the same for the other norms
    "torch.*batch_norm*",
    "torch.*BatchNorm*",
    "torch.nn.modules.batchnorm",
    "torch.*layer_norm*",
    "torch.*LayerNorm*",
    "torch.*instance_norm*",
    "torch.*InstanceNorm*",
    # group_norm with one channel per group on x.T[None] is batch norm too
    "torch.*group_norm*",
    "torch.*GroupNorm*",
    "torch.nn.modules.normalization",
    "torch.nn.modules.instancenorm",
    *AUTOGRAD,
)

FORWARD, BACKWARD = "batchnorm_forward", "batchnorm_backward"
DEFAULT_EPS = 1e-5


def batch_shape(x: np.ndarray, *_: Any) -> tuple[int, ...]:
    return tuple(x.shape)


def feature_shape(x: np.ndarray, *_: Any) -> tuple[int, ...]:
    return (x.shape[1],)


OUT = Array(batch_shape, label="out")

FUNCTIONS = (
    Function(FORWARD, Tuple((OUT, Opaque())), FORBIDDEN),
    Function(
        BACKWARD,
        Tuple(
            (Array(batch_shape, label="dx"), Array(feature_shape, label="dgamma"), Array(feature_shape, label="dbeta"))
        ),
        FORBIDDEN,
    ),
    Function(
        "batchnorm_train_step",
        Tuple((OUT, Array(feature_shape, label="new_running_mean"), Array(feature_shape, label="new_running_var"))),
        FORBIDDEN,
    ),
    Function("batchnorm_inference", OUT, FORBIDDEN),
)

# -- adapters: the backward through the forward's kept cache, the forward's out alone -------------

THROUGH_FORWARD = Chain(forward=FORWARD, backward=BACKWARD)
FORWARD_OUT = Item(FORWARD, 0)

# -- inputs ------------------------------------------------------------------------------------

layers = strategies.batch_norm_layer()
eps_kwargs = st.sampled_from([{}, {}, {"eps": 1e-3}, {"eps": 0.1}])  # mostly the default eps

forward_calls = st.tuples(layers, eps_kwargs).map(lambda r: Call(r[0][:3], r[1]))
eps0_forward_calls = layers.map(lambda r: Call(r[:3], {"eps": 0.0}))
train_calls = st.tuples(layers, st.sampled_from([0.1, 0.5, 0.9, 0.01]), eps_kwargs).map(
    lambda r: Call(r[0][:5], {"momentum": r[1], **r[2]})
)
inference_calls = st.tuples(layers, eps_kwargs).map(lambda r: Call(r[0][:5], r[1]))
# the backward's checks: (x, gamma, beta, dout), and the forward's keyword arguments
backward_calls = st.tuples(strategies.batch_norm_layer(min_n=4), eps_kwargs).map(
    lambda r: Call((*r[0][:3], r[0][5]), r[1])
)
# n >= 3: at n = 2 out is ±gamma·sqrt(var / (var + eps)) + beta whatever x, its gradient with
# respect to x nearly 0, and central differences of a float32 forward measure only round-off
gradient_calls = strategies.batch_norm_layer(
    min_n=3, max_n=6, max_d=4, scales=strategies.BATCH_GRADIENT_SCALES, float64=True
).map(lambda r: Call((*r[:3], r[5])))


def _t(*rows: Any, dtype: Any = np.float64) -> np.ndarray:
    return np.array(rows, dtype=dtype)


# -- properties (each returns None when it holds, else what is wrong) ---------------------------


def _eps(call: Call) -> float:
    return float(call.kwargs.get("eps", DEFAULT_EPS))


def _batch_statistics(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """mean, biased variance and unbiased variance of each column, in float64."""
    x = x.astype(np.float64)
    return x.mean(axis=0), x.var(axis=0), x.var(axis=0, ddof=1)


def _differs(got: np.ndarray, want: np.ndarray, dtype: np.dtype) -> tolerance.Mismatch | None:
    return tolerance.worst_mismatch(got, want, tolerance.for_dtype(dtype))


def _per_feature_miss(got: np.ndarray, want: np.ndarray, size: np.ndarray, dtype: np.dtype) -> int | None:
    """The feature j where |got[j] - want[j]| exceeds atol + rtol · size[j] by most, or None.
    ``size`` is what feature j's result is known to within rtol of (its column's magnitude)."""
    tol = tolerance.for_dtype(dtype)
    excess = np.abs(got - want) / (tol.atol + tol.rtol * size)
    excess = np.where(np.isnan(excess), np.inf, excess)
    worst = int(np.argmax(excess))
    return worst if excess[worst] > 1.0 else None


def output_statistics(student: Student, call: Call, out: Any) -> str | None:
    """Each column j of out has mean beta[j] and biased standard deviation
    |gamma[j]| · sqrt(var[j] / (var[j] + eps)), var[j] the biased variance of x's column j."""
    x, gamma, beta = (a.astype(np.float64) for a in call.args[:3])
    out_mean, out_var, _out_unbiased = _batch_statistics(out[0])
    _mean, var, _unbiased = _batch_statistics(x)
    eps = _eps(call)
    std = np.abs(gamma) * np.sqrt(var / (var + eps))
    bad = _per_feature_miss(out_mean, beta, np.abs(beta) + np.abs(gamma), call.args[0].dtype)
    if bad is not None:
        return _(
            "column {column} of out has mean {mean:.6g}, but batch normalisation makes it beta[{column}] = "
            "{beta:.6g} (normalise each column over the batch, axis 0)"
        ).format(column=bad, mean=out_mean[bad], beta=beta[bad])
    bad = _per_feature_miss(np.sqrt(out_var), std, np.abs(gamma), call.args[0].dtype)
    if bad is not None:
        return _(
            "column {column} of out has standard deviation {std:.6g} (dividing by n), but with the "
            "biased variance var = {var:.6g} of x's column and eps = {eps:g} it should be |gamma| · sqrt(var / "
            "(var + eps)) = {expected:.6g} (biased variance, eps inside the square root)"
        ).format(column=bad, std=np.sqrt(out_var[bad]), var=var[bad], eps=eps, expected=std[bad])
    return None


SHIFT_SCALE = 4.0  # a power of two: a · x is exact


def _shift(x: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """c = 2 · a · std(x) per column (a shift of a few standard deviations, kept small so that
    float32 rounding of a · x + c stays far below the tolerance), and a · x + c in x's dtype."""
    c = 2.0 * a * x.astype(np.float64).std(axis=0)
    return c, (a * x.astype(np.float64) + c).astype(x.dtype)


def _invariance_problem(
    student: Student, call: Call, out: Any, x2: np.ndarray, eps2: float, message: str, values: dict[str, Any]
) -> str | None:
    """None when the forward on ``x2`` with ``eps2`` gives ``out`` again; else ``message`` (translated)
    formatted with ``values``, the entry {i}, {j} that changes most and its value {before} and {after}."""
    if not np.all(np.isfinite(out[0])):
        i, j = (int(k) for k in np.argwhere(~np.isfinite(out[0]))[0])
        return _("out[{i}, {j}] is {value}, but no column of x is constant: the variances are not 0").format(
            i=i, j=j, value=out[0][i, j]
        )
    out2 = student(FORWARD, Call((x2, *call.args[1:3]), {**call.kwargs, "eps": eps2}))[0]
    worst = _differs(out2, out[0], call.args[0].dtype)
    if worst is None:
        return None
    i, j = worst.index
    return message.format(i=i, j=j, before=out[0][i, j], after=out2[i, j], **values)


def scale_and_shift_invariance(student: Student, call: Call, out: Any) -> str | None:
    """forward(a · x + c, eps = a² · eps) = forward(x, eps) for a = 4 and a per-column shift c."""
    x, eps = call.args[0], _eps(call)
    a = np.full(x.shape[1], SHIFT_SCALE)
    c, x2 = _shift(x, a)
    message = _(
        "batchnorm_forward(a · x + c, eps = a² · eps) should equal batchnorm_forward(x, eps) for a = {a:g}, "
        "c = {c} (then x̂ is unchanged), but out[{i}, {j}] changes from {before:.6g} to {after:.6g}; "
        "the normalised values must not depend on the location and scale of each column"
    )
    values = {"a": SHIFT_SCALE, "c": np.array2string(c, precision=4)}
    return _invariance_problem(student, call, out, x2, SHIFT_SCALE**2 * eps, message, values)


def per_feature_invariance(student: Student, call: Call, out: Any) -> str | None:
    """With eps = 0: forward(a · x + c) = forward(x) for per-column a > 0 and c."""
    x = call.args[0]
    a = np.array([0.5, 2.0, 8.0])[np.arange(x.shape[1]) % 3]
    c, x2 = _shift(x, a)
    message = _(
        "with eps = 0, batchnorm_forward(a · x + c) should equal batchnorm_forward(x) for the per-column "
        "a = {a}, c = {c}, but out[{i}, {j}] changes from {before:.6g} to {after:.6g}; "
        "the normalised values must not depend on the location and scale of each column"
    )
    values = {"a": np.array2string(a), "c": np.array2string(c, precision=4)}
    return _invariance_problem(student, call, out, x2, 0.0, message, values)


def train_step_out_is_forward(student: Student, call: Call, out: Any) -> str | None:
    forward = student(FORWARD, Call(call.args[:3], {k: v for k, v in call.kwargs.items() if k == "eps"}))[0]
    worst = _differs(out[0], forward, call.args[0].dtype)
    if worst is None:
        return None
    i, j = worst.index
    return _(
        "out[{i}, {j}] = {value:.6g}, but your batchnorm_forward with the same x, gamma, beta and eps "
        "gives {forward:.6g}; a training step's out is the forward's (one of the two is wrong)"
    ).format(i=i, j=j, value=out[0][i, j], forward=forward[i, j])


def momentum_one_takes_batch_statistics(student: Student, call: Call, out: Any) -> str | None:
    x = call.args[0]
    mean, _biased, unbiased = _batch_statistics(x)
    column_size = np.abs(x.astype(np.float64)).max(axis=0)
    bad = _per_feature_miss(out[1], mean, column_size, x.dtype)
    if bad is not None:
        return _(
            "with momentum = 1, new_running_mean[{column}] = {value:.6g} should be the batch mean of column "
            "{column}, {mean:.6g} (new = (1 - momentum) · running + momentum · batch)"
        ).format(column=bad, value=out[1][bad], mean=mean[bad])
    bad = _per_feature_miss(out[2], unbiased, unbiased, x.dtype)
    if bad is not None:
        return _(
            "with momentum = 1, new_running_var[{column}] = {value:.6g} should be the unbiased batch variance "
            "of column {column} (dividing by n - 1), {var:.6g}"
        ).format(column=bad, value=out[2][bad], var=unbiased[bad])
    return None


def momentum_zero_keeps_running_statistics(student: Student, call: Call, out: Any) -> str | None:
    dtype = call.args[0].dtype
    for k, name in ((1, "running_mean"), (2, "running_var")):
        running = call.args[2 + k].astype(np.float64)
        worst = _differs(out[k], running, dtype)
        if worst is not None:
            (j,) = worst.index
            return _(
                "with momentum = 0, new_{name}[{j}] = {value:.6g} should stay {name}[{j}] = {running:.6g} "
                "(new = (1 - momentum) · running + momentum · batch)"
            ).format(name=name, j=j, value=out[k][j], running=running[j])
    return None


def inference_with_batch_statistics_is_forward(student: Student, call: Call, out: Any) -> str | None:
    """inference(x, gamma, beta, mean(x), biased var(x), eps) = forward(x, gamma, beta, eps)."""
    forward = student(FORWARD, Call(call.args[:3], call.kwargs))[0]
    worst = _differs(out, forward, call.args[0].dtype)
    if worst is None:
        return None
    i, j = worst.index
    return _(
        "with running_mean and running_var set to the batch mean and biased batch variance of x, inference "
        "should give your batchnorm_forward's out, but out[{i}, {j}] is {value:.6g} instead of "
        "{forward:.6g} (one of the two is wrong)"
    ).format(i=i, j=j, value=out[i, j], forward=forward[i, j])


def inference_rows_are_independent(student: Student, call: Call, out: Any) -> str | None:
    x = call.args[0]
    k = max(1, x.shape[0] // 2)
    head = student("batchnorm_inference", Call((x[:k], *call.args[1:]), call.kwargs))
    worst = _differs(head, out[:k], x.dtype)
    if worst is None:
        return None
    i, j = worst.index
    return ngettext(
        "inference on the first {k} row of x gives out[{i}, {j}] = {head:.6g}, but on all {n} rows "
        "{whole:.6g}: at inference each row is normalised by the running statistics alone, never by the batch's",
        "inference on the first {k} rows of x gives out[{i}, {j}] = {head:.6g}, but on all {n} rows "
        "{whole:.6g}: at inference each row is normalised by the running statistics alone, never by the batch's",
        k,
    ).format(k=k, i=i, j=j, head=head[i, j], n=x.shape[0], whole=out[i, j])


def _with_batch_statistics(call: Call) -> Call:
    x = call.args[0]
    mean, var, _unbiased = _batch_statistics(x)
    return Call((*call.args[:3], mean.astype(x.dtype), var.astype(x.dtype)), call.kwargs)


# -- gradients -----------------------------------------------------------------------------------


def backward_gradients(student: Student, call: Call) -> dict[str, Any]:
    dx, dgamma, dbeta = student(BACKWARD, call)  # through the forward's kept cache
    return {"x": dx, "gamma": dgamma, "beta": dbeta}


# L = sum(dout · out), out the forward's: its gradients are what the backward returns for dout
BACKWARD_OBJECTIVE = Objective(
    FORWARD,
    forward=lambda call: Call(call.args[:3], call.kwargs),
    reduce=lambda out, call: float(np.sum(out[0] * call.args[3])),
    magnitude=lambda out, call: float(np.sum(np.abs(out[0] * call.args[3]))),
)
WRT = {"x": 0, "gamma": 1, "beta": 2}


def backward_gradient(
    name: str,
    points: float,
    inputs: st.SearchStrategy[Call],
    of: Literal["student", "reference"] = "student",
    evidence: tuple[str, ...] = (),
) -> Gradient:
    """batchnorm_backward's gradients, through the forward's kept cache, against central
    differences of L = sum(dout · out): of the student's forward (public) or the reference's
    (hidden, in ``grader.hidden.batch_norm``). One declaration for both."""
    return Gradient(
        evidence=evidence,
        name=name,
        function=BACKWARD,
        points=points,
        visibility="public" if of == "student" else "hidden",
        of=of,
        inputs=inputs,
        examples=2,
        wrt=WRT,
        analytic=backward_gradients,
        objective=BACKWARD_OBJECTIVE,
        via=THROUGH_FORWARD,
    )


# -- known answers -------------------------------------------------------------------------------

# A column with batch mean 0.5 and biased variance 0.75 (unbiased: 1): with eps = 0.25 it
# normalises to [-0.5, -0.5, -0.5, 1.5]; the second column is its mirror image.
X4 = _t([0, 2], [0, 2], [0, 2], [2, 0])

CHECKS = (
    Contract(
        name="batchnorm_forward returns (out, cache)", function=FORWARD, points=0.25, inputs=forward_calls, examples=3
    ),
    KnownAnswers(
        name="batchnorm_forward known answers",
        function=FORWARD,
        points=0.75,
        via=FORWARD_OUT,  # each case's expected value is out alone
        cases=(
            # gamma = [2, -1], beta = [1, 0.5]: 2 · [-0.5, -0.5, -0.5, 1.5] + 1 and -[0.5, 0.5, 0.5, -1.5] + 0.5
            Case(Call((X4, _t(2, -1), _t(1, 0.5)), {"eps": 0.25}), _t([0, 0], [0, 0], [0, 0], [4, 2])),
            # n = 2, eps = 0: mean 2, biased variance 1
            Case(Call((_t([1], [3]), _t(3), _t(-1)), {"eps": 0.0}), _t([-4], [2])),
            # the default eps = 1e-5, float32: variance 1 (and 4 for the second column)
            Case(
                Call((_t([-1, 2], [1, 6], [-1, 2], [1, 6], dtype=np.float32), _t(1, 1), _t(0, 0))),
                _t([-1, -1], [1, 1], [-1, -1], [1, 1]) * np.array([1 / np.sqrt(1 + 1e-5), 2 / np.sqrt(4 + 1e-5)]),
            ),
        ),
    ),
    Property(
        name="batchnorm_forward: each column of out has mean beta and std |gamma|·sqrt(var/(var+eps))",
        function=FORWARD,
        points=0.75,
        inputs=forward_calls,
        holds=output_statistics,
    ),
    Property(
        name="batchnorm_forward(4x + c, eps = 16 eps) equals batchnorm_forward(x, eps)",
        function=FORWARD,
        points=0.5,
        inputs=forward_calls,
        examples=8,
        holds=scale_and_shift_invariance,
    ),
    Property(
        name="batchnorm_forward with eps = 0 ignores a per-column scale a > 0 and shift c",
        function=FORWARD,
        points=0.25,
        inputs=eps0_forward_calls,
        examples=5,
        holds=per_feature_invariance,
    ),
    Contract(
        name="batchnorm_backward returns (dx, dgamma, dbeta)",
        function=BACKWARD,
        points=0.25,
        inputs=backward_calls,
        examples=3,
        via=THROUGH_FORWARD,
    ),
    # A wrong forward and the exact gradient of that wrong forward agree: the check counts
    # only with evidence that one side is right. batchnorm_backward has no known answers of
    # its own (its cache is opaque): its evidence is its hidden parity with the reference.
    backward_gradient(
        name="batchnorm_backward agrees with central differences of your forward",
        points=1.75,
        inputs=gradient_calls,
        evidence=("batchnorm_backward matches reference", "batchnorm_forward known answers"),
    ),
    Contract(
        name="batchnorm_train_step returns (out, new_running_mean, new_running_var)",
        function="batchnorm_train_step",
        points=0.25,
        inputs=train_calls,
        examples=3,
    ),
    KnownAnswers(
        name="batchnorm_train_step known answers",
        function="batchnorm_train_step",
        points=0.5,
        cases=(
            # batch mean 0.5, unbiased variance 1: 0.5 · 0 + 0.5 · 0.5 and 0.5 · 3 + 0.5 · 1
            Case(
                Call((_t([0], [0], [0], [2]), _t(1), _t(0), _t(0), _t(3)), {"momentum": 0.5, "eps": 0.25}),
                (_t([-0.5], [-0.5], [-0.5], [1.5]), _t(0.25), _t(2)),
            ),
            # the default momentum 0.1: batch means [2, 2], unbiased variances [2, 8]
            Case(
                Call((_t([1, 0], [3, 4]), _t(1, 1), _t(0, 0), _t(0, 10), _t(1, 1)), {"eps": 0.0}),
                (_t([-1, -1], [1, 1]), _t(0.2, 9.2), _t(1.1, 1.7)),
            ),
        ),
    ),
    Property(
        name="batchnorm_train_step's out equals your batchnorm_forward's",
        evidence=("batchnorm_train_step known answers", "batchnorm_forward known answers"),
        function="batchnorm_train_step",
        points=0.25,
        inputs=train_calls,
        examples=8,
        holds=train_step_out_is_forward,
    ),
    Property(
        name="batchnorm_train_step with momentum 1 takes the batch mean and unbiased variance",
        function="batchnorm_train_step",
        points=0.25,
        inputs=train_calls.map(lambda c: Call(c.args, {**c.kwargs, "momentum": 1.0})),
        holds=momentum_one_takes_batch_statistics,
    ),
    Property(
        name="batchnorm_train_step with momentum 0 keeps the running statistics",
        function="batchnorm_train_step",
        points=0.25,
        inputs=train_calls.map(lambda c: Call(c.args, {**c.kwargs, "momentum": 0.0})),
        examples=5,
        holds=momentum_zero_keeps_running_statistics,
    ),
    Contract(
        name="batchnorm_inference returns an (n, D) tensor",
        function="batchnorm_inference",
        points=0.25,
        inputs=inference_calls,
        examples=3,
    ),
    KnownAnswers(
        name="batchnorm_inference known answers",
        function="batchnorm_inference",
        points=0.5,
        cases=(
            Case(Call((_t([1], [3]), _t(2), _t(1), _t(1), _t(3)), {"eps": 1.0}), _t([1], [3])),
            # (x - [2, 1]) / [2, 3], then gamma = [1, 3], beta = [0, 0.5]
            Case(
                Call((_t([0, 4], [2, 0], [4, 2]), _t(1, 3), _t(0, 0.5), _t(2, 1), _t(4, 9)), {"eps": 0.0}),
                _t([-1, 3.5], [0, -0.5], [1, 1.5]),
            ),
            # a batch of one row, float32: (5 - 1) / sqrt(15 + 1) = 1
            Case(
                Call((_t([5], dtype=np.float32), *(_t(v, dtype=np.float32) for v in (2, 0, 1, 15))), {"eps": 1.0}),
                _t([2]),
            ),
        ),
    ),
    Property(
        name="batchnorm_inference with the batch's own statistics equals batchnorm_forward",
        evidence=("batchnorm_inference known answers", "batchnorm_forward known answers"),
        function="batchnorm_inference",
        points=0.25,
        inputs=forward_calls.map(_with_batch_statistics),
        examples=8,
        holds=inference_with_batch_statistics_is_forward,
    ),
    Property(
        name="batchnorm_inference normalises each row on its own",
        function="batchnorm_inference",
        points=0.25,
        inputs=inference_calls,
        examples=8,
        holds=inference_rows_are_independent,
    ),
)

EXERCISE = Exercise("batch_norm", N_("Batch normalisation: forward, backward, running statistics"), FUNCTIONS, CHECKS)
