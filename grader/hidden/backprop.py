"""backprop: hidden checks against the reference.

Besides agreement with the reference's results, each backward is checked against central
differences of the reference's forward (float64), so a backward that is consistent with a
wrong forward of the student's own still loses these points.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from grader import strategies
from grader.bank.backprop import (
    ACTIVATION_WRT,
    LINEAR_WRT,
    MLP_WRT,
    flat_mlp_call,
    gradient_penalties,
    layer_gradient_calls,
    linear_analytic,
    linear_backward_calls,
    linear_forward_calls,
    linear_objective,
    mlp_analytic,
    mlp_call,
    mlp_calls,
    mlp_objective,
    relu_analytic,
    relu_backward_calls,
    relu_forward_calls,
    relu_gradient_calls,
    relu_objective,
    sigmoid_backward_calls,
    sigmoid_calls,
    sigmoid_extreme_calls,
    sigmoid_gradient_calls,
    sigmoid_objective,
)
from grader.checks import Call, Gradient, ReferenceParity, Student

# Scores of several hundred and more (LARGE_SCORE): the softmax must subtract the row maximum.
# float64 only: in float32 a score of 1e3 carries a rounding error of 1e-4, which moves the
# probabilities of two close classes by more than the float32 tolerance.
large_score_calls = strategies.two_layer_net(strategies.float64_only, st.sampled_from([0.0, 0.01]), scale=30.0).map(
    mlp_call
)
mlp_gradient_calls = strategies.two_layer_net(strategies.float64_only, gradient_penalties).map(flat_mlp_call)


def sigmoid_backward_alone(student: Student, call: Call) -> dict[str, Any]:
    """The student's backward on the true σ(x), so that only the backward is judged here."""
    dout, x = call.args
    return {"x": student("sigmoid_backward", Call((dout, 1.0 / (1.0 + np.exp(-x)))))}


def parity(function: str, points: float, inputs: st.SearchStrategy[Call], what: str = "") -> ReferenceParity:
    return ReferenceParity(name=f"{function} matches reference{what}", function=function, points=points, inputs=inputs)


def gradient(function: str, points: float, **kwargs: Any) -> Gradient:
    return Gradient(
        name=f"{function} agrees with central differences of the reference forward",
        function=function,
        points=points,
        of="reference",
        visibility="hidden",
        **kwargs,
    )


CHECKS = (
    parity("linear_forward", 0.6, linear_forward_calls),
    parity("linear_backward", 0.4, linear_backward_calls),
    gradient(
        "linear_backward",
        0.4,
        inputs=layer_gradient_calls,
        wrt=LINEAR_WRT,
        analytic=linear_analytic,
        objective=linear_objective,
    ),
    parity("relu_forward", 0.3, relu_forward_calls),
    parity("relu_backward", 0.3, relu_backward_calls),
    gradient(
        "relu_backward",
        0.3,
        inputs=relu_gradient_calls,
        wrt=ACTIVATION_WRT,
        analytic=relu_analytic,
        objective=relu_objective,
    ),
    parity("sigmoid_forward", 0.25, sigmoid_calls),
    parity("sigmoid_forward", 0.15, sigmoid_extreme_calls, " for |x| up to 1000"),
    parity("sigmoid_backward", 0.4, sigmoid_backward_calls),
    gradient(
        "sigmoid_backward",
        0.4,
        inputs=sigmoid_gradient_calls,
        wrt=ACTIVATION_WRT,
        analytic=sigmoid_backward_alone,
        objective=sigmoid_objective,
    ),
    parity("mlp_loss_and_grads", 0.75, mlp_calls),
    ReferenceParity(
        name="mlp_loss_and_grads matches reference for large scores",
        function="mlp_loss_and_grads",
        points=0.5,
        inputs=large_score_calls,
        examples=5,
    ),
    gradient(
        "mlp_loss_and_grads",
        0.75,
        inputs=mlp_gradient_calls,
        wrt=MLP_WRT,
        analytic=mlp_analytic,
        objective=mlp_objective,
        examples=2,
    ),
)
