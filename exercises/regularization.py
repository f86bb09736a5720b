"""Exercise: regularization, dropout made deterministic and the penalised update rules.

Conventions for every function here (course-wide):

- Tensors are float32 or float64; return tensors of the input's dtype on the input's device
  (a NumPy array is accepted too).
- Never modify an input in place (no ``x *= mask``, no ``w -= lr * grad``): the grader checks.
- Randomness is passed in: dropout gets its uniform draws ``u``, so it is deterministic.
- Forbidden in this module: in ``dropout_forward`` and ``dropout_backward``,
  ``torch.nn.functional.dropout`` (and ``dropout1d``, ``dropout2d``, ``dropout3d``,
  ``alpha_dropout``, ``feature_alpha_dropout``), ``torch.dropout``, the ``torch.nn.Dropout``
  modules and ``torch.bernoulli``; in ``l1_proximal_step``, ``torch.nn.functional.softshrink``
  and ``torch.nn.Softshrink``; everywhere, ``torch.optim`` and autograd in every spelling
  (``Tensor.backward``, anything from ``torch.autograd`` or ``torch.func``, ``requires_grad``
  passed, set or ``requires_grad_``, ``retain_grad``). A function that uses one gets zero points.
  (The penalty values and their gradients are in the ``losses`` exercise; Adam's and SGD's
  weight decay in ``optimization``.)

Check your work with ``mlgrade check regularization``.
"""

from __future__ import annotations

import torch


def dropout_forward(x: torch.Tensor, p: float, u: torch.Tensor, training: bool = True) -> torch.Tensor:
    """Inverted dropout with the uniform draws given.

    ``p`` is the probability of DROPPING an element (torch's convention, not the keep
    probability). Element j is kept when u[j] < 1 - p (as ``torch.bernoulli(1 - p)`` would
    draw it), and then scaled by 1 / (1 - p); dropped elements are 0:

        out[j] = x[j] / (1 - p)   if u[j] < 1 - p,   else 0

    so that the expected output equals x. p = 0 returns x unchanged; p = 1 drops everything
    and returns zeros (no nan: do not divide by 1 - p = 0). With training False, out = x
    whatever p and u (dropout is off at test time).

    Args:
        x: any shape.
        p: a float, the drop probability.
        u: x's shape and dtype, drawn uniformly from [0, 1). (The grader's u never lies within
            1e-6 of 1 - p.)
        training: a bool.

    Returns:
        out: x's shape.

    Raises:
        ValueError: when training and p is outside [0, 1].

    Example: x = [1, 2, 3, 4], p = 0.5, u = [0.1, 0.6, 0.3, 0.9] gives [2, 0, 6, 0].
    """
    raise NotImplementedError("regularization.dropout_forward: keep where u < 1 - p, scale by 1/(1 - p)")


def dropout_backward(dout: torch.Tensor, p: float, u: torch.Tensor, training: bool = True) -> torch.Tensor:
    """The gradient of ``dropout_forward`` with the same p and u, given the upstream dout:

        dx[j] = dout[j] / (1 - p)   if u[j] < 1 - p,   else 0

    zeros when p = 1; dout itself when training is False.

    Args:
        dout: the upstream gradient, x's shape.
        p, u, training: as for ``dropout_forward``.

    Returns:
        dx: dout's shape.

    Raises:
        ValueError: when training and p is outside [0, 1].
    """
    raise NotImplementedError("regularization.dropout_backward: the same mask and scale applied to dout")


def penalized_step(
    w: torch.Tensor, grad: torch.Tensor, lr: float, lam: float, penalty: str = "l2_squared"
) -> torch.Tensor:
    """One gradient step on Loss(w) + lam * J(w), ``grad`` being the gradient of the loss alone:

        w_new = w - lr * (grad + lam * dJ(w))

    J is named by ``penalty``:
        "l1":         J(w) = sum |w_j|,   dJ = sign(w)   (0 where w_j = 0)
        "l2_squared": J(w) = sum w_j**2,  dJ = 2 * w     (weight decay with coefficient 2 * lam)

    Args:
        w, grad: tensors of the same shape.
        lr, lam: floats.
        penalty: "l1" or "l2_squared".

    Returns:
        w_new: w's shape.

    Raises:
        ValueError: for another penalty.

    Example: w = [1, 0, -2], grad = [0, 0, 0], lr = 0.1, lam = 1: "l2_squared" gives
    [0.8, 0, -1.6], "l1" gives [0.9, 0, -1.9].
    """
    raise NotImplementedError("regularization.penalized_step: step on the loss plus lam times the penalty")


def l1_proximal_step(w: torch.Tensor, grad: torch.Tensor, lr: float, lam: float) -> torch.Tensor:
    """The proximal-gradient (ISTA) step for Loss(w) + lam * ||w||_1, which produces exact zeros:

        v = w - lr * grad                                      (a plain gradient step)
        w_new = sign(v) * max(|v| - lr * lam, 0)               (soft thresholding at lr * lam)

    so w_new[j] = 0 wherever |v[j]| <= lr * lam (including |v[j]| = lr * lam exactly), and
    the other entries move towards 0 by lr * lam.

    Args:
        w, grad: tensors of the same shape.
        lr: a float > 0.
        lam: a float >= 0.

    Returns:
        w_new: w's shape.

    Example: w = [1, 0.05, -1], grad = [0, 0, 0], lr = 0.1, lam = 1: v = w, the threshold is
    0.1, so w_new = [0.9, 0, -0.9].
    """
    raise NotImplementedError("regularization.l1_proximal_step: gradient step, then soft thresholding")
