"""The one place for tolerances (grader/tolerance.py): what passes and what fails."""

from __future__ import annotations

import numpy as np

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
