"""float64 inside, float64 returned; torch.where for the mask, and the proximal step written
by cases (v - t where v > t, v + t where v < -t, else 0)."""

import torch


def dropout_forward(x, p, u, training=True):
    if training and not (0.0 <= p <= 1.0):
        raise ValueError("dropout probability has to be between 0 and 1")
    x64 = x.double()
    if not training or p == 0:
        return x64.clone()
    zero = torch.zeros_like(x64)
    return zero if p == 1 else torch.where(u.double() < 1 - p, x64 / (1 - p), zero)


def dropout_backward(dout, p, u, training=True):
    return dropout_forward(dout, p, u, training)  # dropout is linear: its gradient is itself


def penalized_step(w, grad, lr, lam, penalty="l2_squared"):
    w64, g64 = w.double(), grad.double()
    if penalty == "l2_squared":
        return w64 * (1 - 2 * lr * lam) - lr * g64
    if penalty == "l1":
        return w64 - lr * g64 - lr * lam * torch.sign(w64)
    raise ValueError("penalty must be 'l1' or 'l2_squared'")


def l1_proximal_step(w, grad, lr, lam):
    v = w.double() - lr * grad.double()
    t = lr * lam
    out = torch.zeros_like(v)
    out = torch.where(v > t, v - t, out)
    return torch.where(v < -t, v + t, out)
