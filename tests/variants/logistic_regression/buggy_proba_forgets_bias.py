"""predict_proba leaves b out of the logit."""

import torch

BREAKS = {"predict_proba"}


def sigmoid(z):
    e = torch.exp(-torch.abs(z))
    return torch.where(z >= 0, 1 / (1 + e), e / (1 + e))


def predict_proba(w, b, X):
    return sigmoid(X @ w)


def bce_with_logits(z, y):
    y = y.to(z.dtype)
    return (torch.clamp(z, min=0) - y * z + torch.log1p(torch.exp(-torch.abs(z)))).mean()


def loss_and_grad(w, b, X, y, reg):
    z = X @ w + b
    loss = bce_with_logits(z, y) + reg * (w**2).sum()
    err = sigmoid(z) - y.to(X.dtype)
    dw = X.T @ err / len(y) + 2 * reg * w
    db = err.mean()
    return loss, dw, db


def predict(w, b, X):
    return (X @ w + b >= 0).long()


def train(X, y, lr=0.1, epochs=100, reg=0.0):
    w = torch.zeros(X.shape[1], dtype=X.dtype)
    b = torch.zeros((), dtype=X.dtype)
    for _ in range(epochs):
        _, dw, db = loss_and_grad(w, b, X, y, reg)
        w = w - lr * dw
        b = b - lr * db
    return w, b
