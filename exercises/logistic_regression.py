"""Exercise: binary logistic regression, from the sigmoid to gradient descent.

The model: labels y of 0/1 (positive class 1), logits z = X w + b, and the probability of the
positive class P(y = 1 | x) = sigmoid(z) = 1 / (1 + exp(-z)).

Conventions for every function here (course-wide):

- Inputs are ``torch.Tensor``s, rows are samples: features float32 or float64, labels int64
  of 0/1. Return tensors of the input's dtype on the input's device (a NumPy array or a
  Python float is accepted too).
- Never modify an input in place (no ``w -= ...`` on an argument, no ``y[y == 0] = -1``): the
  grader checks.
- Large logits: |z| up to 1e4 must give finite, accurate results, in float32 as in float64.
  ``exp(1e4)`` is inf and ``exp(100)`` already overflows float32, so never exponentiate a
  large positive number: use exp(-|z|), which is at most 1. Two identities help:

      sigmoid(z) = 1 / (1 + exp(-z))        for z >= 0
                 = exp(z) / (1 + exp(z))    for z < 0
      log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|))

- Forbidden in this module, in every spelling: ``torch.sigmoid`` (``Tensor.sigmoid``,
  ``Tensor.sigmoid_``, ``torch.nn.functional.sigmoid``, ``torch.nn.Sigmoid``),
  ``torch.special.expit``, ``torch.nn.functional.logsigmoid`` and ``torch.nn.LogSigmoid``,
  ``torch.nn.functional.softplus`` and ``torch.nn.Softplus``,
  ``torch.nn.functional.binary_cross_entropy`` and ``binary_cross_entropy_with_logits``,
  ``torch.nn.BCELoss``, ``torch.nn.BCEWithLogitsLoss``, ``scipy.special.expit`` and
  ``log_expit``, anything from ``sklearn``, and autograd (``Tensor.backward``,
  ``torch.autograd``, ``torch.func``, ``requires_grad``, ``requires_grad_``, ``retain_grad``).
  A function that uses one gets zero points. ``exp``, ``log``, ``log1p``, ``logaddexp``,
  ``tanh``, ``clamp``, ``abs`` and ``where`` are fair tools.
- This module must not import another exercise module.

Check your work with ``mlgrade check logistic_regression``.
"""

from __future__ import annotations

import torch


def predict_proba(w: torch.Tensor, b: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    """The probability of the positive class for each row: sigmoid(X @ w + b).

        p[i] = 1 / (1 + exp(-z[i])),   z = X @ w + b

    Must be finite and in [0, 1] (no nan, no inf, no overflow) for |z| up to 1e4, in float32
    too: values that round to 0 or 1 are fine. See the module docstring for a stable form.

    Args:
        w: shape (d,).
        b: the bias, a 0-d tensor.
        X: shape (n, d), same dtype as w.

    Returns:
        shape (n,).

    Example: w = [1.0], b = 0.0, X = [[0.0], [log 3]] gives [0.5, 0.75].
    """
    raise NotImplementedError("logistic_regression.predict_proba: compute sigmoid(X @ w + b) stably")


def bce_with_logits(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The binary cross-entropy of logits z against labels y, averaged over the samples.

        loss = mean_i  -[ y[i] * log sigmoid(z[i]) + (1 - y[i]) * log(1 - sigmoid(z[i])) ]

    Computed stably, straight from z: with log sigmoid(z) = -log(1 + exp(-z)) and
    log(1 - sigmoid(z)) = -log(1 + exp(z)), each term is

        log(1 + exp(z[i])) - y[i] * z[i]  =  max(z[i], 0) - y[i] * z[i] + log1p(exp(-|z[i]|))

    Finite and accurate for |z| up to 1e4: a confidently wrong logit of 1e4 (y = 0) costs
    1e4, not inf; clipping the probabilities (to 1e-7, say) gives 16.1 instead, which is wrong.

    Args:
        z: shape (n,), float32 or float64.
        y: shape (n,), int64 of 0/1.

    Returns:
        a scalar (0-d tensor or Python float).

    Example: z = [0.0], y = [1] gives log 2 = 0.6931; z = [1e4, -1e4], y = [0, 0] gives
    (1e4 + 0) / 2 = 5000.
    """
    raise NotImplementedError("logistic_regression.bce_with_logits: mean of max(z, 0) - y z + log1p(exp(-|z|))")


def loss_and_grad(
    w: torch.Tensor, b: torch.Tensor, X: torch.Tensor, y: torch.Tensor, reg: float
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The regularised loss and its exact gradients with respect to w and b.

        z = X @ w + b
        loss = bce_with_logits(z, y) + reg * sum_j w[j]**2      (the bias is not penalised)
        dw = X.T @ (sigmoid(z) - y) / n + 2 * reg * w
        db = mean(sigmoid(z) - y)

    Compute the gradients by hand (the formulas above): autograd is forbidden.

    Args:
        w: shape (d,); b: a 0-d tensor; X: shape (n, d); y: shape (n,), int64 of 0/1;
        reg: a Python float >= 0.

    Returns:
        (loss, dw, db): loss a scalar, dw of shape (d,), db a scalar.

    Example: w = [0.0], b = 0, X = [[2.0], [0.0]], y = [1, 0], reg = 0: sigmoid(z) = [0.5, 0.5],
    so loss = log 2, dw = [(2 * -0.5 + 0 * 0.5) / 2] = [-0.5] and db = 0.
    """
    raise NotImplementedError("logistic_regression.loss_and_grad: return the loss, dw and db")


def predict(w: torch.Tensor, b: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    """The predicted class: 1 where sigmoid(z) >= 0.5, that is where z = X @ w + b >= 0, else 0.

    A tie, z exactly 0, gives 1.

    Args:
        w: shape (d,); b: a 0-d tensor; X: shape (n, d).

    Returns:
        shape (n,), int64 of 0/1.
    """
    raise NotImplementedError("logistic_regression.predict: 1 where X @ w + b >= 0, else 0, as int64")


def train(
    X: torch.Tensor, y: torch.Tensor, lr: float = 0.1, epochs: int = 100, reg: float = 0.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Full-batch gradient descent on the regularised loss, from w = 0, b = 0.

    Start from w = zeros(d) and b = 0 (X's dtype and device), then take exactly ``epochs``
    steps, each with the gradients of ``loss_and_grad`` on the whole training set:

        w <- w - lr * dw
        b <- b - lr * db

    (Write the gradient computation here too, or in a helper of this module: a module must
    not import another exercise.) With epochs = 0, return the zeros.

    Args:
        X: shape (n, d); y: shape (n,), int64 of 0/1; lr: a float > 0; epochs: an int >= 0;
        reg: a float >= 0.

    Returns:
        (w, b): w of shape (d,), b a scalar.

    Example: X = [[2.0], [0.0]], y = [1, 0], lr = 0.1, epochs = 1 gives w = [0.05], b = 0
    (one step against dw = [-0.5], db = 0).
    """
    raise NotImplementedError("logistic_regression.train: run `epochs` steps of gradient descent from zeros")
