"""grader.numgrad: central differences on functions whose gradient is known, the comparison
with an analytic gradient, and the allowance for a float32 forward."""

from __future__ import annotations

import numpy as np
import pytest

from grader import numgrad


def test_central_differences_of_a_quadratic_are_exact() -> None:
    x = np.array([[1.5, -2.0, 0.25], [3.0, 0.0, -0.5]])
    grad = numgrad.central_differences(lambda v: float(np.sum(v**2)), x)
    assert grad.shape == x.shape and grad.dtype == np.float64
    np.testing.assert_allclose(grad, 2 * x, atol=1e-8)


def test_central_differences_of_a_product_of_entries() -> None:
    x = np.array([0.3, 1.2, -0.7])
    grad = numgrad.central_differences(lambda v: float(np.sin(v[0]) * v[1] + np.exp(v[2])), x)
    np.testing.assert_allclose(grad, [np.cos(0.3) * 1.2, np.sin(0.3), np.exp(-0.7)], rtol=1e-8)


def test_central_differences_leave_the_input_alone_and_pass_copies() -> None:
    x = np.array([1.0, 2.0])
    seen: list[np.ndarray] = []

    def f(v: np.ndarray) -> float:
        seen.append(v)
        v[...] = 100.0  # a function that scribbles on its argument must not corrupt the next step
        return 0.0

    numgrad.central_differences(f, x)
    assert x.tolist() == [1.0, 2.0]
    assert len(seen) == 4 and all(v is not x for v in seen)


def test_central_differences_turn_an_integer_input_into_float64() -> None:
    grad = numgrad.central_differences(lambda v: float(np.sum(3 * v)), np.array([1, 2]))
    assert grad.dtype == np.float64
    np.testing.assert_allclose(grad, [3.0, 3.0], atol=1e-8)


def test_matching_gradients_have_no_mismatch() -> None:
    numerical = np.array([1.0, -2.0, 1e-7])
    within = numerical * (1 + 0.9 * numgrad.RTOL) + 0.5 * numgrad.ATOL
    assert numgrad.worst_gradient_mismatch("x", within, numerical) is None


def test_the_worst_entry_is_the_one_furthest_outside_the_tolerance() -> None:
    numerical = np.array([[1.0, 2.0], [3.0, 4.0]])
    analytic = numerical.copy()
    analytic[0, 1] = 2.1  # off by 5%
    analytic[1, 0] = 6.0  # off by a factor of 2: the worst
    worst = numgrad.worst_gradient_mismatch("W", analytic, numerical)
    assert worst is not None
    assert (worst.argument, worst.index, worst.analytic, worst.numerical) == ("W", (1, 0), 6.0, 3.0)
    assert worst.relative_error == pytest.approx(0.5)


def test_an_entry_just_outside_atol_plus_rtol_fails() -> None:
    numerical = np.array([10.0])
    allowed = numgrad.ATOL + numgrad.RTOL * 10.0
    assert numgrad.worst_gradient_mismatch("x", numerical + 0.99 * allowed, numerical) is None
    assert numgrad.worst_gradient_mismatch("x", numerical + 1.01 * allowed, numerical) is not None


def test_a_non_finite_analytic_gradient_always_fails() -> None:
    worst = numgrad.worst_gradient_mismatch("b", np.array([1.0, np.nan]), np.array([1.0, 0.0]))
    assert worst is not None and worst.index == (1,)
    assert worst.describe() == "db[1] is nan"


def test_describe_shows_values_only_when_revealed() -> None:
    worst = numgrad.GradientMismatch("x", (2,), analytic=4.0, numerical=2.0)
    shown = worst.describe(reveal=True)
    assert "dx[2]: analytic 4, numerical 2" in shown and "relative error 5.00e-01" in shown
    hidden = worst.describe(reveal=False)
    assert hidden == "dx[2] is off (relative error 5.00e-01)"


def test_float32_atol_grows_with_the_size_of_the_terms() -> None:
    ulp = float(np.spacing(np.float32(1.0)))
    expected = numgrad.ATOL + 2 * numgrad.FLOAT32_ULPS * ulp / (2 * numgrad.EPS_FLOAT32)
    assert numgrad.float32_atol([0.5, 1.0]) == pytest.approx(expected)
    assert numgrad.float32_atol([1000.0]) > numgrad.float32_atol([1.0]) > numgrad.ATOL


def test_a_float32_forward_needs_the_coarse_step_and_passes_with_float32_atol() -> None:
    """What Gradient's retry relies on: a forward rounded to float32 gives nonsense central
    differences at EPS, and gradients within float32_atol at EPS_FLOAT32."""
    x = np.linspace(-1.5, 2.0, 12)
    sizes: list[float] = []

    def f32(v: np.ndarray) -> float:
        value = float(np.sum(v.astype(np.float32) ** 2, dtype=np.float32))
        sizes.append(abs(value))
        return value

    analytic = 2 * x
    fine = numgrad.central_differences(f32, x)
    assert numgrad.worst_gradient_mismatch("x", analytic, fine) is not None
    coarse = numgrad.central_differences(f32, x, numgrad.EPS_FLOAT32)
    assert numgrad.worst_gradient_mismatch("x", analytic, coarse, numgrad.float32_atol(sizes)) is None
    # and the allowance is not so loose that a real error slips through
    assert numgrad.worst_gradient_mismatch("x", 2 * analytic, coarse, numgrad.float32_atol(sizes)) is not None
