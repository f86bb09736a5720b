"""NumPy inside, returning NumPy scalars and arrays."""

BREAKS = set()

import numpy as np


def confusion_counts(y_true, y_pred):
    t, p = y_true.numpy(), y_pred.numpy()
    return (
        np.sum((t == 1) & (p == 1)),
        np.sum((t == 0) & (p == 1)),
        np.sum((t == 0) & (p == 0)),
        np.sum((t == 1) & (p == 0)),
    )


def accuracy(y_true, y_pred):
    return np.mean(y_true.numpy() == y_pred.numpy())


def error_rate(y_true, y_pred):
    return np.mean(y_true.numpy() != y_pred.numpy())


def _safe(num, den):
    return np.float64(num) / den if den else np.float64(0.0)


def precision(y_true, y_pred):
    tp, fp, tn, fn = confusion_counts(y_true, y_pred)
    return _safe(tp, tp + fp)


def recall(y_true, y_pred):
    tp, fp, tn, fn = confusion_counts(y_true, y_pred)
    return _safe(tp, tp + fn)


def f1_score(y_true, y_pred):
    tp, fp, tn, fn = confusion_counts(y_true, y_pred)
    return _safe(2 * tp, 2 * tp + fp + fn)


def confusion_matrix(y_true, y_pred, num_classes):
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (y_true.numpy(), y_pred.numpy()), 1)
    return cm


def multiclass_f1(y_true, y_pred, num_classes, average="macro"):
    if average not in {"macro", "micro", "weighted"}:
        raise ValueError(f"average={average!r}: use 'macro', 'micro' or 'weighted'")
    cm = confusion_matrix(y_true, y_pred, num_classes)
    tp = np.diag(cm).astype(float)
    fp = cm.sum(axis=0) - tp
    fn = cm.sum(axis=1) - tp
    if average == "micro":
        return _safe(2 * tp.sum(), 2 * tp.sum() + fp.sum() + fn.sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), 0.0)
    if average == "macro":
        return f1.mean()
    support = cm.sum(axis=1)
    return _safe((f1 * support).sum(), support.sum())
