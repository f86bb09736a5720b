"""Python loops and NumPy inside."""

BREAKS = set()

import math

import numpy as np
import torch


def softmax(z):
    a = z.numpy()
    a = a - a.max(axis=-1, keepdims=True)
    e = np.exp(a)
    return e / e.sum(axis=-1, keepdims=True)


def cross_entropy(logits, y):
    total = 0.0
    for row, label in zip(logits.tolist(), y.tolist()):
        m = max(row)
        total += m + math.log(sum(math.exp(v - m) for v in row)) - row[label]
    return total / len(y)


def loss_and_grad(W, b, X, y, reg):
    Wn, bn, Xn, yn = W.numpy().astype(float), b.numpy().astype(float), X.numpy().astype(float), y.numpy()
    n = len(yn)
    scores = Xn @ Wn + bn
    loss = float(cross_entropy(torch.from_numpy(scores), y)) + reg * float((Wn * Wn).sum())
    P = np.asarray(softmax(torch.from_numpy(scores)))
    for i in range(n):
        P[i, yn[i]] -= 1.0
    P /= n
    return loss, Xn.T @ P + 2 * reg * Wn, P.sum(axis=0)


def predict(W, b, X):
    scores = (X @ W + b).tolist()
    return torch.tensor([max(range(len(r)), key=lambda j: (r[j], -j)) for r in scores])


def train(X, y, num_classes, lr=0.1, epochs=100, batch_size=None, reg=0.0, seed=0):
    W = torch.zeros(X.shape[1], num_classes, dtype=X.dtype)
    b = torch.zeros(num_classes, dtype=X.dtype)
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = np.arange(len(y)) if batch_size is None else rng.permutation(len(y))
        size = len(y) if batch_size is None else batch_size
        for start in range(0, len(y), size):
            idx = torch.from_numpy(order[start : start + size])
            _, dW, db = loss_and_grad(W, b, X[idx], y[idx], reg)
            W = W - lr * torch.as_tensor(dW, dtype=X.dtype)
            b = b - lr * torch.as_tensor(db, dtype=X.dtype)
    return W, b
