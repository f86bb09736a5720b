"""float64 inside and other valid formulas: |d| as sqrt(d²), the log loss by gather, L0 by
count_nonzero, L2 as sqrt(w·w) of the flattened weights, sign(w) as w / |w| with 0 at 0, and
the risk as a dot product with 1/n weights."""

import torch


def zero_one_loss(y_true, y_pred):
    return torch.where(y_true == y_pred, 0.0, 1.0).double()


def squared_loss(y_true, y_pred):
    return (y_true.double() - y_pred.double()).pow(2)


def absolute_loss(y_true, y_pred):
    d = y_true.double() - y_pred.double()
    return torch.sqrt(d * d)


def log_loss(y_true, probs):
    return -probs.double().gather(1, y_true.unsqueeze(1)).squeeze(1).log()


def empirical_risk(y_true, y_pred, loss):
    if loss == "zero_one":
        per = zero_one_loss(y_true, y_pred)
    elif loss == "squared":
        per = squared_loss(y_true, y_pred)
    elif loss == "absolute":
        per = absolute_loss(y_true, y_pred)
    elif loss == "log":
        per = log_loss(y_true, y_pred)
    else:
        raise ValueError("loss must be 'zero_one', 'squared', 'absolute' or 'log'")
    if torch.isinf(per).any():
        return torch.tensor(float("inf"), dtype=torch.float64)
    return per @ torch.full_like(per, 1.0 / per.numel())


def l0_norm(w):
    return torch.count_nonzero(w)


def l1_norm(w):
    return w.double().abs().sum()


def l2_norm(w):
    flat = w.double().reshape(-1)
    return torch.sqrt(flat @ flat)


def structural_risk(y_true, y_pred, w, lam, loss="squared", penalty="l2_squared"):
    if penalty == "l0":
        J = l0_norm(w).double()
    elif penalty == "l1":
        J = l1_norm(w)
    elif penalty == "l2":
        J = l2_norm(w)
    elif penalty == "l2_squared":
        J = l2_norm(w) ** 2
    else:
        raise ValueError("penalty must be 'l0', 'l1', 'l2' or 'l2_squared'")
    return empirical_risk(y_true, y_pred, loss) + lam * J


def penalty_grad(w, penalty):
    w64 = w.double()
    if penalty == "l0":
        g = torch.zeros_like(w64)
    elif penalty == "l1":
        g = torch.where(w64 == 0, 0.0, w64 / w64.abs())
    elif penalty == "l2":
        norm = l2_norm(w)
        g = w64 / norm if norm != 0 else torch.zeros_like(w64)
    elif penalty == "l2_squared":
        g = w64 + w64
    else:
        raise ValueError("penalty must be 'l0', 'l1', 'l2' or 'l2_squared'")
    return g.to(w.dtype)
