"""Reference: batch normalisation over the rows of an (n, D) batch. Plain torch, on whatever
device and dtype the inputs have."""

from __future__ import annotations

import torch

Cache = tuple[torch.Tensor, torch.Tensor, torch.Tensor]


def batchnorm_forward(
    x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float = 1e-5
) -> tuple[torch.Tensor, Cache]:
    mean = x.mean(dim=0)
    var = x.var(dim=0, correction=0)  # biased: divides by n
    invstd = 1.0 / torch.sqrt(var + eps)
    xhat = (x - mean) * invstd
    return gamma * xhat + beta, (xhat, gamma, invstd)


def batchnorm_backward(dout: torch.Tensor, cache: Cache) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    xhat, gamma, invstd = cache
    n = dout.shape[0]
    dxhat = dout * gamma
    # x reaches xhat directly and through the batch mean and variance; summed, the three paths give
    dx = invstd / n * (n * dxhat - dxhat.sum(dim=0) - xhat * (dxhat * xhat).sum(dim=0))
    return dx, (dout * xhat).sum(dim=0), dout.sum(dim=0)


def batchnorm_train_step(
    x: torch.Tensor,
    gamma: torch.Tensor,
    beta: torch.Tensor,
    running_mean: torch.Tensor,
    running_var: torch.Tensor,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    out, _ = batchnorm_forward(x, gamma, beta, eps)
    # as torch.nn.functional.batch_norm: the running variance takes the unbiased batch variance
    new_mean = (1 - momentum) * running_mean + momentum * x.mean(dim=0)
    new_var = (1 - momentum) * running_var + momentum * x.var(dim=0, correction=1)
    return out, new_mean, new_var


def batchnorm_inference(
    x: torch.Tensor,
    gamma: torch.Tensor,
    beta: torch.Tensor,
    running_mean: torch.Tensor,
    running_var: torch.Tensor,
    eps: float = 1e-5,
) -> torch.Tensor:
    return gamma * (x - running_mean) / torch.sqrt(running_var + eps) + beta
