"""Exercise: optimization, from gradient descent on least squares to torch's SGD and Adam steps.

The model of the descent functions is linear least squares without a separate bias,
ŷ = X @ w (append a column of ones to X to fit one). The loss of a set B of m examples is
their mean squared error

    L_B(w) = (1/m) * sum_{i in B} (x_iᵀ w - y_i)**2,   gradient  (2/m) * X_Bᵀ (X_B w - y_B)

Conventions for every function here (course-wide):

- Tensors are float32 or float64 (index lists int64); return tensors of the input's dtype on
  the input's device (a NumPy array or a Python number is accepted too).
- Never modify an input in place (no ``w -= ...``, no ``buf.mul_(...)``, no
  ``state["exp_avg"].add_(...)``): the grader checks every tensor it passed, including those
  inside a dict or a list, after each call.
- Every function is deterministic: the example orders are passed in, never drawn.
- The step functions are called over several steps, as a training loop calls them: what one
  step returns is passed to the next (a parameter or buffer you return as a NumPy array comes
  back as a tensor of the input dtype; Adam's "step" comes back as a Python int).
- Forbidden in this module: ``torch.optim`` (anything under it: ``torch.optim.SGD``,
  ``torch.optim.Adam``) in every function; autograd in every function, in every spelling:
  ``Tensor.backward``, anything from ``torch.autograd`` or ``torch.func``, ``requires_grad``
  (passed, set or ``requires_grad_``), ``retain_grad``. In the three descent functions
  (``batch_gd``, ``sgd``, ``minibatch_gd``) also ``torch.linalg.lstsq``, ``torch.linalg.solve``,
  ``torch.linalg.pinv``, ``torch.linalg.inv``, ``torch.inverse``, ``torch.pinverse`` and anything
  from ``numpy.linalg``: descend, do not solve. A function that uses one gets zero points.

Check your work with ``mlgrade check optimization``.
"""

from __future__ import annotations

from typing import Any

import torch


def minibatches(order: Any, batch_size: int) -> list[Any]:
    """Split an order of example indices into consecutive batches of ``batch_size``.

    The batches keep the order: order = [4, 0, 3, 1, 2] with batch_size 2 gives
    [[4, 0], [3, 1], [2]]. The last batch is smaller when batch_size does not divide n; it is
    kept, not dropped. batch_size >= n gives one batch holding the whole order.

    Args:
        order: a list of ints, or a 1-D int64 tensor, of length n >= 1.
        batch_size: an int.

    Returns:
        A list of batches, each a list of ints or a 1-D int64 tensor.

    Raises:
        ValueError: when batch_size < 1.
    """
    raise NotImplementedError("optimization.minibatches: split order into consecutive batches")


def numerical_gradient(
    w: torch.Tensor, X: torch.Tensor, y: torch.Tensor, loss: str = "squared", h: float = 1e-5
) -> torch.Tensor:
    """The central-difference gradient of the empirical risk at w, for the given step h.

        R(w) = (1/n) * sum_i loss(y_i, x_iᵀ w),   loss "squared": (y - ŷ)**2, "absolute": |y - ŷ|
        g_j  = (R(w + h * e_j) - R(w - h * e_j)) / (2 * h)          e_j the j-th unit vector

    The result is this formula for the h given, not the limit h -> 0: the grader passes large
    h (up to 1), where a one-sided difference (R(w + h e_j) - R(w)) / h or the analytic
    gradient gives another answer. No autograd.

    Args:
        w: shape (d,).
        X: shape (n, d).
        y: shape (n,).
        loss: "squared" or "absolute".
        h: the step, > 0.

    Returns:
        shape (d,).

    Raises:
        ValueError: for another loss, or h <= 0.

    Example: w = [0], X = [[1]], y = [0], loss "absolute", h = 0.5: R(0.5) = R(-0.5) = 0.5,
    so g = [0.0] (the analytic subgradient sign(0) would also be 0, but at w = [1] with
    h = 2 the formula gives (|3| - |-1|) / 4 = 0.5, not 1).
    """
    raise NotImplementedError("optimization.numerical_gradient: central differences of the risk")


def batch_gd(X: torch.Tensor, y: torch.Tensor, w0: torch.Tensor, lr: float, epochs: int) -> torch.Tensor:
    """Full-batch gradient descent: ``epochs`` steps  w <- w - lr * (2/n) * Xᵀ(X w - y).

    Args:
        X: shape (n, d).
        y: shape (n,).
        w0: shape (d,), the starting point (do not modify it).
        lr: the learning rate, a float.
        epochs: the number of steps, an int >= 0 (0 returns w0).

    Returns:
        w: shape (d,).

    Example: X = [[1], [1]], y = [2, 4], w0 = [0], lr = 0.25, epochs = 1: the gradient is
    (2/2) * (1 * (0 - 2) + 1 * (0 - 4)) = -6, so w = [1.5].
    """
    raise NotImplementedError("optimization.batch_gd: take epochs full-batch gradient steps")


def sgd(X: torch.Tensor, y: torch.Tensor, w0: torch.Tensor, lr: float, orders: Any) -> torch.Tensor:
    """Stochastic gradient descent, one example at a time, in the orders given.

    For each epoch e = 0 ... E-1 and each index i of orders[e] in turn, one step

        w <- w - lr * 2 * (x_iᵀ w - y_i) * x_i

    Args:
        X: shape (n, d).
        y: shape (n,).
        w0: shape (d,).
        lr: a float.
        orders: an (E, n) int64 tensor or a list of E lists of indices; E = 0 returns w0.

    Returns:
        w: shape (d,).
    """
    raise NotImplementedError("optimization.sgd: one gradient step per example, in the given orders")


def minibatch_gd(
    X: torch.Tensor, y: torch.Tensor, w0: torch.Tensor, lr: float, orders: Any, batch_size: int
) -> torch.Tensor:
    """Mini-batch gradient descent: for each epoch, orders[e] split as ``minibatches`` does, and
    one step per batch B with the gradient of that batch's mean squared error,

        w <- w - lr * (2/|B|) * X_Bᵀ (X_B w - y_B)

    divided by the batch's own size |B|, also for a smaller last batch.

    Args:
        X, y, w0, lr, orders: as for ``sgd``.
        batch_size: an int >= 1. batch_size 1 is ``sgd``; batch_size >= n is one full-batch
            step per epoch.

    Returns:
        w: shape (d,).
    """
    raise NotImplementedError("optimization.minibatch_gd: one gradient step per mini-batch")


def sgd_momentum_step(
    param: torch.Tensor,
    grad: torch.Tensor,
    buf: torch.Tensor | None,
    lr: float,
    momentum: float = 0.0,
    dampening: float = 0.0,
    nesterov: bool = False,
    weight_decay: float = 0.0,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """One step of ``torch.optim.SGD`` for one parameter tensor, its state passed in and out.

        g = grad + weight_decay * param
        if momentum != 0:
            new_buf = g                                        when buf is None (first step: no dampening)
            new_buf = momentum * buf + (1 - dampening) * g     otherwise
            g = g + momentum * new_buf   with nesterov;   g = new_buf   without
        new_param = param - lr * g

    With momentum 0 there is no buffer: return None as new_buf (the grader ignores it then).
    The next step gets the new_buf you returned as its buf.

    Args:
        param, grad: tensors of the same shape (any shape).
        buf: None on the first step, else the previous step's new_buf (do not modify it).
        lr, momentum, dampening, weight_decay: floats; nesterov: a bool.

    Returns:
        (new_param, new_buf).

    Raises:
        ValueError: for nesterov with momentum <= 0 or dampening != 0 (as torch does).

    Example: param = [1.0], grad = [0.5], buf = [2.0], lr = 0.1, momentum = 0.9:
    new_buf = 0.9 * 2 + 0.5 = [2.3], new_param = 1 - 0.1 * 2.3 = [0.77].
    """
    raise NotImplementedError("optimization.sgd_momentum_step: one step of SGD with momentum")


def adam_step(
    param: torch.Tensor,
    grad: torch.Tensor,
    state: dict[str, Any],
    lr: float = 1e-3,
    betas: Any = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
) -> tuple[torch.Tensor, dict[str, Any]]:
    """One step of ``torch.optim.Adam`` (amsgrad off) for one parameter tensor.

    ``state`` is {} before the first step, afterwards the dict the previous step returned,
    with exactly the keys "step" (an int: the number of steps taken), "exp_avg" and
    "exp_avg_sq" (tensors of param's shape; torch's names). With t = step + 1 (1 on the
    first step, m = v = 0 before it):

        g = grad + weight_decay * param         (L2 added to the gradient, as Adam; not AdamW)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        new_param = param - lr * (m / (1 - beta1**t)) / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    eps is added outside the square root, after the bias correction, as torch does.

    Args:
        param, grad: tensors of the same shape.
        state: a dict as above (do not modify it, nor the tensors in it).
        lr, eps, weight_decay: floats; betas: (beta1, beta2), a tuple or a list.

    Returns:
        (new_param, new_state), new_state a new dict {"step": t, "exp_avg": m, "exp_avg_sq": v}.

    Example: param = [1.0], grad = [2.0], state = {}, lr = 0.1: m = 0.2, v = 0.004,
    m̂ = 2, v̂ = 4, new_param = 1 - 0.1 * 2 / (2 + 1e-8) ≈ [0.9],
    new_state = {"step": 1, "exp_avg": [0.2], "exp_avg_sq": [0.004]}.
    """
    raise NotImplementedError("optimization.adam_step: one step of Adam, state in and out")
