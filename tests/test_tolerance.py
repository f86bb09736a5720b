"""The one place for tolerances (grader/tolerance.py): what passes and what fails."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from grader import tolerance

TRUTH = np.array([3.0, -2.0, 0.5, 1e-3])


def test_float32_rounding_of_a_float64_result_passes_float64_inputs() -> None:
    rounded = TRUTH.astype(np.float32).astype(np.float64)
    assert tolerance.worst_mismatch(rounded, TRUTH, tolerance.FLOAT64) is None


def test_an_error_of_one_in_a_thousand_fails_for_both_dtypes() -> None:
    wrong = TRUTH * np.array([1.0, 1.0, 1.001, 1.0])
    for tol in (tolerance.FLOAT32, tolerance.FLOAT64):
        worst = tolerance.worst_mismatch(wrong, TRUTH, tol)
        assert worst is not None and worst.index == (2,)


def test_a_small_entry_is_judged_against_the_size_of_the_whole_result() -> None:
    near = TRUTH + np.array([0.0, 0.0, 0.0, 1e-6])  # 0.1% of the smallest entry, 1e-6 of the result
    assert tolerance.worst_mismatch(near, TRUTH, tolerance.FLOAT32) is None


def test_nan_and_inf_never_pass() -> None:
    for bad in (np.nan, np.inf):
        got = TRUTH.copy()
        got[1] = bad
        worst = tolerance.worst_mismatch(got, TRUTH, tolerance.FLOAT32)
        assert worst is not None and worst.index == (1,)


def test_the_dtype_chooses_the_tolerance() -> None:
    assert tolerance.for_dtype(np.float32) is tolerance.FLOAT32
    assert tolerance.for_dtype(np.float64) is tolerance.FLOAT64


def test_an_infinite_truth_passes_only_the_same_infinity() -> None:
    truth = np.array([np.inf, 2.0, 0.5])
    assert tolerance.worst_mismatch(truth.copy(), truth, tolerance.FLOAT32) is None
    for bad in (1e30, np.nan, -np.inf):
        got = truth.copy()
        got[0] = bad
        worst = tolerance.worst_mismatch(got, truth, tolerance.FLOAT32)
        assert worst is not None and worst.index == (0,)


def test_an_infinite_truth_does_not_loosen_the_finite_entries() -> None:
    truth = np.array([np.inf, 2.0, 0.5])
    worst = tolerance.worst_mismatch(np.array([np.inf, 2.0, 0.6]), truth, tolerance.FLOAT64)
    assert worst is not None and worst.index == (2,)


VALUES = st.sampled_from([0.0, 1.0, -1.0, 1e-9, 1.0 + 1e-6, 1.0 + 1e-3, 3e4, np.inf, -np.inf, np.nan])


@settings(max_examples=300, derandomize=True, database=None)
@given(
    pairs=st.lists(st.tuples(VALUES, VALUES), min_size=0, max_size=5),
    tol=st.sampled_from(
        [tolerance.FLOAT32, tolerance.FLOAT64, tolerance.Tolerance(rtol=0.0, atol=1e-3), tolerance.Tolerance(1e-5, 0.0)]
    ),
)
def test_the_entries_found_are_those_whose_error_exceeds_their_allowance(pairs: list, tol: tolerance.Tolerance) -> None:
    """The rule, entry by entry: the error over the allowance (atol + rtol * (|truth| + the
    mean |truth| of the finite entries)) above 1 fails; equal values (an infinity too) pass;
    a NaN fails. Whatever path ``mismatches`` takes to it."""
    student = np.array([s for s, _ in pairs])
    truth = np.array([t for _, t in pairs])
    finite = truth[np.isfinite(truth)]
    mean = float(np.mean(np.abs(finite))) if finite.size else 0.0
    expected = []
    for i, (s, t) in enumerate(pairs):
        allowance = tol.atol + tol.rtol * (abs(t) + mean)
        error = 0.0 if s == t else abs(s - t)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.float64(error) / np.float64(allowance) if math.isfinite(error) else math.inf
        if math.isnan(ratio) or ratio > 1.0:
            expected.append((i,))
    assert sorted(m.index for m in tolerance.mismatches(student, truth, tol)) == expected


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.integers(1, 4).flatmap(
        lambda n: st.tuples(
            st.lists(st.floats(-1e6, 1e6, width=64), min_size=2 * n, max_size=2 * n),
            st.lists(
                st.sampled_from([0.0, 1.0, -1.0, 0.5, 2.0, math.inf, math.nan, 1e-9]), min_size=2 * n, max_size=2 * n
            ),
        )
    ),
    st.sampled_from(["float32", "float64"]),
)
def test_the_finite_truths_shorter_way_judges_as_the_general_one(
    values: tuple[list[float], list[float]], dtype: str
) -> None:
    """A C-contiguous, finite truth is judged in fewer steps (mismatches); the same truth in
    another memory layout takes the general way: both find the same entries, to the bit, at
    the edge of the allowance too (an error of exactly the allowance passes)."""
    truth_values, offsets = values
    truth = np.array(truth_values).reshape(2, -1)
    tol = tolerance.for_dtype(dtype)
    scale = np.abs(truth) + np.mean(np.abs(truth))
    student = truth + np.array(offsets).reshape(truth.shape) * (tol.atol + tol.rtol * scale)
    fast = tolerance.mismatches(student, truth, tol)
    general = tolerance.mismatches(student, np.asfortranarray(truth), tol)
    assert not np.asfortranarray(truth).flags.c_contiguous or truth.shape[1] == 1
    assert repr(fast) == repr(general)  # NaN included
