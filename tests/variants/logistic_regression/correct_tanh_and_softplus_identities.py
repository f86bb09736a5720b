"""Another valid formula: σ(z) = (1 + tanh(z / 2)) / 2, and the loss as mean(softplus(-s z)) with s = 2y - 1, softplus by logaddexp; float32 inside."""

import torch

BREAKS = set()


def predict_proba(w, b, X):
    z = (X.float() @ w.float() + b.float()).double()
    return ((1 + torch.tanh(z / 2)) / 2).to(X.dtype)


def bce_with_logits(z, y):
    s = (2 * y - 1).to(z.dtype)
    return torch.logaddexp(torch.zeros_like(z), -s * z).mean()


def loss_and_grad(w, b, X, y, reg):
    z = X @ w + b
    p = (1 + torch.tanh(z / 2)) / 2
    r = p - y.to(X.dtype)
    loss = bce_with_logits(z, y) + reg * torch.dot(w, w)
    return loss, torch.einsum("nd,n->d", X, r) / X.shape[0] + 2 * reg * w, r.sum() / X.shape[0]


def predict(w, b, X):
    z = X @ w + b
    return torch.where(z < 0, 0, 1)


def train(X, y, lr=0.1, epochs=100, reg=0.0):
    params = torch.zeros(X.shape[1] + 1, dtype=X.dtype)  # [w, b] in one vector
    for _ in range(epochs):
        _, dw, db = loss_and_grad(params[:-1], params[-1], X, y, reg)
        params = params - lr * torch.cat([dw, db.reshape(1)])
    return params[:-1], params[-1]
