"""fit_line computes the intercept as mean(x) - a * mean(y)."""

import torch

BREAKS = {"fit_line"}


def fit_line(x, y):
    x_mean = x.mean()
    y_mean = y.mean()
    slope = ((x - x_mean) * (y - y_mean)).sum() / ((x - x_mean) ** 2).sum()
    intercept = x_mean - slope * y_mean
    return slope, intercept


def with_ones(X):
    return torch.cat([torch.ones(X.shape[0], 1, dtype=X.dtype), X], dim=1)


def fit(X, y):
    A = with_ones(X)
    return torch.linalg.solve(A.T @ A, A.T @ y)


def predict(X, w):
    return w[0] + X @ w[1:]


def ridge_fit(X, y, lam):
    A = with_ones(X)
    P = torch.eye(A.shape[1], dtype=X.dtype)
    P[0, 0] = 0.0  # intercept not penalised
    return torch.linalg.solve(A.T @ A + lam * P, A.T @ y)
