"""A sample submission with typical mistakes, graded by `make demo`.

softmax forgets to subtract the max (overflow for large logits); loss_and_grad's dW misses
the factor 2 of the regularisation; the rest is right.
"""

import torch


def softmax(z):
    e = torch.exp(z)
    return e / e.sum(dim=-1, keepdim=True)


def cross_entropy(logits, y):
    m = logits.max(dim=1, keepdim=True).values
    lse = m.squeeze(1) + torch.log(torch.exp(logits - m).sum(dim=1))
    return (lse - logits[torch.arange(len(y)), y]).mean()


def loss_and_grad(W, b, X, y, reg):
    scores = X @ W + b
    loss = cross_entropy(scores, y) + reg * (W**2).sum()
    m = scores.max(dim=1, keepdim=True).values
    P = torch.exp(scores - m)
    P = P / P.sum(dim=1, keepdim=True)
    P[torch.arange(len(y)), y] -= 1
    P = P / len(y)
    return loss, X.T @ P + reg * W, P.sum(0)


def predict(W, b, X):
    return (X @ W + b).argmax(dim=1)


def train(X, y, num_classes, lr=0.1, epochs=100, batch_size=None, reg=0.0, seed=0):
    W = torch.zeros(X.shape[1], num_classes, dtype=X.dtype)
    b = torch.zeros(num_classes, dtype=X.dtype)
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        batches = (
            [torch.arange(len(y))] if batch_size is None else torch.randperm(len(y), generator=g).split(batch_size)
        )
        for idx in batches:
            _, dW, db = loss_and_grad(W, b, X[idx], y[idx], reg)
            W = W - lr * dW
            b = b - lr * db
    return W, b
