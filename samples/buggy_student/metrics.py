"""A sample submission with typical mistakes, graded by `make demo`.

precision and recall are swapped; f1_score is the arithmetic mean; the rest is right.
"""

import torch


def confusion_counts(y_true, y_pred):
    tp = int(((y_true == 1) & (y_pred == 1)).sum())
    fp = int(((y_true == 0) & (y_pred == 1)).sum())
    tn = int(((y_true == 0) & (y_pred == 0)).sum())
    fn = int(((y_true == 1) & (y_pred == 0)).sum())
    return tp, fp, tn, fn


def accuracy(y_true, y_pred):
    return (y_true == y_pred).double().mean().item()


def error_rate(y_true, y_pred):
    return 1.0 - accuracy(y_true, y_pred)


def precision(y_true, y_pred):
    tp, fp, tn, fn = confusion_counts(y_true, y_pred)
    return tp / (tp + fn) if tp + fn else 0.0


def recall(y_true, y_pred):
    tp, fp, tn, fn = confusion_counts(y_true, y_pred)
    return tp / (tp + fp) if tp + fp else 0.0


def f1_score(y_true, y_pred):
    return (precision(y_true, y_pred) + recall(y_true, y_pred)) / 2


def confusion_matrix(y_true, y_pred, num_classes):
    return torch.bincount(y_true * num_classes + y_pred, minlength=num_classes**2).reshape(num_classes, num_classes)


def multiclass_f1(y_true, y_pred, num_classes, average="macro"):
    if average not in ("macro", "micro", "weighted"):
        raise ValueError(f"average must be macro, micro or weighted, not {average!r}")
    cm = confusion_matrix(y_true, y_pred, num_classes).double()
    tp = cm.diagonal()
    den = cm.sum(0) + cm.sum(1)
    f1 = torch.where(den > 0, 2 * tp / den.clamp(min=1), torch.zeros_like(tp))
    if average == "micro":
        return (tp.sum() / cm.sum()).item()
    if average == "macro":
        return f1.mean().item()
    support = cm.sum(1)
    return ((f1 * support).sum() / support.sum()).item()
