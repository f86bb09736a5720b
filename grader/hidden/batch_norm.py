"""batch_norm: hidden checks against the reference."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from grader import strategies
from grader.bank.batch_norm import (
    BACKWARD,
    BACKWARD_OBJECTIVE,
    FORWARD,
    WRT,
    BackwardGradient,
    backward_calls,
    backward_gradients,
    eps_kwargs,
    explain_through_forward,
    forward_calls,
    forward_out,
    inference_calls,
    through_forward,
    train_calls,
)
from grader.checks import Call, Context, ReferenceParity


@dataclass(frozen=True, kw_only=True)
class ForwardParity(ReferenceParity):
    """batchnorm_forward's out equals the reference's (the caches are not comparable)."""

    def run(self, ctx: Context) -> None:
        super().run(forward_out(ctx))


@dataclass(frozen=True, kw_only=True)
class BackwardParity(ReferenceParity):
    """batchnorm_backward(dout, cache) equals the reference's, each side's cache made by its
    own forward on (x, gamma, beta) and kept where it was computed (see ThroughForward)."""

    def run(self, ctx: Context) -> None:
        super().run(through_forward(ctx))

    def explain(self, call: Call, exc: Exception) -> str:
        return explain_through_forward(self, call, exc)


# the smallest batches (n = 2 or 3) and the ends of the momentum's range
train_edges = st.tuples(
    strategies.batch_norm_layer(max_n=3, max_d=2), st.sampled_from([0.0, 1.0, 0.3]), eps_kwargs
).map(lambda r: Call(r[0][:5], {"momentum": r[1], **r[2]}))
hidden_gradient_calls = strategies.batch_norm_layer(
    min_n=3, max_n=6, max_d=3, scales=strategies.BATCH_GRADIENT_SCALES, float64=True
).map(lambda r: Call((*r[:3], r[5])))

CHECKS = (
    ForwardParity(name="batchnorm_forward matches reference", function=FORWARD, points=1.0, inputs=forward_calls),
    BackwardGradient(
        name="batchnorm_backward agrees with central differences of the reference forward",
        function=BACKWARD,
        points=1.0,
        visibility="hidden",
        of="reference",
        inputs=hidden_gradient_calls,
        examples=2,
        wrt=WRT,
        analytic=backward_gradients,
        objective=BACKWARD_OBJECTIVE,
    ),
    BackwardParity(name="batchnorm_backward matches reference", function=BACKWARD, points=1.0, inputs=backward_calls),
    ReferenceParity(
        name="batchnorm_train_step matches reference",
        function="batchnorm_train_step",
        points=0.75,
        inputs=train_calls,
    ),
    ReferenceParity(
        name="batchnorm_train_step matches reference at n = 2 and momentum 0 or 1",
        function="batchnorm_train_step",
        points=0.25,
        inputs=train_edges,
        examples=5,
    ),
    ReferenceParity(
        name="batchnorm_inference matches reference",
        function="batchnorm_inference",
        points=0.75,
        inputs=inference_calls,
    ),
)
