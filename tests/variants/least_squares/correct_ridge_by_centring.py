"""Ridge by centring (on copies): solve (XcᵀXc + lam I) β = Xcᵀyc, intercept ȳ − x̄ᵀβ, which
is the unpenalised-intercept solution; fit is ridge_fit with lam = 0; einsum in predict."""

from __future__ import annotations

import torch
from torch import Tensor

BREAKS = set()


def fit_line(x: Tensor, y: Tensor) -> tuple[float, float]:
    cov = torch.mean((x - x.mean()) * (y - y.mean()))
    var = torch.mean((x - x.mean()) ** 2)
    a = cov / var
    return a.item(), (y.mean() - a * x.mean()).item()


def ridge_fit(X: Tensor, y: Tensor, lam: float) -> Tensor:
    x_bar = X.mean(dim=0)
    y_bar = y.mean()
    Xc = X - x_bar
    yc = y - y_bar
    d = X.shape[1]
    beta = torch.linalg.solve(Xc.T @ Xc + lam * torch.eye(d, dtype=X.dtype), Xc.T @ yc)
    intercept = y_bar - x_bar @ beta
    return torch.cat([intercept.reshape(1), beta])


def fit(X: Tensor, y: Tensor) -> Tensor:
    return ridge_fit(X, y, 0.0)


def predict(X: Tensor, w: Tensor) -> Tensor:
    return torch.einsum("nd,d->n", X, w[1:]) + w[0]
