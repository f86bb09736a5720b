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


@st.composite
def line_points(draw: st.DrawFn, noise: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) with n >= 2 points, x half-integers in [-5, 5] not all equal."""
    dtype = draw(dtypes)
    n = draw(st.integers(2, 30))
    g = rng(draw(seeds))
    x = g.integers(-10, 11, size=n) / 2.0
    if np.all(x == x[0]):
        x[-1] = x[0] + 1.0
    a, b = g.integers(-3, 4, size=2)
    y = a * x + b
    if noise:
        y = y + np.round(g.normal(0.0, 0.5, size=n), 2)
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
