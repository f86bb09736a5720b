"""Log-sum-exp through a log-softmax of its own, one-hot via eye."""

BREAKS = set()

import torch


def _log_softmax(s):
    m = s.amax(dim=-1, keepdim=True)
    shifted = s - m
    return shifted - torch.log(torch.exp(shifted).sum(dim=-1, keepdim=True))


def softmax(z):
    return torch.exp(_log_softmax(z))


def cross_entropy(logits, y):
    one_hot = torch.eye(logits.shape[1], dtype=logits.dtype)[y]
    return -(one_hot * _log_softmax(logits)).sum() / logits.shape[0]


def loss_and_grad(W, b, X, y, reg):
    scores = torch.addmm(b, X, W)
    n = X.shape[0]
    one_hot = torch.eye(W.shape[1], dtype=X.dtype)[y]
    d = (softmax(scores) - one_hot) / n
    return cross_entropy(scores, y) + reg * torch.sum(W * W), torch.einsum("nd,nk->dk", X, d) + 2 * reg * W, d.sum(0)


def predict(W, b, X):
    return torch.max(X @ W + b, dim=1).indices


def train(X, y, num_classes, lr=0.1, epochs=100, batch_size=None, reg=0.0, seed=0):
    W = X.new_zeros(X.shape[1], num_classes)
    b = X.new_zeros(num_classes)
    torch.manual_seed(seed)
    for _ in range(epochs):
        batches = [slice(None)] if batch_size is None else torch.randperm(len(y)).split(batch_size)
        for rows in batches:
            _, dW, db = loss_and_grad(W, b, X[rows], y[rows], reg)
            W, b = W - lr * dW, b - lr * db
    return W, b
