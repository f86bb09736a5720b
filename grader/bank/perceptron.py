"""perceptron: functions, outputs, forbidden calls and public checks.

Every input here is exact in binary floating point (0/1 inputs, half-integer or integer
weights, learning rates that are powers of two in float64 and integers in float32), so that a
weighted sum that reaches a threshold or a score of exactly 0 is the same in float32, in
float64 and in any order of summation: the ties SPEC pins down (>= fires, a score of 0 is +1
and a mistake) are decided by the student's comparison, never by rounding.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from grader import strategies
from grader.checks import Call, Case, Contract, KnownAnswers, Property, Student
from grader.exercise import Exercise, Function
from grader.forbidden import AUTOGRAD
from grader.i18n import N_, _, ngettext
from grader.outputs import Array, Scalar, Tuple

FORBIDDEN = ("sklearn", *AUTOGRAD)

# Budgets (hypothesis examples per generated check) by measured catch power: bench/catch_power.py
# found every check that fails on a buggy variant at full budget still failing at a tenth of it
# (56 of 56). They are set at about a quarter, not at the floor of 2, where a check's inputs make
# a tie in half the draws: four draws miss every tie one time in sixteen, two one time in four.
# The gate checks keep one example per gate.

GATES = {  # the truth table of each gate on x = (0, 0), (0, 1), (1, 0), (1, 1)
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
    "nand": (1, 1, 1, 0),
    "nor": (1, 0, 0, 0),
}
GATE_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
NOT_A_GATE = ("xor", "xnor", "not", "nor ", "implies")


def _rows(X: np.ndarray, *_: Any, **__: Any) -> tuple[int, ...]:
    return (X.shape[0],)


FUNCTIONS = (
    Function("mcp_neuron", Array(_rows, kind="int"), FORBIDDEN),
    Function("perceptron_predict", Array(lambda w, b, X: (X.shape[0],), kind="int"), FORBIDDEN),
    Function(
        "perceptron_train",
        Tuple(
            (
                Array(lambda X, *_, **__: (X.shape[1],), label="w"),
                Scalar(label="b"),
                Scalar(kind="int", label="epochs_run"),
            )
        ),
        FORBIDDEN,
    ),
    Function(
        "logic_gate_weights", Tuple((Array(lambda gate: (2,), label="w", lists=True), Scalar(label="b"))), FORBIDDEN
    ),
)

# -- inputs ------------------------------------------------------------------------------------

INPUT_DTYPES: tuple[np.dtype[Any], ...] = (np.dtype(np.int64), np.dtype(np.float32), np.dtype(np.float64))


@st.composite
def mcp_inputs(draw: st.DrawFn) -> Call:
    """(x, w, threshold): x (n, d) of 0/1 in int64, float32 or float64; w half-integers in
    [-3, 3]; the threshold, half the time exactly the weighted sum of one row (a tie)."""
    x_dtype, w_dtype = draw(st.sampled_from(INPUT_DTYPES)), draw(strategies.dtypes)
    n, d = draw(st.integers(1, 8)), draw(st.integers(1, 5))
    g = strategies.rng(draw(strategies.seeds))
    x = g.integers(0, 2, size=(n, d))
    w = g.integers(-6, 7, size=d) / 2.0
    tie = draw(st.booleans())
    threshold = float(x[g.integers(0, n)] @ w) if tie else float(g.integers(-6, 7) / 2.0)
    return Call((x.astype(x_dtype), w.astype(w_dtype), threshold))


@st.composite
def predict_inputs(draw: st.DrawFn) -> Call:
    """(w, b, X): integers in [-3, 3]; b a Python float or a 0-d array, half the time set so
    that one row scores exactly 0."""
    dtype = draw(strategies.dtypes)
    n, d = draw(st.integers(1, 8)), draw(st.integers(1, 4))
    g = strategies.rng(draw(strategies.seeds))
    w, X = g.integers(-3, 4, size=d).astype(np.float64), g.integers(-3, 4, size=(n, d)).astype(np.float64)
    b = -float(X[g.integers(0, n)] @ w) if draw(st.booleans()) else float(g.integers(-3, 4))
    bias: Any = b if draw(st.booleans()) else np.array(b, dtype=dtype)
    return Call((w.astype(dtype), bias, X.astype(dtype)))


def learning_rates(dtype: np.dtype) -> st.SearchStrategy[float]:
    """Rates that keep every update exact: integers in float32 (SPEC), powers of two in float64."""
    return st.sampled_from([1.0, 2.0, 3.0] if dtype == np.float32 else [1.0, 0.5, 0.25, 2.0])


def _order(draw: st.DrawFn, g: np.random.Generator, n: int) -> Any:
    """None, or a permutation of 0 … n-1 as a list of ints or an int64 array."""
    form = draw(st.sampled_from(["none", "list", "array"]))
    if form == "none":
        return None
    permutation = g.permutation(n)
    return [int(i) for i in permutation] if form == "list" else permutation.astype(np.int64)


@st.composite
def training_data(draw: st.DrawFn, separable: bool = True, max_n: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """(X, y): X (n, d) integers in [-4, 4], y int64 of -1/+1 with both labels present. With
    ``separable``, y is the side of an integer hyperplane w*·x + b* that every point misses
    by at least 1, so the perceptron converges within a few hundred updates (Novikoff's
    bound (R/γ)² with R <= 7, γ >= 1/√13); else the labels are drawn at random."""
    n, d = draw(st.integers(2, max_n)), draw(st.integers(1, 3))
    g = strategies.rng(draw(strategies.seeds))
    for _attempt in range(1000):
        X = g.integers(-4, 5, size=(n, d)).astype(np.float64)
        if separable:
            w_star, b_star = g.integers(-2, 3, size=d), int(g.integers(-2, 3))
            scores = X @ w_star + b_star
            if np.any(np.abs(scores) < 1):
                continue
            y = np.where(scores > 0, 1, -1).astype(np.int64)
        else:
            y = g.choice([-1, 1], size=n).astype(np.int64)
        if len(set(y.tolist())) == 2:
            return X, y
    raise AssertionError(f"no training set of shape {(n, d)}")  # pragma: no cover


@st.composite
def train_inputs(draw: st.DrawFn, separable: bool = True, epochs: int | None = None, orders: bool = True) -> Call:
    """A call of perceptron_train: (X, y) from ``training_data``, in float32 or float64, with
    an exact learning rate, ``epochs`` (drawn in 1 … 6 when None), and an order (or None)."""
    dtype = draw(strategies.dtypes)
    X, y = draw(training_data(separable))
    g = strategies.rng(draw(strategies.seeds))
    kwargs: dict[str, Any] = {"lr": draw(learning_rates(dtype)), "epochs": epochs or draw(st.integers(1, 6))}
    if orders:
        kwargs["order"] = _order(draw, g, len(y))
    return Call((X.astype(dtype), y), kwargs)


CONVERGED_EPOCHS = 1000  # more than Novikoff's bound on the updates for training_data
contract_train_calls = train_inputs(epochs=CONVERGED_EPOCHS)
separable_train_calls = train_inputs(epochs=CONVERGED_EPOCHS)
permuted_train_calls = train_inputs(epochs=CONVERGED_EPOCHS, orders=False)
mcp_calls = mcp_inputs()
predict_calls = predict_inputs()
gate_calls = st.sampled_from(sorted(GATES)).map(lambda gate: Call((gate,)))


def _t(*rows: Any, dtype: Any = np.float64) -> np.ndarray:
    return np.array(rows, dtype=dtype)


def _labels(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


# -- properties --------------------------------------------------------------------------------


def fires_at_the_threshold(student: Student, call: Call, out: Any) -> str | None:
    x, w, threshold = call.args
    sums = x.astype(np.float64) @ w.astype(np.float64)
    expected = (sums >= threshold).astype(np.int64)
    wrong = np.flatnonzero(out != expected)
    if not wrong.size:
        return None
    i = int(wrong[0])
    values = {"i": i, "sum": sums[i], "threshold": threshold, "expected": expected[i], "got": out[i]}
    if sums[i] == threshold:
        return _(
            "row {i}: the weighted sum {sum:g} reaches the threshold {threshold:g}, so the neuron "
            "should output {expected}, got {got} (reaching the threshold fires)"
        ).format(**values)
    if sums[i] >= threshold:
        return _(
            "row {i}: the weighted sum {sum:g} reaches the threshold {threshold:g}, so the neuron "
            "should output {expected}, got {got}"
        ).format(**values)
    return _(
        "row {i}: the weighted sum {sum:g} is below the threshold {threshold:g}, so the neuron "
        "should output {expected}, got {got}"
    ).format(**values)


def signs_of_the_scores(student: Student, call: Call, out: Any) -> str | None:
    w, b, X = call.args
    scores = X.astype(np.float64) @ w.astype(np.float64) + float(b)
    expected = np.where(scores >= 0, 1, -1)
    wrong = np.flatnonzero(out != expected)
    if not wrong.size:
        return None
    i = int(wrong[0])
    values = {"i": i, "score": scores[i], "expected": expected[i], "got": out[i]}
    if scores[i] == 0:
        return _(
            "row {i}: the score w·x + b is {score:g}, so the label is {expected:+d}, got {got} "
            "(a score of exactly 0 gives +1)"
        ).format(**values)
    return _("row {i}: the score w·x + b is {score:g}, so the label is {expected:+d}, got {got}").format(**values)


def separates_the_data(student: Student, call: Call, out: Any) -> str | None:
    X, y = call.args
    w, b, epochs_run = out
    epochs = call.kwargs["epochs"]
    if not 1 <= int(epochs_run) < epochs:
        return _(
            "epochs_run is {epochs_run}; on linearly separable data the perceptron converges, "
            "so training should end before the limit of {epochs} epochs (and run at least 1)"
        ).format(epochs_run=int(epochs_run), epochs=epochs)
    margins = y * (X.astype(np.float64) @ w + float(b))
    bad = np.flatnonzero(margins <= 0)
    if bad.size:
        i = int(bad[0])
        return ngettext(
            "training ended after {epochs_run} epoch, but example {i} is still a mistake: "
            "y·(w·x + b) = {margin:g} (a mistake is <= 0); the last epoch must have had no mistakes",
            "training ended after {epochs_run} epochs, but example {i} is still a mistake: "
            "y·(w·x + b) = {margin:g} (a mistake is <= 0); the last epoch must have had no mistakes",
            int(epochs_run),
        ).format(epochs_run=int(epochs_run), i=i, margin=margins[i])
    return None


def order_is_permuted_data(student: Student, call: Call, out: Any) -> str | None:
    """Visiting the examples in order p is training on X[p], y[p] in their own order: checked
    with p as a list of ints and as an int64 tensor."""
    X, y = call.args
    g = strategies.rng(len(y) * 7919 + int(np.abs(X).sum()))
    p = g.permutation(len(y))
    permuted = student("perceptron_train", Call((X[p], y[p]), call.kwargs))
    for as_list, order in ((True, [int(i) for i in p]), (False, p.astype(np.int64))):
        ordered = student("perceptron_train", Call(call.args, {**call.kwargs, "order": order}))
        for name, a, b in zip(("w", "b", "epochs_run"), ordered, permuted, strict=True):
            if np.array_equal(a, b):
                continue
            values = {"order": [int(i) for i in p], "name": name, "ordered": _show(a), "permuted": _show(b)}
            if as_list:
                return _(
                    "with order = {order} given as a list, training should visit X[order[0]], "
                    "X[order[1]], …: the same as training on X[order], y[order] with order None. "
                    "{name} differs: {ordered} with the order, {permuted} on the permuted data"
                ).format(**values)
            return _(
                "with order = {order} given as an int64 tensor, training should visit X[order[0]], "
                "X[order[1]], …: the same as training on X[order], y[order] with order None. "
                "{name} differs: {ordered} with the order, {permuted} on the permuted data"
            ).format(**values)
    return None


def realises_the_gate(student: Student, call: Call, out: Any) -> str | None:
    (gate,) = call.args
    w, b = out
    sums = GATE_INPUTS @ w + float(b)
    fired = (sums >= 0).astype(int)
    for x, s, got, want in zip(GATE_INPUTS.astype(int), sums, fired, GATES[gate], strict=True):
        if got != want:
            return _(
                "{gate}({x0}, {x1}) is {want}, but w·x + b = {s:g} with w = {w}, b = {b:g} "
                "gives {got} (the neuron fires when w·x + b >= 0)"
            ).format(gate=gate, x0=x[0], x1=x[1], want=want, s=s, w=_show(w), b=float(b), got=got)
    return None


def _show(v: Any) -> str:
    v = np.asarray(v)
    return str(v.tolist()) if v.ndim else f"{v.item():g}"


CHECKS = (
    Contract(name="mcp_neuron returns (n,) integers", function="mcp_neuron", points=0.25, inputs=mcp_calls, examples=2),
    KnownAnswers(
        name="mcp_neuron known answers: AND, OR, inhibition, a tie fires",
        function="mcp_neuron",
        points=0.5,
        cases=(
            Case(Call((_labels(0, 0, 0, 1, 1, 0, 1, 1).reshape(4, 2), _t(1, 1), 2.0)), _labels(0, 0, 0, 1)),
            Case(Call((_labels(0, 0, 0, 1, 1, 0, 1, 1).reshape(4, 2), _t(1, 1), 1.0)), _labels(0, 1, 1, 1)),
            Case(
                Call((_t([1, 0, 1], [1, 1, 1], dtype=np.float32), _t(1, -2, 1, dtype=np.float32), 1.5)), _labels(1, 0)
            ),
            Case(Call((_t([1.0, 1.0], [0.0, 1.0]), _t(0.5, 0.5), 1.0)), _labels(1, 0)),
        ),
    ),
    Property(
        name="mcp_neuron fires exactly when the weighted sum reaches the threshold",
        function="mcp_neuron",
        points=0.5,
        inputs=mcp_calls,
        examples=4,
        holds=fires_at_the_threshold,
    ),
    Contract(
        name="perceptron_predict returns (n,) integers",
        function="perceptron_predict",
        points=0.25,
        inputs=predict_calls,
        examples=2,
    ),
    KnownAnswers(
        name="perceptron_predict known answers: a score of 0 gives +1",
        function="perceptron_predict",
        points=0.5,
        cases=(
            Case(Call((_t(1, -1), 0.0, _t([2, 1], [1, 1], [0, 3]))), _labels(1, 1, -1)),
            Case(
                Call((_t(2, dtype=np.float32), np.array(-1.0, dtype=np.float32), _t([0], [1], dtype=np.float32))),
                _labels(-1, 1),
            ),
            Case(Call((_t(0, 0), 0.0, _t([5, -5]))), _labels(1)),
        ),
    ),
    Property(
        name="perceptron_predict is the sign of w·x + b, with +1 at 0",
        function="perceptron_predict",
        points=0.5,
        inputs=predict_calls,
        examples=4,
        holds=signs_of_the_scores,
    ),
    Contract(
        name="perceptron_train returns (w, b, epochs_run)",
        function="perceptron_train",
        points=0.25,
        inputs=contract_train_calls,
        examples=2,
    ),
    KnownAnswers(
        name="perceptron_train known answers",
        function="perceptron_train",
        points=1.0,
        cases=(
            # SPEC's example: two mistakes in epoch 1, none in epoch 2.
            Case(Call((_t([1, 0], [0, 1]), _labels(1, -1))), (_t(1, -1), 0.0, 2)),
            # Visited in order [1, 0]: (0, 1) first, a mistake: w = (0, -1), b = -1; then (1, 0)
            # scores -1 with y = +1: w = (1, -1), b = 0. Epoch 2 is clean, as with order None.
            Case(Call((_t([1, 0], [0, 1]), _labels(1, -1)), {"order": [1, 0]}), (_t(1, -1), 0.0, 2)),
            # Three epochs are not enough here (separable, but slowly):
            #   epoch 1: (1,0) scores 0: w = (1, 0), b = 1; (2,0) scores 3, y = -1: w = (-1, 0), b = 0.
            #   epoch 2: (1,0) scores -1: w = (0, 0), b = 1; (2,0) scores 1: w = (-2, 0), b = 0.
            #   epoch 3: (1,0) scores -2: w = (-1, 0), b = 1; (2,0) scores -1, right. Limit reached.
            Case(Call((_t([1, 0], [2, 0]), _labels(1, -1)), {"epochs": 3}), (_t(-1, 0), 1.0, 3)),
            # The order decides the answer: all labels +1, so the first example visited (a
            # mistake at score 0) becomes w, and b = 1; the other two then score 3 and 5, or 5
            # and 5, and epoch 2 is clean.
            Case(Call((_t([-1, 2], [-2, 0], [-2, 1]), _labels(1, 1, 1))), (_t(-1, 2), 1.0, 2)),
            Case(
                Call((_t([-1, 2], [-2, 0], [-2, 1]), _labels(1, 1, 1)), {"order": np.array([2, 1, 0])}),
                (_t(-2, 1), 1.0, 2),
            ),
            # lr = 2 in float32: every update doubles, and so does the bias.
            Case(
                Call((_t([1, 0], [0, 1], dtype=np.float32), _labels(1, -1)), {"lr": 2.0}),
                (_t(2, -2), 0.0, 2),
            ),
            # One epoch allowed: it ends with its mistakes made, epochs_run 1.
            Case(Call((_t([3], [1]), _labels(1, 1)), {"epochs": 1}), (_t(3), 1.0, 1)),
        ),
    ),
    KnownAnswers(
        name="perceptron_train rejects labels other than -1/+1",
        function="perceptron_train",
        points=0.5,
        cases=(
            Case(Call((_t([1, 0], [0, 1]), _labels(1, 0))), raises=ValueError),
            Case(Call((_t([1, 0], [0, 1], [1, 1]), _labels(0, 0, 1))), raises=ValueError),
            Case(Call((_t([1, 0], [0, 1]), _labels(2, -1))), raises=ValueError),
        ),
    ),
    Property(
        name="perceptron_train separates linearly separable data",
        function="perceptron_train",
        points=0.75,
        inputs=separable_train_calls,
        examples=2,
        holds=separates_the_data,
    ),
    Property(
        name="perceptron_train visits the examples in the given order",
        function="perceptron_train",
        points=0.75,
        inputs=permuted_train_calls,
        examples=2,
        holds=order_is_permuted_data,
    ),
    Contract(
        name="logic_gate_weights returns (w, b)",
        function="logic_gate_weights",
        points=0.25,
        inputs=gate_calls,
        examples=4,
    ),
    Property(
        name="logic_gate_weights realises the gate's truth table",
        function="logic_gate_weights",
        points=1.75,
        inputs=gate_calls,
        examples=4,
        holds=realises_the_gate,
    ),
    KnownAnswers(
        name="logic_gate_weights raises ValueError for xor, xnor and unknown gates",
        function="logic_gate_weights",
        points=0.5,
        cases=tuple(Case(Call((name,)), raises=ValueError) for name in ("xor", "xnor", "buffer")),
    ),
)

EXERCISE = Exercise("perceptron", N_("Neurons and the perceptron"), FUNCTIONS, CHECKS)
