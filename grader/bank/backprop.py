"""backprop: functions, outputs, forbidden calls and public checks.

Every backward is checked against central differences of the student's own forward (the
public :class:`Gradient` checks), so a student sees whether forward and backward agree
without being handed the reference. Inputs of a ReLU stay away from its kink for those checks;
a separate property feeds exact zeros and accepts ReLU'(0) taken as 0 or as 1.
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
from grader.outputs import Array, Dict, Scalar, Tuple

PARAMS = ("W1", "b1", "W2", "b2")  # the keys of the network's parameters and of its gradients


def _param_shape(key: str) -> Any:
    return lambda params, *_: tuple(params[key].shape)


FUNCTIONS = (
    Function("linear_forward", Array(lambda x, W, b: (x.shape[0], W.shape[1])), AUTOGRAD),
    Function(
        "linear_backward",
        Tuple(
            (
                Array(lambda dout, x, W: tuple(x.shape), label="dx"),
                Array(lambda dout, x, W: tuple(W.shape), label="dW"),
                Array(lambda dout, x, W: (dout.shape[1],), label="db"),
            )
        ),
        AUTOGRAD,
    ),
    Function("relu_forward", Array(lambda x: tuple(x.shape)), AUTOGRAD),
    Function("relu_backward", Array(lambda dout, x: tuple(x.shape), label="dx"), AUTOGRAD),
    Function("sigmoid_forward", Array(lambda x: tuple(x.shape)), AUTOGRAD),
    Function("sigmoid_backward", Array(lambda dout, out: tuple(out.shape), label="dx"), AUTOGRAD),
    Function(
        "mlp_loss_and_grads",
        Tuple((Scalar(label="loss"), Dict({k: Array(_param_shape(k)) for k in PARAMS}, label="grads"))),
        AUTOGRAD,
    ),
)

# -- inputs ------------------------------------------------------------------------------------
# Calls of the backward functions' Gradient checks carry what the objective needs besides the
# backward's own arguments: (dout, x, W, b) for the linear layer, (dout, x) for the activations.

layer_calls = strategies.linear_layer().map(lambda r: Call(r))  # (dout, x, W, b)
linear_forward_calls = layer_calls.map(lambda c: Call(c.args[1:]))
linear_backward_calls = layer_calls.map(lambda c: Call(c.args[:3]))
layer_gradient_calls = strategies.linear_layer(strategies.float64_only).map(lambda r: Call(r))

relu_forward_calls = strategies.activations(zeros=True).map(lambda r: Call((r[1],)))
relu_backward_calls = strategies.activations().map(lambda r: Call(r))  # x away from 0
relu_zero_calls = strategies.activations(zeros=True).map(lambda r: Call(r))
relu_gradient_calls = strategies.activations(strategies.float64_only).map(lambda r: Call(r))

SIGMOID_RANGE = 6.0  # |x| <= 6: σ(x) strictly inside (0, 1) in float32 as well
sigmoid_calls = strategies.activations(high=SIGMOID_RANGE).map(lambda r: Call((r[1],)))
sigmoid_extreme_calls = strategies.sigmoid_extremes().map(lambda x: Call((x,)))
sigmoid_backward_calls = strategies.sigmoid_outputs().map(lambda r: Call(r))  # (dout, out)
sigmoid_gradient_calls = strategies.activations(strategies.float64_only, high=SIGMOID_RANGE).map(lambda r: Call(r))


def mlp_call(net: tuple[Any, ...]) -> Call:
    """mlp_loss_and_grads's call from strategies.two_layer_net's (W1, b1, W2, b2, X, y, reg)."""
    return Call((dict(zip(PARAMS, net[:4], strict=True)), net[4], net[5]), {"reg": net[6]})


def flat_mlp_call(net: tuple[Any, ...]) -> Call:
    """(W1, b1, W2, b2, X, y) positionally: a Gradient check perturbs arguments by position."""
    return Call(tuple(net[:6]), {"reg": net[6]})


def mlp_from_flat(call: Call) -> Call:
    return Call((dict(zip(PARAMS, call.args[:4], strict=True)), call.args[4], call.args[5]), call.kwargs)


mlp_calls = strategies.two_layer_net().map(mlp_call)
zero_weight_calls = strategies.two_layer_net().map(
    lambda net: mlp_call((*(np.zeros_like(p) for p in net[:4]), *net[4:]))
)
# reg > 0 in every example, so that the penalty's gradient is always part of what is checked
gradient_penalties = st.sampled_from([0.1, 0.5])
mlp_gradient_calls = strategies.two_layer_net(strategies.float64_only, gradient_penalties).map(flat_mlp_call)


# -- gradients: what the student's backward says, and the objective it must be the gradient of


def upstream_dot(out: Any, call: Call) -> float:
    """sum(dout · out): a scalar whose gradient with respect to the layer's output is dout."""
    return float(np.sum(call.args[0] * out))


def upstream_size(out: Any, call: Call) -> float:
    """Σ|dout · out|: the size of the terms upstream_dot adds up."""
    return float(np.sum(np.abs(call.args[0] * out)))


linear_objective = Objective("linear_forward", lambda c: Call(c.args[1:]), upstream_dot, upstream_size)
relu_objective = Objective("relu_forward", lambda c: Call((c.args[1],)), upstream_dot, upstream_size)
sigmoid_objective = Objective("sigmoid_forward", lambda c: Call((c.args[1],)), upstream_dot, upstream_size)
mlp_objective = Objective("mlp_loss_and_grads", mlp_from_flat, lambda out, c: float(out[0]))


def linear_analytic(student: Student, call: Call) -> dict[str, Any]:
    dx, dW, db = student("linear_backward", Call(call.args[:3]))
    return {"x": dx, "W": dW, "b": db}


def relu_analytic(student: Student, call: Call) -> dict[str, Any]:
    return {"x": student("relu_backward", call)}


def sigmoid_analytic(student: Student, call: Call) -> dict[str, Any]:
    """The backward gets the forward's output, as in a network: the student's own here."""
    dout, x = call.args
    return {"x": student("sigmoid_backward", Call((dout, student("sigmoid_forward", Call((x,))))))}


def mlp_analytic(student: Student, call: Call) -> dict[str, Any]:
    _loss, grads = student("mlp_loss_and_grads", mlp_from_flat(call))
    return dict(zip(PARAMS, grads, strict=True))


LINEAR_WRT = {"x": 1, "W": 2, "b": 3}
ACTIVATION_WRT = {"x": 1}
MLP_WRT = {key: i for i, key in enumerate(PARAMS)}


def _t(*rows: Any, dtype: Any = np.float64) -> np.ndarray:
    return np.array(rows, dtype=dtype)


# -- properties (each returns None when it holds, else what is wrong) ---------------------------


def _mismatch(got: np.ndarray, expected: np.ndarray, dtype: np.dtype) -> tuple[int, ...] | None:
    worst = tolerance.worst_mismatch(got, expected, tolerance.for_dtype(dtype))
    return None if worst is None else worst.index


def db_sums_rows(student: Student, call: Call, out: Any) -> str | None:
    dout = call.args[0]
    sums = dout.astype(np.float64).sum(axis=0)
    bad = _mismatch(out[2], sums, dout.dtype)
    if bad is None:
        return None
    return _(
        "db{index} = {db:.6g}, but column {column} of dout sums to {sum:.6g}: b is added to "
        "every row of the output, so db sums dout over the rows (the samples), giving shape (h,)"
    ).format(index=list(bad), db=out[2][bad], column=bad[0], sum=sums[bad])


def relu_is_max_with_zero(student: Student, call: Call, out: Any) -> str | None:
    (x,) = call.args
    if np.any(out < 0):
        i = tuple(int(v) for v in np.argwhere(out < 0)[0])
        return _("out{index} = {value:.6g} is negative; relu's output is never below 0").format(
            index=list(i), value=out[i]
        )
    bad = _mismatch(out, np.maximum(x.astype(np.float64), 0.0), x.dtype)
    if bad is None:
        return None
    return _("out{index} = {value:.6g} where x = {x:.6g}; it should be x where x > 0 and 0 elsewhere").format(
        index=list(bad), value=out[bad], x=x[bad]
    )


def relu_zero_either_convention(student: Student, call: Call, out: Any) -> str | None:
    """Where x == 0, dx may be 0 or dout (ReLU'(0) taken as 0 or 1); elsewhere dout·[x > 0]."""
    dout, x = (a.astype(np.float64) for a in call.args)
    as_one = (x == 0) & (np.abs(out - dout) < np.abs(out))  # the convention this entry follows
    accepted = np.where((x > 0) | as_one, dout, 0.0)
    bad = _mismatch(out, accepted, call.args[0].dtype)
    if bad is None:
        return None
    if x[bad] == 0:
        return _(
            "dx{index} = {value:.6g}, but x = 0 there, where dx may be 0 (ReLU'(0) = 0) or dout = {dout:.6g} "
            "(ReLU'(0) = 1)"
        ).format(index=list(bad), value=out[bad], dout=dout[bad])
    return _("dx{index} = {value:.6g}, but x = {x:.6g} and dout = {dout:.6g} there, so dx = {expected:.6g}").format(
        index=list(bad), value=out[bad], x=x[bad], dout=dout[bad], expected=accepted[bad]
    )


def sigmoid_range_and_symmetry(student: Student, call: Call, out: Any) -> str | None:
    (x,) = call.args
    if not np.all((out > 0) & (out < 1)):
        i = tuple(int(v) for v in np.argwhere(~((out > 0) & (out < 1)))[0])
        return _("σ(x){index} = {value:.6g} for x = {x:.6g}; for |x| <= {high:g} it lies strictly in (0, 1)").format(
            index=list(i), value=out[i], x=x[i], high=SIGMOID_RANGE
        )
    mirrored = student("sigmoid_forward", Call((-x,)))
    bad = _mismatch(mirrored, 1.0 - out, x.dtype)
    if bad is None:
        return None
    return _(
        "σ(−x) should equal 1 − σ(x): for x = {x:.6g}, σ(−x) = {mirrored:.6g} but 1 − σ(x) = {complement:.6g}"
    ).format(x=x[bad], mirrored=mirrored[bad], complement=1.0 - out[bad])


SATURATED = 20.0  # |x| from here: σ(x) is within 2.1e-9 of 0 or 1


def sigmoid_saturates(student: Student, call: Call, out: Any) -> str | None:
    (x,) = call.args
    if not np.all(np.isfinite(out)):
        i = tuple(int(v) for v in np.argwhere(~np.isfinite(out))[0])
        return _(
            "σ(x){index} is {value} for x = {x:.6g}: exp overflows for large |x| (exp(1000) is inf, and "
            "inf / inf is nan); evaluate exp only of numbers <= 0"
        ).format(index=list(i), value=out[i], x=x[i])
    limit = (x > 0).astype(np.float64)
    far = np.abs(x) >= SATURATED
    off = far & ~(np.abs(out - limit) <= 1e-6)
    if np.any(off) or np.any((out < 0) | (out > 1)):
        i = tuple(int(v) for v in np.argwhere(off | (out < 0) | (out > 1))[0])
        return _(
            "σ(x){index} = {value:.6g} for x = {x:.6g}; it should lie in [0, 1], and be within 1e-6 of "
            "{limit:g} for |x| >= {saturated:g}"
        ).format(index=list(i), value=out[i], x=x[i], limit=limit[i], saturated=SATURATED)
    return None


def zero_weights_give_log_k(student: Student, call: Call, out: Any) -> str | None:
    params, X, _y = call.args
    k = params["b2"].shape[0]
    loss = float(out[0])
    if _mismatch(np.array(loss), np.array(math.log(k)), X.dtype) is None:
        return None
    return _(
        "with all parameters zero every score is 0, so each class has p = 1/{k} and the loss is "
        "ln {k} = {log_k:.6g} (the penalty is 0 too); got {loss:.6g}"
    ).format(k=k, log_k=math.log(k), loss=loss)


# -- hand-computed answers of mlp_loss_and_grads ---------------------------------------------------

LN3 = math.log(3.0)
ZEROS = {"W1": np.zeros((2, 3)), "b1": np.zeros(3), "W2": np.zeros((3, 3)), "b2": np.zeros(3)}
# d = 1, h = 2, k = 2: z1 = [[1, -1], [2, -2]], so the second hidden unit is off; its W2 row
# [2, 1] is not zero, so a forgotten ReLU mask shows in dW1 and db1. Scores differ by ln 3 and
# 2 ln 3: p = [3/4, 1/4] and [9/10, 1/10]; y = [1, 0].
MASKED = {"W1": _t([1.0, -1.0]), "b1": _t(0.0, 0.0), "W2": _t([LN3, 0.0], [2.0, 1.0]), "b2": _t(0.0, 0.0)}
MASKED_REG = 0.1
# scores [800, 400]: exp(800) overflows, so softmax must subtract the row maximum
LARGE = {"W1": _t([1.0]), "b1": _t(0.0), "W2": _t([1.0, 0.5]), "b2": _t(0.0, 0.0)}

MLP_CASES = (
    # p = 1/3 everywhere: loss ln 3; dscores = (p − onehot) / 2, summed over rows for db2
    Case(
        Call((ZEROS, _t([1.0, 2.0], [3.0, -1.0]), np.array([0, 2], dtype=np.int64))),
        (LN3, {"W1": np.zeros((2, 3)), "b1": np.zeros(3), "W2": np.zeros((3, 3)), "b2": _t(-1 / 6, 1 / 3, -1 / 6)}),
    ),
    Case(
        Call((ZEROS, _t([1.0, 2.0], [3.0, -1.0]), np.array([0, 2], dtype=np.int64)), {"reg": 0.5}),
        (LN3, {"W1": np.zeros((2, 3)), "b1": np.zeros(3), "W2": np.zeros((3, 3)), "b2": _t(-1 / 6, 1 / 3, -1 / 6)}),
    ),
    # dscores = [[3/8, -3/8], [-1/20, 1/20]]; the penalty adds 0.1·(2 + ln²3 + 5) and 0.2·W
    Case(
        Call((MASKED, _t([1.0], [2.0]), np.array([1, 0], dtype=np.int64)), {"reg": MASKED_REG}),
        (
            math.log(40 / 9) / 2 + MASKED_REG * (7 + LN3**2),
            {
                "W1": _t([0.275 * LN3 + 0.2, -0.2]),
                "b1": _t(0.325 * LN3, 0.0),
                "W2": _t([0.275 + 0.2 * LN3, -0.275], [0.4, 0.2]),
                "b2": _t(0.325, -0.325),
            },
        ),
    ),
    # row 0 (y = 0) costs ln(1 + e^-400) ≈ 0, row 1 (y = 1) costs 400: loss 200;
    # dscores = [[0, 0], [1/2, -1/2]], so da1 = [0, 1/4]
    Case(
        Call((LARGE, _t([800.0], [800.0]), np.array([0, 1], dtype=np.int64))),
        (200.0, {"W1": _t([200.0]), "b1": _t(0.25), "W2": _t([400.0, -400.0]), "b2": _t(0.5, -0.5)}),
    ),
)


CHECKS = (
    # linear_forward: 1.0 (hidden 0.6)
    Contract(
        name="linear_forward returns an (n, h) matrix",
        function="linear_forward",
        points=0.1,
        inputs=linear_forward_calls,
        examples=3,
    ),
    KnownAnswers(
        name="linear_forward known answers",
        function="linear_forward",
        points=0.3,
        cases=(
            Case(
                Call((_t([1.0, 2.0], [3.0, 4.0]), _t([1.0, 0.0, -1.0], [0.0, 1.0, 2.0]), _t(0.5, 0.0, -1.0))),
                _t([1.5, 2.0, 2.0], [3.5, 4.0, 4.0]),
            ),
            Case(
                Call((_t([2.0], dtype=np.float32), _t([3.0, -1.0], dtype=np.float32), _t(1.0, 1.0, dtype=np.float32))),
                _t([7.0, -1.0]),
            ),
        ),
    ),
    # linear_backward: 2.0 (hidden 0.8)
    Contract(
        name="linear_backward returns (dx, dW, db) shaped like x, W and b",
        function="linear_backward",
        points=0.2,
        inputs=linear_backward_calls,
        examples=3,
    ),
    KnownAnswers(
        name="linear_backward known answers",
        function="linear_backward",
        points=0.3,
        cases=(
            # n = 2, d = 2, h = 3: dx = dout Wᵀ, dW = xᵀ dout, db = column sums of dout
            Case(
                Call(
                    (
                        _t([1.0, 0.0, 0.0], [0.0, 1.0, 1.0]),
                        _t([1.0, 2.0], [3.0, 4.0]),
                        _t([1.0, 0.0, -1.0], [0.0, 1.0, 2.0]),
                    )
                ),
                (_t([1.0, 0.0], [-1.0, 3.0]), _t([1.0, 3.0, 3.0], [2.0, 4.0, 4.0]), _t(1.0, 1.0, 1.0)),
            ),
            # n = 3, d = 1, h = 2
            Case(
                Call((_t([1.0, 2.0], [3.0, 4.0], [5.0, 6.0]), _t([1.0], [0.0], [-1.0]), _t([2.0, -1.0]))),
                (_t([0.0], [2.0], [4.0]), _t([-4.0, -4.0]), _t(9.0, 12.0)),
            ),
        ),
    ),
    Property(
        name="linear_backward db is dout summed over the rows",
        function="linear_backward",
        points=0.2,
        inputs=linear_backward_calls,
        holds=db_sums_rows,
    ),
    Gradient(
        name="linear_backward agrees with central differences of your linear_forward",
        evidence=("linear_backward known answers", "linear_forward known answers"),
        function="linear_backward",
        points=0.5,
        inputs=layer_gradient_calls,
        wrt=LINEAR_WRT,
        analytic=linear_analytic,
        objective=linear_objective,
    ),
    # relu_forward: 0.75 (hidden 0.3)
    Contract(
        name="relu_forward returns the shape of x",
        function="relu_forward",
        points=0.1,
        inputs=relu_forward_calls,
        examples=3,
    ),
    KnownAnswers(
        name="relu_forward known answers",
        function="relu_forward",
        points=0.15,
        cases=(
            Case(Call((_t([-1.0, 0.0, 2.5]),)), _t([0.0, 0.0, 2.5])),
            Case(Call((_t([-0.5], [3.0], dtype=np.float32),)), _t([0.0], [3.0])),
            Case(Call((_t(-2.0, 3.0),)), _t(0.0, 3.0)),
        ),
    ),
    Property(
        name="relu_forward is x where x > 0, else 0",
        function="relu_forward",
        points=0.2,
        inputs=relu_forward_calls,
        holds=relu_is_max_with_zero,
    ),
    # relu_backward: 1.5 (hidden 0.6)
    Contract(
        name="relu_backward returns the shape of x",
        function="relu_backward",
        points=0.1,
        inputs=relu_backward_calls,
        examples=3,
    ),
    KnownAnswers(
        name="relu_backward known answers",
        function="relu_backward",
        points=0.2,
        cases=(
            Case(Call((_t([1.0, 2.0, 3.0]), _t([-1.0, 0.5, 2.0]))), _t([0.0, 2.0, 3.0])),
            # the mask comes from x, not from dout
            Case(Call((_t([-1.5], [2.0]), _t([3.0], [-3.0]))), _t([-1.5], [0.0])),
        ),
    ),
    Property(
        name="relu_backward where x is exactly 0 (ReLU'(0) = 0 or 1)",
        function="relu_backward",
        points=0.3,
        inputs=relu_zero_calls,
        holds=relu_zero_either_convention,
    ),
    Gradient(
        name="relu_backward agrees with central differences of your relu_forward",
        evidence=("relu_backward known answers", "relu_forward known answers"),
        function="relu_backward",
        points=0.3,
        inputs=relu_gradient_calls,
        wrt=ACTIVATION_WRT,
        analytic=relu_analytic,
        objective=relu_objective,
    ),
    # sigmoid_forward: 1.25 (hidden 0.4)
    Contract(
        name="sigmoid_forward returns the shape of x",
        function="sigmoid_forward",
        points=0.1,
        inputs=sigmoid_calls,
        examples=3,
    ),
    KnownAnswers(
        name="sigmoid_forward known answers",
        function="sigmoid_forward",
        points=0.2,
        cases=(
            Case(Call((_t(0.0, LN3, -LN3),)), _t(0.5, 0.75, 0.25)),
            Case(Call((_t([0.0], [LN3], dtype=np.float32),)), _t([0.5], [0.75])),
            Case(Call((_t([1000.0, -1000.0]),)), _t([1.0, 0.0])),
        ),
    ),
    Property(
        name="sigmoid_forward lies in (0, 1) and σ(−x) = 1 − σ(x)",
        function="sigmoid_forward",
        points=0.25,
        inputs=sigmoid_calls,
        holds=sigmoid_range_and_symmetry,
    ),
    Property(
        name="sigmoid_forward saturates without nan for |x| up to 1000",
        function="sigmoid_forward",
        points=0.3,
        inputs=sigmoid_extreme_calls,
        holds=sigmoid_saturates,
    ),
    # sigmoid_backward: 1.5 (hidden 0.8)
    Contract(
        name="sigmoid_backward returns the shape of out",
        function="sigmoid_backward",
        points=0.1,
        inputs=sigmoid_backward_calls,
        examples=3,
    ),
    KnownAnswers(
        name="sigmoid_backward known answers",
        function="sigmoid_backward",
        points=0.2,
        cases=(
            Case(Call((_t([1.0, 2.0, -1.0]), _t([0.5, 0.75, 0.25]))), _t([0.25, 0.375, -0.1875])),
            Case(Call((_t([3.0], [-2.0], dtype=np.float32), _t([1.0], [0.0], dtype=np.float32))), _t([0.0], [0.0])),
        ),
    ),
    Gradient(
        name="sigmoid_backward agrees with central differences of your sigmoid_forward",
        evidence=("sigmoid_backward known answers", "sigmoid_forward known answers"),
        function="sigmoid_backward",
        points=0.4,
        inputs=sigmoid_gradient_calls,
        wrt=ACTIVATION_WRT,
        analytic=sigmoid_analytic,
        objective=sigmoid_objective,
    ),
    # mlp_loss_and_grads: 4.0 (hidden 2.0)
    Contract(
        name="mlp_loss_and_grads returns a loss and a dict of gradients shaped like the parameters",
        function="mlp_loss_and_grads",
        points=0.25,
        inputs=mlp_calls,
        examples=3,
    ),
    KnownAnswers(name="mlp_loss_and_grads known answers", function="mlp_loss_and_grads", points=0.5, cases=MLP_CASES),
    Property(
        name="mlp_loss_and_grads with zero weights has loss ln k",
        function="mlp_loss_and_grads",
        points=0.25,
        inputs=zero_weight_calls,
        examples=5,
        holds=zero_weights_give_log_k,
    ),
    Gradient(
        name="mlp_loss_and_grads gradients agree with central differences of your loss",
        evidence=("mlp_loss_and_grads known answers", "mlp_loss_and_grads matches reference"),
        function="mlp_loss_and_grads",
        points=1.0,
        inputs=mlp_gradient_calls,
        wrt=MLP_WRT,
        analytic=mlp_analytic,
        objective=mlp_objective,
    ),
)

EXERCISE = Exercise("backprop", N_("Backpropagation: layers and a two-layer network"), FUNCTIONS, CHECKS)
