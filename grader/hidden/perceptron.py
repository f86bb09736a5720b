"""perceptron: hidden checks against the reference.

Every input is exact in binary floating point (see grader.bank.perceptron), so the reference's
float64 run and a student's float32 one make the same mistakes in the same order: training is
compared step for step, on separable data (until convergence) and on random labels (until the
epoch limit).
"""

from __future__ import annotations

from hypothesis import strategies as st

from grader import strategies
from grader.bank.perceptron import NOT_A_GATE, mcp_calls, predict_calls, train_inputs
from grader.checks import Call, ReferenceParity


@st.composite
def zero_one_label_calls(draw: st.DrawFn) -> Call:
    """A training call whose labels are 0/1 (or hold a 0 or a 2 among -1/+1): ValueError."""
    call = draw(train_inputs())
    X, y = call.args
    g = strategies.rng(draw(strategies.seeds))
    bad = (y + 1) // 2 if draw(st.booleans()) else y.copy()
    bad[g.integers(0, len(bad))] = draw(st.sampled_from([0, 2]))
    return Call((X, bad), call.kwargs)


CHECKS = (
    ReferenceParity(
        name="mcp_neuron matches reference", function="mcp_neuron", points=0.75, inputs=mcp_calls, examples=4
    ),
    ReferenceParity(
        name="perceptron_predict matches reference",
        function="perceptron_predict",
        points=0.75,
        inputs=predict_calls,
        examples=4,
    ),
    ReferenceParity(
        name="perceptron_train matches reference on separable data",
        function="perceptron_train",
        points=0.75,
        inputs=train_inputs(epochs=200),
        examples=3,
    ),
    ReferenceParity(
        name="perceptron_train matches reference on random labels, to the epoch limit",
        function="perceptron_train",
        points=0.75,
        inputs=train_inputs(separable=False),
        examples=3,
    ),
    ReferenceParity(
        name="perceptron_train raises ValueError for labels other than -1/+1",
        function="perceptron_train",
        points=0.25,
        inputs=zero_one_label_calls(),
        examples=2,
    ),
    ReferenceParity(
        name="logic_gate_weights raises ValueError for gates no neuron computes",
        function="logic_gate_weights",
        points=0.5,
        inputs=st.sampled_from(NOT_A_GATE).map(lambda name: Call((name,))),
        examples=5,
    ),
)
