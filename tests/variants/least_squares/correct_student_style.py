"""A plain, idiomatic student solution: centred fit_line, torch.linalg.solve everywhere."""

import torch

BREAKS = set()


def fit_line(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    x_bar, y_bar = x.mean(), y.mean()
    a = ((x - x_bar) * (y - y_bar)).sum() / ((x - x_bar) ** 2).sum()
    b = y_bar - a * x_bar
    return a, b


def add_ones(X: torch.Tensor) -> torch.Tensor:
    ones = torch.ones(X.shape[0], 1, dtype=X.dtype, device=X.device)
    return torch.cat([ones, X], dim=1)


def fit(X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    Xt = add_ones(X)
    return torch.linalg.solve(Xt.T @ Xt, Xt.T @ y)


def predict(X: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    return w[0] + X @ w[1:]


def ridge_fit(X: torch.Tensor, y: torch.Tensor, lam: float) -> torch.Tensor:
    Xt = add_ones(X)
    P = torch.eye(Xt.shape[1], dtype=X.dtype, device=X.device)
    P[0, 0] = 0.0
    return torch.linalg.solve(Xt.T @ Xt + lam * P, Xt.T @ y)
