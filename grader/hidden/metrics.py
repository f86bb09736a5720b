"""metrics: hidden checks against the reference."""

from __future__ import annotations

from hypothesis import strategies as st

from grader.bank.metrics import AVERAGES, binary, binary_calls, f1_calls, multiclass, multiclass_calls
from grader.checks import Call, ReferenceParity

# Corner cases, each of which hypothesis draws (a sampled_from this small is enumerated).
BINARY_EDGES = st.sampled_from(
    [
        binary((0,), (0,)),  # n = 1, every ratio but accuracy 0/0
        binary((1,), (0,)),
        binary((0,), (1,)),
        binary((1,), (1,)),
        binary((0, 0, 0), (0, 0, 0)),  # all zero
        binary((1, 1, 1), (0, 0, 0)),  # no positive predicted
        binary((1, 0, 1, 0), (0, 0, 0, 0)),
        binary((0, 0), (1, 1)),  # no positive at all
        binary((1, 1), (1, 1)),  # all one
    ]
)
MULTICLASS_EDGES = [
    ((0,), (0,), 2),  # n = 1
    ((2,), (0,), 3),
    ((0, 0, 1), (0, 1, 1), 4),  # classes 2 and 3 absent from both
    ((1, 1, 1), (1, 1, 1), 3),  # one class only, perfectly predicted
    ((0, 1, 2), (1, 2, 0), 3),  # everything wrong
    ((0, 0, 0, 0), (0, 0, 0, 1), 2),
]
matrix_edges = st.sampled_from([multiclass(*edge) for edge in MULTICLASS_EDGES])
f1_edges = st.sampled_from([multiclass(*edge, average) for edge in MULTICLASS_EDGES for average in AVERAGES])
f1_with_absent_classes = f1_calls.map(lambda c: Call((*c.args[:2], c.args[2] + 2), c.kwargs))


def parity(function: str, points: float, inputs: st.SearchStrategy[Call] = binary_calls) -> ReferenceParity:
    return ReferenceParity(name=f"{function} matches reference", function=function, points=points, inputs=inputs)


def edge_parity(function: str, points: float, inputs: st.SearchStrategy[Call] = BINARY_EDGES) -> ReferenceParity:
    return ReferenceParity(
        name=f"{function} matches reference on edge cases", function=function, points=points, inputs=inputs, examples=25
    )


CHECKS = (
    parity("confusion_counts", 0.35),
    edge_parity("confusion_counts", 0.15),
    parity("accuracy", 0.25),
    edge_parity("accuracy", 0.15),
    parity("error_rate", 0.25),
    edge_parity("error_rate", 0.15),
    parity("precision", 0.3),
    edge_parity("precision", 0.2),
    parity("recall", 0.3),
    edge_parity("recall", 0.2),
    parity("f1_score", 0.3),
    edge_parity("f1_score", 0.2),
    parity("confusion_matrix", 0.35, multiclass_calls),
    edge_parity("confusion_matrix", 0.15, matrix_edges),
    parity("multiclass_f1", 0.3, f1_calls),
    ReferenceParity(
        name="multiclass_f1 matches reference with absent classes",
        function="multiclass_f1",
        points=0.2,
        inputs=f1_with_absent_classes,
    ),
    edge_parity("multiclass_f1", 0.15, f1_edges),
)
