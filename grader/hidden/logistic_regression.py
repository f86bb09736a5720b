"""logistic_regression: hidden checks, against torch's own sigmoid and binary cross-entropy
where SPEC names them (computed in the grader's process: the reference may not call them),
and against the reference elsewhere."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from grader.bank.logistic_regression import (
    LOSS,
    analytic_gradients,
    bce_calls,
    binary_blobs,
    gradient_calls,
    huge_bce_calls,
    huge_proba_calls,
    lag_calls,
    predict_calls,
    proba_calls,
)
from grader.checks import Call, Gradient, ReferenceParity


def torch_sigmoid(call: Call) -> np.ndarray:
    """``torch.sigmoid(X @ w + b)`` in float64 on the CPU: the truth for predict_proba."""
    import torch

    w, b, X = (torch.from_numpy(np.asarray(a)).double() for a in call.args)
    return torch.sigmoid(X @ w + b).numpy()


def torch_bce_with_logits(call: Call) -> float:
    """``torch.nn.functional.binary_cross_entropy_with_logits`` in float64 on the CPU."""
    import torch

    z, y = call.args
    logits = torch.from_numpy(z).double()
    return float(torch.nn.functional.binary_cross_entropy_with_logits(logits, torch.from_numpy(y).double()))


# Full-batch gradient descent is deterministic: the reference's weights, step for step. A
# moderate rate and at most 30 steps keep float32 round-off within the float32 tolerance. The
# penalty is always positive: a train that drops it (or a loss_and_grad that gets its gradient
# wrong) shows in every example, and reg = 0 is the same code with one term 0.
parity_train_calls = st.tuples(
    binary_blobs(), st.sampled_from([0.1, 0.5]), st.integers(1, 30), st.sampled_from([0.01, 0.1])
).map(lambda r: Call(r[0], {"lr": r[1], "epochs": r[2], "reg": r[3]}))

CHECKS = (
    ReferenceParity(
        name="predict_proba matches torch.sigmoid, |z| up to 1e4",
        function="predict_proba",
        points=0.75,
        inputs=st.one_of(proba_calls, huge_proba_calls),
        examples=4,
        truth=torch_sigmoid,
        truth_name="torch.sigmoid",
    ),
    ReferenceParity(
        name="bce_with_logits matches torch's binary_cross_entropy_with_logits",
        function="bce_with_logits",
        points=0.5,
        inputs=bce_calls,
        examples=4,
        truth=torch_bce_with_logits,
        truth_name="torch.nn.functional.binary_cross_entropy_with_logits",
    ),
    ReferenceParity(
        name="bce_with_logits matches torch's binary_cross_entropy_with_logits, |z| up to 1e4",
        function="bce_with_logits",
        points=0.25,
        inputs=huge_bce_calls,
        examples=4,
        truth=torch_bce_with_logits,
        truth_name="torch.nn.functional.binary_cross_entropy_with_logits",
    ),
    ReferenceParity(
        name="loss_and_grad matches reference", function="loss_and_grad", points=0.75, inputs=lag_calls, examples=4
    ),
    Gradient(
        name="loss_and_grad's gradients match central differences of the reference loss",
        function="loss_and_grad",
        points=0.75,
        visibility="hidden",
        inputs=gradient_calls,
        wrt={"w": 0, "b": 1},
        analytic=analytic_gradients,
        objective=LOSS,
        of="reference",
    ),
    ReferenceParity(name="predict matches reference", function="predict", points=0.5, inputs=predict_calls, examples=4),
    ReferenceParity(
        name="train matches reference", function="train", points=1.5, inputs=parity_train_calls, examples=3
    ),
)
