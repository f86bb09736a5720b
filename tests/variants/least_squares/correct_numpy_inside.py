"""NumPy inside: np.linalg.solve, NumPy arrays returned."""

BREAKS = set()

import numpy as np


def fit_line(x, y):
    x, y = x.numpy(), y.numpy()
    a = np.cov(x, y, bias=True)[0, 1] / np.var(x)
    return a, y.mean() - a * x.mean()


def _design(X):
    return np.column_stack([np.ones(len(X)), X.numpy()])


def fit(X, y):
    A = _design(X)
    return np.linalg.solve(A.T @ A, A.T @ y.numpy())


def predict(X, w):
    return _design(X) @ w.numpy()


def ridge_fit(X, y, lam):
    A = _design(X)
    P = np.diag([0.0] + [1.0] * (A.shape[1] - 1))
    return np.linalg.solve(A.T @ A + lam * P, A.T @ y.numpy())
