"""p taken as the keep probability: kept where u < p, scaled by 1/p (p = 0.5 hides it)."""

import torch

BREAKS = {"dropout_forward"}


def dropout_forward(x, p, u, training=True):
    if not training:
        return x
    if p < 0 or p > 1:
        raise ValueError("p must be in [0, 1]")
    if p == 1:
        return torch.zeros_like(x)
    mask = (u < p).to(x.dtype)
    return x * mask / p


def dropout_backward(dout, p, u, training=True):
    if not training:
        return dout
    if p < 0 or p > 1:
        raise ValueError("p must be in [0, 1]")
    if p == 1:
        return torch.zeros_like(dout)
    mask = (u < 1 - p).to(dout.dtype)
    return dout * mask / (1 - p)


def penalized_step(w, grad, lr, lam, penalty="l2_squared"):
    if penalty == "l1":
        dJ = torch.sign(w)
    elif penalty == "l2_squared":
        dJ = 2 * w
    else:
        raise ValueError(f"unknown penalty {penalty}")
    return w - lr * (grad + lam * dJ)


def l1_proximal_step(w, grad, lr, lam):
    v = w - lr * grad
    return torch.sign(v) * torch.clamp(torch.abs(v) - lr * lam, min=0)
