"""bincount and one-hot products, 0-d tensors returned."""

BREAKS = set()

import torch


def confusion_counts(y_true, y_pred):
    counts = torch.bincount(2 * y_true + y_pred, minlength=4)  # 0: tn, 1: fp, 2: fn, 3: tp
    return counts[3], counts[1], counts[0], counts[2]


def accuracy(y_true, y_pred):
    return torch.eq(y_true, y_pred).double().mean()


def error_rate(y_true, y_pred):
    return torch.ne(y_true, y_pred).double().mean()


def _div(num, den):
    num, den = torch.as_tensor(num, dtype=torch.float64), torch.as_tensor(den, dtype=torch.float64)
    return torch.where(den > 0, num / torch.where(den > 0, den, torch.ones(())), torch.zeros(()))


def precision(y_true, y_pred):
    tp, fp, tn, fn = confusion_counts(y_true, y_pred)
    return _div(tp, tp + fp)


def recall(y_true, y_pred):
    tp, fp, tn, fn = confusion_counts(y_true, y_pred)
    return _div(tp, tp + fn)


def f1_score(y_true, y_pred):
    p, r = precision(y_true, y_pred), recall(y_true, y_pred)
    return _div(2 * p * r, p + r)


def confusion_matrix(y_true, y_pred, num_classes):
    one_hot_true = torch.nn.functional.one_hot(y_true, num_classes)
    one_hot_pred = torch.nn.functional.one_hot(y_pred, num_classes)
    return one_hot_true.T @ one_hot_pred


def multiclass_f1(y_true, y_pred, num_classes, average="macro"):
    if average == "micro":
        return accuracy(y_true, y_pred)
    if average not in ("macro", "weighted"):
        raise ValueError("average: macro, micro or weighted")
    cm = confusion_matrix(y_true, y_pred, num_classes)
    tp = cm.diagonal()
    f1 = _div(2 * tp, cm.sum(0) + cm.sum(1))
    if average == "macro":
        return f1.mean()
    support = cm.sum(1)
    return _div((f1 * support).sum(), support.sum())
