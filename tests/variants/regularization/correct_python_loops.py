"""Python loops over the flattened entries, tensors rebuilt at the end."""

import torch


def _dropout(values, p, u, training):
    if not training:
        return values.clone()
    if p < 0 or p > 1:
        raise ValueError("p must lie in [0, 1]")
    flat, draws = values.flatten().tolist(), u.flatten().tolist()
    out = []
    for v, d in zip(flat, draws):
        out.append(v / (1 - p) if p < 1 and d < 1 - p else 0.0)
    return torch.tensor(out, dtype=values.dtype).reshape(values.shape)


def dropout_forward(x, p, u, training=True):
    return _dropout(x, p, u, training)


def dropout_backward(dout, p, u, training=True):
    return _dropout(dout, p, u, training)


def penalized_step(w, grad, lr, lam, penalty="l2_squared"):
    if penalty not in ("l1", "l2_squared"):
        raise ValueError("unknown penalty")
    out = []
    for wj, gj in zip(w.flatten().tolist(), grad.flatten().tolist()):
        if penalty == "l1":
            d = 1.0 if wj > 0 else (-1.0 if wj < 0 else 0.0)
        else:
            d = 2.0 * wj
        out.append(wj - lr * (gj + lam * d))
    return torch.tensor(out, dtype=w.dtype).reshape(w.shape)


def l1_proximal_step(w, grad, lr, lam):
    out = []
    for wj, gj in zip(w.flatten().tolist(), grad.flatten().tolist()):
        v = wj - lr * gj
        shrunk = abs(v) - lr * lam
        out.append(0.0 if shrunk <= 0 else (shrunk if v > 0 else -shrunk))
    return torch.tensor(out, dtype=w.dtype).reshape(w.shape)
