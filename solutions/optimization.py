"""Reference: gradient descent on linear least squares, and torch's SGD and Adam steps written
out. Plain torch, on whatever device and dtype the inputs have; never calls torch.optim."""

from __future__ import annotations

from typing import Any

import torch


def minibatches(order: Any, batch_size: int) -> list[list[int]]:
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    order = [int(i) for i in order]
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]


def _risk(w: torch.Tensor, X: torch.Tensor, y: torch.Tensor, loss: str) -> torch.Tensor:
    residual = y - X @ w
    return (residual**2).mean() if loss == "squared" else residual.abs().mean()


def numerical_gradient(
    w: torch.Tensor, X: torch.Tensor, y: torch.Tensor, loss: str = "squared", h: float = 1e-5
) -> torch.Tensor:
    if loss not in ("squared", "absolute"):
        raise ValueError(f"loss must be 'squared' or 'absolute', got {loss!r}")
    if h <= 0:
        raise ValueError(f"h must be positive, got {h}")
    g = torch.zeros_like(w)
    for j in range(w.shape[0]):
        e = torch.zeros_like(w)
        e[j] = h
        g[j] = (_risk(w + e, X, y, loss) - _risk(w - e, X, y, loss)) / (2 * h)
    return g


def _gradient(X: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """(2/m)·Xᵀ(Xw − y), the gradient of the mean squared error of the m rows given."""
    return 2.0 / X.shape[0] * (X.T @ (X @ w - y))


def batch_gd(X: torch.Tensor, y: torch.Tensor, w0: torch.Tensor, lr: float, epochs: int) -> torch.Tensor:
    w = w0.clone()
    for _ in range(epochs):
        w = w - lr * _gradient(X, y, w)
    return w


def sgd(X: torch.Tensor, y: torch.Tensor, w0: torch.Tensor, lr: float, orders: Any) -> torch.Tensor:
    return minibatch_gd(X, y, w0, lr, orders, 1)


def minibatch_gd(
    X: torch.Tensor, y: torch.Tensor, w0: torch.Tensor, lr: float, orders: Any, batch_size: int
) -> torch.Tensor:
    w = w0.clone()
    for order in orders:
        for batch in minibatches(order, batch_size):
            rows = torch.tensor(batch, dtype=torch.long, device=X.device)
            w = w - lr * _gradient(X[rows], y[rows], w)
    return w


def sgd_momentum_step(
    param: torch.Tensor,
    grad: torch.Tensor,
    buf: torch.Tensor | None,
    lr: float,
    momentum: float = 0.0,
    dampening: float = 0.0,
    nesterov: bool = False,
    weight_decay: float = 0.0,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    if nesterov and (momentum <= 0 or dampening != 0):
        raise ValueError("Nesterov momentum requires a momentum and zero dampening")
    g = grad + weight_decay * param
    new_buf = None
    if momentum != 0:
        new_buf = g.clone() if buf is None else momentum * buf + (1 - dampening) * g
        g = g + momentum * new_buf if nesterov else new_buf
    return param - lr * g, new_buf


def adam_step(
    param: torch.Tensor,
    grad: torch.Tensor,
    state: dict[str, Any],
    lr: float = 1e-3,
    betas: Any = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
) -> tuple[torch.Tensor, dict[str, Any]]:
    beta1, beta2 = betas
    t = state.get("step", 0) + 1
    m = state.get("exp_avg", torch.zeros_like(param))
    v = state.get("exp_avg_sq", torch.zeros_like(param))
    g = grad + weight_decay * param
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    denominator = v.sqrt() / (1 - beta2**t) ** 0.5 + eps
    new_param = param - lr * (m / (1 - beta1**t)) / denominator
    return new_param, {"step": t, "exp_avg": m, "exp_avg_sq": v}
