"""Exercise: batch normalisation, forward and backward, in training and in inference.

A batch norm layer normalises each feature (column) of a batch x of shape (n, D) by the mean
and variance of that column over the n samples (rows), then scales and shifts it by learned
per-feature parameters gamma and beta. In training it also keeps running averages of the
batch statistics, which inference uses in place of the statistics of the batch.

Conventions for every function here (course-wide):

- Inputs are ``torch.Tensor`` of dtype float32 or float64; rows are samples, columns are
  features. x has shape (n, D) with n >= 2; gamma, beta, running_mean and running_var have
  shape (D,). eps and momentum are Python floats.
- Return tensors of the input's dtype on the input's device (a NumPy array is accepted too).
  Create any new tensor with ``dtype=x.dtype, device=x.device``.
- Never modify an input in place (no ``x -= mean``, no ``running_mean.mul_(...)``, no
  ``x[:, j] = ...``): the grader checks. Compute new tensors instead.
- Forbidden in every function of this module, in every spelling: ``batch_norm``,
  ``BatchNorm*``, ``layer_norm``, ``instance_norm`` and ``group_norm`` from torch
  (``torch.batch_norm``, ``torch.nn.functional.batch_norm``, ``torch.nn.BatchNorm1d``,
  ``torch.native_batch_norm``, ``torch.layer_norm``, ``torch.nn.functional.layer_norm``,
  ``torch.nn.LayerNorm``, ``torch.instance_norm``, ``torch.nn.GroupNorm``, ...: applied to
  ``x.T`` each of them normalises the columns for you), anything from the modules
  ``torch.nn.modules.batchnorm``, ``torch.nn.modules.instancenorm`` and
  ``torch.nn.modules.normalization``, and autograd (``Tensor.backward``, ``torch.autograd.*``,
  ``torch.func``, ``requires_grad``, ``retain_grad``). A function that uses one, or calls a
  helper of yours that does, gets zero points. ``mean``, ``var``, ``sqrt``, ``sum`` and
  plain loops are fair.

Check your work with ``mlgrade check batch_norm``.
"""

from __future__ import annotations

from typing import Any

import torch


def batchnorm_forward(
    x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float = 1e-5
) -> tuple[torch.Tensor, Any]:
    """The forward pass of batch normalisation in training mode.

    For each feature j, with the batch statistics over the n rows

        mu[j]   = (1/n) * sum_i x[i, j]
        var[j]  = (1/n) * sum_i (x[i, j] - mu[j])**2        (biased: divide by n, not n - 1)

    normalise, then scale and shift:

        xhat[i, j] = (x[i, j] - mu[j]) / sqrt(var[j] + eps)   (eps inside the square root)
        out[i, j]  = gamma[j] * xhat[i, j] + beta[j]

    Beware ``x.var(dim=0)``: it divides by n - 1 unless you ask for ``correction=0``
    (``unbiased=False``).

    Args:
        x: shape (n, D), n >= 2.
        gamma: shape (D,), the scale.
        beta: shape (D,), the shift.
        eps: a float >= 0 added to the variance.

    Returns:
        (out, cache): out has shape (n, D). cache is anything you like (a tuple, a dict, ...):
        whatever ``batchnorm_backward`` needs from the forward pass. The grader passes it, as
        your forward returned it, to your backward and never looks inside.

    Example: x = [[0.], [0.], [0.], [2.]], gamma = [1.], beta = [0.], eps = 0.25: mu = 0.5,
    var = 0.75, sqrt(var + eps) = 1, so out = [[-0.5], [-0.5], [-0.5], [1.5]].
    """
    raise NotImplementedError("batch_norm.batchnorm_forward: normalise each column, then scale by gamma and add beta")


def batchnorm_backward(dout: torch.Tensor, cache: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The backward pass: the gradients of a loss L given dout = dL/dout.

    With xhat, gamma and sqrt(var + eps) from the forward pass (from your cache):

        dbeta[j]  = sum_i dout[i, j]
        dgamma[j] = sum_i dout[i, j] * xhat[i, j]

    For dx, remember that x[i, j] reaches out through three paths: directly through
    xhat[i, j], and through mu[j] and var[j], which every row of column j uses. With
    s[j] = sqrt(var[j] + eps), follow the graph back one step at a time:

        dxhat[i, j] = dout[i, j] * gamma[j]
        dvar[j]     = sum_i dxhat[i, j] * (x[i, j] - mu[j]) * (-1/2) * s[j]**(-3)
        dmu[j]      = -sum_i dxhat[i, j] / s[j]          (var's share, dvar * (-2/n) * sum_i (x - mu), is 0)
        dx[i, j]    = dxhat[i, j] / s[j] + dvar[j] * 2 * (x[i, j] - mu[j]) / n + dmu[j] / n

    (the terms simplify to one line, if you like). The direct path alone, dout * gamma / s,
    is wrong. Autograd is forbidden here. ``mlgrade check`` compares your dx, dgamma and
    dbeta with central differences of sum(dout * out) through your own ``batchnorm_forward``.

    Args:
        dout: shape (n, D), the upstream gradient.
        cache: what your ``batchnorm_forward`` returned with this batch.

    Returns:
        (dx, dgamma, dbeta) with shapes (n, D), (D,), (D,).
    """
    raise NotImplementedError("batch_norm.batchnorm_backward: compute dbeta, dgamma and dx from dout and your cache")


def batchnorm_train_step(
    x: torch.Tensor,
    gamma: torch.Tensor,
    beta: torch.Tensor,
    running_mean: torch.Tensor,
    running_var: torch.Tensor,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One training step of a batch norm layer: the output, and the updated running statistics.

    out is exactly ``batchnorm_forward(x, gamma, beta, eps)``'s out (biased variance). The
    running statistics move towards the batch's, as ``torch.nn.functional.batch_norm`` with
    ``training=True`` updates them:

        new_running_mean = (1 - momentum) * running_mean + momentum * mu
        new_running_var  = (1 - momentum) * running_var  + momentum * var_unbiased

    where mu is the batch mean and var_unbiased[j] = (1/(n - 1)) * sum_i (x[i, j] - mu[j])**2
    is the UNBIASED batch variance (divide by n - 1 here, by n for the normalisation).
    momentum is the weight of the new batch: with momentum = 1 the running statistics become
    the batch's, with momentum = 0 they stay as they are. Return new tensors; do not update
    running_mean and running_var in place.

    Args:
        x: shape (n, D), n >= 2.
        gamma, beta: shape (D,).
        running_mean, running_var: shape (D,), running_var > 0.
        momentum: a float in [0, 1].
        eps: a float >= 0.

    Returns:
        (out, new_running_mean, new_running_var) with shapes (n, D), (D,), (D,).

    Example: x = [[0.], [0.], [0.], [2.]], gamma = [1.], beta = [0.], running_mean = [0.],
    running_var = [3.], momentum = 0.5, eps = 0.25 gives out = [[-0.5], [-0.5], [-0.5], [1.5]],
    new_running_mean = [0.25] and new_running_var = [2.] (the unbiased batch variance is 1).
    """
    raise NotImplementedError("batch_norm.batchnorm_train_step: the forward's out, and the running statistics updated")


def batchnorm_inference(
    x: torch.Tensor,
    gamma: torch.Tensor,
    beta: torch.Tensor,
    running_mean: torch.Tensor,
    running_var: torch.Tensor,
    eps: float = 1e-5,
) -> torch.Tensor:
    """Batch normalisation at inference: the running statistics stand in for the batch's.

        out[i, j] = gamma[j] * (x[i, j] - running_mean[j]) / sqrt(running_var[j] + eps) + beta[j]

    No statistic of x is computed here: each row is normalised on its own, so the output for a
    row does not depend on the other rows of the batch (a batch of one row works too).

    Args:
        x: shape (n, D), n >= 1.
        gamma, beta: shape (D,).
        running_mean, running_var: shape (D,), running_var > 0.
        eps: a float >= 0.

    Returns:
        out: shape (n, D).

    Example: x = [[1.], [3.]], gamma = [2.], beta = [1.], running_mean = [1.],
    running_var = [3.], eps = 1.0 gives out = [[1.], [3.]].
    """
    raise NotImplementedError("batch_norm.batchnorm_inference: normalise by the running mean and variance")
