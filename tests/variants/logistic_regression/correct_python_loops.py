"""Python loops over samples with math.exp and math.log1p; float64 inside, tensors returned."""

import math

import torch

BREAKS = set()


def _sigmoid(z):
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _logits(w, b, X):
    ws, bias = w.tolist(), float(b)
    return [sum(xj * wj for xj, wj in zip(row, ws)) + bias for row in X.tolist()]


def predict_proba(w, b, X):
    return torch.tensor([_sigmoid(z) for z in _logits(w, b, X)], dtype=X.dtype)


def bce_with_logits(z, y):
    total = 0.0
    for zi, yi in zip(z.tolist(), y.tolist()):
        total += max(zi, 0.0) - yi * zi + math.log1p(math.exp(-abs(zi)))
    return total / len(y)


def loss_and_grad(w, b, X, y, reg):
    zs = _logits(w, b, X)
    labels, rows, ws = y.tolist(), X.tolist(), w.tolist()
    n, d = len(labels), len(ws)
    loss = bce_with_logits(torch.tensor(zs, dtype=torch.float64), y) + reg * sum(v * v for v in ws)
    dw, db = [2 * reg * v for v in ws], 0.0
    for i in range(n):
        r = _sigmoid(zs[i]) - labels[i]
        for j in range(d):
            dw[j] += rows[i][j] * r / n
        db += r / n
    return loss, torch.tensor(dw, dtype=X.dtype), db


def predict(w, b, X):
    return torch.tensor([1 if z >= 0 else 0 for z in _logits(w, b, X)], dtype=torch.int64)


def train(X, y, lr=0.1, epochs=100, reg=0.0):
    w, b = torch.zeros(X.shape[1], dtype=torch.float64), 0.0
    X64 = X.double()
    for _ in range(epochs):
        _, dw, db = loss_and_grad(w, torch.tensor(b, dtype=torch.float64), X64, y, reg)
        w, b = w - lr * dw, b - lr * db
    return w.to(X.dtype), b
