"""Loops over the features (and over the rows for the sums), one column at a time, as a
student who does not trust broadcasting writes it; the cache is a list of per-column tuples."""

import math

import torch

BREAKS = set()


def column_stats(col):
    n = col.shape[0]
    total = 0.0
    for i in range(n):
        total += float(col[i])
    mu = total / n
    sq = 0.0
    for i in range(n):
        sq += (float(col[i]) - mu) ** 2
    return mu, sq / n, sq / (n - 1)


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    n, D = x.shape
    out = torch.empty_like(x)
    cache = []
    for j in range(D):
        mu, var, _ = column_stats(x[:, j])
        inv = 1.0 / math.sqrt(var + eps)
        xhat = (x[:, j] - mu) * inv
        out[:, j] = gamma[j] * xhat + beta[j]
        cache.append((xhat, float(gamma[j]), inv))
    return out, cache


def batchnorm_backward(dout, cache):
    n, D = dout.shape
    dx = torch.empty_like(dout)
    dgamma = torch.empty(D, dtype=dout.dtype, device=dout.device)
    dbeta = torch.empty(D, dtype=dout.dtype, device=dout.device)
    for j in range(D):
        xhat, g, inv = cache[j]
        d = dout[:, j]
        dbeta[j] = d.sum()
        dgamma[j] = (d * xhat).sum()
        dxhat = d * g
        for i in range(n):
            dx[i, j] = inv / n * (n * dxhat[i] - dxhat.sum() - xhat[i] * (dxhat * xhat).sum())
    return dx, dgamma, dbeta


def batchnorm_train_step(x, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    out, _ = batchnorm_forward(x, gamma, beta, eps)
    D = x.shape[1]
    new_mean = running_mean.clone()
    new_var = running_var.clone()
    for j in range(D):
        mu, _, var_unbiased = column_stats(x[:, j])
        new_mean[j] = (1 - momentum) * running_mean[j] + momentum * mu
        new_var[j] = (1 - momentum) * running_var[j] + momentum * var_unbiased
    return out, new_mean, new_var


def batchnorm_inference(x, gamma, beta, running_mean, running_var, eps=1e-5):
    out = torch.empty_like(x)
    for j in range(x.shape[1]):
        out[:, j] = gamma[j] * (x[:, j] - running_mean[j]) / math.sqrt(float(running_var[j]) + eps) + beta[j]
    return out
