"""max(v - lr*lam, 0) without the sign: negative weights are zeroed."""

import torch

BREAKS = {"l1_proximal_step"}


def dropout_forward(x, p, u, training=True):
    if not training:
        return x
    if p < 0 or p > 1:
        raise ValueError("p must be in [0, 1]")
    if p == 1:
        return torch.zeros_like(x)
    mask = (u < 1 - p).to(x.dtype)
    return x * mask / (1 - p)


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
    return torch.clamp(v - lr * lam, min=0)
