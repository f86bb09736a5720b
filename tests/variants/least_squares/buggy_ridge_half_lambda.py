"""ridge_fit uses lam / 2, the gradient of (lam / 2) ||w||² from another course's convention."""

import torch

BREAKS = {"ridge_fit"}


def fit_line(x, y):
    x_mean = x.mean()
    y_mean = y.mean()
    slope = ((x - x_mean) * (y - y_mean)).sum() / ((x - x_mean) ** 2).sum()
    intercept = y_mean - slope * x_mean
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
    P[0, 0] = 0.0
    return torch.linalg.solve(A.T @ A + (lam / 2) * P, A.T @ y)
