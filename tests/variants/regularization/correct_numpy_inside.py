"""NumPy inside, NumPy arrays returned; the mask by np.where, the threshold by np.maximum."""

import numpy as np


def _scale(p, u):
    if not 0 <= p <= 1:
        raise ValueError("p outside [0, 1]")
    keep = u.numpy() < 1 - p
    return np.where(keep, 1.0 / max(1 - p, 1e-300), 0.0)


def dropout_forward(x, p, u, training=True):
    if not training:
        return x.numpy().copy()
    return (x.numpy() * _scale(p, u)).astype(x.numpy().dtype)


def dropout_backward(dout, p, u, training=True):
    if not training:
        return dout.numpy().copy()
    return (dout.numpy() * _scale(p, u)).astype(dout.numpy().dtype)


def penalized_step(w, grad, lr, lam, penalty="l2_squared"):
    w, g = w.numpy(), grad.numpy()
    derivatives = {"l1": np.sign, "l2_squared": lambda a: 2 * a}
    if penalty not in derivatives:
        raise ValueError(penalty)
    return w - lr * (g + lam * derivatives[penalty](w))


def l1_proximal_step(w, grad, lr, lam):
    v = w.numpy() - lr * grad.numpy()
    return np.sign(v) * np.maximum(np.abs(v) - lr * lam, 0.0)
