"""The hypothesis strategies every exercise draws its inputs from (one shared module).

Sizes and the dtype are drawn by hypothesis, so shrinking finds the smallest failing shape;
array values come from a NumPy generator seeded by a drawn integer and are rounded to a few
decimals, so a failing input printed to a student is short and readable. Where float32 would
be ill-conditioned, the generators redraw until the input is well-conditioned
(``grader.tolerance`` explains why the tolerances stay tight instead).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

FLOAT_DTYPES: tuple[np.dtype[Any], ...] = (np.dtype(np.float32), np.dtype(np.float64))

dtypes: st.SearchStrategy[np.dtype[Any]] = st.sampled_from(FLOAT_DTYPES)
seeds = st.integers(0, 2**16)


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# -- least squares ---------------------------------------------------------------------------

DESIGN_MAX_CONDITION = 10.0  # cond([1 | X]); the normal equations square it: 100 · 6e-8 in float32


def design_matrix(seed: int, n: int, d: int) -> np.ndarray:
    """An (n, d) matrix whose design [1 | X] has condition number at most DESIGN_MAX_CONDITION."""
    g = rng(seed)
    for _ in range(1000):
        X = np.round(g.normal(0.0, 1.0, size=(n, d)), 1)
        design = np.hstack([np.ones((n, 1)), X])
        if np.linalg.cond(design) <= DESIGN_MAX_CONDITION:
            return X
    raise AssertionError(f"no well-conditioned design of shape {(n, d)}")  # pragma: no cover


@st.composite
def regression(draw: st.DrawFn, noise: bool = True, max_d: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X, y, w_true): X (n, d) well-conditioned, y = w0 + X w[1:] (+ noise when ``noise``)."""
    dtype = draw(dtypes)
    d = draw(st.integers(1, max_d))
    n = draw(st.integers(2 * (d + 1), 30))
    seed = draw(seeds)
    X = design_matrix(seed, n, d)
    g = rng(seed + 1)
    w = g.integers(-3, 4, size=d + 1).astype(np.float64)
    y = w[0] + X @ w[1:]
    if noise:
        y = y + np.round(g.normal(0.0, 0.5, size=n), 2)
    return X.astype(dtype), y.astype(dtype), w


LINE_MIN_COEFFICIENT = 0.5  # |slope| and |intercept| of the fitted line, at least


@st.composite
def line_points(draw: st.DrawFn, noise: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) with n >= 2 points, x half-integers in [-5, 5], [1 | x] well-conditioned.

    The slope and the intercept are compared one by one, each to its own size, so neither
    may be a near-zero result of cancellation (an intercept of 0.01 from ys of size 10):
    float32 arithmetic cannot give it to rtol. The exact line has nonzero integer a and b,
    and the noise is redrawn until the fitted a and b are both at least LINE_MIN_COEFFICIENT
    in size. Zero slopes and intercepts are checked by known answers instead.
    """
    dtype = draw(dtypes)
    n = draw(st.integers(2, 30))
    g = rng(draw(seeds))
    for _ in range(1000):
        x = g.integers(-10, 11, size=n) / 2.0
        design = np.column_stack([np.ones(n), x])
        if np.ptp(x) > 0 and np.linalg.cond(design) <= DESIGN_MAX_CONDITION:
            break
    else:  # pragma: no cover
        raise AssertionError(f"no well-conditioned line of {n} points")
    a, b = g.choice([-3, -2, -1, 1, 2, 3], size=2)
    for _ in range(1000):
        y = a * x + b + (np.round(g.normal(0.0, 0.5, size=n), 2) if noise else 0.0)
        fitted = np.linalg.solve(design.T @ design, design.T @ y)
        if np.min(np.abs(fitted)) >= LINE_MIN_COEFFICIENT:
            break
    else:  # pragma: no cover
        raise AssertionError(f"no line of {n} points with slope and intercept away from 0")
    return x.astype(dtype), y.astype(dtype)


ridge_penalties = st.sampled_from([0.0, 0.1, 1.0, 3.0, 10.0, 100.0])


# -- classification metrics -------------------------------------------------------------------


def _label_pairs(pairs: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    y_true, y_pred = zip(*pairs, strict=True)
    return np.array(y_true, dtype=np.int64), np.array(y_pred, dtype=np.int64)


@st.composite
def binary_labels(draw: st.DrawFn, max_n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """(y_true, y_pred): int64 arrays of 0/1, n >= 1, drawn as a list of (true, predicted)
    pairs, so that hypothesis shrinks by deleting samples, towards short, mostly-zero vectors
    (and reaches the 0/0 cases)."""
    bit = st.integers(0, 1)
    return _label_pairs(draw(st.lists(st.tuples(bit, bit), min_size=1, max_size=max_n)))


@st.composite
def multiclass_labels(draw: st.DrawFn, max_n: int = 40, max_k: int = 6) -> tuple[np.ndarray, np.ndarray, int]:
    """(y_true, y_pred, num_classes): int64 labels in [0, num_classes), some classes may be
    absent; drawn as (true, predicted) pairs, like ``binary_labels``."""
    k = draw(st.integers(2, max_k))
    label = st.integers(0, k - 1)
    return (*_label_pairs(draw(st.lists(st.tuples(label, label), min_size=1, max_size=max_n))), k)


# -- softmax regression ------------------------------------------------------------------------


@st.composite
def logits(draw: st.DrawFn, scale: float = 3.0, max_k: int = 5) -> np.ndarray:
    """Logits of shape (..., k): a vector, a matrix or a batch of matrices, entries of size
    about ``scale`` (1e4 for the overflow checks), rounded to two decimals."""
    dtype = draw(dtypes)
    shape = draw(st.sampled_from([(), (1,), (3,), (2, 3)]))
    k = draw(st.integers(1, max_k))
    g = rng(draw(seeds))
    return (np.round(g.normal(0.0, 1.0, size=(*shape, k)), 2) * scale).astype(dtype)


@st.composite
def classification(
    draw: st.DrawFn, max_n: int = 12, max_d: int = 4, max_k: int = 4, float64: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(W, b, X, y) of a linear classifier: W (d, k), b (k,), X (n, d), y (n,) int64 in [0, k)."""
    dtype = np.dtype(np.float64) if float64 else draw(dtypes)
    n, d, k = draw(st.integers(1, max_n)), draw(st.integers(1, max_d)), draw(st.integers(2, max_k))
    g = rng(draw(seeds))
    W = np.round(g.normal(0.0, 1.0, size=(d, k)), 2).astype(dtype)
    b = np.round(g.normal(0.0, 1.0, size=k), 2).astype(dtype)
    X = np.round(g.normal(0.0, 1.0, size=(n, d)), 2).astype(dtype)
    y = g.integers(0, k, size=n).astype(np.int64)
    return W, b, X, y


@st.composite
def blobs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int]:
    """(X, y, k): k well-separated Gaussian clusters (centres 8 apart, unit spread), standardised
    features; a linear classifier reaches 100% training accuracy on them."""
    dtype = draw(dtypes)
    k, d = draw(st.integers(2, 4)), draw(st.integers(2, 3))
    per_class = draw(st.integers(5, 15))
    g = rng(draw(seeds))
    centres = g.normal(0.0, 1.0, size=(k, d))
    centres = 8.0 * centres / np.linalg.norm(centres, axis=1, keepdims=True)
    while np.min([np.linalg.norm(a - c) for i, a in enumerate(centres) for c in centres[i + 1 :]]) < 4.0:
        centres = 8.0 * g.normal(0.0, 1.0, size=(k, d))
    y = np.repeat(np.arange(k), per_class)
    X = centres[y] + g.normal(0.0, 1.0, size=(len(y), d))
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X.astype(dtype), y.astype(np.int64), k


# -- backprop ------------------------------------------------------------------------------------
# Small sizes (n <= 6, widths <= 5): a gradient check evaluates its objective twice per entry of
# every input it differentiates, and each evaluation is a call into the worker.

float64_only: st.SearchStrategy[np.dtype[Any]] = st.just(np.dtype(np.float64))
KINK_MARGIN = 0.1  # |input of a ReLU| at least this: a step of 1e-6 never crosses the kink at 0


def away_from_zero(g: np.random.Generator, shape: tuple[int, ...], high: float = 2.0) -> np.ndarray:
    """Values of either sign with KINK_MARGIN <= |v| <= high, rounded to two decimals."""
    return np.round(g.choice([-1.0, 1.0], size=shape) * g.uniform(KINK_MARGIN, high, size=shape), 2)


@st.composite
def linear_layer(
    draw: st.DrawFn, dtypes: st.SearchStrategy[np.dtype[Any]] = dtypes, max_n: int = 6, max_width: int = 5
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(dout, x, W, b) of a linear layer: x (n, d), W (d, h), b (h,) and an upstream gradient dout (n, h)."""
    dtype = draw(dtypes)
    n, d, h = draw(st.integers(1, max_n)), draw(st.integers(1, max_width)), draw(st.integers(1, max_width))
    g = rng(draw(seeds))
    x, W = np.round(g.normal(0.0, 1.0, size=(n, d)), 2), np.round(g.normal(0.0, 1.0, size=(d, h)), 2)
    b, dout = np.round(g.normal(0.0, 1.0, size=h), 2), np.round(g.normal(0.0, 1.0, size=(n, h)), 2)
    return dout.astype(dtype), x.astype(dtype), W.astype(dtype), b.astype(dtype)


@st.composite
def activations(
    draw: st.DrawFn, dtypes: st.SearchStrategy[np.dtype[Any]] = dtypes, high: float = 2.0, zeros: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(dout, x), both (n, h): x away from the ReLU's kink (KINK_MARGIN <= |x| <= high), or, with
    ``zeros``, with some entries exactly 0 (at least one)."""
    dtype = draw(dtypes)
    n, h = draw(st.integers(1, 6)), draw(st.integers(1, 5))
    g = rng(draw(seeds))
    x = away_from_zero(g, (n, h), high)
    if zeros:
        hit = g.random((n, h)) < 0.4
        hit.flat[g.integers(0, n * h)] = True
        x[hit] = 0.0
    dout = np.round(g.normal(0.0, 1.0, size=(n, h)), 2)
    return dout.astype(dtype), x.astype(dtype)


SIGMOID_EXTREMES = (0.0, 0.5, 5.0, 20.0, 50.0, 100.0, 500.0, 1000.0)


@st.composite
def sigmoid_extremes(draw: st.DrawFn, dtypes: st.SearchStrategy[np.dtype[Any]] = dtypes) -> np.ndarray:
    """x (n, h) with n·h >= 2 entries of either sign drawn from SIGMOID_EXTREMES, one of them
    +1000 and one -1000: exp(1000) overflows even float64."""
    dtype = draw(dtypes)
    n, h = draw(st.integers(1, 4)), draw(st.integers(2, 5))
    g = rng(draw(seeds))
    x = g.choice([-1.0, 1.0], size=(n, h)) * g.choice(SIGMOID_EXTREMES, size=(n, h))
    first, last = g.permutation(n * h)[:2]
    x.flat[first], x.flat[last] = 1000.0, -1000.0
    return x.astype(dtype)


@st.composite
def sigmoid_outputs(
    draw: st.DrawFn, dtypes: st.SearchStrategy[np.dtype[Any]] = dtypes
) -> tuple[np.ndarray, np.ndarray]:
    """(dout, out), both (n, h): out a sigmoid's output in [0, 1] (0 and 1 included, as a
    saturated sigmoid gives them), rounded to two decimals."""
    dtype = draw(dtypes)
    n, h = draw(st.integers(1, 6)), draw(st.integers(1, 5))
    g = rng(draw(seeds))
    out = np.round(g.uniform(0.0, 1.0, size=(n, h)), 2)
    dout = np.round(g.normal(0.0, 1.0, size=(n, h)), 2)
    return dout.astype(dtype), out.astype(dtype)


LARGE_SCORE = 800.0  # exp(800) overflows float64: softmax without subtracting the max gives nan
# The true class at most this far below its row's best score: p = exp(-gap) stays a normal
# float64 (down to exp(-708)), so log(p) of a softmax with the max subtracted (the textbook
# way, correct) stays finite and accurate, not only log_softmax.
MAX_SCORE_GAP = 600.0
mlp_penalties = st.sampled_from([0.0, 0.1, 1.0])


@st.composite
def two_layer_net(
    draw: st.DrawFn,
    dtypes: st.SearchStrategy[np.dtype[Any]] = dtypes,
    regs: st.SearchStrategy[float] = mlp_penalties,
    scale: float = 1.0,
    max_n: int = 6,
    max_width: int = 4,
    max_k: int = 4,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """(W1, b1, W2, b2, X, y, reg) of a two-layer ReLU network: W1 (d, h), b1 (h,), W2 (h, k),
    b2 (k,), X (n, d), y (n,) int64 in [0, k), and a penalty reg.

    Redrawn until every hidden pre-activation X W1 + b1 is at least KINK_MARGIN from the ReLU's
    kink (for central differences, and so that ReLU'(0) taken as 0 or 1 agree); weights are
    multiplied by ``scale``, and with scale > 1 redrawn until some score reaches LARGE_SCORE.
    Each y[i] is a class within MAX_SCORE_GAP of row i's best score.
    """
    dtype = draw(dtypes)
    n, d, h = draw(st.integers(1, max_n)), draw(st.integers(1, max_width)), draw(st.integers(1, max_width))
    k, reg = draw(st.integers(2, max_k)), draw(regs)
    g = rng(draw(seeds))
    for _ in range(1000):
        X = np.round(g.normal(0.0, 1.0, size=(n, d)), 1).astype(dtype)
        W1 = (scale * np.round(g.normal(0.0, 1.0, size=(d, h)), 2)).astype(dtype)
        b1 = (scale * np.round(g.normal(0.0, 0.5, size=h), 2)).astype(dtype)
        W2 = (scale * np.round(g.normal(0.0, 1.0, size=(h, k)), 2)).astype(dtype)
        b2 = np.round(g.normal(0.0, 0.5, size=k), 2).astype(dtype)
        hidden = X.astype(np.float64) @ W1.astype(np.float64) + b1.astype(np.float64)
        scores = np.maximum(hidden, 0.0) @ W2.astype(np.float64) + b2.astype(np.float64)
        if np.min(np.abs(hidden)) >= KINK_MARGIN and (scale <= 1.0 or np.max(scores) >= LARGE_SCORE):
            near = scores >= scores.max(axis=1, keepdims=True) - MAX_SCORE_GAP
            y = np.array([g.choice(np.flatnonzero(row)) for row in near], dtype=np.int64)
            return W1, b1, W2, b2, X, y, reg
    raise AssertionError(f"no network of sizes {(n, d, h, k)} away from the ReLU's kink")  # pragma: no cover


# -- batch normalisation ---------------------------------------------------------------------

# Each feature's spread, a power of ten so that the values print short. At 0.01 a column's
# variance is within a few times the default eps = 1e-5, where eps outside the square root
# shows; the gradient checks leave it out (BATCH_GRADIENT_SCALES) to stay well-conditioned.
BATCH_SCALES = (0.01, 0.1, 1.0, 10.0)
BATCH_GRADIENT_SCALES = (0.1, 1.0, 10.0)
# Each column's biased standard deviation, in units of its scale, is at least this, and its
# mean at most a few of those: |x - mu| / std stays below about 10, so float32 arithmetic
# loses at most ~1e-6 relative in the normalised values and in the variance.
BATCH_MIN_SPREAD = 0.5


def batch_column(g: np.random.Generator, n: int, scale: float) -> np.ndarray:
    """n values scale · (offset + z), z standard normal, offset in [-2, 2], both rounded to two
    decimals; redrawn until their biased std is at least BATCH_MIN_SPREAD · scale."""
    offset = np.round(g.uniform(-2.0, 2.0), 2)
    for _ in range(1000):
        z = np.round(offset + g.normal(0.0, 1.0, size=n), 2)
        if np.std(z) >= BATCH_MIN_SPREAD:
            return z * scale
    raise AssertionError(f"no spread-out column of {n} values")  # pragma: no cover


@st.composite
def batch_norm_layer(
    draw: st.DrawFn,
    min_n: int = 2,
    max_n: int = 16,
    max_d: int = 5,
    scales: tuple[float, ...] = BATCH_SCALES,
    float64: bool = False,
) -> tuple[np.ndarray, ...]:
    """(x, gamma, beta, running_mean, running_var, dout) of a batch norm layer: x (n, D) with
    columns of mixed scales (``batch_column``); gamma of either sign, |gamma| in [0.5, 2];
    running statistics of the size of each column's; dout (n, D) standard normal."""
    dtype = np.dtype(np.float64) if float64 else draw(dtypes)
    n, d = draw(st.integers(min_n, max_n)), draw(st.integers(1, max_d))
    g = rng(draw(seeds))
    scale = g.choice(scales, size=d)
    x = np.column_stack([batch_column(g, n, s) for s in scale])
    gamma = np.round(g.choice([-1.0, 1.0], size=d) * g.uniform(0.5, 2.0, size=d), 2)
    beta = np.round(g.normal(0.0, 1.0, size=d), 2)
    running_mean = np.round(g.normal(0.0, 1.0, size=d), 2) * scale
    running_var = np.round(g.uniform(0.5, 2.0, size=d), 2) * scale**2
    dout = np.round(g.normal(0.0, 1.0, size=(n, d)), 2)
    return tuple(a.astype(dtype) for a in (x, gamma, beta, running_mean, running_var, dout))


# -- attention ---------------------------------------------------------------------------------
# Small sizes (batch dimensions <= 2, L, S <= 6, d <= 4): the properties call the student again
# for each query position. Every row of the combined mask (mask and causal) keeps at least one
# allowed key, as the exercise promises: causal alone always keeps key 0.

ATTENTION_BATCHES: tuple[tuple[int, ...], ...] = ((), (1,), (2,), (2, 3))


def allowed_keys(L: int, S: int, mask: np.ndarray | None, causal: bool) -> np.ndarray:
    """The bool (..., L, S) of positions a query may attend to: mask and, with causal, j <= i."""
    allowed = np.tril(np.ones((L, S), dtype=bool)) if causal else np.ones((L, S), dtype=bool)
    return allowed & mask if mask is not None else allowed


def attention_mask(g: np.random.Generator, batch: tuple[int, ...], L: int, S: int, causal: bool) -> np.ndarray:
    """A bool mask of shape (..., L, S), (L, S) or (..., 1, S) (a padding mask), about 70% True,
    fixed up so that each row keeps an allowed key once combined with ``causal``."""
    form = g.integers(0, 3)
    if form == 2:  # one row for every query: with causal, query 0 sees only key 0
        mask = g.random((*batch, 1, S)) < 0.7
        if causal:
            mask[..., 0] = True
        empty = ~mask.any(axis=-1)
        mask[..., 0] |= empty
        return mask
    shape = (*batch, L, S) if form == 0 else (L, S)
    mask = g.random(shape) < 0.7
    causal_rows = allowed_keys(L, S, None, causal)
    for index in np.ndindex(shape[:-1]):
        i = index[-1]
        if not (mask[index] & causal_rows[i]).any():
            mask[index][g.choice(np.flatnonzero(causal_rows[i]))] = True
    return mask


@st.composite
def attention_inputs(
    draw: st.DrawFn, scale: float = 1.0, masks: bool | None = None, causal: bool | None = None, float64: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, bool]:
    """(q, k, v, mask, causal): q (..., L, d), k (..., S, d), v (..., S, dv), entries standard
    normal rounded to two decimals, q times ``scale`` (1e4 for the overflow checks). ``masks``
    and ``causal`` None draw whether there is a mask and whether it is causal."""
    dtype = np.dtype(np.float64) if float64 else draw(dtypes)
    batch = draw(st.sampled_from(ATTENTION_BATCHES))
    L, S = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    d, dv = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    is_causal = draw(st.booleans()) if causal is None else causal
    with_mask = draw(st.booleans()) if masks is None else masks
    g = rng(draw(seeds))
    q = np.round(g.normal(0.0, 1.0, size=(*batch, L, d)), 2) * scale
    k = np.round(g.normal(0.0, 1.0, size=(*batch, S, d)), 2)
    v = np.round(g.normal(0.0, 1.0, size=(*batch, S, dv)), 2)
    mask = attention_mask(g, batch, L, S, is_causal) if with_mask else None
    return q.astype(dtype), k.astype(dtype), v.astype(dtype), mask, is_causal


@st.composite
def self_attention_inputs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x, W_q, W_k, W_v): x (n, C), the weights (C, Cp) with C and Cp drawn apart, entries
    rounded to two decimals, the weights of size about 1/√C."""
    dtype = draw(dtypes)
    n, C, Cp = draw(st.integers(1, 6)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    g = rng(draw(seeds))
    x = np.round(g.normal(0.0, 1.0, size=(n, C)), 2)
    W = [np.round(g.normal(0.0, 1.0, size=(C, Cp)) / np.sqrt(C), 2) for _ in range(3)]
    return x.astype(dtype), *(w.astype(dtype) for w in W)


@st.composite
def multi_head_inputs(
    draw: st.DrawFn, divisible: bool = True, causal: bool | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, bool]:
    """(x, W_q, W_k, W_v, W_o, num_heads, causal): x (B, L, E), the weights (E, E) of size about
    1/√E. E = num_heads · D when ``divisible``, else E is not a multiple of num_heads >= 2."""
    dtype = draw(dtypes)
    B, L, H = draw(st.integers(1, 2)), draw(st.integers(1, 5)), draw(st.integers(1, 3))
    if divisible:
        E = H * draw(st.integers(1, 3))
    else:
        H = max(H, 2)
        E = draw(st.integers(1, 8).filter(lambda e: e % H != 0))
    is_causal = draw(st.booleans()) if causal is None else causal
    g = rng(draw(seeds))
    x = np.round(g.normal(0.0, 1.0, size=(B, L, E)), 2)
    W = [np.round(g.normal(0.0, 1.0, size=(E, E)) / np.sqrt(E), 2) for _ in range(4)]
    return x.astype(dtype), *(w.astype(dtype) for w in W), H, is_causal


# -- lstm ------------------------------------------------------------------------------------
# Recurrent cells in PyTorch's layout: W_ih (G·H, d), W_hh (G·H, H), b_ih and b_hh (G·H,), with
# G gates per cell. Weights and biases of size about 0.5 keep every pre-activation within a few
# units, away from the flat ends of sigmoid and tanh, where a wrong gate hides behind a
# saturated one and float32 and float64 stop agreeing to rtol.

CELL_GATES = {"lstm": 4, "gru": 3, "rnn": 1}


@st.composite
def recurrent_cell(
    draw: st.DrawFn, cell: str, steps: bool = False, max_n: int = 4, max_width: int = 5, max_steps: int = 5
) -> tuple[np.ndarray, ...]:
    """The arguments of one call of a ``cell`` ("lstm", "gru" or "rnn") in order: x (n, d), or
    with ``steps`` xs (T, n, d); h (n, H) with |h| <= 0.9; for an LSTM c (n, H) with entries up
    to about 4 in size (so that a missing tanh shows in |h| > 1); then W_ih, W_hh, b_ih, b_hh.
    d equals H in half the draws, where a weight matrix used untransposed still fits."""
    dtype = draw(dtypes)
    n, H = draw(st.integers(1, max_n)), draw(st.integers(1, max_width))
    d = draw(st.one_of(st.just(H), st.integers(1, max_width)))
    T = draw(st.integers(1, max_steps)) if steps else 0
    G = CELL_GATES[cell]
    g = rng(draw(seeds))
    x = np.round(g.normal(0.0, 1.0, size=(T, n, d) if steps else (n, d)), 2)
    h = np.round(g.uniform(-0.9, 0.9, size=(n, H)), 2)
    c = np.round(g.normal(0.0, 1.5, size=(n, H)), 2)
    W_ih, W_hh = np.round(g.normal(0.0, 0.5, size=(G * H, d)), 2), np.round(g.normal(0.0, 0.5, size=(G * H, H)), 2)
    b_ih, b_hh = np.round(g.normal(0.0, 0.5, size=G * H), 2), np.round(g.normal(0.0, 0.5, size=G * H), 2)
    state = (h, c) if cell == "lstm" else (h,)
    return tuple(a.astype(dtype) for a in (x, *state, W_ih, W_hh, b_ih, b_hh))


# -- convolution -----------------------------------------------------------------------------

# Sizes stay small: the reference measures every size with torch on a tensor of zeros, and a
# student's loops over output pixels must stay fast. Ints and (h, w) pairs are drawn alike.
CONV_MAX_SIZE = 40


def pair(v: int | tuple[int, int]) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else v


def int_or_pair(low: int, high: int, pairs: bool | None = None) -> st.SearchStrategy[Any]:
    """An int in [low, high], or an (h, w) pair of them (``pairs`` True/False forces one kind)."""
    one = st.integers(low, high)
    if pairs is None:
        return st.one_of(one, st.tuples(one, one))
    return st.tuples(one, one) if pairs else one


def _fitting_size(draw: st.DrawFn, span: int, padding: int, max_size: int) -> int:
    """A size in which a kernel spanning ``span`` fits once padded: the output is not empty."""
    low = max(1, span - 2 * padding)
    return draw(st.integers(low, max(low, max_size)))


@st.composite
def conv_axis(draw: st.DrawFn, valid: bool = False) -> tuple[int, int, int, int, int]:
    """(size, kernel_size, stride, padding, dilation) of one axis. With ``valid`` the output is
    never empty; else the size is anything up to CONV_MAX_SIZE (the output is empty when the
    kernel does not fit) and one argument in ten is set below its range."""
    kernel, stride = draw(st.integers(1, 7)), draw(st.integers(1, 4))
    padding, dilation = draw(st.integers(0, 4)), draw(st.integers(1, 3))
    span = dilation * (kernel - 1) + 1
    size = _fitting_size(draw, span, padding, CONV_MAX_SIZE) if valid else draw(st.integers(1, CONV_MAX_SIZE))
    values = [size, kernel, stride, padding, dilation]
    if not valid and draw(st.integers(0, 9)) == 0:
        i = draw(st.integers(0, 4))
        values[i] = draw(st.integers(-2, -1 if i == 3 else 0))  # a padding of 0 is in range
    size, kernel, stride, padding, dilation = values
    return size, kernel, stride, padding, dilation


@st.composite
def pool_axis(draw: st.DrawFn, valid: bool = False) -> tuple[int, int, int | None, int, int, bool]:
    """(size, kernel_size, stride, padding, dilation, ceil_mode) of max pooling along one axis;
    stride None (the kernel size) one time in three. Small sizes and a padding of kernel // 2
    are frequent, where ceil_mode's last-window rule drops a window. With ``valid`` the output
    is never empty and padding <= kernel // 2; else one padding in six is too large, and the
    output may be empty."""
    kernel = draw(st.integers(1, 6))
    stride = draw(st.one_of(st.none(), st.integers(1, 4), st.integers(1, 4)))
    dilation = draw(st.integers(1, 3))
    padding = draw(st.sampled_from([0, kernel // 2, kernel // 2, draw(st.integers(0, kernel // 2))]))
    if not valid and draw(st.integers(0, 5)) == 0:
        padding = kernel // 2 + draw(st.integers(1, 2))
    span = dilation * (kernel - 1) + 1
    max_size = draw(st.sampled_from([8, CONV_MAX_SIZE]))
    size = _fitting_size(draw, span, padding, max_size) if valid else draw(st.integers(1, max_size))
    return size, kernel, stride, padding, dilation, draw(st.booleans())


@st.composite
def conv2d_shapes(draw: st.DrawFn, valid: bool = False) -> tuple[tuple[int, ...], int, Any, Any, Any, Any]:
    """(input_shape, out_channels, kernel_size, stride, padding, dilation) of a 2-D convolution,
    the last four ints or (h, w) pairs. With ``valid`` the output is never empty."""
    kernel, stride = draw(int_or_pair(1, 5)), draw(int_or_pair(1, 4))
    padding, dilation = draw(int_or_pair(0, 3)), draw(int_or_pair(1, 3))
    spans = [d * (k - 1) + 1 for k, d in zip(pair(kernel), pair(dilation), strict=True)]
    if valid:
        h, w = (_fitting_size(draw, s, p, 24) for s, p in zip(spans, pair(padding), strict=True))
    else:
        h, w = draw(st.integers(1, 24)), draw(st.integers(1, 24))
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 3)), h, w)
    return shape, draw(st.integers(1, 4)), kernel, stride, padding, dilation


@st.composite
def conv_layer(draw: st.DrawFn, pairs: bool | None = None, bias: bool | None = None) -> tuple[Any, ...]:
    """(x, weight, bias, stride, padding, dilation) of a 2-D convolution layer with a non-empty
    output: x (N, C, H, W), weight (F, C, kh, kw), bias (F,) or None (``bias`` None: either),
    values standard normal rounded to two decimals; stride, padding and dilation ints or
    (h, w) pairs (``pairs`` None: either)."""
    dtype = draw(dtypes)
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride, padding = draw(int_or_pair(1, 3, pairs)), draw(int_or_pair(0, 2, pairs))
    dilation = draw(int_or_pair(1, 2, pairs))
    spans = [d * (k - 1) + 1 for k, d in zip((kh, kw), pair(dilation), strict=True)]
    h, w = (_fitting_size(draw, s, p, s + 6) for s, p in zip(spans, pair(padding), strict=True))
    with_bias = draw(st.booleans()) if bias is None else bias
    g = rng(draw(seeds))
    x = np.round(g.normal(0.0, 1.0, size=(n, c, h, w)), 2).astype(dtype)
    weight = np.round(g.normal(0.0, 1.0, size=(f, c, kh, kw)), 2).astype(dtype)
    b = np.round(g.normal(0.0, 1.0, size=f), 2).astype(dtype) if with_bias else None
    return x, weight, b, stride, padding, dilation
