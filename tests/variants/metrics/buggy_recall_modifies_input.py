"""recall flips y_pred in place to count the misses."""

import torch

BREAKS = {"recall"}


def confusion_counts(y_true, y_pred):
    tp = int(((y_true == 1) & (y_pred == 1)).sum())
    fp = int(((y_true == 0) & (y_pred == 1)).sum())
    tn = int(((y_true == 0) & (y_pred == 0)).sum())
    fn = int(((y_true == 1) & (y_pred == 0)).sum())
    return tp, fp, tn, fn


def accuracy(y_true, y_pred):
    return (y_true == y_pred).float().mean().item()


def error_rate(y_true, y_pred):
    return 1.0 - accuracy(y_true, y_pred)


def precision(y_true, y_pred):
    tp, fp, tn, fn = confusion_counts(y_true, y_pred)
    return tp / (tp + fp) if tp + fp > 0 else 0.0


def recall(y_true, y_pred):
    tp = int(((y_true == 1) & (y_pred == 1)).sum())
    y_pred.sub_(1).abs_()
    fn = int(((y_true == 1) & (y_pred == 1)).sum())
    return tp / (tp + fn) if tp + fn > 0 else 0.0


def f1_score(y_true, y_pred):
    p, r = precision(y_true, y_pred), recall(y_true, y_pred)
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def confusion_matrix(y_true, y_pred, num_classes):
    cm = torch.zeros(num_classes, num_classes, dtype=torch.int64)
    for t, p in zip(y_true.tolist(), y_pred.tolist()):
        cm[t, p] += 1
    return cm


def _per_class(y_true, y_pred, num_classes):
    cm = confusion_matrix(y_true, y_pred, num_classes)
    tp = cm.diagonal().double()
    fp = cm.sum(0).double() - tp
    fn = cm.sum(1).double() - tp
    return tp, fp, fn, cm.sum(1).double()


def multiclass_f1(y_true, y_pred, num_classes, average="macro"):
    if average not in ("macro", "micro", "weighted"):
        raise ValueError(f"unknown average {average!r}")
    tp, fp, fn, support = _per_class(y_true, y_pred, num_classes)
    if average == "micro":
        den = 2 * tp.sum() + fp.sum() + fn.sum()
        return float(2 * tp.sum() / den) if den > 0 else 0.0
    den = 2 * tp + fp + fn
    f1 = torch.where(den > 0, 2 * tp / den.clamp(min=1), torch.zeros_like(den))
    if average == "macro":
        return float(f1.mean())
    return float((f1 * support).sum() / support.sum()) if support.sum() > 0 else 0.0
