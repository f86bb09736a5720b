"""Everything computed in float32, whatever the input dtype; inverse instead of solve."""

BREAKS = set()

import torch


def fit_line(x, y):
    x, y = x.float(), y.float()
    xm, ym = x.mean(), y.mean()
    a = ((x - xm) * (y - ym)).sum() / ((x - xm) ** 2).sum()
    return a.item(), (ym - a * xm).item()


def fit(X, y):
    return ridge_fit(X, y, 0.0)


def predict(X, w):
    return (w.float()[0] + X.float() @ w.float()[1:]).to(X.dtype)


def ridge_fit(X, y, lam):
    A = torch.nn.functional.pad(X.float(), (1, 0), value=1.0)
    penalty = torch.diag(torch.tensor([0.0] + [lam] * X.shape[1]))
    return (torch.linalg.inv(A.T @ A + penalty) @ (A.T @ y.float())).to(X.dtype)
