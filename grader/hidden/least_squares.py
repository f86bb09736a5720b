"""least_squares: hidden checks against the reference."""

from __future__ import annotations

from hypothesis import strategies as st

from grader import strategies
from grader.bank.least_squares import fit_calls, line_calls, predict_calls, ridge_calls
from grader.checks import Call, ReferenceParity

square_fit_calls = st.integers(1, 4).flatmap(
    lambda d: st.tuples(strategies.seeds, strategies.dtypes).map(
        lambda s: Call(
            (
                strategies.design_matrix(s[0], d + 1, d).astype(s[1]),
                strategies.rng(s[0]).normal(size=d + 1).round(2).astype(s[1]),
            )
        )
    )
)

CHECKS = (
    ReferenceParity(name="fit_line matches reference", function="fit_line", points=1.0, inputs=line_calls),
    ReferenceParity(name="fit matches reference", function="fit", points=1.0, inputs=fit_calls),
    ReferenceParity(
        name="fit matches reference when n = d + 1", function="fit", points=0.5, inputs=square_fit_calls, examples=5
    ),
    ReferenceParity(name="predict matches reference", function="predict", points=1.0, inputs=predict_calls),
    ReferenceParity(name="ridge_fit matches reference", function="ridge_fit", points=1.25, inputs=ridge_calls),
)
