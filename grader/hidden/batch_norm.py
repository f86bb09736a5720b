"""batch_norm: hidden checks against the reference.

They reach the functions as the public checks do, through the adapters the public module
declares: ``THROUGH_FORWARD`` (the backward through each side's own forward cache) and
``FORWARD_OUT`` (the forward's out alone; the caches are not comparable).
"""

from __future__ import annotations

from hypothesis import strategies as st

from grader import strategies
from grader.bank import batch_norm as public
from grader.checks import Call, ReferenceParity

# the smallest batches (n = 2 or 3) and the ends of the momentum's range
train_edges = st.tuples(
    strategies.batch_norm_layer(max_n=3, max_d=2), st.sampled_from([0.0, 1.0, 0.3]), public.eps_kwargs
).map(lambda r: Call(r[0][:5], {"momentum": r[1], **r[2]}))
hidden_gradient_calls = strategies.batch_norm_layer(
    min_n=3, max_n=6, max_d=3, scales=strategies.BATCH_GRADIENT_SCALES, float64=True
).map(lambda r: Call((*r[:3], r[5])))

CHECKS = (
    ReferenceParity(
        name="batchnorm_forward matches reference",
        function=public.FORWARD,
        points=1.0,
        inputs=public.forward_calls,
        via=public.FORWARD_OUT,
    ),
    public.backward_gradient(
        name="batchnorm_backward agrees with central differences of the reference forward",
        points=1.0,
        inputs=hidden_gradient_calls,
        of="reference",
    ),
    ReferenceParity(
        name="batchnorm_backward matches reference",
        function=public.BACKWARD,
        points=1.0,
        inputs=public.backward_calls,
        via=public.THROUGH_FORWARD,
    ),
    ReferenceParity(
        name="batchnorm_train_step matches reference",
        function="batchnorm_train_step",
        points=0.75,
        inputs=public.train_calls,
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
        inputs=public.inference_calls,
    ),
)
