"""Every numerical tolerance of the grader, in one place.

A student's result is compared with the truth: the reference solution computed in float64
(whatever the input dtype), so that all the rounding error measured is the student's. An entry
passes when

    |student - truth| <= atol + rtol * (|truth| + mean|truth|)

The ``mean|truth|`` term scales the test to the size of the whole result, so an entry that is
near zero only because of cancellation (a small coefficient among large ones) is held to the
accuracy its neighbours allow, not to an absolute 1e-9.

A truth may be infinite where the mathematics says so (−log 0 = +inf in ``losses.log_loss``):
such an entry passes only when the student's is the same infinity, and the mean is taken over
the finite entries, so that one inf does not make every other entry's allowance infinite.

The rtol is chosen by the dtype of the inputs:

- float32 inputs: the student's arithmetic may be float32 throughout. Sums of up to a few
  hundred float32 terms and one linear solve on a well-conditioned system lose up to ~1e-5
  relative; rtol 1e-4 leaves a margin of 10 and still catches every real error, which moves
  results by 1e-2 or more (a missing factor of n, a forgotten intercept, a swapped ratio).
- float64 inputs: rtol 1e-5, so that a student who computes in float32 inside, or through
  NumPy, still passes on well-conditioned inputs (SPEC: "float32 or float64" both correct).

Where float32 would be ill-conditioned (normal equations square the condition number), the
input strategies generate better-conditioned inputs (``grader.strategies``) instead of
loosening these numbers for everyone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float


FLOAT32 = Tolerance(rtol=1e-4, atol=1e-6)
FLOAT64 = Tolerance(rtol=1e-5, atol=1e-9)

# A result that takes no float input, so no dtype to choose by, and whose size is fixed
# (sines and cosines in [-1, 1]): an absolute tolerance, as SPEC fixes it for the positional
# encoding. float32 arithmetic meets it up to position 128: the angle p / 10000^(2i/d), rounded
# to float32 in its exponent and its quotient, is off by up to about 1e-5, well inside 1e-4.
ABSOLUTE_1E_4 = Tolerance(rtol=0.0, atol=1e-4)


def for_dtype(dtype: np.dtype | str) -> Tolerance:
    return FLOAT32 if np.dtype(dtype).itemsize <= 4 else FLOAT64


@dataclass(frozen=True)
class Mismatch:
    index: tuple[int, ...]
    error: float  # the entry's error over its allowance: > 1 fails
    relative: float  # |student - truth| / (|truth| + mean|truth|)


def worst_mismatch(student: np.ndarray, truth: np.ndarray, tol: Tolerance) -> Mismatch | None:
    """The entry that misses its tolerance by most, or None when every entry is close enough.

    NaN or inf in the student's result where the truth is finite always fails; where the truth
    is infinite, only the same infinity passes.
    """
    found = mismatches(student, truth, tol, limit=1)
    return found[0] if found else None


def mismatches(student: np.ndarray, truth: np.ndarray, tol: Tolerance, limit: int | None = None) -> list[Mismatch]:
    """The entries that miss their tolerance (at most ``limit`` of them), the worst first."""
    student = np.asarray(student, dtype=np.float64)
    truth = np.asarray(truth, dtype=np.float64)
    if truth.size and truth.flags.c_contiguous and np.isfinite(truth).all():
        # The usual case, a finite truth, and every entry within its allowance: as below, in
        # fewer steps (with nothing infinite in the truth, nothing here warns). The mean is
        # taken over the same entries in the same order as below, to the last bit.
        magnitude = np.abs(truth)
        mean = np.add.reduce(magnitude.ravel()) / magnitude.size  # np.mean's own sum and division
        allowance = tol.atol + tol.rtol * (magnitude + mean)
        if (np.abs(student - truth) < allowance).all():
            return []
    finite = np.isfinite(truth)
    scale = np.abs(truth) + (np.mean(np.abs(truth[finite])) if finite.any() else 0.0)
    with np.errstate(invalid="ignore"):
        allowance = tol.atol + tol.rtol * scale  # rtol 0 times an infinite truth: NaN, which fails
        error = np.abs(student - truth)
        if (error < allowance).all():
            # every entry strictly within its allowance (so finite, and the allowance above
            # 0): the ratios below would all be at most 1. The usual case, in fewer steps.
            return []
        diff = np.where(student == truth, 0.0, error)  # inf == inf: no error
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(np.isfinite(diff), diff / allowance, np.inf)
    ratio = np.where(np.isnan(ratio), np.inf, ratio)
    if ratio.size == 0 or ratio.max() <= 1.0:
        return []
    found: list[Mismatch] = []
    order = [int(np.argmax(ratio))] if limit == 1 else np.argsort(-ratio, axis=None, kind="stable")[:limit]
    for flat in map(int, order):
        if not ratio.flat[flat] > 1.0:
            break
        index = tuple(int(i) for i in np.unravel_index(flat, ratio.shape)) if ratio.ndim else ()
        with np.errstate(invalid="ignore", divide="ignore"):
            if not np.isfinite(scale.flat[flat]):
                relative = math.inf  # an infinite truth, missed
            elif scale.flat[flat] > 0:
                relative = float(diff.flat[flat] / scale.flat[flat])
            else:
                relative = float(diff.flat[flat])
        found.append(Mismatch(index=index, error=float(ratio.flat[flat]), relative=relative))
    return found
