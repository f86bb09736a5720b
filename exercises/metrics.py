"""Exercise: classification metrics, binary and multiclass.

Conventions for every function here (course-wide):

- Labels are ``torch.Tensor`` of dtype int64 and shape (n,), n >= 1, one label per sample.
  The binary functions take ``y_true`` (the truth) and ``y_pred`` (the prediction) holding 0 or
  1, and the positive class is 1. The multiclass functions take labels in 0 … num_classes − 1.
- Counts are integers: return Python ints or integer tensors (0-d for a single count).
  Ratios are floats: return a Python float or a 0-d float tensor (a NumPy number is accepted
  too). Beware integer division: with int64 tensors, ``right // n`` is 0, and ``right / n``
  is a float tensor, which is what you want.
- A ratio whose denominator is 0 (a 0/0: nothing predicted positive for precision, nothing
  positive for recall, ...) is 0.0: never nan, never an error. This is scikit-learn's
  ``zero_division=0``.
- Never modify an input in place (no ``y_pred.sub_(1)``, no ``y_true[y_true == 2] = 0``):
  the grader checks.
- Work on whatever device the labels are on: a function that creates a tensor creates it
  with ``device=y_true.device`` (or computes with Python numbers and returns those).
- Forbidden in this module: anything from ``sklearn`` (``sklearn.metrics`` in particular) and
  from ``torchmetrics``, even inside a ``try``. They compute the metrics for you; a function
  that uses one, or calls a helper of yours that uses one, gets zero points. Comparisons,
  ``sum``, ``torch.bincount``, ``torch.nn.functional.one_hot`` and plain loops are all fair.

Check your work with ``mlgrade check metrics``.
"""

from __future__ import annotations

import torch


def confusion_counts(y_true: torch.Tensor, y_pred: torch.Tensor) -> tuple[int, int, int, int]:
    """The four counts of the binary confusion table, in the order (tp, fp, tn, fn).

        tp (true positives):  y_true[i] == 1 and y_pred[i] == 1
        fp (false positives): y_true[i] == 0 and y_pred[i] == 1
        tn (true negatives):  y_true[i] == 0 and y_pred[i] == 0
        fn (false negatives): y_true[i] == 1 and y_pred[i] == 0

    Every sample falls in exactly one case, so tp + fp + tn + fn == n; tp + fn is the number
    of positives in y_true and tp + fp the number of positives in y_pred.

    Args:
        y_true: shape (n,), int64, values 0 or 1.
        y_pred: shape (n,), int64, values 0 or 1.

    Returns:
        (tp, fp, tn, fn): four Python ints or 0-d integer tensors.

    Example: y_true = [1, 0, 1, 0], y_pred = [1, 1, 0, 0] gives (1, 1, 1, 1).
    """
    raise NotImplementedError("metrics.confusion_counts: count the four cases (tp, fp, tn, fn)")


def accuracy(y_true: torch.Tensor, y_pred: torch.Tensor) -> float:
    """The fraction of predictions that are right:

        accuracy = (tp + tn) / n  =  (number of i with y_true[i] == y_pred[i]) / n

    Args:
        y_true, y_pred: shape (n,), int64, values 0 or 1.

    Returns:
        a float in [0, 1] (a Python float or a 0-d float tensor).

    Example: y_true = [1, 1, 0], y_pred = [1, 1, 1] gives 2/3 (not 0: no integer division).
    """
    raise NotImplementedError("metrics.accuracy: the fraction of right predictions")


def error_rate(y_true: torch.Tensor, y_pred: torch.Tensor) -> float:
    """The fraction of predictions that are wrong:

        error_rate = (fp + fn) / n  =  1 − accuracy

    Args:
        y_true, y_pred: shape (n,), int64, values 0 or 1.

    Returns:
        a float in [0, 1].

    Example: y_true = [1, 1, 0], y_pred = [1, 1, 1] gives 1/3.
    """
    raise NotImplementedError("metrics.error_rate: the fraction of wrong predictions")


def precision(y_true: torch.Tensor, y_pred: torch.Tensor) -> float:
    """Of the samples predicted positive, the fraction that really are positive:

        precision = tp / (tp + fp)

    It depends only on the samples with y_pred == 1. When nothing is predicted positive
    (tp + fp == 0) it is 0/0, and you return 0.0.

    Args:
        y_true, y_pred: shape (n,), int64, values 0 or 1.

    Returns:
        a float in [0, 1].

    Examples: y_true = [1, 1, 0], y_pred = [1, 1, 1] gives 2/3;
    y_true = [1, 0], y_pred = [0, 0] gives 0.0 (0/0).
    """
    raise NotImplementedError("metrics.precision: tp / (tp + fp), 0.0 when that is 0/0")


def recall(y_true: torch.Tensor, y_pred: torch.Tensor) -> float:
    """Of the samples that really are positive, the fraction predicted positive:

        recall = tp / (tp + fn)

    Also called sensitivity or true-positive rate. It depends only on the samples with
    y_true == 1. When there is no positive (tp + fn == 0) it is 0/0, and you return 0.0.
    Swapping y_true and y_pred swaps precision and recall: precision(a, b) == recall(b, a).

    Args:
        y_true, y_pred: shape (n,), int64, values 0 or 1.

    Returns:
        a float in [0, 1].

    Examples: y_true = [1, 1, 1, 0], y_pred = [1, 0, 0, 0] gives 1/3;
    y_true = [0, 0], y_pred = [1, 0] gives 0.0 (0/0).
    """
    raise NotImplementedError("metrics.recall: tp / (tp + fn), 0.0 when that is 0/0")


def f1_score(y_true: torch.Tensor, y_pred: torch.Tensor) -> float:
    """F1: the harmonic mean of precision p and recall r,

        F1 = 2 · p · r / (p + r)  =  2·tp / (2·tp + fp + fn)

    (the two forms agree whenever tp > 0). It is 0.0 when tp == 0, which is when p + r == 0,
    including the 0/0 case of no positive at all in either vector. Not the arithmetic mean
    (p + r) / 2: the harmonic mean is low as soon as either of them is low, which is the
    point of F1.

    Args:
        y_true, y_pred: shape (n,), int64, values 0 or 1.

    Returns:
        a float in [0, 1].

    Example: y_true = [1, 1, 0], y_pred = [1, 1, 1]: p = 2/3, r = 1, F1 = 0.8.
    """
    raise NotImplementedError("metrics.f1_score: the harmonic mean of precision and recall")


def confusion_matrix(y_true: torch.Tensor, y_pred: torch.Tensor, num_classes: int) -> torch.Tensor:
    """The K × K confusion matrix, K = num_classes:

        C[i, j] = number of samples s with y_true[s] == i and y_pred[s] == j

    Rows are true classes, columns predicted classes. Every class 0 … K − 1 has its row and
    column, also a class that occurs in neither vector (its row and column are 0). The entries
    sum to n, row i sums to the number of samples of class i, column j to the number predicted
    j, and the diagonal holds the right predictions. For binary labels (K = 2) it is

        [[tn, fp],
         [fn, tp]]

    Args:
        y_true: shape (n,), int64, values in 0 … num_classes − 1.
        y_pred: shape (n,), int64, values in 0 … num_classes − 1.
        num_classes: K >= 2.

    Returns:
        an int64 tensor of shape (K, K), on the labels' device.

    Example: y_true = [0, 1, 2, 2], y_pred = [0, 2, 2, 1], K = 3 gives
    [[1, 0, 0], [0, 0, 1], [0, 1, 1]].
    """
    raise NotImplementedError("metrics.confusion_matrix: count the (true, predicted) pairs")


def multiclass_f1(y_true: torch.Tensor, y_pred: torch.Tensor, num_classes: int, average: str = "macro") -> float:
    """F1 for K = num_classes classes, averaged over ALL of the classes 0 … K − 1.

    Per class c, take c as the positive class and every other class as negative
    (one-vs-rest): tp_c = samples with true c predicted c, fp_c = predicted c but not c,
    fn_c = c but predicted something else, and

        F1_c = 2·tp_c / (2·tp_c + fp_c + fn_c),   0.0 when that denominator is 0.

    The support of c, s_c, is the number of samples whose TRUE class is c (Σ_c s_c = n).
    Then, with ``average``:

    - "macro" (the default): the plain mean (1/K) · Σ_c F1_c over all K classes. A class that
      occurs in neither y_true nor y_pred still counts, with F1_c = 0.0: do not average over
      the classes present only.
    - "weighted": the support-weighted mean Σ_c s_c · F1_c / Σ_c s_c. The weights are the true
      counts, not how often a class is predicted.
    - "micro": pool the counts of all classes first, then take one F1:
      2·Σtp_c / (2·Σtp_c + Σfp_c + Σfn_c). Each wrong prediction is one fp (for the predicted
      class) and one fn (for the true class), so with one label per sample micro F1 equals
      the accuracy, the fraction of i with y_true[i] == y_pred[i].

    This is scikit-learn's ``f1_score(y_true, y_pred, labels=range(K), average=average,
    zero_division=0)`` (which you may not call here).

    Args:
        y_true: shape (n,), int64, values in 0 … num_classes − 1.
        y_pred: shape (n,), int64, values in 0 … num_classes − 1.
        num_classes: K >= 2.
        average: "macro", "micro" or "weighted" (exactly these lower-case strings).

    Returns:
        a float in [0, 1].

    Raises:
        ValueError: for any other ``average`` (say which values are valid in the message).

    Example: y_true = [0, 0, 1], y_pred = [0, 1, 1], K = 3: F1_0 = 2/3, F1_1 = 2/3, F1_2 = 0
    (class 2 never occurs), supports 2, 1, 0. macro = 4/9, weighted = 2/3, micro = 2/3.
    """
    raise NotImplementedError("metrics.multiclass_f1: F1 per class, then the requested average")
