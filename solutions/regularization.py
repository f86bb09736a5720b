"""Reference: dropout with its uniform draws passed in, and the penalised update rules. Plain
torch, on whatever device and dtype the inputs have; no torch dropout, softshrink or optim."""

from __future__ import annotations

import torch


def _keep_scale(p: float, u: torch.Tensor) -> torch.Tensor:
    """keep / (1 − p): 1/(1 − p) where u < 1 − p, else 0 (all 0 when p = 1, never nan)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must lie in [0, 1], got {p}")
    if p == 1.0:
        return torch.zeros_like(u)
    return (u < 1.0 - p).to(u.dtype) / (1.0 - p)


def dropout_forward(x: torch.Tensor, p: float, u: torch.Tensor, training: bool = True) -> torch.Tensor:
    if not training:
        return x.clone()
    return x * _keep_scale(p, u)


def dropout_backward(dout: torch.Tensor, p: float, u: torch.Tensor, training: bool = True) -> torch.Tensor:
    if not training:
        return dout.clone()
    return dout * _keep_scale(p, u)


def penalized_step(
    w: torch.Tensor, grad: torch.Tensor, lr: float, lam: float, penalty: str = "l2_squared"
) -> torch.Tensor:
    if penalty == "l1":
        d_penalty = torch.sign(w)
    elif penalty == "l2_squared":
        d_penalty = 2.0 * w
    else:
        raise ValueError(f"penalty must be 'l1' or 'l2_squared', got {penalty!r}")
    return w - lr * (grad + lam * d_penalty)


def l1_proximal_step(w: torch.Tensor, grad: torch.Tensor, lr: float, lam: float) -> torch.Tensor:
    v = w - lr * grad
    return torch.sign(v) * torch.clamp(v.abs() - lr * lam, min=0.0)
