"""log_loss clips the probabilities to [1e-12, 1] (sklearn's old habit): 0 gives 27.6 instead of +inf, 1e-30 gives 27.6 instead of 69.08."""

import torch

BREAKS = {"log_loss"}


def zero_one_loss(y_true, y_pred):
    wrong = y_true != y_pred
    dtype = y_pred.dtype if y_pred.is_floating_point() else torch.float32
    return wrong.to(dtype)


def squared_loss(y_true, y_pred):
    diff = y_true - y_pred
    return diff * diff


def absolute_loss(y_true, y_pred):
    return torch.abs(y_true - y_pred)


def log_loss(y_true, probs):
    rows = torch.arange(len(y_true))
    return -torch.log(probs[rows, y_true].clamp(min=1e-12))


def empirical_risk(y_true, y_pred, loss):
    if loss == "zero_one":
        losses = zero_one_loss(y_true, y_pred)
    elif loss == "squared":
        losses = squared_loss(y_true, y_pred)
    elif loss == "absolute":
        losses = absolute_loss(y_true, y_pred)
    elif loss == "log":
        losses = log_loss(y_true, y_pred)
    else:
        raise ValueError(f"unknown loss {loss!r}")
    return losses.mean()


def l0_norm(w):
    return int((w != 0).sum())


def l1_norm(w):
    return w.abs().sum()


def l2_norm(w):
    return torch.sqrt((w**2).sum())


def structural_risk(y_true, y_pred, w, lam, loss="squared", penalty="l2_squared"):
    if penalty == "l0":
        J = l0_norm(w)
    elif penalty == "l1":
        J = l1_norm(w)
    elif penalty == "l2":
        J = l2_norm(w)
    elif penalty == "l2_squared":
        J = (w**2).sum()
    else:
        raise ValueError(f"unknown penalty {penalty!r}")
    return empirical_risk(y_true, y_pred, loss) + lam * J


def penalty_grad(w, penalty):
    if penalty == "l0":
        return torch.zeros_like(w)
    if penalty == "l1":
        return torch.sign(w)
    if penalty == "l2":
        norm = l2_norm(w)
        if norm == 0:
            return torch.zeros_like(w)
        return w / norm
    if penalty == "l2_squared":
        return 2 * w
    raise ValueError(f"unknown penalty {penalty!r}")
