"""np.cov (ddof=1 by default) over np.var (ddof=0): the slope is off by n / (n - 1)."""

import numpy as np
import torch

BREAKS = {"fit_line"}


def fit_line(x, y):
    xs, ys = x.numpy(), y.numpy()
    slope = np.cov(xs, ys)[0, 1] / np.var(xs)
    intercept = ys.mean() - slope * xs.mean()
    return float(slope), float(intercept)


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
