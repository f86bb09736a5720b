"""ridge_fit adds lam to every diagonal entry, the intercept's included."""

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
    M = A.T @ A
    M = M + lam * torch.eye(M.shape[0], dtype=M.dtype)
    return torch.linalg.solve(M, A.T @ y)
