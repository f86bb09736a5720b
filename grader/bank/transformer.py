"""transformer: functions, outputs, forbidden calls and public checks.

The properties judge what holds whatever the weights: each sinusoid pair has sin² + cos² = 1;
a normalised row (no gamma, no beta) has mean 0 and variance about 1; what stands at a padding
position of the input cannot change what a real token's output is. The known answers are small
enough to follow by hand and tell apart the classic slips (the exponent 2i/d taken as j/d,
sin and cos swapped, the unbiased variance, the bias added inside the relu's wrong side, the
key mask read in torch's sense).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from grader import strategies, tolerance
from grader.checks import Call, Case, Contract, KnownAnswers, Property, Student, compare
from grader.checks import input_dtype as dtype_of
from grader.exercise import Exercise, Function
from grader.i18n import N_, _
from grader.outputs import Array

FORBIDDEN = (
    "torch.nn.functional.layer_norm",
    "torch.layer_norm",
    "torch.native_layer_norm",
    "torch.nn.LayerNorm",
    "torch.nn.Transformer*",  # the modules and their methods
    "torch.nn.modules.transformer",
    "torch.nn.MultiheadAttention",
    "torch.nn.functional.multi_head_attention_forward",
    "torch.nn.functional.scaled_dot_product_attention",
    "torch._C._nn.scaled_dot_product_attention",
    "torch._transformer_encoder_layer_fwd",
    "torch._native_multi_head_attention",
)

PARAMS = ("W_q", "W_k", "W_v", "W_o", "b_q", "b_k", "b_v", "b_o", "W1", "b1", "W2", "b2")
NORMS = ("gamma1", "beta1", "gamma2", "beta2")


def _same(x: np.ndarray, *_: Any) -> tuple[int, ...]:
    return tuple(x.shape)


FUNCTIONS = (
    Function("positional_encoding", Array(lambda length, d_model: (length, d_model)), FORBIDDEN),
    Function("layer_norm", Array(_same), FORBIDDEN),
    Function("feed_forward", Array(_same), FORBIDDEN),
    Function("encoder_layer", Array(_same), FORBIDDEN),
)

# -- inputs ------------------------------------------------------------------------------------

positional_calls = st.tuples(st.integers(1, 128), st.integers(1, 16)).map(lambda a: Call(a))


@st.composite
def layer_norm_arguments(draw: st.DrawFn) -> tuple[Any, ...]:
    """(x, gamma, beta, eps): x (n, D) or (B, L, D), D from 1 to 6, a constant row (variance 0)
    in a third of the draws; gamma and beta each None in a third of the draws."""
    dtype = draw(strategies.dtypes)
    D = draw(st.integers(1, 6))
    batch = draw(st.sampled_from([(1,), (3,), (2, 3)]))
    g = strategies.rng(draw(strategies.seeds))
    x = np.round(g.normal(0.0, 2.0, size=(*batch, D)), 2)
    if draw(st.integers(0, 2)) == 0:
        x.reshape(-1, D)[0] = 1.5
    gamma = None if draw(st.integers(0, 2)) == 0 else np.round(g.normal(1.0, 0.5, size=D), 2).astype(dtype)
    beta = None if draw(st.integers(0, 2)) == 0 else np.round(g.normal(0.0, 0.5, size=D), 2).astype(dtype)
    return x.astype(dtype), gamma, beta, draw(st.sampled_from([1e-5, 1e-3]))


@st.composite
def feed_forward_arguments(draw: st.DrawFn) -> tuple[Any, ...]:
    """(x, W1, b1, W2, b2): x (n, E) or (B, L, E); F equal to E or not."""
    dtype = draw(strategies.dtypes)
    E = draw(st.integers(1, 5))
    F = draw(st.one_of(st.just(E), st.integers(1, 8)))
    batch = draw(st.sampled_from([(2,), (2, 3)]))
    g = strategies.rng(draw(strategies.seeds))
    arrays = [g.normal(0.0, 1.0, size=(*batch, E)), g.normal(0.0, 0.7, size=(E, F)), g.normal(0.0, 0.5, size=F)]
    arrays += [g.normal(0.0, 0.7, size=(F, E)), g.normal(0.0, 0.5, size=E)]
    return tuple(np.round(a, 2).astype(dtype) for a in arrays)


def key_padding(g: np.random.Generator, B: int, L: int, form: str) -> np.ndarray:
    """A (B, L) bool key mask, True for real tokens, padded "pre" (at the start) or "post" (at
    the end), each row keeping at least one real token (and, with "post", position 0)."""
    mask = np.ones((B, L), dtype=bool)
    for b in range(B):
        pad = int(g.integers(0, L))  # at most L - 1 padding positions
        if form == "pre":
            mask[b, :pad] = False
        else:
            mask[b, L - pad :] = False
    return mask


@st.composite
def encoder_arguments(draw: st.DrawFn, masks: bool | None = None, divisible: bool = True) -> Call:
    """encoder_layer's call: x (B, L, E), the sixteen parameters (zero biases in a fifth of the
    draws, an extra key in another fifth), num_heads, key_mask None or padded before or after,
    causal, eps. With causal and a key mask the padding is after (position 0 stays real)."""
    dtype = draw(strategies.dtypes)
    heads = draw(st.integers(1 if divisible else 2, 3))
    E = heads * draw(st.integers(1, 3)) if divisible else draw(st.integers(2, 7).filter(lambda e: e % heads != 0))
    B, L = draw(st.integers(1, 2)), draw(st.integers(1, 5))
    F = draw(st.one_of(st.just(E), st.integers(1, 8)))
    g = strategies.rng(draw(strategies.seeds))
    shapes = {"W_q": (E, E), "W_k": (E, E), "W_v": (E, E), "W_o": (E, E), "W1": (E, F), "W2": (F, E)}
    params = {k: g.normal(0.0, 1.0 / np.sqrt(s[0]), size=s) for k, s in shapes.items()}
    zero_biases = draw(st.integers(0, 4)) == 0
    for k, size in (("b_q", E), ("b_k", E), ("b_v", E), ("b_o", E), ("b1", F), ("b2", E)):
        params[k] = np.zeros(size) if zero_biases else g.normal(0.0, 0.3, size=size)
    for k in NORMS:
        params[k] = g.normal(1.0 if k.startswith("gamma") else 0.0, 0.3, size=E)
    if draw(st.integers(0, 4)) == 0:
        params["norm"] = np.ones(1)
    params = {k: np.round(v, 2).astype(dtype) for k, v in params.items()}
    x = np.round(g.normal(0.0, 1.0, size=(B, L, E)), 2).astype(dtype)
    causal = draw(st.booleans())
    with_mask = draw(st.booleans()) if masks is None else masks
    form = "post" if causal else draw(st.sampled_from(["pre", "post"]))
    key_mask = key_padding(g, B, L, form) if with_mask else None
    eps = draw(st.sampled_from([1e-5, 1e-3]))
    return Call((x, params, heads), {"key_mask": key_mask, "causal": causal, "eps": eps})


layer_norm_calls = layer_norm_arguments().map(lambda a: Call(a))
feed_forward_calls = feed_forward_arguments().map(lambda a: Call(a))
encoder_calls = encoder_arguments()
masked_encoder_calls = encoder_arguments(masks=True)


def _t(*rows: Any) -> np.ndarray:
    return np.array(rows, dtype=np.float64)


# -- properties --------------------------------------------------------------------------------


def sinusoid_pairs(student: Student, call: Call, out: Any) -> str | None:
    d_model = call.args[1]
    if not np.all(np.abs(out) <= 1 + 1e-4):
        return _("every entry is a sine or a cosine, so lies in [-1, 1]")
    if not np.allclose(out[0, 0::2], 0.0, atol=1e-4) or not np.allclose(out[0, 1::2], 1.0, atol=1e-4):
        return _("at position 0 every angle is 0: the even columns are sin(0) = 0, the odd ones cos(0) = 1")
    pairs = d_model // 2
    norms = out[:, 0 : 2 * pairs : 2] ** 2 + out[:, 1 : 2 * pairs : 2] ** 2
    if not np.allclose(norms, 1.0, atol=2e-4):
        p, i = (int(v) for v in np.unravel_index(np.argmax(np.abs(norms - 1)), norms.shape))
        return _(
            "PE[{p}, {even}]² + PE[{p}, {odd}]² = {norm:.6g}: columns 2i and 2i + 1 should be the sine "
            "and the cosine of the same angle p / 10000^(2i / d_model)"
        ).format(p=p, even=2 * i, odd=2 * i + 1, norm=norms[p, i])
    return None


def normalised_rows(student: Student, call: Call, out: Any) -> str | None:
    x, _gamma, _beta, eps = call.args
    plain = student("layer_norm", Call((x, None, None, eps)))
    D = x.shape[-1]
    mean = plain.mean(axis=-1)
    if not np.allclose(mean, 0.0, atol=1e-3):
        return _("with gamma = beta = None each row should have mean 0; one has mean {mean:.6g}").format(
            mean=float(np.max(np.abs(mean)))
        )
    var = x.astype(np.float64).var(axis=-1)
    expected = var / (var + eps)  # the biased variance of a normalised row
    got = plain.var(axis=-1)
    if D > 1 and not np.allclose(got, expected, atol=1e-3):
        i = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape)
        return _(
            "with gamma = beta = None each row should have the biased variance σ² / (σ² + eps); "
            "one has {got:.6g}, expected {expected:.6g} "
            "(divide by D, not D - 1, and add eps under the root)"
        ).format(got=float(got[i]), expected=float(expected[i]))
    return None


def padding_does_not_matter(student: Student, call: Call, out: Any) -> str | None:
    x, params, heads = call.args
    key_mask = call.kwargs["key_mask"]
    noisy = x.copy()
    noisy[~key_mask] = np.round(noisy[~key_mask] * -3.0 + 1.0, 2)
    changed = student("encoder_layer", Call((noisy, params, heads), call.kwargs))
    problem = compare(changed[key_mask], out[key_mask], dtype_of(call), reveal=True)
    if problem:
        return _(
            "changing x only at padding positions (key_mask False) changed the output of a real token: "
            "{problem}; no query may attend to a padding key (key_mask True marks the real tokens)"
        ).format(problem=problem)
    return None


# -- known answers -----------------------------------------------------------------------------

POSITIONAL_CASES = (
    # d_model = 4: columns (0, 1) angle p, columns (2, 3) angle p / 10000^(2/4) = p / 100
    Case(Call((2, 4)), _t([0.0, 1.0, 0.0, 1.0], [np.sin(1.0), np.cos(1.0), np.sin(0.01), np.cos(0.01)])),
    # odd d_model = 3: the last column is a sine with exponent 2/3
    Case(Call((2, 3)), _t([0.0, 1.0, 0.0], [np.sin(1.0), np.cos(1.0), np.sin(1.0 / 10000 ** (2 / 3))])),
    Case(Call((1, 1)), _t([0.0])),
    Case(Call((0, 4)), raises=ValueError),
    Case(Call((3, 0)), raises=ValueError),
)

_r = 1.0 / np.sqrt(1.0 + 1e-5)  # [1, 3]: mean 2, biased variance 1
LAYER_NORM_CASES = (
    Case(Call((_t([1.0, 3.0]), None, None)), _t([-_r, _r])),
    Case(Call((_t([1.0, 3.0], [0.0, 0.0]), _t(2.0, 1.0), _t(0.5, -1.0))), _t([-2 * _r + 0.5, _r - 1.0], [0.5, -1.0])),
    # D = 1: every row is its own mean, so the result is beta
    Case(Call((_t([4.0], [-7.0]), _t(3.0), _t(0.25), 1e-3)), _t([0.25], [0.25])),
    # the eps argument counts: [0, 2] with eps = 1: (x - 1) / √2
    Case(Call((_t([0.0, 2.0]), None, None, 1.0)), _t([-1 / np.sqrt(2.0), 1 / np.sqrt(2.0)])),
)

FEED_FORWARD_CASES = (
    # relu(x W1 + b1) = relu([1 - 2, 2 + 0.5]) = [0, 2.5]; times W2 plus b2
    Case(
        Call((_t([1.0, 2.0]), _t([1.0, 0.0], [-1.0, 1.0]), _t(0.0, 0.5), _t([1.0, 0.0], [2.0, 1.0]), _t(0.25, -1.0))),
        _t([5.25, 1.5]),
    ),
    # the bias b1 before the relu: relu(-1 + 2) = 1, not relu(-1) + 2
    Case(Call((_t([-1.0]), _t([1.0]), _t(2.0), _t([3.0]), _t(0.0))), _t([3.0])),
)


def _layer(E: int, **given: np.ndarray) -> dict[str, np.ndarray]:
    """Zero attention and feed-forward weights, gamma = 1, beta = 0, unless given."""
    params: dict[str, np.ndarray] = {k: np.zeros((E, E)) for k in ("W_q", "W_k", "W_v", "W_o", "W1", "W2")}
    params.update({k: np.zeros(E) for k in ("b_q", "b_k", "b_v", "b_o", "b1", "b2", "beta1", "beta2")})
    params.update(gamma1=np.ones(E), gamma2=np.ones(E))
    return {**params, **given}


def _ln(rows: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """Layer norm without gamma and beta, row by row: the formula, in NumPy."""
    mean = rows.mean(axis=-1, keepdims=True)
    return (rows - mean) / np.sqrt(((rows - mean) ** 2).mean(axis=-1, keepdims=True) + eps)


# B = 1, L = 2, E = 3. With zero Q and K weights every allowed key gets the same score, so a
# query averages the values it may attend to; W_v = W_o = I makes the values x itself. The
# feed-forward block is zero, so out = LN(LN(x + attention)).
_x = _t([[1.0, 0.0, 2.0], [0.0, 3.0, 0.0]])
_x0, _x1 = _x[0, 0], _x[0, 1]
_identity = {"W_v": np.eye(3), "W_o": np.eye(3)}
ENCODER_CASES = (
    # zero weights: two layer norms of x
    Case(Call((_x, _layer(3), 1)), _ln(_ln(_x))),
    # key_mask True = a real token: token 1 is padding, so both queries take x[0]
    # (read in torch's sense, True = padding, both would take x[1])
    Case(
        Call((_x, _layer(3, **_identity), 1), {"key_mask": np.array([[True, False]])}),
        _ln(_ln(_x + _x0)),
    ),
    # causal: query 0 sees token 0 only, query 1 the mean of tokens 0 and 1; three heads of one column
    Case(
        Call((_x, _layer(3, **_identity), 3), {"causal": True}),
        _ln(_ln(_x + np.stack([_x0, (_x0 + _x1) / 2]))),
    ),
    # the value bias reaches the output through W_o = I: b_v = [1, 0, 0]; and eps = 0.1 counts
    Case(
        Call((_x, _layer(3, b_v=_t(1.0, 0.0, 0.0), W_o=np.eye(3)), 1), {"eps": 0.1}),
        _ln(_ln(_x + _t(1.0, 0.0, 0.0), 0.1), 0.1),
    ),
    Case(Call((np.zeros((1, 2, 3)), _layer(3), 2)), raises=ValueError),
)

# -- checks ------------------------------------------------------------------------------------

POSITIONAL_TOLERANCE = tolerance.ABSOLUTE_1E_4

# Budgets by measured catch power (bench/catch_power.py --exercise transformer): at a quarter
# of the usual 13 examples every check kept all of its catches (52 of 52).
EXAMPLES = 4

CHECKS = (
    # positional_encoding: 2.5 (hidden 1.0)
    Contract(
        name="positional_encoding returns (length, d_model)",
        function="positional_encoding",
        points=0.25,
        inputs=positional_calls,
        examples=EXAMPLES,
    ),
    KnownAnswers(
        name="positional_encoding known answers",
        function="positional_encoding",
        points=0.75,
        cases=POSITIONAL_CASES,
        tolerance=POSITIONAL_TOLERANCE,
    ),
    Property(
        name="positional_encoding pairs a sine and a cosine of one angle",
        function="positional_encoding",
        points=0.5,
        inputs=positional_calls,
        examples=EXAMPLES,
        holds=sinusoid_pairs,
    ),
    # layer_norm: 2.5 (hidden 1.25)
    Contract(
        name="layer_norm returns the shape of x",
        function="layer_norm",
        points=0.25,
        inputs=layer_norm_calls,
        examples=EXAMPLES,
    ),
    KnownAnswers(name="layer_norm known answers", function="layer_norm", points=0.5, cases=LAYER_NORM_CASES),
    Property(
        name="layer_norm without gamma and beta gives rows of mean 0 and variance σ² / (σ² + eps)",
        function="layer_norm",
        points=0.5,
        inputs=layer_norm_calls,
        examples=EXAMPLES,
        holds=normalised_rows,
    ),
    # feed_forward: 1.5 (hidden 0.75)
    Contract(
        name="feed_forward returns the shape of x",
        function="feed_forward",
        points=0.25,
        inputs=feed_forward_calls,
        examples=EXAMPLES,
    ),
    KnownAnswers(name="feed_forward known answers", function="feed_forward", points=0.5, cases=FEED_FORWARD_CASES),
    # encoder_layer: 5.5 (hidden 3.25)
    Contract(
        name="encoder_layer returns the shape of x",
        function="encoder_layer",
        points=0.5,
        inputs=encoder_calls,
        examples=EXAMPLES,
    ),
    KnownAnswers(name="encoder_layer known answers", function="encoder_layer", points=1.0, cases=ENCODER_CASES),
    Property(
        name="encoder_layer's real tokens never see what stands at a padding position",
        function="encoder_layer",
        points=0.75,
        inputs=masked_encoder_calls,
        examples=EXAMPLES,
        holds=padding_does_not_matter,
    ),
)

TITLE = N_("The Transformer encoder: positions, layer norm, a post-norm layer")
EXERCISE = Exercise("transformer", TITLE, FUNCTIONS, CHECKS)
