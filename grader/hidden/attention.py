"""attention: hidden checks against the reference."""

from __future__ import annotations

from hypothesis import strategies as st

from grader import strategies
from grader.bank.attention import (
    attention_call,
    attention_calls,
    indivisible_mha_calls,
    mha_calls,
    self_attention_calls,
)
from grader.checks import ReferenceParity

# Huge scores only in float64: a float32 score of 1e4 is off by about 1e-3, enough to move
# a softmax of near-equal scores beyond the float32 tolerance.
huge_float64_calls = strategies.attention_inputs(scale=1e4, float64=True).map(attention_call)

CHECKS = (
    ReferenceParity(
        name="scaled_dot_product_attention matches reference",
        function="scaled_dot_product_attention",
        points=2.0,
        inputs=st.one_of(attention_calls, huge_float64_calls),
        examples=20,
    ),
    ReferenceParity(
        name="self_attention matches reference", function="self_attention", points=1.25, inputs=self_attention_calls
    ),
    ReferenceParity(
        name="multi_head_attention matches reference",
        function="multi_head_attention",
        points=2.0,
        inputs=st.one_of(mha_calls, mha_calls, indivisible_mha_calls),
        examples=20,
    ),
)
