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

Kinks (ReLU at 0) break central differences, so the input strategies keep inputs away from
them; the checks for exact zeros are separate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

EPS = 1e-6
ATOL = 1e-5
RTOL = 1e-3


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

    @property
    def relative_error(self) -> float:
        scale = max(abs(self.analytic), abs(self.numerical))
        return abs(self.analytic - self.numerical) / scale if scale > 0 else 0.0

    def describe(self, reveal: bool = True) -> str:
        where = f"d{self.argument}{list(self.index)}"
        if not np.isfinite(self.analytic):
            return f"{where} is {self.analytic}"
        if reveal:
            return (
                f"{where}: analytic {self.analytic:.6g}, numerical {self.numerical:.6g} "
                f"(relative error {self.relative_error:.2e}; allowed atol {ATOL:g} + rtol {RTOL:g} · |numerical|)"
            )
        return f"{where} is off (relative error {self.relative_error:.2e})"


def worst_gradient_mismatch(argument: str, analytic: np.ndarray, numerical: np.ndarray) -> GradientMismatch | None:
    """The entry furthest outside gradcheck's tolerance, or None when all are within it."""
    analytic = np.asarray(analytic, dtype=np.float64)
    numerical = np.asarray(numerical, dtype=np.float64)
    allowance = ATOL + RTOL * np.abs(numerical)
    with np.errstate(invalid="ignore"):
        excess = np.where(np.isfinite(analytic), np.abs(analytic - numerical) / allowance, np.inf)
    if excess.size == 0 or excess.max() <= 1.0:
        return None
    index = np.unravel_index(int(np.argmax(excess)), excess.shape)
    idx = tuple(int(i) for i in index)
    return GradientMismatch(argument, idx, float(analytic[idx]), float(numerical[idx]))
