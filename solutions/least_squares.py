"""Reference: least squares. Plain torch, on whatever device and dtype the inputs have."""

from __future__ import annotations

import torch


def fit_line(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    dx = x - x.mean()
    a = (dx * (y - y.mean())).sum() / (dx * dx).sum()
    b = y.mean() - a * x.mean()
    return a, b


def _design(X: torch.Tensor) -> torch.Tensor:
    """X̃ = [1 | X]."""
    return torch.cat([torch.ones(X.shape[0], 1, dtype=X.dtype, device=X.device), X], dim=1)


def fit(X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return ridge_fit(X, y, 0.0)


def predict(X: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    return w[0] + X @ w[1:]


def ridge_fit(X: torch.Tensor, y: torch.Tensor, lam: float) -> torch.Tensor:
    Xt = _design(X)
    penalty = torch.eye(Xt.shape[1], dtype=X.dtype, device=X.device)
    penalty[0, 0] = 0.0  # the intercept is not penalised
    return torch.linalg.solve(Xt.T @ Xt + lam * penalty, Xt.T @ y)
