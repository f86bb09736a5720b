"""Reference: softmax regression. Plain torch, on whatever device and dtype the inputs have."""

from __future__ import annotations

import torch


def softmax(z: torch.Tensor) -> torch.Tensor:
    e = torch.exp(z - z.max(dim=-1, keepdim=True).values)
    return e / e.sum(dim=-1, keepdim=True)


def _log_sum_exp(s: torch.Tensor) -> torch.Tensor:
    m = s.max(dim=-1, keepdim=True).values
    return (m + torch.log(torch.exp(s - m).sum(dim=-1, keepdim=True))).squeeze(-1)


def cross_entropy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    true_logit = logits.gather(1, y.unsqueeze(1)).squeeze(1)
    return (_log_sum_exp(logits) - true_logit).mean()


def loss_and_grad(
    W: torch.Tensor, b: torch.Tensor, X: torch.Tensor, y: torch.Tensor, reg: float
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    scores = X @ W + b
    loss = cross_entropy(scores, y) + reg * (W * W).sum()
    # backward: d loss / d scores = (softmax - one_hot) / n
    dscores = softmax(scores)
    dscores[torch.arange(len(y), device=y.device), y] -= 1
    dscores /= len(y)
    return loss, X.T @ dscores + 2 * reg * W, dscores.sum(dim=0)


def predict(W: torch.Tensor, b: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    return torch.argmax(X @ W + b, dim=1)


def train(
    X: torch.Tensor,
    y: torch.Tensor,
    num_classes: int,
    lr: float = 0.1,
    epochs: int = 100,
    batch_size: int | None = None,
    reg: float = 0.0,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    W = torch.zeros(X.shape[1], num_classes, dtype=X.dtype, device=X.device)
    b = torch.zeros(num_classes, dtype=X.dtype, device=X.device)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        if batch_size is None:
            batches = [torch.arange(len(y), device=X.device)]
        else:
            order = torch.randperm(len(y), generator=generator).to(X.device)
            batches = list(order.split(batch_size))
        for rows in batches:
            _, dW, db = loss_and_grad(W, b, X[rows], y[rows], reg)
            W = W - lr * dW
            b = b - lr * db
    return W, b
