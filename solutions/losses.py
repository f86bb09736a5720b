"""Reference: losses and risks. Plain torch, on whatever device and dtype the inputs have."""

from __future__ import annotations

import torch

LOSSES = ("zero_one", "squared", "absolute", "log")
PENALTIES = ("l0", "l1", "l2", "l2_squared")


def zero_one_loss(y_true: torch.Tensor, y_pred: torch.Tensor) -> torch.Tensor:
    dtype = y_pred.dtype if y_pred.is_floating_point() else torch.get_default_dtype()
    return (y_pred != y_true).to(dtype)


def squared_loss(y_true: torch.Tensor, y_pred: torch.Tensor) -> torch.Tensor:
    return (y_true - y_pred) ** 2


def absolute_loss(y_true: torch.Tensor, y_pred: torch.Tensor) -> torch.Tensor:
    return (y_true - y_pred).abs()


def log_loss(y_true: torch.Tensor, probs: torch.Tensor) -> torch.Tensor:
    # Pick the true class's probability first: log(0) of another class never enters.
    picked = probs[torch.arange(probs.shape[0], device=probs.device), y_true]
    return -torch.log(picked)


def empirical_risk(y_true: torch.Tensor, y_pred: torch.Tensor, loss: str) -> torch.Tensor:
    per_sample = {"zero_one": zero_one_loss, "squared": squared_loss, "absolute": absolute_loss, "log": log_loss}
    if loss not in per_sample:
        raise ValueError(f"loss must be one of {', '.join(map(repr, LOSSES))}, not {loss!r}")
    return per_sample[loss](y_true, y_pred).mean()


def l0_norm(w: torch.Tensor) -> torch.Tensor:
    return (w != 0).sum()


def l1_norm(w: torch.Tensor) -> torch.Tensor:
    return w.abs().sum()


def l2_norm(w: torch.Tensor) -> torch.Tensor:
    return torch.sqrt((w * w).sum())


def _penalty(w: torch.Tensor, penalty: str) -> torch.Tensor:
    if penalty == "l0":
        return l0_norm(w).to(w.dtype)
    if penalty == "l1":
        return l1_norm(w)
    if penalty == "l2":
        return l2_norm(w)
    if penalty == "l2_squared":
        return (w * w).sum()
    raise ValueError(f"penalty must be one of {', '.join(map(repr, PENALTIES))}, not {penalty!r}")


def structural_risk(
    y_true: torch.Tensor,
    y_pred: torch.Tensor,
    w: torch.Tensor,
    lam: float,
    loss: str = "squared",
    penalty: str = "l2_squared",
) -> torch.Tensor:
    J = _penalty(w, penalty)  # first, so that a bad penalty name raises even when lam = 0
    return empirical_risk(y_true, y_pred, loss) + lam * J


def penalty_grad(w: torch.Tensor, penalty: str) -> torch.Tensor:
    if penalty == "l0":
        return torch.zeros_like(w)
    if penalty == "l1":
        return torch.sign(w)
    if penalty == "l2":
        norm = l2_norm(w)
        return w / norm if norm > 0 else torch.zeros_like(w)
    if penalty == "l2_squared":
        return 2 * w
    raise ValueError(f"penalty must be one of {', '.join(map(repr, PENALTIES))}, not {penalty!r}")
