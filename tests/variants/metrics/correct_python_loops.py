"""Everything with Python loops over the labels."""

BREAKS = set()


def confusion_counts(y_true, y_pred):
    tp = fp = tn = fn = 0
    for t, p in zip(y_true.tolist(), y_pred.tolist()):
        if t == 1 and p == 1:
            tp += 1
        elif t == 0 and p == 1:
            fp += 1
        elif t == 0 and p == 0:
            tn += 1
        else:
            fn += 1
    return tp, fp, tn, fn


def accuracy(y_true, y_pred):
    right = 0
    for t, p in zip(y_true.tolist(), y_pred.tolist()):
        right += t == p
    return right / len(y_true)


def error_rate(y_true, y_pred):
    tp, fp, tn, fn = confusion_counts(y_true, y_pred)
    return (fp + fn) / (tp + fp + tn + fn)


def precision(y_true, y_pred):
    tp, fp, _, _ = confusion_counts(y_true, y_pred)
    if tp + fp == 0:
        return 0.0
    return tp / (tp + fp)


def recall(y_true, y_pred):
    tp, _, _, fn = confusion_counts(y_true, y_pred)
    if tp + fn == 0:
        return 0.0
    return tp / (tp + fn)


def f1_score(y_true, y_pred):
    p = precision(y_true, y_pred)
    r = recall(y_true, y_pred)
    if p + r == 0:
        return 0.0
    return 2 * p * r / (p + r)


def confusion_matrix(y_true, y_pred, num_classes):
    rows = [[0] * num_classes for _ in range(num_classes)]
    for t, p in zip(y_true.tolist(), y_pred.tolist()):
        rows[t][p] += 1
    import torch

    return torch.tensor(rows, dtype=torch.int64)


def multiclass_f1(y_true, y_pred, num_classes, average="macro"):
    if average not in ("macro", "micro", "weighted"):
        raise ValueError("average must be one of macro, micro, weighted")
    t, p = y_true.tolist(), y_pred.tolist()
    f1s, supports = [], []
    total_tp = total_fp = total_fn = 0
    for c in range(num_classes):
        tp = sum(1 for a, b in zip(t, p) if a == c and b == c)
        fp = sum(1 for a, b in zip(t, p) if a != c and b == c)
        fn = sum(1 for a, b in zip(t, p) if a == c and b != c)
        total_tp, total_fp, total_fn = total_tp + tp, total_fp + fp, total_fn + fn
        f1s.append(2 * tp / (2 * tp + fp + fn) if 2 * tp + fp + fn else 0.0)
        supports.append(t.count(c))
    if average == "micro":
        den = 2 * total_tp + total_fp + total_fn
        return 2 * total_tp / den if den else 0.0
    if average == "macro":
        return sum(f1s) / num_classes
    return sum(f * s for f, s in zip(f1s, supports)) / sum(supports) if sum(supports) else 0.0
