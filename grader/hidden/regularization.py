"""regularization: hidden checks against the reference."""

from __future__ import annotations

from hypothesis import strategies as st

from grader.bank.regularization import bad_probability_calls, dropout_calls, proximal_calls, step_calls
from grader.checks import Call, ReferenceParity

bad_penalty_calls = st.tuples(step_calls(), st.sampled_from(("l2", "L1", "l1_squared", "ridge"))).map(
    lambda r: Call((*r[0].args[:4], r[1]))
)
# a threshold lr·lam of 1.5: most entries end at exactly 0, the rest move by 1.5
strong_penalty_calls = proximal_calls().map(lambda c: Call((c.args[0], c.args[1], 0.5, 3.0)))

CHECKS = (
    ReferenceParity(
        name="dropout_forward matches reference",
        function="dropout_forward",
        points=1.25,
        inputs=dropout_calls(training=None),
        examples=10,
    ),
    ReferenceParity(
        name="dropout_forward raises ValueError for p outside [0, 1]",
        function="dropout_forward",
        points=0.25,
        inputs=bad_probability_calls(),
        examples=2,
    ),
    ReferenceParity(
        name="dropout_backward matches reference",
        function="dropout_backward",
        points=1.0,
        inputs=dropout_calls(training=None),
        examples=10,
    ),
    ReferenceParity(
        name="dropout_backward raises ValueError for p outside [0, 1]",
        function="dropout_backward",
        points=0.25,
        inputs=bad_probability_calls(),
        examples=2,
    ),
    ReferenceParity(
        name="penalized_step matches reference", examples=7, function="penalized_step", points=1.25, inputs=step_calls()
    ),
    ReferenceParity(
        name="penalized_step raises ValueError for an unknown penalty",
        function="penalized_step",
        points=0.25,
        inputs=bad_penalty_calls,
        examples=2,
    ),
    ReferenceParity(
        name="l1_proximal_step matches reference",
        function="l1_proximal_step",
        points=1.25,
        inputs=proximal_calls(),
        examples=10,
    ),
    ReferenceParity(
        name="l1_proximal_step matches reference with a strong penalty",
        function="l1_proximal_step",
        points=0.75,
        inputs=strong_penalty_calls,
        examples=3,
    ),
)
