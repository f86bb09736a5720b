"""Loops over the samples and entries with Python floats, as a student new to tensors writes it."""

import math

import torch


def zero_one_loss(y_true, y_pred):
    out = []
    for a, b in zip(y_true.tolist(), y_pred.tolist()):
        out.append(0.0 if a == b else 1.0)
    return torch.tensor(out, dtype=torch.float64)


def squared_loss(y_true, y_pred):
    return torch.tensor([(a - b) ** 2 for a, b in zip(y_true.tolist(), y_pred.tolist())], dtype=y_true.dtype)


def absolute_loss(y_true, y_pred):
    return torch.tensor([abs(a - b) for a, b in zip(y_true.tolist(), y_pred.tolist())], dtype=y_true.dtype)


def log_loss(y_true, probs):
    out = []
    for i, label in enumerate(y_true.tolist()):
        p = probs[i, label].item()
        out.append(math.inf if p == 0 else -math.log(p))
    return torch.tensor(out, dtype=torch.float64)


def empirical_risk(y_true, y_pred, loss):
    functions = {"zero_one": zero_one_loss, "squared": squared_loss, "absolute": absolute_loss, "log": log_loss}
    if loss not in functions:
        raise ValueError(f"loss must be one of {sorted(functions)}, got {loss!r}")
    values = functions[loss](y_true, y_pred).tolist()
    return sum(values) / len(values)


def l0_norm(w):
    count = 0
    for v in w.flatten().tolist():
        if v != 0:
            count += 1
    return count


def l1_norm(w):
    total = 0.0
    for v in w.flatten().tolist():
        total += abs(v)
    return total


def l2_norm(w):
    total = 0.0
    for v in w.flatten().tolist():
        total += v * v
    return math.sqrt(total)


def structural_risk(y_true, y_pred, w, lam, loss="squared", penalty="l2_squared"):
    penalties = {"l0": l0_norm, "l1": l1_norm, "l2": l2_norm, "l2_squared": lambda v: l2_norm(v) ** 2}
    if penalty not in penalties:
        raise ValueError(f"penalty must be one of {sorted(penalties)}, got {penalty!r}")
    return empirical_risk(y_true, y_pred, loss) + lam * penalties[penalty](w)


def penalty_grad(w, penalty):
    values = w.flatten().tolist()
    if penalty == "l0":
        grad = [0.0 for _ in values]
    elif penalty == "l1":
        grad = [1.0 if v > 0 else (-1.0 if v < 0 else 0.0) for v in values]
    elif penalty == "l2":
        norm = l2_norm(w)
        grad = [v / norm if norm > 0 else 0.0 for v in values]
    elif penalty == "l2_squared":
        grad = [2.0 * v for v in values]
    else:
        raise ValueError(f"unknown penalty {penalty!r}")
    return torch.tensor(grad, dtype=w.dtype).reshape(w.shape)
