"""lstm: functions, outputs, forbidden calls and public checks.

The properties judge a cell by what must hold whatever its weights: |h| < 1; the cell state
passes unchanged through a forget gate saturated open with the input gate shut; each row of a
batch is computed on its own; a sequence ends in its last hidden state. The known answers use
weights a student can follow by hand, chosen so that a swapped gate order, a forgotten bias or
the textbook GRU convention each give another number.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader import strategies
from grader.checks import Call, Case, Contract, KnownAnswers, Property, Student, compare, input_dtype
from grader.exercise import Exercise, Function
from grader.i18n import N_, _
from grader.outputs import Array, Tuple

FORBIDDEN = (
    "torch.nn.LSTM*",
    "torch.nn.GRU*",
    "torch.nn.RNN*",
    # what the modules call, as torch.overrides.resolve_name reports it: torch.lstm_cell,
    # torch.lstm, torch.gru_cell, torch.gru, torch.rnn_tanh_cell, torch.rnn_relu_cell, ...
    "torch.lstm*",
    "torch.gru*",
    "torch.rnn_tanh*",
    "torch.rnn_relu*",
    "torch._VF",
    "torch._VF.*",
)


def _state(x: np.ndarray, h: np.ndarray, *_: Any) -> tuple[int, ...]:
    return tuple(h.shape)


def _hs(xs: np.ndarray, h0: np.ndarray, *_: Any) -> tuple[int, ...]:
    return (xs.shape[0], *h0.shape)


FUNCTIONS = (
    Function("lstm_step", Tuple((Array(_state, label="h_next"), Array(_state, label="c_next"))), FORBIDDEN),
    Function(
        "lstm_forward",
        Tuple((Array(_hs, label="hs"), Tuple((Array(_state, label="h_T"), Array(_state, label="c_T"))))),
        FORBIDDEN,
    ),
    Function("gru_step", Array(_state, label="h_next"), FORBIDDEN),
    Function("rnn_step", Array(_state, label="h_next"), FORBIDDEN),
)

# -- inputs ------------------------------------------------------------------------------------

lstm_step_calls = strategies.recurrent_cell("lstm").map(lambda a: Call(a))
lstm_forward_calls = strategies.recurrent_cell("lstm", steps=True).map(lambda a: Call(a))
gru_step_calls = strategies.recurrent_cell("gru").map(lambda a: Call(a))
rnn_step_calls = strategies.recurrent_cell("rnn").map(lambda a: Call(a))

# The batch axis of each argument (None: a weight) and of each output, for ``each_row_alone``.
STEP_AXES = {"lstm_step": (0, 0, 0), "gru_step": (0, 0), "rnn_step": (0, 0)}
BATCH_AXES = {**STEP_AXES, "lstm_forward": (1, 0, 0)}
OUTPUT_AXES: dict[str, Any] = {"lstm_step": (0, 0), "lstm_forward": (1, (0, 0)), "gru_step": 0, "rnn_step": 0}

SATURATED = 40.0  # sigmoid(40) = 1 and sigmoid(-40) = 0, in float32 and in float64


def _t(*rows: Any) -> np.ndarray:
    return np.array(rows, dtype=np.float64)


def _zeros(*shape: int) -> np.ndarray:
    return np.zeros(shape)


# -- properties --------------------------------------------------------------------------------


def _hidden(function: str, out: Any) -> np.ndarray:
    """The hidden state(s) of a result: h_next, or hs for a sequence."""
    return out[0] if function in ("lstm_step", "lstm_forward") else out


def hidden_state_below_one(function: str) -> Any:
    def holds(student: Student, call: Call, out: Any) -> str | None:
        h = _hidden(function, out)
        if not np.all(np.isfinite(h)):
            return _("the hidden state holds nan or inf")
        if np.all(np.abs(h) < 1):
            return None
        worst = tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(h)), h.shape))
        return _(
            "the hidden state is {value:.6g} at {at}; a tanh (times a gate in [0, 1]) "
            "keeps every entry strictly between -1 and 1"
        ).format(value=float(h[worst]), at=list(worst))

    return holds


def cell_state_carried_through(student: Student, call: Call, out: Any) -> str | None:
    x, h, c, W_ih, W_hh, b_ih, b_hh = call.args
    H = h.shape[1]
    b_ih, b_hh = b_ih.copy(), b_hh.copy()
    b_ih[:H] = -SATURATED  # input gate shut, through b_ih
    b_hh[H : 2 * H] = SATURATED  # forget gate open, through b_hh
    _h_next, c_next = student("lstm_step", Call((x, h, c, W_ih, W_hh, b_ih, b_hh)))
    problem = compare(c_next, c.astype(np.float64), c.dtype, reveal=True, where="c_next")
    if problem is None:
        return None
    return _(
        "with the forget gate saturated open (b_hh[H:2H] = {open:g}) and the input gate shut "
        "(b_ih[:H] = {shut:g}), c_next should equal c: {problem}"
    ).format(open=SATURATED, shut=-SATURATED, problem=problem)


def _take(value: Any, i: int, axis: Any) -> Any:
    if isinstance(axis, tuple):
        return tuple(_take(v, i, a) for v, a in zip(value, axis, strict=True))
    return np.ascontiguousarray(np.take(value, [i], axis=axis))


def each_row_alone(function: str) -> Any:
    def holds(student: Student, call: Call, out: Any) -> str | None:
        axes = BATCH_AXES[function]
        n = call.args[0].shape[axes[0]]
        for i in range(n):
            args = tuple(_take(a, i, axes[k]) if k < len(axes) else a for k, a in enumerate(call.args))
            alone = student(function, Call(args))
            problem = compare(alone, _take(out, i, OUTPUT_AXES[function]), input_dtype(call), reveal=True)
            if problem:
                return _(
                    "row {i} of the batch, computed on its own, gives another result than within the batch: "
                    "{problem}; each row must depend on its own inputs only"
                ).format(i=i, problem=problem)
        return None

    return holds


def last_hidden_state_is_final(student: Student, call: Call, out: Any) -> str | None:
    hs, (h_T, _c_T) = out
    problem = compare(hs[-1], h_T, input_dtype(call), reveal=True, where="hs[-1]")
    if problem is None:
        return None
    return _("hs[-1] should be h_T, the hidden state after the last step (hs holds h_1 … h_T): {problem}").format(
        problem=problem
    )


def one_step_is_lstm_step(student: Student, call: Call, out: Any) -> str | None:
    xs, *rest = call.args
    hs, (h_T, c_T) = student("lstm_forward", Call((np.ascontiguousarray(xs[:1]), *rest)))
    h_next, c_next = student("lstm_step", Call((np.ascontiguousarray(xs[0]), *rest)))
    dtype = input_dtype(call)
    for got, want, where in ((hs[0], h_next, "hs[0]"), (h_T, h_next, "h_T"), (c_T, c_next, "c_T")):
        problem = compare(got, want, dtype, reveal=True, where=where)
        if problem:
            return _("with T = 1, lstm_forward(xs[:1], ...) should be one lstm_step(xs[0], ...): {problem}").format(
                problem=problem
            )
    return None


# -- known answers -----------------------------------------------------------------------------
# Gate biases of ±50 saturate a sigmoid to exactly 0 or 1, so the answers stay hand-computable:
# i = sigmoid(50) = 1, f = sigmoid(-50) = 0.

LSTM_STEP_CASES = (
    # zero weights: every gate 0.5, g = 0, so c_next = 0.5 c and h_next = 0.5 tanh(0.5 c)
    Case(
        Call((_t([1.0, -2.0]), _t([0.5]), _t([2.0]), _zeros(4, 2), _zeros(4, 1), _zeros(4), _zeros(4))),
        (_t([0.5 * np.tanh(1.0)]), _t([1.0])),
    ),
    # i = 1, f = 0, o = 1 and g = tanh(1) from b_hh: c_next = tanh(1), h_next = tanh(tanh(1))
    Case(
        Call(
            (_t([1.0]), _t([0.5]), _t([2.0]), _zeros(4, 1), _zeros(4, 1), _t(50.0, -50.0, 0.0, 50.0), _t(0, 0, 1.0, 0))
        ),
        (_t([np.tanh(np.tanh(1.0))]), _t([np.tanh(1.0)])),
    ),
    # only the candidate g sees x (rows 2H … 3H - 1 of W_ih), two samples
    Case(
        Call(
            (
                _t([0.5], [-1.0]),
                _t([0.0], [0.0]),
                _t([0.0], [2.0]),
                _t([0.0], [0.0], [1.0], [0.0]),
                _zeros(4, 1),
                _zeros(4),
                _zeros(4),
            )
        ),
        (
            _t([0.5 * np.tanh(0.5 * np.tanh(0.5))], [0.5 * np.tanh(1.0 - 0.5 * np.tanh(1.0))]),
            _t([0.5 * np.tanh(0.5)], [1.0 - 0.5 * np.tanh(1.0)]),
        ),
    ),
)

LSTM_FORWARD_CASES = (
    # zero weights, c0 = 4: c halves at each step, h_t = 0.5 tanh(c_t)
    Case(
        Call((_t([[1.0]], [[-1.0]]), _t([0.3]), _t([4.0]), _zeros(4, 1), _zeros(4, 1), _zeros(4), _zeros(4))),
        (_t([[0.5 * np.tanh(2.0)]], [[0.5 * np.tanh(1.0)]]), (_t([0.5 * np.tanh(1.0)]), _t([1.0]))),
    ),
    # i = 1, f = 0, o = 1, g = tanh(x): c_t = tanh(x_t), h_t = tanh(tanh(x_t)), three steps
    Case(
        Call(
            (
                _t([[1.0]], [[0.0]], [[-0.5]]),
                _t([0.0]),
                _t([3.0]),
                _t([0.0], [0.0], [1.0], [0.0]),
                _zeros(4, 1),
                _t(50.0, -50.0, 0.0, 50.0),
                _zeros(4),
            )
        ),
        (
            _t([[np.tanh(np.tanh(1.0))]], [[0.0]], [[np.tanh(np.tanh(-0.5))]]),
            (_t([np.tanh(np.tanh(-0.5))]), _t([np.tanh(-0.5)])),
        ),
    ),
)

GRU_STEP_CASES = (
    # zero weights: r = z = 0.5, n = 0, so h_next = 0.5 h
    Case(Call((_t([1.0]), _t([0.8]), _zeros(3, 1), _zeros(3, 1), _zeros(3), _zeros(3))), _t([0.4])),
    # update gate z = 1 keeps the old state: h_next = h (the textbook convention gives n = 0)
    Case(Call((_t([1.0]), _t([0.8]), _zeros(3, 1), _zeros(3, 1), _t(0.0, 50.0, 0.0), _zeros(3))), _t([0.8])),
    # z = 0, r = 0.5, b_hn = 1: n = tanh(0.5 · (W_hn h + b_hn)) = tanh(0.5), reset after the product
    Case(
        Call((_t([1.0]), _t([0.8]), _zeros(3, 1), _zeros(3, 1), _t(0.0, -50.0, 0.0), _t(0.0, 0.0, 1.0))),
        _t([np.tanh(0.5)]),
    ),
)

RNN_STEP_CASES = (
    Case(Call((_t([0.5]), _t([0.0]), _t([1.0]), _t([0.0]), _t(0.0), _t(0.0))), _t([np.tanh(0.5)])),
    # both biases count: tanh(1 + 0.5)
    Case(Call((_t([2.0]), _t([0.7]), _t([0.0]), _t([0.0]), _t(1.0), _t(0.5))), _t([np.tanh(1.5)])),
    # W_ih has one row per hidden unit: x W_ihᵀ = [1 · 0 + 0 · 1, 0] = [0, 0], x W_ih would be [0, 1]
    Case(
        Call(
            (
                _t([1.0, 0.0]),
                _t([0.0, 0.5]),
                _t([0.0, 1.0], [0.0, 0.0]),
                _t([1.0, 0.0], [0.0, 1.0]),
                _t(0.0, 0.0),
                _t(0.0, 0.0),
            )
        ),
        _t([0.0, np.tanh(0.5)]),
    ),
)

CHECKS = (
    Contract(name="lstm_step returns (h_next, c_next)", function="lstm_step", points=0.25, inputs=lstm_step_calls),
    KnownAnswers(name="lstm_step known answers", function="lstm_step", points=0.75, cases=LSTM_STEP_CASES),
    Property(
        name="lstm_step keeps |h_next| < 1",
        function="lstm_step",
        points=0.5,
        inputs=lstm_step_calls,
        holds=hidden_state_below_one("lstm_step"),
    ),
    Property(
        name="lstm_step carries c through an open forget gate and a shut input gate",
        function="lstm_step",
        points=0.5,
        inputs=lstm_step_calls,
        holds=cell_state_carried_through,
    ),
    Property(
        name="lstm_step computes each row on its own",
        function="lstm_step",
        points=0.25,
        inputs=lstm_step_calls,
        examples=5,
        holds=each_row_alone("lstm_step"),
    ),
    Contract(
        name="lstm_forward returns (hs, (h_T, c_T))", function="lstm_forward", points=0.25, inputs=lstm_forward_calls
    ),
    KnownAnswers(name="lstm_forward known answers", function="lstm_forward", points=0.5, cases=LSTM_FORWARD_CASES),
    Property(
        name="lstm_forward's last hidden state hs[-1] is h_T",
        function="lstm_forward",
        points=0.5,
        inputs=lstm_forward_calls,
        holds=last_hidden_state_is_final,
    ),
    Property(
        name="lstm_forward with T = 1 is one lstm_step",
        evidence=("lstm_forward known answers", "lstm_step known answers"),
        function="lstm_forward",
        points=0.25,
        inputs=lstm_forward_calls,
        examples=5,
        holds=one_step_is_lstm_step,
    ),
    Property(
        name="lstm_forward computes each sequence of the batch on its own",
        function="lstm_forward",
        points=0.25,
        inputs=lstm_forward_calls,
        examples=5,
        holds=each_row_alone("lstm_forward"),
    ),
    Contract(name="gru_step returns h_next", function="gru_step", points=0.25, inputs=gru_step_calls),
    KnownAnswers(name="gru_step known answers", function="gru_step", points=0.75, cases=GRU_STEP_CASES),
    Property(
        name="gru_step keeps |h_next| < 1",
        function="gru_step",
        points=0.25,
        inputs=gru_step_calls,
        holds=hidden_state_below_one("gru_step"),
    ),
    Property(
        name="gru_step computes each row on its own",
        function="gru_step",
        points=0.25,
        inputs=gru_step_calls,
        examples=5,
        holds=each_row_alone("gru_step"),
    ),
    Contract(name="rnn_step returns h_next", function="rnn_step", points=0.25, inputs=rnn_step_calls),
    KnownAnswers(name="rnn_step known answers", function="rnn_step", points=0.5, cases=RNN_STEP_CASES),
    Property(
        name="rnn_step keeps |h_next| < 1",
        function="rnn_step",
        points=0.25,
        inputs=rnn_step_calls,
        holds=hidden_state_below_one("rnn_step"),
    ),
    Property(
        name="rnn_step computes each row on its own",
        function="rnn_step",
        points=0.25,
        inputs=rnn_step_calls,
        examples=5,
        holds=each_row_alone("rnn_step"),
    ),
)

EXERCISE = Exercise("lstm", N_("Recurrent cells: LSTM, GRU and RNN"), FUNCTIONS, CHECKS)
