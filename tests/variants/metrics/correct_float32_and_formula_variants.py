"""F1 via 2tp/(2tp+fp+fn), float32 inside, error_rate via counts."""

BREAKS = set()

import torch


def confusion_counts(y_true, y_pred):
    t = y_true.bool()
    p = y_pred.bool()
    tp = torch.logical_and(t, p).sum().item()
    fp = torch.logical_and(~t, p).sum().item()
    fn = torch.logical_and(t, ~p).sum().item()
    return tp, fp, len(t) - tp - fp - fn, fn


def accuracy(y_true, y_pred):
    tp, fp, tn, fn = confusion_counts(y_true, y_pred)
    return torch.tensor((tp + tn) / len(y_true), dtype=torch.float32)


def error_rate(y_true, y_pred):
    tp, fp, tn, fn = confusion_counts(y_true, y_pred)
    return torch.tensor((fp + fn) / len(y_true), dtype=torch.float32)


def precision(y_true, y_pred):
    tp, fp, _, _ = confusion_counts(y_true, y_pred)
    return torch.tensor(tp / max(tp + fp, 1), dtype=torch.float32)


def recall(y_true, y_pred):
    tp, _, _, fn = confusion_counts(y_true, y_pred)
    return torch.tensor(tp / max(tp + fn, 1), dtype=torch.float32)


def f1_score(y_true, y_pred):
    tp, fp, _, fn = confusion_counts(y_true, y_pred)
    return torch.tensor(2 * tp / max(2 * tp + fp + fn, 1), dtype=torch.float32)


def confusion_matrix(y_true, y_pred, num_classes):
    flat = torch.zeros(num_classes * num_classes, dtype=torch.int64)
    flat.index_add_(0, y_true * num_classes + y_pred, torch.ones_like(y_true))
    return flat.view(num_classes, num_classes)


def multiclass_f1(y_true, y_pred, num_classes, average="macro"):
    cm = confusion_matrix(y_true, y_pred, num_classes).float()
    tp = cm.diag()
    denominators = cm.sum(0) + cm.sum(1)
    f1 = torch.where(denominators > 0, 2 * tp / denominators.clamp(min=1), torch.zeros_like(tp))
    if average == "macro":
        return f1.mean()
    if average == "weighted":
        support = cm.sum(1)
        return (f1 * support).sum() / support.sum()
    if average == "micro":
        return 2 * tp.sum() / denominators.sum()
    raise ValueError(f"no such average: {average}")
