"""NumPy inside: .numpy(), np.linalg.solve, back to torch with from_numpy; predict and
fit_line hand back NumPy values."""

import numpy as np
import torch

BREAKS = set()


def fit_line(x, y):
    xn = x.numpy()
    yn = y.numpy()
    a = np.sum((xn - xn.mean()) * (yn - yn.mean())) / np.sum((xn - xn.mean()) ** 2)
    b = yn.mean() - a * xn.mean()
    return a, b


def design(X):
    Xn = X.numpy()
    return np.column_stack([np.ones(len(Xn)), Xn])


def fit(X, y):
    A = design(X)
    w = np.linalg.solve(A.T @ A, A.T @ y.numpy())
    return torch.from_numpy(w).to(X.dtype)


def predict(X, w):
    return design(X) @ np.asarray(w)


def ridge_fit(X, y, lam):
    A = design(X)
    P = np.eye(A.shape[1])
    P[0, 0] = 0.0
    w = np.linalg.solve(A.T @ A + lam * P, A.T @ y.numpy())
    return torch.from_numpy(w).to(X.dtype)
