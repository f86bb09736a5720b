"""NumPy inside: convert, compute with numpy (np.errstate for the log of 0), return arrays."""

import numpy as np

import torch


def zero_one_loss(y_true, y_pred):
    return (y_true.numpy() != y_pred.numpy()).astype(np.float64)


def squared_loss(y_true, y_pred):
    return np.square(y_true.numpy() - y_pred.numpy())


def absolute_loss(y_true, y_pred):
    return np.abs(y_true.numpy() - y_pred.numpy())


def log_loss(y_true, probs):
    p = np.take_along_axis(probs.numpy(), y_true.numpy()[:, None], axis=1)[:, 0]
    with np.errstate(divide="ignore"):
        return -np.log(p)


LOSSES = {"zero_one": zero_one_loss, "squared": squared_loss, "absolute": absolute_loss, "log": log_loss}


def empirical_risk(y_true, y_pred, loss):
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}")
    return float(np.mean(LOSSES[loss](y_true, y_pred)))


def l0_norm(w):
    return int(np.count_nonzero(w.numpy()))


def l1_norm(w):
    return float(np.sum(np.abs(w.numpy())))


def l2_norm(w):
    a = w.numpy().astype(np.float64).ravel()
    return float(np.sqrt(a @ a))


def _penalty(w, penalty):
    if penalty == "l0":
        return l0_norm(w)
    if penalty == "l1":
        return l1_norm(w)
    if penalty == "l2":
        return l2_norm(w)
    if penalty == "l2_squared":
        return l2_norm(w) ** 2
    raise ValueError(f"unknown penalty {penalty!r}")


def structural_risk(y_true, y_pred, w, lam, loss="squared", penalty="l2_squared"):
    return empirical_risk(y_true, y_pred, loss) + lam * _penalty(w, penalty)


def penalty_grad(w, penalty):
    a = w.numpy()
    if penalty == "l0":
        return np.zeros_like(a)
    if penalty == "l1":
        return np.sign(a)
    if penalty == "l2":
        norm = l2_norm(w)
        return a / norm if norm > 0 else np.zeros_like(a)
    if penalty == "l2_squared":
        return 2 * a
    raise ValueError(f"unknown penalty {penalty!r}")


_ = torch  # torch tensors come in; numpy does the work
