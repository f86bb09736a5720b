"""Exercise: neurons and the perceptron, from McCulloch and Pitts to Rosenblatt's learning rule.

Conventions for every function here (course-wide):

- Inputs are ``torch.Tensor``s, rows are samples: features float32 or float64, labels int64.
  Return tensors on the input's device (a NumPy array or a Python number is accepted too).
- Never modify an input in place (no ``X *= ...``, no ``y[y == 0] = -1``): the grader checks.
- Forbidden in this module: anything from ``sklearn`` (e.g. ``sklearn.linear_model.Perceptron``)
  and autograd (``Tensor.backward``, ``torch.autograd``, ``torch.func``, ``requires_grad``,
  ``requires_grad_``, ``retain_grad``). A function that uses one gets zero points.
- This module must not import another exercise module.

Check your work with ``mlgrade check perceptron``.
"""

from __future__ import annotations

import torch


def mcp_neuron(x: torch.Tensor, w: torch.Tensor, threshold: float) -> torch.Tensor:
    """The McCulloch–Pitts neuron: fires (1) when the weighted sum of its inputs reaches the threshold.

        out[i] = 1  if  sum_j w[j] * x[i, j] >= threshold   else 0

    Reaching the threshold exactly fires (>=, not >).

    Args:
        x: shape (n, d), binary inputs (every entry 0 or 1) of any dtype: int64, float32 or
            float64. Convert before multiplying: torch will not multiply int64 by float.
        w: shape (d,), float32 or float64. Negative weights are inhibitory.
        threshold: a Python float.

    Returns:
        shape (n,), int64, every entry 0 or 1.

    Example: x = [[0, 0], [0, 1], [1, 1]], w = [1.0, 1.0], threshold = 2.0 (an AND gate) gives
    [0, 0, 1]; with threshold = 1.0 (an OR gate) it gives [0, 1, 1].
    """
    raise NotImplementedError("perceptron.mcp_neuron: 1 where x @ w >= threshold, else 0, as int64")


def perceptron_predict(w: torch.Tensor, b: torch.Tensor | float, X: torch.Tensor) -> torch.Tensor:
    """The perceptron's decision: the sign of the score w·x + b, as a label -1 or +1.

        out[i] = +1  if  X[i] @ w + b >= 0   else -1

    A score of exactly 0 gives +1, never 0 (so ``torch.sign`` alone is not the answer).

    Args:
        w: shape (d,).
        b: the bias, a 0-d tensor or a Python float.
        X: shape (n, d), same dtype as w.

    Returns:
        shape (n,), int64, every entry -1 or +1.

    Example: w = [1.0, -1.0], b = 0.0, X = [[2, 1], [1, 1], [0, 3]] gives [1, 1, -1]
    (scores 1, 0 and -3).
    """
    raise NotImplementedError("perceptron.perceptron_predict: +1 where X @ w + b >= 0, else -1, as int64")


def perceptron_train(
    X: torch.Tensor,
    y: torch.Tensor,
    lr: float = 1.0,
    epochs: int = 100,
    order: list[int] | torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor | float, int]:
    """Rosenblatt's perceptron learning rule, one example at a time.

    Start from w = 0 (shape (d,), X's dtype and device) and b = 0. Each epoch visits the
    examples in ``order``, the same order every epoch. Example i is a **mistake** when

        y[i] * (X[i] @ w + b) <= 0        (a score of exactly 0 counts as a mistake)

    and on a mistake, at once (before looking at the next example):

        w <- w + lr * y[i] * X[i]
        b <- b + lr * y[i]

    Stop after the first epoch in which no example was a mistake, or after ``epochs`` epochs,
    whichever comes first.

    Args:
        X: shape (n, d), float32 or float64.
        y: shape (n,), int64 labels, each -1 or +1. Raise ``ValueError`` if any label is
            anything else (0/1 labels are the classic mix-up: do not convert them silently).
        lr: the learning rate, a Python float > 0.
        epochs: the most epochs to run, an int >= 1.
        order: the visiting order, a permutation of 0 … n-1, as a list of ints or an int64
            tensor of shape (n,); None means 0, 1, …, n-1.

    Returns:
        (w, b, epochs_run): w of shape (d,); b a scalar (0-d tensor or Python float);
        epochs_run a Python int (or a 0-d integer tensor), the number of epochs performed,
        counting the mistake-free epoch that ended training.

    Example: X = [[1, 0], [0, 1]], y = [1, -1], lr = 1. Epoch 1: example 0 has score 0, a
    mistake: w = [1, 0], b = 1. Example 1 has score 0 + 1 = 1, and y = -1: a mistake:
    w = [1, -1], b = 0. Epoch 2: scores 1 and -1, no mistakes. Returns ([1, -1], 0, 2).

    In float32 the grader passes integer-valued X and lr, so the sequence of mistakes does
    not depend on rounding.
    """
    raise NotImplementedError("perceptron.perceptron_train: run Rosenblatt's rule from w = 0, b = 0")


def logic_gate_weights(gate: str) -> tuple[torch.Tensor, float]:
    """Weights of a single neuron that computes a logic gate on two binary inputs.

    Return (w, b) such that, for each of the four inputs x in {0, 1}²,

        gate(x) = 1  exactly when  w[0] * x[0] + w[1] * x[1] + b >= 0

    (the MCP neuron with threshold -b). Mind the >=: the weights w = [1, 1], b = -1 do NOT
    realise "and", since x = (1, 0) reaches the threshold.

    Args:
        gate: one of "and", "or", "nand", "nor". Raise ``ValueError`` for "xor" and "xnor",
            which no single neuron can compute (they are not linearly separable), and for
            any other name.

    Returns:
        (w, b): w of shape (2,) (a tensor, a NumPy array or a list of two numbers), b a
        number. Any weights that realise the gate are correct.

    Example: "or" -> ([1.0, 1.0], -0.5): the sums for (0, 0), (0, 1), (1, 0), (1, 1) are
    -0.5, 0.5, 0.5, 1.5, so only (0, 0) stays below 0.
    """
    raise NotImplementedError("perceptron.logic_gate_weights: choose w and b that realise the gate")
