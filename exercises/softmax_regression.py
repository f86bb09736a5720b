"""Exercise: softmax regression (multinomial logistic regression), trained by gradient descent.

Conventions for every function here:

- Inputs are ``torch.Tensor`` of dtype float32 or float64 (labels ``y`` are int64 in
  0 … k − 1); rows are samples. Return tensors of the input's dtype on the input's device
  (NumPy arrays and Python floats are accepted too).
- Never modify an input in place.
- Forbidden, in every spelling (``torch.*``, ``torch.nn.functional.*``, ``Tensor.*`` methods,
  ``torch.special.*``): ``softmax``, ``log_softmax``, ``logsumexp``, ``cross_entropy``,
  ``nll_loss``; the ``torch.nn`` modules ``Softmax``, ``LogSoftmax``, ``CrossEntropyLoss`` and
  ``NLLLoss``; ``scipy.special.softmax``, ``log_softmax`` and ``logsumexp``; and autograd
  (``Tensor.backward``, ``torch.autograd.*``, ``torch.func``, ``requires_grad``,
  ``retain_grad``). The gradients are the exercise. ``exp``, ``log``, ``max``, ``sum``,
  ``argmax`` are all fair.

Check your work with ``mlgrade check softmax_regression``.
"""

from __future__ import annotations

import torch


def softmax(z: torch.Tensor) -> torch.Tensor:
    """Softmax along the last axis:  softmax(z)[..., j] = exp(z[..., j]) / Σ_i exp(z[..., i]).

    Must not overflow for |z| up to 1e4: exp(1000) is inf in float64. Subtract each row's
    maximum first, softmax(z) = softmax(z − max(z)): the largest exponent is then exp(0) = 1.

    Args:
        z: shape (..., k), any number of leading dimensions (a vector, a matrix, a batch of
           matrices): the softmax is taken over the last one.

    Returns:
        same shape as z; every slice along the last axis is non-negative and sums to 1.
    """
    raise NotImplementedError("softmax_regression.softmax: exp(z - max) / sum, along the last axis")


def cross_entropy(logits: torch.Tensor, y: torch.Tensor) -> float:
    """Mean negative log-likelihood of the true classes, computed stably:

        loss = (1/n) Σ_i [ log Σ_j exp(logits[i, j]) − logits[i, y[i]] ]

    Compute log Σ_j exp(s_j) as m + log Σ_j exp(s_j − m) with m = max_j s_j (log-sum-exp), so
    that logits of 1e4 give a finite loss; never take log(softmax(...)) of a probability that
    may round to 0. With all logits equal, the loss is log k.

    Args:
        logits: shape (n, k).
        y: shape (n,), int64 in 0 … k − 1.

    Returns:
        a scalar (Python float or 0-d tensor), ≥ 0.
    """
    raise NotImplementedError("softmax_regression.cross_entropy: mean of logsumexp - true logit")


def loss_and_grad(
    W: torch.Tensor, b: torch.Tensor, X: torch.Tensor, y: torch.Tensor, reg: float
) -> tuple[float, torch.Tensor, torch.Tensor]:
    """The regularised loss of the linear classifier scores = X @ W + b, and its exact gradients.

        loss = cross_entropy(X @ W + b, y) + reg · Σ W²      (b is not regularised)

    With P = softmax(scores) and Y the one-hot matrix of y (n × k):

        dscores = (P − Y) / n
        dW = Xᵀ @ dscores + 2 · reg · W
        db = Σ_i dscores[i, :]

    Args:
        W: (d, k).  b: (k,).  X: (n, d).  y: (n,) int64.  reg: a float ≥ 0.

    Returns:
        (loss, dW, db): a scalar, and tensors shaped like W and b.
    """
    raise NotImplementedError("softmax_regression.loss_and_grad: loss, then (P - Y) / n backwards")


def predict(W: torch.Tensor, b: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    """The predicted class of each row: the arg-max of the scores X @ W + b.

    Ties go to the lower class index (as ``torch.argmax`` does).

    Returns:
        shape (n,), int64.
    """
    raise NotImplementedError("softmax_regression.predict: argmax of the scores")


def train(
    X: torch.Tensor,
    y: torch.Tensor,
    num_classes: int,
    lr: float = 0.1,
    epochs: int = 100,
    batch_size: int | None = None,
    reg: float = 0.0,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Gradient descent from zero weights, using your ``loss_and_grad``.

    Start from W = 0 (d × num_classes) and b = 0 (num_classes), in X's dtype. Each epoch:

    - batch_size None: one full-batch step,  W ← W − lr·dW,  b ← b − lr·db.  This is graded
      against the reference, step for step, so do exactly this.
    - batch_size B: shuffle the rows (with ``torch.Generator().manual_seed(seed)``, or any
      order you like drawn from ``seed``), then one step per consecutive batch of B rows (the
      last batch may be smaller). Only the quality of the result is graded.

    Returns:
        (W, b) after ``epochs`` epochs; with epochs = 0 the zero weights.
    """
    raise NotImplementedError("softmax_regression.train: repeat W -= lr * dW, b -= lr * db")
