"""fit centres X in place (X -= mean) for conditioning: right weights, but the caller's X is changed."""

import torch

BREAKS = {"fit"}


def fit_line(x, y):
    x_mean = x.mean()
    y_mean = y.mean()
    slope = ((x - x_mean) * (y - y_mean)).sum() / ((x - x_mean) ** 2).sum()
    intercept = y_mean - slope * x_mean
    return slope, intercept


def with_ones(X):
    return torch.cat([torch.ones(X.shape[0], 1, dtype=X.dtype), X], dim=1)


def fit(X, y):
    x_mean = X.mean(dim=0)
    X -= x_mean
    A = with_ones(X)
    w = torch.linalg.solve(A.T @ A, A.T @ y)
    w[0] -= x_mean @ w[1:]  # undo the shift in the intercept
    return w


def predict(X, w):
    return w[0] + X @ w[1:]


def ridge_fit(X, y, lam):
    A = with_ones(X)
    P = torch.eye(A.shape[1], dtype=X.dtype)
    P[0, 0] = 0.0  # intercept not penalised
    return torch.linalg.solve(A.T @ A + lam * P, A.T @ y)
