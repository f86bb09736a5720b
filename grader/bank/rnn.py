"""rnn: functions, outputs, forbidden calls and public checks.

A tanh RNN over whole sequences, time first, in PyTorch's weight layout. The public checks
judge what holds whatever the weights: hs ends in h_T and stays in (-1, 1); h0 None is zeros;
BPTT's gradients are those of central differences of the student's own rnn_forward; a padded
batch holds each sequence, in order, exactly where its mask is True; each direction of the
bidirectional RNN ends where h_n says; a sentence vector never reads a padding position. The
known answers are small enough to follow by hand and tell the classic slips apart (W_hh used
untransposed, no gradient through time, the backward direction left reversed).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from grader import strategies
from grader.checks import Call, Case, Contract, Gradient, KnownAnswers, Objective, Property, Student, compare
from grader.checks import input_dtype as dtype_of
from grader.exercise import Exercise, Function
from grader.forbidden import AUTOGRAD
from grader.i18n import N_, _
from grader.outputs import Array, Dict, Tuple

FORBIDDEN = (
    "torch.nn.RNN*",
    "torch.nn.LSTM*",
    "torch.nn.GRU*",
    # what the modules call, as torch.overrides.resolve_name reports it
    "torch.rnn_tanh*",
    "torch.rnn_relu*",
    "torch.lstm*",
    "torch.gru*",
    "torch._VF",
    "torch._VF.*",
    # pad_sequence, pack_padded_sequence, pack_sequence, unpad_sequence, ...
    "torch.nn.utils.rnn",
    "torch.nn.utils.rnn.*",
    "torch._C._nn.pad_sequence",
)

PARAMS = ("W_ih", "W_hh", "b_ih", "b_hh")
REVERSE = tuple(f"{k}_reverse" for k in PARAMS)
GRADIENTS = ("xs", "h0", *PARAMS)


def _hs(xs: np.ndarray, h0: Any, W_ih: np.ndarray, W_hh: np.ndarray, *_: Any) -> tuple[int, ...]:
    return (xs.shape[0], xs.shape[1], W_hh.shape[0])


def _state(xs: np.ndarray, h0: Any, W_ih: np.ndarray, W_hh: np.ndarray, *_: Any) -> tuple[int, ...]:
    return (xs.shape[1], W_hh.shape[0])


def _padded(seqs: list[np.ndarray], *_: Any) -> tuple[int, ...]:
    return (max(len(s) for s in seqs), len(seqs), *seqs[0].shape[1:])


def _mask(seqs: list[np.ndarray], *_: Any) -> tuple[int, ...]:
    return (max(len(s) for s in seqs), len(seqs))


def _bi_out(xs: np.ndarray, h0: Any, params: dict[str, np.ndarray]) -> tuple[int, ...]:
    return (xs.shape[0], xs.shape[1], 2 * params["W_hh"].shape[0])


def _bi_state(xs: np.ndarray, h0: Any, params: dict[str, np.ndarray]) -> tuple[int, ...]:
    return (2, xs.shape[1], params["W_hh"].shape[0])


_GRADIENT_SHAPES = {
    "xs": lambda xs, *_: tuple(xs.shape),
    "h0": _state,
    "W_ih": lambda xs, h0, W_ih, *_: tuple(W_ih.shape),
    "W_hh": lambda xs, h0, W_ih, W_hh, *_: tuple(W_hh.shape),
    "b_ih": lambda xs, h0, W_ih, W_hh, b_ih, *_: tuple(b_ih.shape),
    "b_hh": lambda xs, h0, W_ih, W_hh, b_ih, b_hh, *_: tuple(b_hh.shape),
}

FUNCTIONS = (
    Function("rnn_forward", Tuple((Array(_hs, label="hs"), Array(_state, label="h_T"))), FORBIDDEN),
    Function(
        "rnn_bptt",
        Dict({k: Array(_GRADIENT_SHAPES[k]) for k in GRADIENTS}, label="grads", extra_keys="ignored"),
        FORBIDDEN + AUTOGRAD,
    ),
    # padded keeps the sequences' dtype (int64 token ids too): "float" accepts integers
    Function(
        "pad_sequences", Tuple((Array(_padded, label="padded"), Array(_mask, kind="bool", label="mask"))), FORBIDDEN
    ),
    Function("birnn_forward", Tuple((Array(_bi_out, label="out"), Array(_bi_state, label="h_n"))), FORBIDDEN),
    Function("sentence_encoding", Array(lambda hs, *_: (hs.shape[1], hs.shape[2])), FORBIDDEN),
)

# -- inputs ------------------------------------------------------------------------------------


@st.composite
def rnn_arguments(
    draw: st.DrawFn, dtypes: st.SearchStrategy[np.dtype[Any]] = strategies.dtypes, h0: bool | None = None, size: int = 5
) -> tuple[Any, ...]:
    """(xs, h0, W_ih, W_hh, b_ih, b_hh): xs (T, n, d), h0 (n, H) or None (``h0`` None: drawn),
    weights about 0.5 in size (strategies.recurrent_cell), T, n, d, H up to ``size`` (n to 4)."""
    dtype = draw(dtypes)
    xs, h, *weights = draw(strategies.recurrent_cell("rnn", steps=True, max_width=size, max_steps=size))
    with_h0 = draw(st.booleans()) if h0 is None else h0
    return tuple(a.astype(dtype) if a is not None else None for a in (xs, h if with_h0 else None, *weights))


@st.composite
def bptt_arguments(
    draw: st.DrawFn, dtypes: st.SearchStrategy[np.dtype[Any]] = strategies.dtypes, h0: bool | None = None, size: int = 5
) -> tuple[Any, ...]:
    """rnn_arguments and dhs (T, n, H): standard normal, or, in a third of the draws, zero
    except at T - 1 (a loss on the last state only, the seed's case)."""
    args = draw(rnn_arguments(dtypes, h0, size))
    xs, W_hh = args[0], args[3]
    g = strategies.rng(draw(strategies.seeds))
    dhs = np.round(g.normal(0.0, 1.0, size=(xs.shape[0], xs.shape[1], W_hh.shape[0])), 2)
    if draw(st.integers(0, 2)) == 0:
        dhs[:-1] = 0.0
    return (*args, dhs.astype(xs.dtype))


@st.composite
def sequences(draw: st.DrawFn, paddings: st.SearchStrategy[str]) -> tuple[Any, ...]:
    """(seqs, padding, value): 1 to 4 sequences of lengths 1 to 6 (all equal in a fifth of the
    draws: no padding at all), either int64 token ids (L_i,) or float (L_i, f) or (L_i, f, 2)."""
    g = strategies.rng(draw(strategies.seeds))
    B = draw(st.integers(1, 4))
    lengths = (
        [draw(st.integers(1, 6))] * B if draw(st.integers(0, 4)) == 0 else [draw(st.integers(1, 6)) for _ in range(B)]
    )
    kind = draw(st.sampled_from(["tokens", "float32", "float64"]))
    if kind == "tokens":
        seqs = [g.integers(0, 10, size=L).astype(np.int64) for L in lengths]  # 0 collides with a fill of 0
        value = float(draw(st.sampled_from([0, -1, 3])))
    else:
        trailing = draw(st.sampled_from([(2,), (3,), (1,), (2, 2)]))
        seqs = [np.round(g.normal(0.0, 1.0, size=(L, *trailing)), 2).astype(kind) for L in lengths]
        value = draw(st.sampled_from([0.0, -1.0, 2.5]))
    return seqs, draw(paddings), value


@st.composite
def birnn_arguments(draw: st.DrawFn) -> tuple[Any, ...]:
    """(xs, h0, params): h0 (2, n, H) or None, params with both directions' weights drawn apart
    (and, in a fifth of the draws, an extra key that must be ignored)."""
    xs, h, *forward = draw(rnn_arguments(h0=True))
    g = strategies.rng(draw(strategies.seeds))
    dtype = xs.dtype
    reverse = [np.round(g.normal(0.0, 0.5, size=w.shape), 2).astype(dtype) for w in forward]
    params = dict(zip(PARAMS + REVERSE, [*forward, *reverse], strict=True))
    if draw(st.integers(0, 4)) == 0:
        params["W_ih_l1"] = np.ones((1, 1), dtype=dtype)
    h0 = np.stack([h, np.round(g.uniform(-0.9, 0.9, size=h.shape), 2).astype(dtype)])
    return xs, h0 if draw(st.booleans()) else None, params


def padding_mask(g: np.random.Generator, T: int, n: int, form: str) -> np.ndarray:
    """A (T, n) bool mask with a True in every column: "pre" (True at the end), "post" (True
    at the start), or "scattered" (not contiguous), lengths drawn from 1 to T."""
    mask = np.zeros((T, n), dtype=bool)
    for i in range(n):
        L = int(g.integers(1, T + 1))
        if form == "pre":
            mask[T - L :, i] = True
        elif form == "post":
            mask[:L, i] = True
        else:
            mask[:, i] = g.random(T) < 0.5
            mask[g.integers(0, T), i] = True
    return mask


@st.composite
def encoding_arguments(draw: st.DrawFn, methods: st.SearchStrategy[str]) -> tuple[Any, ...]:
    """(hs, mask, method): hs (T, n, H) in (-1, 1), a mask padded before, after or scattered."""
    dtype = draw(strategies.dtypes)
    T, n, H = draw(st.integers(1, 6)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    g = strategies.rng(draw(strategies.seeds))
    hs = np.round(g.uniform(-0.99, 0.99, size=(T, n, H)), 2).astype(dtype)
    mask = padding_mask(g, T, n, draw(st.sampled_from(["pre", "post", "scattered"])))
    return hs, mask, draw(methods)


rnn_forward_calls = rnn_arguments().map(lambda a: Call(a))
rnn_bptt_calls = bptt_arguments().map(lambda a: Call(a))
# central differences cost two forwards per entry: float64, h0 given, sizes up to 4
bptt_gradient_calls = bptt_arguments(strategies.float64_only, h0=True, size=4).map(lambda a: Call(a))
pad_calls = sequences(st.sampled_from(["pre", "post"])).map(lambda a: Call(a))
birnn_calls = birnn_arguments().map(lambda a: Call(a))
encoding_calls = encoding_arguments(st.sampled_from(["last", "mean"])).map(lambda a: Call(a))


def _t(*rows: Any) -> np.ndarray:
    return np.array(rows, dtype=np.float64)


# -- properties --------------------------------------------------------------------------------


def hs_end_in_last_state(student: Student, call: Call, out: Any) -> str | None:
    hs, h_T = out
    if not np.all(np.isfinite(hs)) or not np.all(np.abs(hs) < 1):
        return _("every state of hs must lie strictly between -1 and 1 (it is a tanh)")
    problem = compare(hs[-1], h_T, dtype_of(call), reveal=True, where="hs[-1]")
    if problem:
        return _("hs[-1] should be h_T, the state after the last step (hs holds h_1 … h_T, not h0): {problem}").format(
            problem=problem
        )
    return None


def no_h0_is_zeros(student: Student, call: Call, out: Any) -> str | None:
    xs, _h0, W_ih, W_hh, b_ih, b_hh = call.args
    zeros = np.zeros((xs.shape[1], W_hh.shape[0]), dtype=xs.dtype)
    given = student("rnn_forward", Call((xs, zeros, W_ih, W_hh, b_ih, b_hh)))
    absent = student("rnn_forward", Call((xs, None, W_ih, W_hh, b_ih, b_hh)))
    for i, name in enumerate(("hs", "h_T")):
        problem = compare(absent[i], given[i], dtype_of(call), reveal=True, where=name)
        if problem:
            return _("h0 = None should mean a zero initial state: with None, {problem} (the value with zeros)").format(
                problem=problem
            )
    return None


def pads_each_sequence_in_place(student: Student, call: Call, out: Any) -> str | None:
    seqs, padding, value = call.args
    padded, mask = out
    T = padded.shape[0]
    for b, s in enumerate(seqs):
        L = len(s)
        where = np.flatnonzero(mask[:, b])
        expected = np.arange(T - L, T) if padding == "pre" else np.arange(L)
        if not np.array_equal(where, expected):
            return _(
                "with padding={padding!r}, sequence {b} (length {length}) should fill steps {first} … "
                "{last} of column {b}, where mask is True, but mask is True at steps {steps}"
            ).format(padding=padding, b=b, length=L, first=expected[0], last=expected[-1], steps=where.tolist())
        if not np.array_equal(padded[where, b], s):
            return _("padded[{start}:{stop}, {b}] should be sequence {b} itself, in order").format(
                start=expected[0], stop=expected[-1] + 1, b=b
            )
        if not np.all(np.delete(padded[:, b], where, axis=0) == value):
            return _("column {b} of padded should hold the fill value {value:g} wherever mask is False").format(
                b=b, value=value
            )
    return None


def h_n_is_each_direction_last(student: Student, call: Call, out: Any) -> str | None:
    states, h_n = out
    H = h_n.shape[2]
    for k, (got, where) in enumerate(((states[-1, :, :H], "out[T-1, :, :H]"), (states[0, :, H:], "out[0, :, H:]"))):
        problem = compare(h_n[k], got, dtype_of(call), reveal=True, where=f"h_n[{k}]")
        if problem:
            message = (
                _(
                    "h_n[{k}] should be the forward direction's last state, {where} "
                    "(the backward direction ends after reading xs[0]): {problem}"
                )
                if k == 0
                else _(
                    "h_n[{k}] should be the backward direction's last state, {where} "
                    "(the backward direction ends after reading xs[0]): {problem}"
                )
            )
            return message.format(k=k, where=where, problem=problem)
    return None


def ignores_padding(student: Student, call: Call, out: Any) -> str | None:
    hs, mask, method = call.args
    noisy = hs.copy()
    noisy[~mask] = 0.5 - noisy[~mask]  # every padding state changed, the real ones kept
    changed = student("sentence_encoding", Call((noisy, mask, method)))
    problem = compare(changed, out, dtype_of(call), reveal=True)
    if problem:
        return _("changing hs only where mask is False changed the {method!r} sentence vector: {problem}").format(
            method=method, problem=problem
        )
    return None


# -- the gradient of BPTT ----------------------------------------------------------------------


def upstream_dot(out: Any, call: Call) -> float:
    """E = Σ_t Σ dhs[t] ⊙ hs[t]: its gradient with respect to hs is dhs."""
    return float(np.sum(call.args[6] * out[0]))


def upstream_size(out: Any, call: Call) -> float:
    return float(np.sum(np.abs(call.args[6] * out[0])))


bptt_objective = Objective("rnn_forward", lambda c: Call(c.args[:6]), upstream_dot, upstream_size)
BPTT_WRT = {name: i for i, name in enumerate(GRADIENTS)}


def bptt_analytic(student: Student, call: Call) -> dict[str, Any]:
    return dict(zip(GRADIENTS, student("rnn_bptt", call), strict=True))


# -- known answers -----------------------------------------------------------------------------

_s1 = np.tanh(1.0)
_s2 = np.tanh(-1.0 + _s1)
RNN_FORWARD_CASES = (
    # two steps from zeros, both biases: s1 = tanh(1 + 0.5 - 0.5), s2 = tanh(-1 + s1)
    Case(
        Call((_t([[1.0]], [[-1.0]]), None, _t([1.0]), _t([1.0]), _t(0.5), _t(-0.5))),
        (_t([[_s1]], [[_s2]]), _t([_s2])),
    ),
    # h W_hhᵀ with W_hh = [[0, 1], [0, 0]]: [h[1], 0] = [-0.5, 0]; h W_hh would give [0, 0.5]
    Case(
        Call((_t([[3.0]]), _t([0.5, -0.5]), _t([0.0], [0.0]), _t([0.0, 1.0], [0.0, 0.0]), _t(0.0, 0.0), _t(0.0, 0.0))),
        (_t([[np.tanh(-0.5), 0.0]]), _t([np.tanh(-0.5), 0.0])),
    ),
)


def _bptt_one_step() -> Case:
    # a = 1 · 0.5 + 2 · 0.25 = 1, s = tanh(1), da = 1 - s²: dxs = da W_ih, dh0 = da W_hh
    k = 1.0 - np.tanh(1.0) ** 2
    call = Call((_t([[0.5]]), _t([0.25]), _t([1.0]), _t([2.0]), _t(0.0), _t(0.0), _t([[1.0]])))
    grads = {"xs": _t([[k]]), "h0": _t([2 * k]), "W_ih": _t([0.5 * k]), "W_hh": _t([0.25 * k])}
    return Case(call, {**grads, "b_ih": _t(k), "b_hh": _t(k)})


def _bptt_through_time() -> Case:
    # loss on the last state only: the gradient reaches s_0 (and xs[0], W_ih) through W_hh
    s0, s1 = np.tanh(1.0), np.tanh(np.tanh(1.0))
    da1 = 1.0 - s1**2
    da0 = da1 * 1.0 * (1.0 - s0**2)
    call = Call((_t([[1.0]], [[0.0]]), None, _t([1.0]), _t([1.0]), _t(0.0), _t(0.0), _t([[0.0]], [[1.0]])))
    grads = {"xs": _t([[da0]], [[da1]]), "h0": _t([da0]), "W_ih": _t([da0]), "W_hh": _t([da1 * s0])}
    return Case(call, {**grads, "b_ih": _t(da0 + da1), "b_hh": _t(da0 + da1)})


RNN_BPTT_CASES = (_bptt_one_step(), _bptt_through_time())

_tokens = [np.array([1, 2, 3]), np.array([4])]
_vectors = [_t([1.0, 2.0], [3.0, 4.0]), _t([5.0, 6.0])]
PAD_CASES = (
    # the default is "pre": the short sequence ends at T - 1
    Case(
        Call((_tokens,)), (np.array([[1, 0], [2, 0], [3, 4]]), np.array([[True, False], [True, False], [True, True]]))
    ),
    Case(
        Call((_vectors, "post", -1.0)),
        (
            np.array([[[1.0, 2.0], [5.0, 6.0]], [[3.0, 4.0], [-1.0, -1.0]]]),
            np.array([[True, True], [True, False]]),
        ),
    ),
    Case(Call((_tokens, "left")), raises=ValueError),
)

# backward direction: it reads xs[1] first: b1 = tanh(2 · -1), then b0 = tanh(2 · 0.5 + b1)
_b1 = np.tanh(-2.0)
_b0 = np.tanh(1.0 + _b1)
_ONE = {"W_ih": _t([1.0]), "W_hh": _t([0.0]), "b_ih": _t(0.0), "b_hh": _t(0.0)}
_BACK = {"W_ih_reverse": _t([2.0]), "W_hh_reverse": _t([1.0]), "b_ih_reverse": _t(0.0), "b_hh_reverse": _t(0.0)}
_FROM_H0 = {"W_ih": _t([0.0]), "W_hh": _t([1.0]), "b_ih": _t(0.0), "b_hh": _t(0.0)}
_FROM_H0_BACK = {f"{k}_reverse": v for k, v in _FROM_H0.items()}
BIRNN_CASES = (
    Case(
        Call((_t([[0.5]], [[-1.0]]), None, {**_ONE, **_BACK})),
        (_t([[np.tanh(0.5), _b0]], [[np.tanh(-1.0), _b1]]), _t([[np.tanh(-1.0)]], [[_b0]])),
    ),
    # one step, each direction from its own h0: h0[0] forward, h0[1] backward
    Case(
        Call((_t([[0.0]]), _t([[0.5]], [[-0.25]]), {**_FROM_H0, **_FROM_H0_BACK})),
        (_t([[np.tanh(0.5), np.tanh(-0.25)]]), _t([[np.tanh(0.5)]], [[np.tanh(-0.25)]])),
    ),
)

_word_states = np.arange(6.0).reshape(3, 2, 1)  # hs[t, i] = 2t + i
_pre = np.array([[False, True], [True, True], [True, True]])
_scattered = np.array([[True, True], [False, True], [True, False]])
ENCODING_CASES = (
    Case(Call((_word_states, _pre, "last")), _t([4.0], [5.0])),
    Case(Call((_word_states, _pre, "mean")), _t([3.0], [3.0])),  # (2 + 4) / 2 and (1 + 3 + 5) / 3
    Case(Call((_word_states, _scattered)), _t([4.0], [3.0])),  # the default "last": t = 2 and t = 1
    Case(Call((_word_states, _scattered, "mean")), _t([2.0], [2.0])),
    Case(Call((_word_states, _pre, "max")), raises=ValueError),
)

# Budgets by measured catch power (bench/catch_power.py --exercise rnn): at a quarter of the
# usual 13 examples every check still caught every buggy variant it caught at full budget, but
# for the two of sentence_encoding that lose a catch there; those keep half.
EXAMPLES = 4
EXAMPLES_HALF = 7

CHECKS = (
    # rnn_forward: 2.5 (hidden 1.25)
    Contract(
        name="rnn_forward returns (hs, h_T)",
        function="rnn_forward",
        points=0.25,
        inputs=rnn_forward_calls,
        examples=EXAMPLES,
    ),
    KnownAnswers(name="rnn_forward known answers", function="rnn_forward", points=0.5, cases=RNN_FORWARD_CASES),
    Property(
        name="rnn_forward's hs lies in (-1, 1) and ends in h_T",
        function="rnn_forward",
        points=0.25,
        inputs=rnn_forward_calls,
        examples=EXAMPLES,
        holds=hs_end_in_last_state,
    ),
    Property(
        name="rnn_forward with h0 None starts from zeros",
        function="rnn_forward",
        points=0.25,
        inputs=rnn_forward_calls,
        examples=2,
        holds=no_h0_is_zeros,
    ),
    # rnn_bptt: 3.5 (hidden 1.75)
    Contract(
        name="rnn_bptt returns a dict of gradients shaped like the arguments",
        function="rnn_bptt",
        points=0.25,
        inputs=rnn_bptt_calls,
        examples=EXAMPLES,
    ),
    KnownAnswers(name="rnn_bptt known answers", function="rnn_bptt", points=0.5, cases=RNN_BPTT_CASES),
    Gradient(
        name="rnn_bptt agrees with central differences of your rnn_forward",
        evidence=("rnn_bptt known answers", "rnn_forward known answers"),
        function="rnn_bptt",
        points=1.0,
        inputs=bptt_gradient_calls,
        wrt=BPTT_WRT,
        analytic=bptt_analytic,
        objective=bptt_objective,
    ),
    # pad_sequences: 2.0 (hidden 0.75)
    Contract(
        name="pad_sequences returns (padded, mask)",
        function="pad_sequences",
        points=0.25,
        inputs=pad_calls,
        examples=EXAMPLES,
    ),
    KnownAnswers(name="pad_sequences known answers", function="pad_sequences", points=0.5, cases=PAD_CASES),
    Property(
        name="pad_sequences puts each sequence where its mask is True and the fill value elsewhere",
        function="pad_sequences",
        points=0.5,
        inputs=pad_calls,
        examples=EXAMPLES,
        holds=pads_each_sequence_in_place,
    ),
    # birnn_forward: 2.5 (hidden 1.5)
    Contract(
        name="birnn_forward returns (out, h_n)",
        function="birnn_forward",
        points=0.25,
        inputs=birnn_calls,
        examples=EXAMPLES,
    ),
    KnownAnswers(name="birnn_forward known answers", function="birnn_forward", points=0.5, cases=BIRNN_CASES),
    Property(
        name="birnn_forward's h_n holds each direction's last state",
        function="birnn_forward",
        points=0.25,
        inputs=birnn_calls,
        examples=EXAMPLES,
        holds=h_n_is_each_direction_last,
    ),
    # sentence_encoding: 1.5 (hidden 0.5)
    Contract(
        name="sentence_encoding returns one vector per sequence",
        function="sentence_encoding",
        points=0.25,
        inputs=encoding_calls,
        examples=EXAMPLES,
    ),
    KnownAnswers(
        name="sentence_encoding known answers", function="sentence_encoding", points=0.5, cases=ENCODING_CASES
    ),
    Property(
        name="sentence_encoding never reads hs where mask is False",
        function="sentence_encoding",
        points=0.25,
        inputs=encoding_calls,
        examples=EXAMPLES_HALF,
        holds=ignores_padding,
    ),
)

EXERCISE = Exercise(
    "rnn", N_("Recurrent networks over sequences: BPTT, padding, bidirectional RNNs"), FUNCTIONS, CHECKS
)
