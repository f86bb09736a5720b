"""softmax_regression: hidden checks against the reference."""

from __future__ import annotations

from hypothesis import strategies as st

from grader import strategies
from grader.bank.softmax_regression import (
    LOSS,
    analytic_gradients,
    ce_calls,
    gradient_calls,
    huge_softmax_calls,
    lag_calls,
    predict_calls,
    softmax_calls,
)
from grader.checks import Call, Gradient, ReferenceParity

# Full-batch gradient descent is deterministic: the reference's weights, step for step.
# Few epochs and a moderate rate keep float32 round-off within the float32 tolerance.
parity_train_calls = st.tuples(strategies.blobs(), st.sampled_from([0.0, 0.01])).map(
    lambda r: Call(r[0], {"lr": 0.3, "epochs": 15, "reg": r[1]})
)

CHECKS = (
    ReferenceParity(
        name="softmax matches reference",
        function="softmax",
        points=0.5,
        inputs=st.one_of(softmax_calls, huge_softmax_calls),
    ),
    ReferenceParity(name="cross_entropy matches reference", function="cross_entropy", points=0.5, inputs=ce_calls),
    ReferenceParity(name="loss_and_grad matches reference", function="loss_and_grad", points=0.75, inputs=lag_calls),
    Gradient(
        name="loss_and_grad's gradients match central differences of the reference loss",
        function="loss_and_grad",
        points=0.75,
        visibility="hidden",
        inputs=gradient_calls,
        wrt={"W": 0, "b": 1},
        analytic=analytic_gradients,
        objective=LOSS,
        of="reference",
    ),
    ReferenceParity(name="predict matches reference", function="predict", points=0.5, inputs=predict_calls),
    ReferenceParity(
        name="full-batch train matches reference", function="train", points=1.25, inputs=parity_train_calls, examples=4
    ),
)
