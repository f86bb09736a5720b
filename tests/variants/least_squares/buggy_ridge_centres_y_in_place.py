"""ridge_fit by centring, with y.sub_(mean): the weights are right, but the caller's y is changed."""

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
    x_mean = X.mean(dim=0)
    y_mean = y.mean()
    Xc = X - x_mean
    y.sub_(y_mean)
    beta = torch.linalg.solve(Xc.T @ Xc + lam * torch.eye(X.shape[1], dtype=X.dtype), Xc.T @ y)
    return torch.cat([(y_mean - x_mean @ beta).reshape(1), beta])
