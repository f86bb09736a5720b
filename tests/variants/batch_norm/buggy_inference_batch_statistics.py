"""Inference normalises by the batch's own statistics and ignores the running ones."""

import torch

BREAKS = {"batchnorm_inference"}


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    mu = x.mean(dim=0)
    var = x.var(dim=0, unbiased=False)
    std = torch.sqrt(var + eps)
    xhat = (x - mu) / std
    out = gamma * xhat + beta
    return out, (xhat, gamma, std)


def batchnorm_backward(dout, cache):
    xhat, gamma, std = cache
    n = dout.shape[0]
    dbeta = dout.sum(dim=0)
    dgamma = (dout * xhat).sum(dim=0)
    dxhat = dout * gamma
    dx = (n * dxhat - dxhat.sum(dim=0) - xhat * (dxhat * xhat).sum(dim=0)) / (n * std)
    return dx, dgamma, dbeta


def batchnorm_train_step(x, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    out, _ = batchnorm_forward(x, gamma, beta, eps)
    new_mean = (1 - momentum) * running_mean + momentum * x.mean(dim=0)
    new_var = (1 - momentum) * running_var + momentum * x.var(dim=0, unbiased=True)
    return out, new_mean, new_var


def batchnorm_inference(x, gamma, beta, running_mean, running_var, eps=1e-5):
    out, _ = batchnorm_forward(x, gamma, beta, eps)
    return out
