"""attention: functions, outputs, forbidden calls and public checks."""

from __future__ import annotations

from typing import Any

import numpy as np

from grader import strategies, tolerance
from grader.checks import Call, Case, Contract, KnownAnswers, Property, Student
from grader.exercise import Exercise, Function
from grader.i18n import N_, _
from grader.outputs import Array, Tuple

FORBIDDEN = (
    "torch.nn.functional.scaled_dot_product_attention",
    "torch._C._nn.scaled_dot_product_attention",
    "torch.*multi_head_attention_forward",  # F.multi_head_attention_forward, what MultiheadAttention runs
    "torch.nn.functional.multi_head_attention_forward",
    "torch.nn.MultiheadAttention",
)


def _attention_out(q: np.ndarray, k: np.ndarray, v: np.ndarray, *_: Any) -> tuple[int, ...]:
    return (*q.shape[:-1], v.shape[-1])


def _attention_weights(q: np.ndarray, k: np.ndarray, *_: Any) -> tuple[int, ...]:
    return (*q.shape[:-1], k.shape[-2])


FUNCTIONS = (
    Function(
        "scaled_dot_product_attention",
        Tuple((Array(_attention_out, label="out"), Array(_attention_weights, label="weights"))),
        FORBIDDEN,
    ),
    Function("self_attention", Array(lambda x, W_q, *_: (x.shape[0], W_q.shape[1])), FORBIDDEN),
    Function("multi_head_attention", Array(lambda x, *_: tuple(x.shape)), FORBIDDEN),
)

# -- inputs ------------------------------------------------------------------------------------


def attention_call(r: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, bool]) -> Call:
    """The keywords only where they are set, so that the defaults are exercised too."""
    q, k, v, mask, causal = r
    kwargs: dict[str, Any] = {} if mask is None else {"mask": mask}
    if causal:
        kwargs["causal"] = True
    return Call((q, k, v), kwargs)


attention_calls = strategies.attention_inputs().map(attention_call)
masked_calls = strategies.attention_inputs(masks=True).map(attention_call)
causal_calls = strategies.attention_inputs(causal=True).map(attention_call)
huge_attention_calls = strategies.attention_inputs(scale=1e4).map(attention_call)
self_attention_calls = strategies.self_attention_inputs().map(Call)
mha_calls = strategies.multi_head_inputs().map(lambda r: Call(r[:6], {"causal": r[6]}))
causal_mha_calls = strategies.multi_head_inputs(causal=True).map(lambda r: Call(r[:6], {"causal": True}))
indivisible_mha_calls = strategies.multi_head_inputs(divisible=False).map(lambda r: Call(r[:6], {"causal": r[6]}))


def _t(*rows: Any, dtype: Any = np.float64) -> np.ndarray:
    return np.array(rows, dtype=dtype)


LOG3 = float(np.log(3.0))

# -- properties --------------------------------------------------------------------------------


def _allowed(call: Call, weights: np.ndarray) -> np.ndarray:
    q, k = call.args[0], call.args[1]
    allowed = strategies.allowed_keys(
        q.shape[-2], k.shape[-2], call.kwargs.get("mask"), call.kwargs.get("causal", False)
    )
    return np.broadcast_to(allowed, weights.shape)


def weights_are_distributions(student: Student, call: Call, out: Any) -> str | None:
    weights = out[1]
    if not np.all(np.isfinite(weights)):
        return _("the weights hold nan or inf")
    if np.any(weights < 0):
        return _("a weight is negative: {value:.4g}").format(value=float(weights.min()))
    sums = weights.sum(axis=-1)
    worst = tolerance.worst_mismatch(sums, np.ones_like(sums), tolerance.for_dtype(call.args[0].dtype))
    if worst is not None:
        return _(
            "the weights of query {query} sum to {total:.6g}, not 1: take the softmax over the keys (the last axis)"
        ).format(query=list(worst.index), total=float(sums[worst.index]))
    return None


def hidden_positions_get_zero(student: Student, call: Call, out: Any) -> str | None:
    weights = out[1]
    hidden = ~_allowed(call, weights)
    leaked = np.where(hidden, np.abs(np.nan_to_num(weights, nan=1.0)), 0.0)
    if leaked.max(initial=0.0) <= 1e-12:
        return None
    at = tuple(int(i) for i in np.unravel_index(np.argmax(leaked), leaked.shape))
    return _(
        "weights{at} is {value:.4g}, but query {query} may not attend to key {key} "
        "(mask False there, or a future key with causal=True): it must be exactly 0"
    ).format(at=list(at), value=float(weights[at]), query=at[-2], key=at[-1])


def future_keys_do_not_matter(student: Student, call: Call, out: Any) -> str | None:
    q, k, v = call.args
    L, S = q.shape[-2], k.shape[-2]
    for t in range(min(L, S - 1)):
        k2, v2 = k.copy(), v.copy()
        k2[..., t + 1 :, :] = k2[..., t + 1 :, :] * 2 + 1
        v2[..., t + 1 :, :] = v2[..., t + 1 :, :] + 3
        changed, _weights = student("scaled_dot_product_attention", Call((q, k2, v2), call.kwargs))
        worst = tolerance.worst_mismatch(
            changed[..., : t + 1, :], out[0][..., : t + 1, :], tolerance.for_dtype(q.dtype)
        )
        if worst is not None:
            return _(
                "with causal=True, changing keys and values {first} … {last} changed out{at}: "
                "queries 0 … {t} may only see keys 0 … {t}"
            ).format(first=t + 1, last=S - 1, at=list(worst.index), t=t)
    return None


def finite_for_large_scores(student: Student, call: Call, out: Any) -> str | None:
    if all(np.all(np.isfinite(o)) for o in out):
        return None
    size = float(np.abs(call.args[0]).max())
    return _(
        "nan or inf for queries as large as {size:g}: subtract each row's max score before exp "
        "(and check that each query keeps at least one key it may attend to)"
    ).format(size=size)


def permutation_equivariant(student: Student, call: Call, out: Any) -> str | None:
    x = call.args[0]
    perm = np.arange(x.shape[0])[::-1]
    permuted = student("self_attention", Call((x[perm].copy(), *call.args[1:])))
    worst = tolerance.worst_mismatch(permuted, out[perm], tolerance.for_dtype(x.dtype))
    if worst is None:
        return None
    return _(
        "reversing the order of the tokens (rows of x) did not just reverse the output's rows "
        "(row {row} differs): self-attention without a mask treats tokens alike"
    ).format(row=worst.index[0])


def mha_future_tokens_do_not_matter(student: Student, call: Call, out: Any) -> str | None:
    x = call.args[0]
    for t in range(x.shape[1] - 1):
        x2 = x.copy()
        x2[:, t + 1 :, :] = x2[:, t + 1 :, :] * 2 + 1
        changed = student("multi_head_attention", Call((x2, *call.args[1:]), call.kwargs))
        worst = tolerance.worst_mismatch(changed[:, : t + 1], out[:, : t + 1], tolerance.for_dtype(x.dtype))
        if worst is not None:
            return _(
                "with causal=True, changing tokens {first} … {last} of x changed "
                "the output at {at}: tokens 0 … {t} may only see tokens 0 … {t}"
            ).format(first=t + 1, last=x.shape[1] - 1, at=list(worst.index), t=t)
    return None


# -- known answers -----------------------------------------------------------------------------

_V3 = _t([3.0], [6.0], [9.0])
_I4 = np.eye(4)
_X_MHA = _t([[1.0, 0.0, 0.0, 2.0], [0.0, 1.0, 2.0, 0.0], [1.0, 1.0, 0.0, 0.0]])
_MHA = (_X_MHA, _I4, _I4, _I4, _I4[:, ::-1].copy(), 2)  # W_o reverses the columns

SDPA_CASES = (
    # one key: every weight is 1
    Case(
        Call((_t([0.5, -1.0, 2.0], [3.0, 0.0, 1.0]), _t([1.0, 2.0, -1.0]), _t([4.0, -2.0]))),
        (_t([4.0, -2.0], [4.0, -2.0]), _t([1.0], [1.0])),
    ),
    # identical keys: uniform weights, the mean of the values
    Case(
        Call((_t([1.0, 2.0]), _t([0.5, -1.0], [0.5, -1.0], [0.5, -1.0]), _t([1.0, 0.0], [2.0, 3.0], [6.0, 3.0]))),
        (_t([3.0, 2.0]), _t([1 / 3, 1 / 3, 1 / 3])),
    ),
    # scores [2 ln 3, 0] / √4 = [ln 3, 0]: weights [3/4, 1/4]
    Case(
        Call((_t([2 * LOG3, 0.0, 0.0, 0.0]), _t([1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]), _t([1.0], [0.0]))),
        (_t([0.75]), _t([0.75, 0.25])),
    ),
    # equal scores, causal: query i averages the values 0 … i
    Case(
        Call((np.zeros((3, 2)), _t([1.0, 2.0], [3.0, 4.0], [5.0, 6.0]), _V3), {"causal": True}),
        (_t([3.0], [4.5], [6.0]), _t([1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3])),
    ),
    # a padding mask of shape (1, S), broadcast over the queries
    Case(
        Call((np.zeros((2, 1)), np.zeros((3, 1)), _V3), {"mask": np.array([[True, False, True]])}),
        (_t([6.0], [6.0]), _t([0.5, 0.0, 0.5], [0.5, 0.0, 0.5])),
    ),
    # mask and causal together: a key must be allowed by both
    Case(
        Call(
            (np.zeros((3, 1)), np.zeros((3, 1)), _V3),
            {"mask": np.array([[True, True, True], [False, True, True], [True, False, True]]), "causal": True},
        ),
        (_t([3.0], [6.0], [6.0]), _t([1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.5, 0.0, 0.5])),
    ),
)

CHECKS = (
    Contract(
        name="scaled_dot_product_attention returns (out, weights)",
        function="scaled_dot_product_attention",
        points=0.5,
        inputs=attention_calls,
        examples=5,
    ),
    KnownAnswers(
        name="scaled_dot_product_attention known answers",
        function="scaled_dot_product_attention",
        points=1.0,
        cases=SDPA_CASES,
    ),
    Property(
        name="attention weights are probability distributions over the keys",
        function="scaled_dot_product_attention",
        points=0.5,
        inputs=attention_calls,
        holds=weights_are_distributions,
    ),
    Property(
        name="masked and future positions get weight exactly 0",
        function="scaled_dot_product_attention",
        points=0.75,
        inputs=masked_calls,
        holds=hidden_positions_get_zero,
    ),
    Property(
        name="with causal=True, future keys and values do not change earlier outputs",
        function="scaled_dot_product_attention",
        points=0.5,
        inputs=causal_calls,
        examples=8,
        holds=future_keys_do_not_matter,
    ),
    Property(
        name="scaled_dot_product_attention has no nan or inf for scores up to 1e4",
        function="scaled_dot_product_attention",
        points=0.75,
        inputs=huge_attention_calls,
        holds=finite_for_large_scores,
    ),
    Contract(
        name="self_attention returns (n, Cp)",
        function="self_attention",
        points=0.25,
        inputs=self_attention_calls,
        examples=4,
    ),
    KnownAnswers(
        name="self_attention known answers",
        function="self_attention",
        points=0.5,
        cases=(
            # one token attends to itself: x W_v
            Case(
                Call(
                    (
                        _t([1.0, 2.0]),
                        _t([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]),
                        np.ones((2, 3)),
                        _t([1.0, 0.0, 2.0], [0.0, 1.0, 0.0]),
                    )
                ),
                _t([1.0, 2.0, 2.0]),
            ),
            # C = 1, Cp = 4: token 0's scores [2 ln 3, 0] / √4 = [ln 3, 0]; token 1's are equal
            Case(
                Call(
                    (
                        _t([1.0], [0.0]),
                        _t([2 * LOG3, 0.0, 0.0, 0.0]),
                        _t([1.0, 0.0, 0.0, 0.0]),
                        _t([1.0, 2.0, 3.0, 4.0]),
                    )
                ),
                _t([0.75, 1.5, 2.25, 3.0], [0.5, 1.0, 1.5, 2.0]),
            ),
        ),
    ),
    Property(
        name="self_attention is permutation-equivariant over the tokens",
        function="self_attention",
        points=0.5,
        inputs=self_attention_calls,
        holds=permutation_equivariant,
    ),
    Contract(
        name="multi_head_attention returns (B, L, E)",
        function="multi_head_attention",
        points=0.25,
        inputs=mha_calls,
        examples=4,
    ),
    KnownAnswers(
        name="multi_head_attention known answers",
        function="multi_head_attention",
        points=0.75,
        cases=(
            # E = 4, two heads of columns (0, 1) and (2, 3), identity projections, W_o reversing the columns
            Case(
                Call(_MHA),
                _t(
                    [
                        [1.788570420084543, 0.10571478995772862, 0.5988879073202141, 0.8022241853595719],
                        [0.10571478995772862, 1.788570420084543, 0.8022241853595719, 0.5988879073202141],
                        [0.6666666666666666, 0.6666666666666666, 0.7517449217422769, 0.7517449217422769],
                    ]
                ),
            ),
            Case(
                Call(_MHA, {"causal": True}),
                _t(
                    [
                        [2.0, 0.0, 0.0, 1.0],
                        [0.11161443841433949, 1.8883855615856606, 0.6697615493266569, 0.3302384506733431],
                        [0.6666666666666666, 0.6666666666666666, 0.7517449217422769, 0.7517449217422769],
                    ]
                ),
            ),
            Case(Call((np.zeros((1, 2, 3)), *([np.eye(3)] * 4), 2)), raises=ValueError),
        ),
    ),
    Property(
        name="with causal=True, later tokens do not change earlier outputs",
        function="multi_head_attention",
        points=0.5,
        inputs=causal_mha_calls,
        examples=8,
        holds=mha_future_tokens_do_not_matter,
    ),
)

EXERCISE = Exercise("attention", N_("Attention"), FUNCTIONS, CHECKS)
