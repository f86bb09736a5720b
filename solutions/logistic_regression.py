"""Reference: binary logistic regression. Plain torch, on whatever device and dtype the inputs have."""

from __future__ import annotations

import torch


def _sigmoid(z: torch.Tensor) -> torch.Tensor:
    """1 / (1 + e^-z), from e^-|z| <= 1: never exponentiates a large positive number."""
    e = torch.exp(-z.abs())
    return torch.where(z >= 0, 1 / (1 + e), e / (1 + e))


def predict_proba(w: torch.Tensor, b: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    return _sigmoid(X @ w + b)


def bce_with_logits(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    # -log σ(z) = log(1 + e^-z) and -log(1 - σ(z)) = log(1 + e^z), so each term is
    # log(1 + e^z) - y z = max(z, 0) - y z + log1p(e^-|z|).
    y = y.to(z.dtype)
    return (z.clamp(min=0) - y * z + torch.log1p(torch.exp(-z.abs()))).mean()


def loss_and_grad(
    w: torch.Tensor, b: torch.Tensor, X: torch.Tensor, y: torch.Tensor, reg: float
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    z = X @ w + b
    loss = bce_with_logits(z, y) + reg * (w * w).sum()
    # backward: d loss / d z = (σ(z) - y) / n
    residual = _sigmoid(z) - y.to(z.dtype)
    return loss, X.T @ residual / len(y) + 2 * reg * w, residual.mean()


def predict(w: torch.Tensor, b: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    return (X @ w + b >= 0).long()


def train(
    X: torch.Tensor, y: torch.Tensor, lr: float = 0.1, epochs: int = 100, reg: float = 0.0
) -> tuple[torch.Tensor, torch.Tensor]:
    w = torch.zeros(X.shape[1], dtype=X.dtype, device=X.device)
    b = torch.zeros((), dtype=X.dtype, device=X.device)
    for _ in range(epochs):
        _, dw, db = loss_and_grad(w, b, X, y, reg)
        w = w - lr * dw
        b = b - lr * db
    return w, b
