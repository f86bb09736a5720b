"""activations: hidden checks against torch's own sigmoid and tanh, and the reference.

The truth for sigmoid and tanh, and for their derivatives, comes from ``torch.sigmoid`` and
``torch.tanh`` in float64, run in the grader's process (``ReferenceParity(truth=...)``): the
reference may not call them, being graded as a submission is. The rest is held to the
reference, on inputs without an exact 0 for the derivatives of the ReLUs, where either
convention is right. The chain's gradient is also checked against central differences of the
reference's a_L, so a gradient consistent with a wrong forward of the student's own loses
these points.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from grader.bank.activations import (
    CHAIN_OUTPUT,
    EXAMPLES,
    alpha_calls,
    alpha_zero_calls,
    chain_analytic,
    chain_calls,
    chain_gradient_calls,
    extreme_calls,
    x_calls,
    zero_calls,
)
from grader.checks import Call, Gradient, ReferenceParity
from grader.i18n import N_


def _torch_of(call: Call) -> Any:
    import torch

    return torch.from_numpy(np.asarray(call.args[0], dtype=np.float64))


def torch_sigmoid(call: Call) -> np.ndarray:
    import torch

    return torch.sigmoid(_torch_of(call)).numpy()


def torch_sigmoid_grad(call: Call) -> np.ndarray:
    """σ(x)·σ(−x) = σ(x)·(1 − σ(x)), without the cancellation of 1 − σ for large x."""
    import torch

    x = _torch_of(call)
    return (torch.sigmoid(x) * torch.sigmoid(-x)).numpy()


def torch_tanh(call: Call) -> np.ndarray:
    import torch

    return torch.tanh(_torch_of(call)).numpy()


def torch_tanh_grad(call: Call) -> np.ndarray:
    """1 − tanh²(x) as (1 − tanh x)(1 + tanh x), with 1 − |tanh x| = 2·σ(−2|x|) so that it
    does not cancel to 0 before it underflows."""
    import torch

    x = _torch_of(call)
    return (2.0 * torch.sigmoid(-2.0 * x.abs()) * (1.0 + torch.tanh(x.abs()))).numpy()


# what a failure names as the truth of a derivative (translated where it is shown)
DERIVATIVE_OF = {
    "torch.sigmoid": N_("the derivative of torch.sigmoid"),
    "torch.tanh": N_("the derivative of torch.tanh"),
}


def torch_truth(
    function: str, points: float, inputs: st.SearchStrategy[Call], truth: Any, what: str = ""
) -> ReferenceParity:
    library = "torch.sigmoid" if function.startswith("sigmoid") else "torch.tanh"
    return ReferenceParity(
        name=f"{function} matches {library}{what}",
        function=function,
        points=points,
        inputs=inputs,
        truth=truth,
        examples=EXAMPLES,
        truth_name=library if function in ("sigmoid", "tanh") else DERIVATIVE_OF[library],
    )


def parity(function: str, points: float, inputs: st.SearchStrategy[Call], examples: int = EXAMPLES) -> ReferenceParity:
    return ReferenceParity(
        name=f"{function} matches reference", function=function, points=points, inputs=inputs, examples=examples
    )


LARGE = " for |x| up to 1e4"

CHECKS = (
    torch_truth("sigmoid", 0.35, x_calls, torch_sigmoid),
    torch_truth("sigmoid", 0.35, extreme_calls, torch_sigmoid, LARGE),
    torch_truth("sigmoid_grad", 0.25, x_calls, torch_sigmoid_grad),
    torch_truth("sigmoid_grad", 0.25, extreme_calls, torch_sigmoid_grad, LARGE),
    torch_truth("tanh", 0.35, x_calls, torch_tanh),
    torch_truth("tanh", 0.35, extreme_calls, torch_tanh, LARGE),
    torch_truth("tanh_grad", 0.25, x_calls, torch_tanh_grad),
    torch_truth("tanh_grad", 0.25, extreme_calls, torch_tanh_grad, LARGE),
    parity("relu", 0.4, st.one_of(zero_calls, extreme_calls)),
    parity(
        "relu_grad",
        0.3,
        st.one_of(
            x_calls,
            extreme_calls.map(lambda c: Call((np.where(c.args[0] == 0, 1.0, c.args[0]).astype(c.args[0].dtype),))),
        ),
    ),
    parity("leaky_relu", 0.4, alpha_zero_calls),
    parity("leaky_relu_grad", 0.3, alpha_calls),
    parity("chain_gradient", 0.6, chain_calls, examples=5),
    Gradient(
        name="chain_gradient's grad agrees with central differences of the reference a_L",
        function="chain_gradient",
        points=0.4,
        visibility="hidden",
        inputs=chain_gradient_calls,
        wrt={"a0": 0},
        analytic=chain_analytic,
        objective=CHAIN_OUTPUT,
        of="reference",
    ),
)
