"""Exercise: losses and risks, from one sample's loss to a penalised (structural) risk.

A loss L(y, ŷ) says how much one prediction ŷ costs when the truth is y. The empirical risk
is the mean loss over the n samples of a data set; the structural risk adds a penalty
lam·J(w) on the model's weights w, which prefers simpler models (few nonzero weights, small
weights).

Conventions for every function here (course-wide):

- Inputs are ``torch.Tensor``: predictions and targets ``y_true``, ``y_pred`` of shape (n,),
  n >= 1, both of one floating dtype (float32 or float64), except where labels are said to be
  int64. Return tensors of the input's dtype on the input's device; a single number may be a
  Python number or a 0-d tensor (a NumPy array or number is accepted too).
- Losses and penalties are named by strings, exactly as written below ("squared", "l2_squared");
  any other name raises ``ValueError``.
- Never modify an input in place (no ``probs.clamp_(...)``, no ``w *= 2``, no ``w[w < 0] = ...``):
  the grader checks. Work on a new tensor.
- Forbidden in this module, in every spelling: torch's ready-made losses
  ``torch.nn.functional.mse_loss``, ``l1_loss``, ``smooth_l1_loss``, ``huber_loss``,
  ``nll_loss``, ``cross_entropy``, ``binary_cross_entropy`` (and
  ``binary_cross_entropy_with_logits``), the ``torch.nn.*Loss`` modules (``MSELoss``,
  ``L1Loss``, ``NLLLoss``, ...); the ready-made norms ``torch.norm``, ``torch.linalg.norm``,
  ``torch.linalg.vector_norm``, ``Tensor.norm``, ``numpy.linalg.norm``; anything from
  ``sklearn`` (``sklearn.metrics`` in particular); and, in ``penalty_grad``, autograd
  (``Tensor.backward``, ``torch.autograd``, ``torch.func``, ``requires_grad``, ``retain_grad``).
  A function that calls one, or calls a helper of yours that does, gets zero points.
  ``torch.abs``, ``torch.sign``, ``torch.sqrt``, ``torch.log``, ``(w != 0).sum()``,
  ``torch.count_nonzero``, indexing and plain loops are all fair.

Check your work with ``mlgrade check losses``.
"""

from __future__ import annotations

import torch


def zero_one_loss(y_true: torch.Tensor, y_pred: torch.Tensor) -> torch.Tensor:
    """The 0-1 loss of each sample: 1.0 where the prediction is wrong, 0.0 where it is right.

        L(y, ŷ) = 1.0 if ŷ != y else 0.0

    The comparison is exact, in the inputs' own dtype: no tolerance, no rounding (a prediction
    of 1.000001 for a truth of 1.0 is wrong). The result is a float tensor, not a bool one.

    Args:
        y_true: shape (n,): both int64 labels, or both floating.
        y_pred: shape (n,), the dtype of y_true.

    Returns:
        shape (n,), floating (float32 or float64), each entry 0.0 or 1.0.

    Example: y_true = [0, 1, 2], y_pred = [0, 2, 2] (int64) gives [0.0, 1.0, 0.0].
    """
    raise NotImplementedError("losses.zero_one_loss: 1.0 where y_pred != y_true, else 0.0")


def squared_loss(y_true: torch.Tensor, y_pred: torch.Tensor) -> torch.Tensor:
    """The squared loss of each sample, not averaged:

        L(y, ŷ) = (y − ŷ)²

    Args:
        y_true: shape (n,), float32 or float64.
        y_pred: shape (n,), the same dtype.

    Returns:
        shape (n,).

    Example: y_true = [1.0, 2.0], y_pred = [3.0, 2.5] gives [4.0, 0.25].
    """
    raise NotImplementedError("losses.squared_loss: (y_true - y_pred)**2 per sample")


def absolute_loss(y_true: torch.Tensor, y_pred: torch.Tensor) -> torch.Tensor:
    """The absolute loss of each sample, not averaged:

        L(y, ŷ) = |y − ŷ|

    Args:
        y_true: shape (n,), float32 or float64.
        y_pred: shape (n,), the same dtype.

    Returns:
        shape (n,).

    Example: y_true = [1.0, 2.0], y_pred = [3.0, 2.5] gives [2.0, 0.5].
    """
    raise NotImplementedError("losses.absolute_loss: |y_true - y_pred| per sample")


def log_loss(y_true: torch.Tensor, probs: torch.Tensor) -> torch.Tensor:
    """The log loss (negative log-likelihood) of each sample, from predicted probabilities:

        L_i = −log probs[i, y_true[i]]

    Only the probability of the true class counts. No clipping and no epsilon: a true-class
    probability of exactly 0 gives +inf, and a tiny one gives its exact value
    (−log 1e-30 = 69.08, not −log(1e-30 + 1e-12) = 27.6). Beware of computing
    ``(one_hot * log(probs)).sum(1)``: where another class has probability 0, 0 · (−inf) is nan.

    Args:
        y_true: shape (n,), int64 labels in 0 … k − 1.
        probs: shape (n, k), float32 or float64; each row holds probabilities summing to 1
            (some may be exactly 0).

    Returns:
        shape (n,), the dtype of probs; +inf where the true class has probability 0.

    Example: y_true = [0, 1], probs = [[0.5, 0.5], [0.9, 0.1]] gives [0.6931, 2.3026].
    """
    raise NotImplementedError("losses.log_loss: -log of each row's true-class probability")


def empirical_risk(y_true: torch.Tensor, y_pred: torch.Tensor, loss: str) -> float:
    """The empirical risk: the mean over the n samples of the named per-sample loss.

        R(ŷ) = (1 / n) · sum_i L(y_i, ŷ_i)

    ``loss`` is one of "zero_one", "squared", "absolute" (the functions above) or "log"; for
    "log", ``y_pred`` is the (n, k) matrix ``probs`` and ``y_true`` holds int64 labels. Any other
    name (including "Squared" or "mse") raises ``ValueError``. The mean, not the sum.

    Args:
        y_true: shape (n,).
        y_pred: shape (n,), or (n, k) probabilities for "log".
        loss: the name of the loss.

    Returns:
        a scalar (Python float or 0-d tensor); +inf for "log" when some true-class
        probability is 0.

    Example: y_true = [1.0, 2.0], y_pred = [3.0, 2.5], loss = "squared" gives 2.125.
    """
    raise NotImplementedError("losses.empirical_risk: the mean of the named loss over the samples")


def l0_norm(w: torch.Tensor) -> int:
    """The number of entries of w that are not exactly 0 (the "L0 norm", which is not a norm):

        ||w||_0 = #{ i : w_i != 0 }

    Over all entries, whatever w's shape. Exactly: a weight of 1e-30 counts, -0.0 does not.

    Args:
        w: any shape, float32 or float64.

    Returns:
        an int: a Python int or a 0-d integer tensor (not a float).

    Example: w = [[0.0, 1.5], [-2.0, 0.0]] gives 2.
    """
    raise NotImplementedError("losses.l0_norm: count the entries of w that are not 0")


def l1_norm(w: torch.Tensor) -> float:
    """The L1 norm of w, over all its entries, whatever its shape:

        ||w||_1 = sum_i |w_i|

    Args:
        w: any shape, float32 or float64.

    Returns:
        a scalar.

    Example: w = [3.0, -4.0] gives 7.0.
    """
    raise NotImplementedError("losses.l1_norm: the sum of |w_i| over all entries")


def l2_norm(w: torch.Tensor) -> float:
    """The L2 (Euclidean) norm of w, over all its entries, whatever its shape; not squared:

        ||w||_2 = sqrt(sum_i w_i²)

    For a matrix this is the Frobenius norm (the entries taken as one long vector).

    Args:
        w: any shape, float32 or float64.

    Returns:
        a scalar.

    Example: w = [3.0, -4.0] gives 5.0.
    """
    raise NotImplementedError("losses.l2_norm: sqrt of the sum of w_i**2 over all entries")


def structural_risk(
    y_true: torch.Tensor,
    y_pred: torch.Tensor,
    w: torch.Tensor,
    lam: float,
    loss: str = "squared",
    penalty: str = "l2_squared",
) -> float:
    """The structural (regularised) risk: the empirical risk plus a penalty on the weights.

        R_struct = empirical_risk(y_true, y_pred, loss) + lam · J(w)

    with J named by ``penalty``:

        "l0"          ||w||_0, the number of nonzero weights
        "l1"          ||w||_1 = sum_i |w_i|
        "l2"          ||w||_2 = sqrt(sum_i w_i²)
        "l2_squared"  ||w||_2² = sum_i w_i²   (the default: ridge's penalty)

    ``loss`` is as in ``empirical_risk``. Any other loss or penalty name raises ``ValueError``,
    even when lam = 0. lam >= 0; lam = 0 gives the empirical risk.

    Args:
        y_true, y_pred: as in ``empirical_risk``.
        w: the weights, any shape, the dtype of y_pred.
        lam: the penalty's weight, a Python float >= 0.
        loss, penalty: names, as above.

    Returns:
        a scalar.

    Example: y_true = [1.0, 2.0], y_pred = [3.0, 2.5], w = [3.0, -4.0], lam = 0.1 gives
    2.125 + 0.1 · 25 = 4.625 (the default penalty "l2_squared").
    """
    raise NotImplementedError("losses.structural_risk: empirical risk + lam * J(w)")


def penalty_grad(w: torch.Tensor, penalty: str) -> torch.Tensor:
    """The gradient (a subgradient where J has a kink) of the penalty J at w, entry by entry:

        "l0"          zeros: ||w||_0 is piecewise constant
        "l1"          sign(w): +1 where w > 0, −1 where w < 0, and 0 where w = 0
        "l2"          w / ||w||_2, and all zeros when w is all zeros (no division by 0)
        "l2_squared"  2·w

    Any other name raises ``ValueError``. Derive these by hand: autograd is forbidden here.

    Args:
        w: any shape, float32 or float64.
        penalty: the name of J.

    Returns:
        the shape and dtype of w.

    Example: w = [3.0, 0.0, -4.0] gives [1.0, 0.0, -1.0] for "l1", [0.6, 0.0, -0.8] for "l2".
    """
    raise NotImplementedError("losses.penalty_grad: the (sub)gradient of the named penalty at w")
