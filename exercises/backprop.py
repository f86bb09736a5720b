"""Exercise: backpropagation by hand, layer by layer, then a two-layer network.

Each layer has a forward function, which computes its output, and a backward function, which
takes the gradient of the loss with respect to that output (``dout``, "upstream gradient") and
returns the gradients with respect to the layer's inputs by the chain rule. A backward's
result always has the shape of the thing it is the gradient of: dx has x's shape, dW has W's.

Conventions for every function here (course-wide):

- Inputs are ``torch.Tensor`` of dtype float32 or float64 (labels y are int64); rows are
  samples. Return tensors of the input's dtype on the input's device (a NumPy array is
  accepted too; the loss may be a Python float or a 0-d tensor).
- Never modify an input in place (no ``x[x < 0] = 0``, no ``x.clamp_(min=0)``, no
  ``dout *= mask``): the grader checks. Work on a copy, or build a new tensor.
- Forbidden in this module: autograd, in every spelling: ``Tensor.backward``, anything from
  ``torch.autograd`` or ``torch.func``, ``requires_grad`` (passed, set or ``requires_grad_``),
  ``retain_grad``. Computing the gradients by hand is the exercise; a function that uses
  autograd, or calls a helper of yours that does, gets zero points. Library losses such as
  ``torch.log_softmax`` or ``torch.logsumexp`` may compute the loss value of
  ``mlp_loss_and_grads``; its gradients you derive yourself.

How the grader checks a backward: it computes your gradient, and compares it with central
differences of your own forward function, (f(x + eps) − f(x − eps)) / (2·eps) entry by entry,
in float64 (tolerance: |analytic − numerical| <= 1e-5 + 1e-3·|numerical|). So compute in the
input's dtype; in particular keep your forward functions in float64 when given float64.

Check your work with ``mlgrade check backprop``.
"""

from __future__ import annotations

import torch


def linear_forward(x: torch.Tensor, W: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """An affine (fully connected) layer:

        out = x @ W + b,   out[i, j] = sum_k x[i, k] * W[k, j] + b[j]

    b is added to every row (broadcasting).

    Args:
        x: shape (n, d), n >= 1.
        W: shape (d, h).
        b: shape (h,).

    Returns:
        out: shape (n, h).

    Example: x = [[1, 2]], W = [[1, 0], [0, 1]], b = [0.5, -1] gives [[1.5, 1.0]].
    """
    raise NotImplementedError("backprop.linear_forward: compute x @ W + b")


def linear_backward(
    dout: torch.Tensor, x: torch.Tensor, W: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The gradients of the affine layer out = x @ W + b, given dout = dL/dout:

        dx = dout @ Wᵀ          shape (n, d), like x
        dW = xᵀ @ dout          shape (d, h), like W
        db = sum over the rows of dout,  db[j] = sum_i dout[i, j],  shape (h,), like b

    b was added to every row, so each row's gradient flows back into it: db sums over the
    samples (axis 0), not over the outputs. Check the shapes: (n, h) @ (h, d) is (n, d),
    (d, n) @ (n, h) is (d, h).

    Args:
        dout: shape (n, h), the gradient of the loss with respect to the layer's output.
        x: shape (n, d), the layer's input in the forward pass.
        W: shape (d, h), the layer's weights.

    Returns:
        (dx, dW, db) with the shapes above.

    Example: dout = [[1, 0], [0, 1]], x = [[1, 2], [3, 4]], W = [[1, 0], [0, 1]] gives
    dx = [[1, 0], [0, 1]], dW = [[1, 3], [2, 4]], db = [1, 1].
    """
    raise NotImplementedError("backprop.linear_backward: return (dout @ W.T, x.T @ dout, dout summed over rows)")


def relu_forward(x: torch.Tensor) -> torch.Tensor:
    """The rectified linear unit, entry by entry:

        out = max(x, 0)

    Args:
        x: any shape (the grader uses matrices (n, h) and vectors).

    Returns:
        out: the shape of x; out == x where x > 0, 0 elsewhere.

    Example: x = [[-1.0, 0.0, 2.5]] gives [[0.0, 0.0, 2.5]].
    """
    raise NotImplementedError("backprop.relu_forward: compute max(x, 0) entry by entry (without changing x)")


def relu_backward(dout: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """The gradient of out = relu_forward(x), given dout = dL/dout:

        dx = dout * ReLU'(x),   ReLU'(x) = 1 where x > 0, 0 where x < 0

    The mask comes from the forward pass's INPUT x, not from dout: where x < 0 the unit was
    off, and no gradient flows through it whatever dout is. ReLU has no derivative at x = 0;
    take ReLU'(0) as 0 or as 1, both are accepted.

    Args:
        dout: the gradient of the loss with respect to out, the shape of x.
        x: the forward pass's input.

    Returns:
        dx: the shape of x.

    Example: dout = [[1, 2, 3]], x = [[-1, 0.5, 2]] gives [[0, 2, 3]].
    """
    raise NotImplementedError("backprop.relu_backward: pass dout through where x > 0, zero elsewhere")


def sigmoid_forward(x: torch.Tensor) -> torch.Tensor:
    """The logistic sigmoid, entry by entry:

        out = σ(x) = 1 / (1 + exp(−x))

    It must work for |x| up to 1000 (and beyond) without nan: exp(1000) is inf even in
    float64, and inf / inf is nan. Evaluate exp only of numbers <= 0: for x >= 0 use
    1 / (1 + exp(−x)), for x < 0 the equal form exp(x) / (1 + exp(x)) (``torch.where``
    picks per entry; ``torch.sigmoid`` is fair too). σ(−x) = 1 − σ(x).

    Args:
        x: any shape.

    Returns:
        out: the shape of x, values in [0, 1] (strictly inside for moderate x; a float
        rounds σ(1000) to 1 and σ(−1000) to 0).

    Example: x = [0, ln 3, −ln 3] gives [0.5, 0.75, 0.25].
    """
    raise NotImplementedError("backprop.sigmoid_forward: compute 1 / (1 + exp(-x)) without overflow")


def sigmoid_backward(dout: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """The gradient of out = σ(x), given dout = dL/dout and the forward's OUTPUT out:

        dx = dout * σ'(x) = dout * out * (1 − out)

    since σ'(x) = σ(x)·(1 − σ(x)). The second argument is σ(x), the forward's result, not x:
    do not apply the sigmoid to it again.

    Args:
        dout: the gradient of the loss with respect to out, the shape of out.
        out: sigmoid_forward(x), values in [0, 1].

    Returns:
        dx: the shape of out.

    Example: dout = [[1, 2, -1]], out = [[0.5, 0.75, 0.25]] gives [[0.25, 0.375, -0.1875]].
    """
    raise NotImplementedError("backprop.sigmoid_backward: compute dout * out * (1 - out)")


def mlp_loss_and_grads(
    params: dict[str, torch.Tensor], X: torch.Tensor, y: torch.Tensor, reg: float = 0.0
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The loss of a two-layer network and its gradients with respect to every parameter.

    Forward pass (build it from your layer functions):

        z1 = X @ W1 + b1              (n, h)   hidden pre-activations
        a1 = relu(z1)                 (n, h)
        scores = a1 @ W2 + b2         (n, k)   one score per class
        p = softmax(scores) per row:  p[i, c] = exp(scores[i, c]) / sum_c' exp(scores[i, c'])
        loss = −(1/n) · sum_i log p[i, y[i]]  +  reg · (sum of W1² + sum of W2²)

    Only the weights W1, W2 are penalised, not the biases. Compute softmax stably: subtract
    each row's maximum from its scores first (it does not change p), otherwise exp overflows
    for large scores and gives nan; ``torch.log_softmax`` / ``torch.logsumexp`` may compute
    the loss value.

    Backward pass (the mean's 1/n belongs in the gradient too):

        dscores = (p − onehot(y)) / n                  (n, k)
        dW2, db2 from linear_backward(dscores, a1, W2), and da1 = dscores @ W2ᵀ
        dz1 = relu_backward(da1, z1)                   the ReLU mask of the hidden layer
        dW1, db1 from linear_backward(dz1, X, W1)
        add the penalty's gradient: 2 · reg · W1 to dW1, 2 · reg · W2 to dW2

    Args:
        params: a dict with the keys "W1" (d, h), "b1" (h,), "W2" (h, k), "b2" (k,).
            Do not modify it or its tensors.
        X: shape (n, d), n >= 1.
        y: shape (n,), int64, the class of each sample, in 0 … k − 1.
        reg: the L2 penalty, a Python float >= 0.

    Returns:
        (loss, grads): loss a scalar (a 0-d tensor or a Python float); grads a dict with
        exactly the keys "W1", "b1", "W2", "b2", each gradient of the shape of its parameter.

    Example: with all four parameters zero, every class gets p = 1/k, so loss = ln k (for any
    reg), dW1, db1 and dW2 are 0, and db2[c] = 1/k − (fraction of the samples of class c).
    """
    raise NotImplementedError("backprop.mlp_loss_and_grads: forward pass, softmax loss, then backward pass")
