"""optimization: hidden checks against the reference, and the optimizer steps against
torch.optim itself over several steps (the reference may not call torch.optim; the truth,
computed in the grader's process, may)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from grader.bank.optimization import (
    ADAM_STEPS,
    SGD_STEPS,
    adam_step_calls,
    batch_gd_calls,
    minibatch_calls,
    order_calls,
    risk_calls,
    sgd_calls,
    sgd_step_calls,
)
from grader.checks import Call, ReferenceParity


def torch_sgd(call: Call) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """``torch.optim.SGD`` on one float64 parameter, one ``step()`` per gradient: each step's
    (param, momentum_buffer), as ``Steps`` collects the student's. A ValueError of torch (nesterov
    without momentum, or with dampening) asks the same of the student."""
    import torch

    param, grads, _, lr = call.args
    p = torch.tensor(param, dtype=torch.float64)
    optimizer = torch.optim.SGD([p], lr=lr, **call.kwargs)
    steps = []
    for grad in grads:
        p.grad = torch.tensor(grad, dtype=torch.float64)
        optimizer.step()
        buf = optimizer.state[p].get("momentum_buffer")
        steps.append((p.detach().numpy().copy(), None if buf is None else buf.numpy().copy()))
    return steps


def torch_adam(call: Call) -> list[tuple[np.ndarray, dict[str, Any]]]:
    """``torch.optim.Adam`` (amsgrad off) on one float64 parameter: each step's param and
    state, with torch's step count as an int."""
    import torch

    param, grads, _ = call.args
    kwargs = {**call.kwargs, "betas": tuple(call.kwargs.get("betas", (0.9, 0.999)))}
    p = torch.tensor(param, dtype=torch.float64)
    optimizer = torch.optim.Adam([p], foreach=False, **kwargs)
    steps = []
    for grad in grads:
        p.grad = torch.tensor(grad, dtype=torch.float64)
        optimizer.step()
        state = optimizer.state[p]
        steps.append(
            (
                p.detach().numpy().copy(),
                {
                    "step": int(state["step"]),
                    "exp_avg": state["exp_avg"].numpy().copy(),
                    "exp_avg_sq": state["exp_avg_sq"].numpy().copy(),
                },
            )
        )
    return steps


invalid_nesterov_calls = sgd_step_calls(valid=False).filter(
    lambda c: c.kwargs["nesterov"] and (c.kwargs["momentum"] == 0 or c.kwargs["dampening"] != 0)
)
bad_order_calls = st.tuples(order_calls(), st.integers(-2, 0)).map(lambda r: Call((r[0].args[0], r[1])))
bad_risk_calls = st.tuples(risk_calls(), st.sampled_from(("hinge", "Squared", "l2", "squared"))).map(
    lambda r: Call((*r[0].args[:3], r[1], r[0].args[4] if r[1] != "squared" else -r[0].args[4]))
)

CHECKS = (
    ReferenceParity(
        name="minibatches matches reference", function="minibatches", points=0.25, inputs=order_calls(), examples=7
    ),
    ReferenceParity(
        name="minibatches raises ValueError for batch_size < 1",
        function="minibatches",
        points=0.25,
        inputs=bad_order_calls,
        examples=2,
    ),
    ReferenceParity(
        name="numerical_gradient matches reference at the given h",
        function="numerical_gradient",
        points=0.5,
        inputs=risk_calls(),
        examples=10,
    ),
    ReferenceParity(
        name="numerical_gradient raises ValueError for a bad loss or h",
        function="numerical_gradient",
        points=0.25,
        inputs=bad_risk_calls,
        examples=2,
    ),
    ReferenceParity(
        name="batch_gd matches reference", examples=7, function="batch_gd", points=0.5, inputs=batch_gd_calls()
    ),
    ReferenceParity(name="sgd matches reference", examples=7, function="sgd", points=0.5, inputs=sgd_calls()),
    ReferenceParity(
        name="minibatch_gd matches reference",
        examples=7,
        function="minibatch_gd",
        points=0.75,
        inputs=minibatch_calls(),
    ),
    ReferenceParity(
        name="sgd_momentum_step matches torch.optim.SGD over several steps",
        function="sgd_momentum_step",
        points=0.75,
        inputs=sgd_step_calls(),
        examples=10,
        via=SGD_STEPS,
        truth=torch_sgd,
        truth_name="torch.optim.SGD",
    ),
    ReferenceParity(
        name="sgd_momentum_step raises ValueError as torch.optim.SGD does",
        function="sgd_momentum_step",
        points=0.25,
        inputs=invalid_nesterov_calls,
        examples=2,
        via=SGD_STEPS,
        truth=torch_sgd,
        truth_name="torch.optim.SGD",
    ),
    ReferenceParity(
        name="adam_step matches torch.optim.Adam over several steps",
        function="adam_step",
        points=0.75,
        inputs=adam_step_calls(),
        examples=10,
        via=ADAM_STEPS,
        truth=torch_adam,
        truth_name="torch.optim.Adam",
    ),
)
