"""losses: hidden checks against the reference.

Parity runs on the extremes too: near-misses for the 0-1 loss, tiny and zero true-class
probabilities for the log loss (+inf compares equal only to +inf), tiny weights for the L0
norm, and unknown loss and penalty names, where the reference's ValueError asks the same of
the student. The penalty's gradient is checked against central differences of the
reference's structural risk, so a gradient consistent with a wrong risk of the student's own
still loses these points.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from grader import strategies
from grader.bank.losses import (
    PENALTY,
    log_calls,
    log_extreme_calls,
    norm_calls,
    penalty_analytic,
    penalty_calls,
    penalty_gradient_calls,
    risk_calls,
    structural_calls,
    target_calls,
    zero_one_calls,
)
from grader.checks import Call, Gradient, ReferenceParity

BAD_NAMES = ("mse", "Squared", "L2", "l2squared", "hinge", "")


@st.composite
def tiny_weights(draw: st.DrawFn) -> Call:
    """w with entries exactly 0, -0.0 and tiny (1e-30 and 1e-12 are not 0) among ordinary ones."""
    dtype = draw(strategies.dtypes)
    g = strategies.rng(draw(strategies.seeds))
    n = draw(st.integers(1, 8))
    w = g.choice([0.0, -0.0, 1e-30, -1e-12, 1.5, -0.25], size=n)
    return Call((w.astype(dtype),))


@st.composite
def badly_named(draw: st.DrawFn) -> Call:
    """A structural_risk call with an unknown loss or penalty name (lam = 0 half the time)."""
    call = draw(structural_calls(lams=(0.0, 0.5)))
    which = draw(st.sampled_from(["loss", "penalty"]))
    kwargs = {**call.kwargs, which: draw(st.sampled_from(BAD_NAMES))}
    if which == "loss":  # a well-formed pair for every loss: regression targets
        y_true, y_pred = call.args[0].astype(np.float64), np.zeros(len(call.args[0]))
        return Call((y_true, y_pred, call.args[2].astype(np.float64), call.args[3]), kwargs)
    return Call(call.args, kwargs)


def parity(
    function: str, points: float, inputs: st.SearchStrategy[Call], what: str = "", examples: int = 4
) -> ReferenceParity:
    return ReferenceParity(
        name=f"{function} matches reference{what}", function=function, points=points, inputs=inputs, examples=examples
    )


CHECKS = (
    parity("zero_one_loss", 0.4, zero_one_calls),
    parity("squared_loss", 0.3, target_calls),
    parity("absolute_loss", 0.3, target_calls),
    parity("log_loss", 0.4, log_calls),
    parity("log_loss", 0.3, log_extreme_calls, " with tiny and zero probabilities"),
    parity("empirical_risk", 0.6, risk_calls(), examples=20),
    parity("l0_norm", 0.3, norm_calls),
    parity("l0_norm", 0.2, tiny_weights(), " with tiny weights"),
    parity("l1_norm", 0.4, norm_calls),
    parity("l2_norm", 0.4, norm_calls),
    parity("structural_risk", 0.6, structural_calls(), examples=20),
    parity("structural_risk", 0.3, badly_named(), " on unknown names", examples=7),
    parity("penalty_grad", 0.3, penalty_calls, examples=8),
    Gradient(
        name="penalty_grad agrees with central differences of the reference structural_risk",
        function="penalty_grad",
        points=0.3,
        visibility="hidden",
        inputs=penalty_gradient_calls,
        examples=2,
        wrt={"w": 0},
        analytic=penalty_analytic,
        objective=PENALTY,
        of="reference",
    ),
)
