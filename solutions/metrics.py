"""Reference: classification metrics. Plain torch, on whatever device the labels are."""

from __future__ import annotations

import torch


def _ratio(num: torch.Tensor, den: torch.Tensor) -> torch.Tensor:
    """num / den as float64, 0.0 where den is 0."""
    num, den = num.double(), den.double()
    return torch.where(den > 0, num / den.clamp(min=1), torch.zeros_like(num))


def confusion_counts(y_true: torch.Tensor, y_pred: torch.Tensor) -> tuple[torch.Tensor, ...]:
    t, p = y_true == 1, y_pred == 1
    return (t & p).sum(), (~t & p).sum(), (~t & ~p).sum(), (t & ~p).sum()


def accuracy(y_true: torch.Tensor, y_pred: torch.Tensor) -> torch.Tensor:
    return (y_true == y_pred).double().mean()


def error_rate(y_true: torch.Tensor, y_pred: torch.Tensor) -> torch.Tensor:
    return 1.0 - accuracy(y_true, y_pred)


def precision(y_true: torch.Tensor, y_pred: torch.Tensor) -> torch.Tensor:
    tp, fp, _, _ = confusion_counts(y_true, y_pred)
    return _ratio(tp, tp + fp)


def recall(y_true: torch.Tensor, y_pred: torch.Tensor) -> torch.Tensor:
    tp, _, _, fn = confusion_counts(y_true, y_pred)
    return _ratio(tp, tp + fn)


def f1_score(y_true: torch.Tensor, y_pred: torch.Tensor) -> torch.Tensor:
    tp, fp, _, fn = confusion_counts(y_true, y_pred)
    return _ratio(2 * tp, 2 * tp + fp + fn)


def confusion_matrix(y_true: torch.Tensor, y_pred: torch.Tensor, num_classes: int) -> torch.Tensor:
    pairs = y_true * num_classes + y_pred
    return torch.bincount(pairs, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def multiclass_f1(y_true: torch.Tensor, y_pred: torch.Tensor, num_classes: int, average: str = "macro") -> torch.Tensor:
    if average not in ("macro", "micro", "weighted"):
        raise ValueError(f"average must be 'macro', 'micro' or 'weighted', not {average!r}")
    cm = confusion_matrix(y_true, y_pred, num_classes)
    tp = cm.diagonal()
    fp = cm.sum(dim=0) - tp
    fn = cm.sum(dim=1) - tp
    if average == "micro":
        return _ratio(2 * tp.sum(), 2 * tp.sum() + fp.sum() + fn.sum())
    per_class = _ratio(2 * tp, 2 * tp + fp + fn)
    if average == "macro":
        return per_class.mean()
    support = cm.sum(dim=1).double()
    return _ratio((per_class * support).sum(), support.sum())
