"""Exercise: least squares, from a line through points to ridge regression.

Conventions for every function here (course-wide):

- Inputs are ``torch.Tensor`` of dtype float32 or float64; rows are samples. Return tensors of
  the input's dtype on the input's device (a NumPy array or a Python float is accepted too).
- Never modify an input in place (no ``X += ...``, no ``y.sub_(...)``): the grader checks.
- Forbidden in this module, in every spelling: ``torch.linalg.lstsq``, ``torch.linalg.pinv``,
  ``torch.pinverse`` (and ``Tensor.pinverse``), ``numpy.linalg.lstsq``, ``numpy.linalg.pinv``,
  ``numpy.polyfit``, ``scipy.linalg.lstsq``/``pinv`` and anything from ``sklearn``. They solve the
  exercise for you; a function that calls one gets zero points. ``torch.linalg.solve``,
  ``torch.linalg.inv``, ``torch.linalg.cholesky`` and plain matrix products are all fair.

Check your work with ``mlgrade check least_squares``.
"""

from __future__ import annotations

import torch


def fit_line(x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """Slope and intercept of the least-squares line through the points (x[i], y[i]).

    Find a and b minimising  sum_i (y[i] - (a * x[i] + b))**2.  Setting both partial
    derivatives to zero gives, with mean(x) = x̄ and mean(y) = ȳ:

        a = sum_i (x[i] - x̄) * (y[i] - ȳ) / sum_i (x[i] - x̄)**2
        b = ȳ - a * x̄

    Args:
        x: shape (n,), n >= 2, not all values equal.
        y: shape (n,), same dtype as x.

    Returns:
        (a, b): two scalars (Python floats or 0-d tensors).

    Example: x = [0, 1, 2], y = [1, 3, 5] gives (2.0, 1.0).
    """
    raise NotImplementedError("least_squares.fit_line: compute the slope a and intercept b")


def fit(X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Multivariate least squares by the normal equations, with an intercept.

    Add a column of ones in front of X: X̃ = [1 | X], shape (n, d + 1). The weights w
    minimising ||y - X̃ w||² solve the normal equations

        (X̃ᵀ X̃) w = X̃ᵀ y

    X has full column rank, so X̃ᵀ X̃ is invertible. Solve the system (``torch.linalg.solve``);
    do not call a least-squares or pseudo-inverse routine (see the module docstring).

    Args:
        X: shape (n, d), n >= d + 1.
        y: shape (n,).

    Returns:
        w: shape (d + 1,). w[0] is the intercept, w[1:] the coefficients of X's columns.
    """
    raise NotImplementedError("least_squares.fit: solve the normal equations for w")


def predict(X: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Predictions of the linear model with weights w (as returned by ``fit``).

        ŷ[i] = w[0] + sum_j X[i, j] * w[j + 1]

    Args:
        X: shape (n, d).
        w: shape (d + 1,), w[0] the intercept.

    Returns:
        shape (n,).
    """
    raise NotImplementedError("least_squares.predict: compute w[0] + X @ w[1:]")


def ridge_fit(X: torch.Tensor, y: torch.Tensor, lam: float) -> torch.Tensor:
    """Ridge regression: least squares with an L2 penalty on the coefficients, not the intercept.

    Minimise  ||y - X̃ w||² + lam * ||w[1:]||²  with X̃ = [1 | X]. The minimiser solves

        (X̃ᵀ X̃ + lam * P) w = X̃ᵀ y,   P = identity of size d + 1 with P[0, 0] = 0

    Penalising the intercept (P = identity) is a classic bug: it pulls the predictions
    towards zero instead of towards the mean of y.

    Args:
        X: shape (n, d).
        y: shape (n,).
        lam: the penalty, a Python float >= 0. With lam = 0 this is ``fit``.

    Returns:
        w: shape (d + 1,), w[0] the intercept.
    """
    raise NotImplementedError("least_squares.ridge_fit: solve the penalised normal equations")
