"""Numerical gradients by central differences, and the comparison of an analytic gradient
with them.

The step and the tolerances follow ``torch.autograd.gradcheck``, the established practice for
float64: step eps = 1e-6, and an entry passes when

    |analytic - numerical| <= atol + rtol * |numerical|,   atol = 1e-5, rtol = 1e-3

Central differences in float64 with eps = 1e-6 have truncation error O(eps²) ≈ 1e-12 and
rounding error about 1e-16 · |f| / eps ≈ 1e-10 · |f|: far below atol for the objectives here
(|f| up to about 1e3), so a correct gradient never fails, while a missing factor of 2 or of
1/n, a wrong axis or a wrong sign misses by far more than rtol. The relative error shown to
students is cs231n's: |a - n| / max(|a|, |n|), the number their own gradient checks print.

A forward computed in float32 inside is too coarse for eps = 1e-6; see EPS_FLOAT32.

Kinks (ReLU at 0) break central differences, so the input strategies keep inputs away from
them; the checks for exact zeros are separate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from grader.i18n import _

EPS = 1e-6
ATOL = 1e-5
RTOL = 1e-3
# A forward computed in float32 inside (SPEC: a correct style) rounds each value to about
# 1e-7·|f|; divided by 2·1e-6 that is an error of 5% in a numerical derivative. So a gradient
# that disagrees at EPS is compared again at EPS_FLOAT32, allowing for what float32 round-off
# does to that difference (float32_atol). Only a student's own forward can be float32; the
# reference's is float64, and the hidden checks hold every gradient to gradcheck's ATOL.
EPS_FLOAT32 = 1e-3
FLOAT32_ULPS = 8  # what a float32 forward of a few dozen operations may be off by, in ulps


def float32_atol(sizes: list[float]) -> float:
    """ATOL plus the error bound of a central difference of a float32 forward with step
    EPS_FLOAT32: FLOAT32_ULPS ulps of the largest size of the objective's terms (a sum that
    cancels to a small value still carries the round-off of its large terms), on each side,
    over 2·EPS_FLOAT32. The truncation error at this step, O(EPS_FLOAT32²) ≈ 1e-6, is below ATOL."""
    ulp = float(np.spacing(np.float32(max(sizes))))
    return ATOL + 2 * FLOAT32_ULPS * ulp / (2 * EPS_FLOAT32)


def central_differences(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = EPS) -> np.ndarray:
    """The gradient of the scalar function ``f`` at ``x`` (float64), entry by entry."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = original + eps
        up = f(x.copy())
        x[i] = original - eps
        down = f(x.copy())
        x[i] = original
        grad[i] = (up - down) / (2 * eps)
    return grad


@dataclass(frozen=True)
class GradientMismatch:
    argument: str
    index: tuple[int, ...]
    analytic: float
    numerical: float
    atol: float = ATOL

    @property
    def relative_error(self) -> float:
        scale = max(abs(self.analytic), abs(self.numerical))
        return abs(self.analytic - self.numerical) / scale if scale > 0 else 0.0

    def describe(self, reveal: bool = True) -> str:
        where = f"d{self.argument}{list(self.index)}"
        if not np.isfinite(self.analytic):
            return _("{where} is {value}").format(where=where, value=self.analytic)
        if reveal:
            # NOTE: {where} is the gradient's entry, "dW[0, 1]"; "|numerical|" is the numerical derivative's size
            return _(
                "{where}: analytic {analytic:.6g}, numerical {numerical:.6g} (relative error {error:.2e}; "
                "allowed atol {atol:.2g} + rtol {rtol:g} · |numerical|)"
            ).format(
                where=where,
                analytic=self.analytic,
                numerical=self.numerical,
                error=self.relative_error,
                atol=self.atol,
                rtol=RTOL,
            )
        return _("{where} is off (relative error {error:.2e})").format(where=where, error=self.relative_error)


def worst_gradient_mismatch(
    argument: str, analytic: np.ndarray, numerical: np.ndarray, atol: float = ATOL
) -> GradientMismatch | None:
    """The entry furthest outside gradcheck's tolerance, or None when all are within it."""
    analytic = np.asarray(analytic, dtype=np.float64)
    numerical = np.asarray(numerical, dtype=np.float64)
    allowance = atol + RTOL * np.abs(numerical)
    with np.errstate(invalid="ignore"):
        excess = np.where(np.isfinite(analytic), np.abs(analytic - numerical) / allowance, np.inf)
    if excess.size == 0 or excess.max() <= 1.0:
        return None
    index = np.unravel_index(int(np.argmax(excess)), excess.shape)
    idx = tuple(int(i) for i in index)
    return GradientMismatch(argument, idx, float(analytic[idx]), float(numerical[idx]), atol)
