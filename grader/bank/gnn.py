"""gnn: functions, outputs, forbidden calls and public checks.

Graphs are drawn to hold what PyG's conventions are about: isolated nodes (they receive no
message: zeros, and a GCN degree of 1), repeated edges (each copy sends its own message and
counts in the degree), self-loops (a normal edge, which adds to the GCN's own + I) and
directed edges (messages flow source -> target only). The hidden checks take their truth from
dense formulas computed in the grader's process (``grader.hidden.gnn``); the public ones are
hand-computed answers and properties: the order of nodes and edges does not matter, isolated
nodes, and relations between a student's own functions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from grader import strategies, tolerance
from grader.checks import Call, Case, CheckFailed, Contract, KnownAnswers, Property, StopCheck, Student, StudentRaised
from grader.exercise import Exercise, Function
from grader.i18n import N_, _
from grader.outputs import Array

FORBIDDEN = ("torch_geometric", "torch_scatter", "torch_sparse", "dgl")
REDUCES = ("sum", "mean", "max")
ACTIVATIONS = ("relu", "tanh", "none")

FUNCTIONS = (
    Function("aggregate", Array(lambda x, *rest: tuple(x.shape)), FORBIDDEN),
    Function("sage_layer", Array(lambda x, edge_index, W_self, *rest: (x.shape[0], W_self.shape[1])), FORBIDDEN),
    Function("gcn_layer", Array(lambda x, edge_index, W, *rest: (x.shape[0], W.shape[1])), FORBIDDEN),
)

# -- inputs ------------------------------------------------------------------------------------


@st.composite
def edge_lists(draw: st.DrawFn, n: int, max_edges: int = 10) -> np.ndarray:
    """An int64 (2, E) edge list on n nodes, E >= 1, in a random order: edges among a random
    subset of the nodes (the others isolated, half the time), with a repeated edge and a
    self-loop each half the time. Directed: an edge's reverse is there only by chance."""
    g = strategies.rng(draw(strategies.seeds))
    active = g.permutation(n)[: draw(st.integers(1, n))] if draw(st.booleans()) else np.arange(n)
    count = draw(st.integers(1, max_edges))
    edges = [g.choice(active, size=2) for _ in range(count)]
    if draw(st.booleans()):
        edges.append(edges[g.integers(len(edges))])  # a repeated edge
    if draw(st.booleans()):
        node = g.choice(active)
        edges.append(np.array([node, node]))  # a self-loop
    stacked = np.array(edges, dtype=np.int64).T
    return np.ascontiguousarray(stacked[:, g.permutation(stacked.shape[1])])


@st.composite
def graph(draw: st.DrawFn, features: str = "normal", max_n: int = 7, max_f: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """(x, edge_index): x (N, F) standard normal rounded to two decimals ("negative": every
    entry below -0.1, where a maximum is negative), N >= 1."""
    dtype = draw(strategies.dtypes)
    n, f = draw(st.integers(1, max_n)), draw(st.integers(1, max_f))
    edge_index = draw(edge_lists(n))
    g = strategies.rng(draw(strategies.seeds))
    x = np.round(g.normal(0.0, 1.0, size=(n, f)), 2)
    if features == "negative":
        x = -np.abs(x) - 0.1
    return x.astype(dtype), edge_index


def _weights(g: np.random.Generator, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    return np.round(g.normal(0.0, 1.0, size=shape), 2).astype(dtype)


@st.composite
def aggregate_inputs(
    draw: st.DrawFn, features: str = "normal", weighted: bool | None = None, invalid: bool = False
) -> Call:
    """(x, edge_index, reduce, edge_weight): every reduce, signed weights (or None) half the
    time; with ``invalid``, an unknown reduce one time in eight."""
    x, edge_index = draw(graph(features))
    reduce = draw(st.sampled_from(REDUCES))
    if invalid and draw(st.integers(0, 7)) == 0:
        reduce = draw(st.sampled_from(["min", "add", "Sum", "avg"]))
    g = strategies.rng(draw(strategies.seeds))
    with_weights = draw(st.booleans()) if weighted is None else weighted
    weight = _weights(g, (edge_index.shape[1],), x.dtype) if with_weights else None
    return Call((x, edge_index, reduce, weight))


@st.composite
def sage_inputs(draw: st.DrawFn, features: str = "normal", invalid: bool = False) -> Call:
    """(x, edge_index, W_self, W_neigh, b, reduce, activation): W of size about 1/√F, b or
    None; with ``invalid``, an unknown reduce or activation one time in eight."""
    x, edge_index = draw(graph(features))
    f_out = draw(st.integers(1, 4))
    g = strategies.rng(draw(strategies.seeds))
    scale = 1.0 / np.sqrt(x.shape[1])
    W_self, W_neigh = (np.round(g.normal(0.0, scale, size=(x.shape[1], f_out)), 2).astype(x.dtype) for _ in range(2))
    b = _weights(g, (f_out,), x.dtype) if draw(st.booleans()) else None
    reduce, activation = draw(st.sampled_from(REDUCES)), draw(st.sampled_from(ACTIVATIONS))
    if invalid and draw(st.integers(0, 7)) == 0:
        if draw(st.booleans()):
            reduce = draw(st.sampled_from(["min", "add"]))
        else:
            activation = draw(st.sampled_from(["sigmoid", "identity", "ReLU"]))
    return Call((x, edge_index, W_self, W_neigh, b, reduce, activation))


@st.composite
def gcn_inputs(draw: st.DrawFn) -> Call:
    """(x, edge_index, W, b): b or None."""
    x, edge_index = draw(graph())
    f_out = draw(st.integers(1, 4))
    g = strategies.rng(draw(strategies.seeds))
    W = np.round(g.normal(0.0, 1.0 / np.sqrt(x.shape[1]), size=(x.shape[1], f_out)), 2).astype(x.dtype)
    b = _weights(g, (f_out,), x.dtype) if draw(st.booleans()) else None
    return Call((x, edge_index, W, b))


aggregate_calls = aggregate_inputs()
sage_calls = sage_inputs()
gcn_calls = gcn_inputs()


@st.composite
def undirected_graph(draw: st.DrawFn) -> Call:
    """(x, edge_index, W = [[1]], None) on a symmetric graph (every edge also reversed,
    self-loops and repeats allowed), x = sqrt(in-degree + 1): the GCN's fixed point."""
    n = draw(st.integers(1, 7))
    half = draw(edge_lists(n, max_edges=6))
    edge_index = np.ascontiguousarray(np.concatenate([half, half[::-1]], axis=1))
    degree = 1 + np.bincount(edge_index[1], minlength=n)
    dtype = draw(strategies.dtypes)
    return Call((np.sqrt(degree.astype(np.float64))[:, None].astype(dtype), edge_index, np.ones((1, 1), dtype), None))


# -- properties (each returns None when it holds, else what is wrong) ---------------------------


def _differs(got: np.ndarray, want: np.ndarray, dtype: np.dtype) -> tuple[int, ...] | None:
    worst = tolerance.worst_mismatch(got, want, tolerance.for_dtype(dtype))
    return None if worst is None else worst.index


def _relabelled(call: Call, seed: int) -> tuple[Call, np.ndarray]:
    """The same graph with its nodes renumbered and its edges shuffled: new node k is old node
    order[k]; the call's other arguments (weights per edge) follow their edges."""
    x, edge_index, *rest = call.args
    g = strategies.rng(seed)
    order = g.permutation(x.shape[0])
    new_number = np.argsort(order)
    shuffle = g.permutation(edge_index.shape[1])
    moved = np.ascontiguousarray(new_number[edge_index][:, shuffle]).astype(np.int64)
    rest = [r[shuffle] if isinstance(r, np.ndarray) and r.shape == (edge_index.shape[1],) else r for r in rest]
    return Call((np.ascontiguousarray(x[order]), moved, *rest)), order


def order_does_not_matter(function: str) -> Any:
    def holds(student: Student, call: Call, out: Any) -> str | None:
        relabelled, order = _relabelled(call, seed=int(call.args[1].sum()) + call.args[0].shape[0])
        again = student(function, relabelled)
        at = _differs(again, out[order], call.args[0].dtype)
        if at is None:
            return None
        return _(
            "with the nodes renumbered (new node k is old node order[k], order = {order}) and the edges "
            "shuffled, row {row} is not old row {old}: the result may not depend on the order of "
            "nodes or edges"
        ).format(order=order.tolist(), row=at[0], old=order[at[0]])

    return holds


def receivers(call: Call) -> np.ndarray:
    x, edge_index = call.args[:2]
    return np.isin(np.arange(x.shape[0]), edge_index[1])


def isolated_rows_are_zero(student: Student, call: Call, out: Any) -> str | None:
    idle = np.flatnonzero(~receivers(call))
    bad = [int(i) for i in idle if not np.all(out[i] == 0)]
    if not bad:
        return None
    return _(
        "node {node} receives no message (no edge points to it), so its row must be zeros, for every "
        "reduce; it is {row}"
    ).format(node=bad[0], row=out[bad[0]].tolist())


def mean_times_count_is_sum(student: Student, call: Call, out: Any) -> str | None:
    x, edge_index, _reduce, weight = call.args
    mean = student("aggregate", Call((x, edge_index, "mean", weight)))
    count = np.bincount(edge_index[1], minlength=x.shape[0]).astype(np.float64)
    at = _differs(mean * count[:, None], out, x.dtype)
    if at is None:
        return None
    return _(
        "aggregate(..., 'mean') times node {node}'s number of incoming edges ({count}) is not "
        "aggregate(..., 'sum') at {at}: the mean divides the sum by the count of edges (repeated edges "
        "and self-loops included), not by the sum of their weights"
    ).format(node=at[0], count=int(count[at[0]]), at=list(at))


def agrees_with_your_aggregate(student: Student, call: Call, out: Any) -> str | None:
    """act(x W_self + aggregate(x) W_neigh + b) with your own aggregate. Where your aggregate
    fails (its own checks say so), sage_layer is not blamed here."""
    x, edge_index, W_self, W_neigh, b, reduce, activation = call.args
    try:
        messages = student("aggregate", Call((x, edge_index, reduce, None)))
    except (CheckFailed, StudentRaised, StopCheck):
        return None
    with np.errstate(invalid="ignore", over="ignore"):  # a NaN or inf of the student's aggregate
        h = x.astype(np.float64) @ W_self + messages @ W_neigh + (0.0 if b is None else b)
    want = {"relu": np.maximum(h, 0.0), "tanh": np.tanh(h), "none": h}[activation]
    at = _differs(out, want, x.dtype)
    if at is None:
        return None
    return _(
        "at {at} the result is {got:.6g}, but {activation}(x @ W_self + aggregate(x, edge_index, "
        "{reduce!r}) @ W_neigh + b) with your aggregate is {expected:.6g}: aggregate first, then the weight"
    ).format(at=list(at), got=out[at], activation=activation, reduce=reduce, expected=want[at])


def isolated_node_is_linear(student: Student, call: Call, out: Any) -> str | None:
    x, _edge_index, W, b = call.args
    want = x.astype(np.float64) @ W + (0.0 if b is None else b)
    for i in np.flatnonzero(~receivers(call)):
        at = _differs(out[i], want[i], x.dtype)
        if at is not None:
            return _(
                "node {node} has no incoming edge: its degree D̂[i, i] is 1 (its + I self-loop alone), so its "
                "row is (x W)[i] + b = {expected}, not {got}"
            ).format(node=int(i), expected=want[i].tolist(), got=out[i].tolist())
    return None


def keeps_its_fixed_point(student: Student, call: Call, out: Any) -> str | None:
    x = call.args[0]
    at = _differs(out, x, x.dtype)
    if at is None:
        return None
    return _(
        "on an undirected graph, x = sqrt(in-degree + 1) with W = [[1]] is kept: D̂^-1/2 Â D̂^-1/2 has the "
        "eigenvector D̂^1/2·1 with eigenvalue 1; row {row} is {got:.6g}, expected {expected:.6g}"
    ).format(row=at[0], got=out[at], expected=x[at])


# -- known answers -----------------------------------------------------------------------------

# Four nodes: 0 -> 1 twice (a repeated edge), 1 -> 2, 2 -> 2 (a self-loop), 2 -> 0; node 3 isolated.
X4 = np.array([[1.0, -1.0], [2.0, 0.0], [-3.0, 5.0], [7.0, 7.0]])
E4 = np.array([[0, 0, 1, 2, 2], [1, 1, 2, 2, 0]], dtype=np.int64)
W4 = np.array([2.0, -1.0, 0.5, 3.0, -2.0])


def _i64(*rows: list[int]) -> np.ndarray:
    return np.array(rows, dtype=np.int64)


# Budgets by measured catch power (bench/catch_power.py --exercise gnn): each generated check
# keeps the default 13 examples where fewer stopped catching a buggy variant, else the
# smallest of 7 and 4 that still caught every one.
CHECKS = (
    Contract(
        name="aggregate returns an (N, F) tensor", function="aggregate", points=0.25, inputs=aggregate_calls, examples=4
    ),
    KnownAnswers(
        name="aggregate known answers (isolated node, repeated edge, self-loop)",
        function="aggregate",
        points=1.25,
        cases=(
            Case(Call((X4, E4)), np.array([[-3.0, 5], [2, -2], [-1, 5], [0, 0]])),
            Case(Call((X4, E4, "mean")), np.array([[-3.0, 5], [1, -1], [-0.5, 2.5], [0, 0]])),
            Case(Call((X4, E4, "max")), np.array([[-3.0, 5], [1, -1], [2, 5], [0, 0]])),
            Case(Call((X4, E4, "sum", W4)), np.array([[6.0, -10], [1, -1], [-8, 15], [0, 0]])),
            Case(Call((X4, E4, "mean", W4)), np.array([[6.0, -10], [0.5, -0.5], [-4, 7.5], [0, 0]])),
            Case(Call((X4, E4, "max", W4)), np.array([[6.0, -10], [2, 1], [1, 15], [0, 0]])),
            Case(
                Call((np.array([[-1.0], [-2], [-3]], dtype=np.float32), _i64([0, 1], [2, 2]), "max")),
                np.array([[0.0], [0], [-1]]),
            ),
            Case(Call((np.array([[5.0, -5.0]]), _i64([0], [0]), "mean")), np.array([[5.0, -5.0]])),
            Case(Call((X4, E4, "min")), raises=ValueError),
            Case(Call((X4, E4, "add")), raises=ValueError),
        ),
    ),
    Property(
        name="aggregate does not depend on the order of nodes and edges",
        function="aggregate",
        points=0.5,
        inputs=aggregate_calls,
        holds=order_does_not_matter("aggregate"),
    ),
    Property(
        name="aggregate gives zeros to a node that receives no message",
        function="aggregate",
        points=0.25,
        inputs=aggregate_calls,
        holds=isolated_rows_are_zero,
    ),
    Property(
        name="aggregate's mean times the number of incoming edges is its sum",
        function="aggregate",
        points=0.25,
        inputs=aggregate_inputs().map(lambda c: Call((*c.args[:2], "sum", c.args[3]))),
        examples=7,
        holds=mean_times_count_is_sum,
    ),
    Contract(
        name="sage_layer returns an (N, F') tensor", function="sage_layer", points=0.25, inputs=sage_calls, examples=4
    ),
    KnownAnswers(
        name="sage_layer known answers",
        function="sage_layer",
        points=0.75,
        cases=(
            Case(
                Call(
                    (
                        np.array([[1.0], [-2]]),
                        _i64([0], [1]),
                        np.array([[1.0]]),
                        np.array([[2.0]]),
                        None,
                        "mean",
                        "none",
                    )
                ),
                np.array([[1.0], [0]]),
            ),
            Case(
                Call((X4, E4, np.array([[1.0], [0]]), np.array([[0.0], [-1]]), np.array([-1.0]), "max", "none")),
                np.array([[-5.0], [2], [-9], [6]]),
            ),
            Case(
                Call(
                    (
                        np.array([[1.0], [-2]], dtype=np.float32),
                        _i64([0, 1], [1, 0]),
                        np.array([[0.5]], dtype=np.float32),
                        np.array([[1.0]], dtype=np.float32),
                        np.array([0.0], dtype=np.float32),
                        "sum",
                        "tanh",
                    )
                ),
                np.array([[np.tanh(-1.5)], [0.0]]),
            ),
            Case(Call((X4, E4, np.zeros((2, 1)), np.array([[1.0], [1]]))), np.array([[2.0], [0], [2], [0]])),
            Case(Call((X4, E4, np.eye(2), np.eye(2), None, "mean", "sigmoid")), raises=ValueError),
            Case(Call((X4, E4, np.eye(2), np.eye(2), None, "min", "relu")), raises=ValueError),
        ),
    ),
    Property(
        name="sage_layer agrees with your aggregate (aggregate first, then the weight)",
        evidence=("sage_layer known answers", "aggregate known answers (isolated node, repeated edge, self-loop)"),
        function="sage_layer",
        points=0.5,
        inputs=sage_calls,
        examples=7,
        holds=agrees_with_your_aggregate,
    ),
    Property(
        name="sage_layer does not depend on the order of nodes and edges",
        function="sage_layer",
        points=0.25,
        inputs=sage_calls,
        examples=7,
        holds=order_does_not_matter("sage_layer"),
    ),
    Contract(
        name="gcn_layer returns an (N, F') tensor", function="gcn_layer", points=0.25, inputs=gcn_calls, examples=4
    ),
    KnownAnswers(
        name="gcn_layer known answers (repeated edges and input self-loops count)",
        function="gcn_layer",
        points=1.0,
        cases=(
            Case(
                Call((np.array([[1.0], [4]]), _i64([0], [1]), np.array([[1.0]]))),
                np.array([[1.0], [1 / np.sqrt(2) + 2]]),
            ),
            Case(
                Call((np.array([[2.0], [3]]), _i64([0, 1], [1, 1]), np.array([[1.0]]), np.array([1.0]))),
                np.array([[3.0], [3 + 2 / np.sqrt(3)]]),
            ),
            Case(
                Call(
                    (
                        np.array([[1.0], [1], [0]], dtype=np.float32),
                        _i64([0, 0, 1], [2, 2, 2]),
                        np.array([[2.0]], dtype=np.float32),
                    )
                ),
                np.array([[2.0], [2.0], [3.0]]),
            ),
            Case(
                Call((np.array([[1.0, 2], [3, 4], [5, 6]]), _i64([0], [1]), np.eye(2), np.array([0.5, -0.5]))),
                np.array([[1.5, 1.5], [1 / np.sqrt(2) + 1.5 + 0.5, 2 / np.sqrt(2) + 2 - 0.5], [5.5, 5.5]]),
            ),
        ),
    ),
    Property(
        name="gcn_layer does not depend on the order of nodes and edges",
        function="gcn_layer",
        points=0.25,
        inputs=gcn_calls,
        examples=4,
        holds=order_does_not_matter("gcn_layer"),
    ),
    Property(
        name="gcn_layer gives a node without incoming edges (x W)[i] + b",
        function="gcn_layer",
        points=0.25,
        inputs=gcn_calls,
        examples=4,
        holds=isolated_node_is_linear,
    ),
    Property(
        name="gcn_layer keeps sqrt(in-degree + 1) on an undirected graph",
        function="gcn_layer",
        points=0.25,
        inputs=undirected_graph(),
        examples=4,
        holds=keeps_its_fixed_point,
    ),
)

EXERCISE = Exercise("gnn", N_("Graph neural networks: message passing, GraphSAGE and GCN layers"), FUNCTIONS, CHECKS)
