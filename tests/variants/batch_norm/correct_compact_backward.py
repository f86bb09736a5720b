"""The one-line backward dx = (1/n) · gamma · invstd · (n·dout − Σdout − x̂·Σ(dout·x̂)), from a
cache of different items (x, mu, var, gamma, eps) out of which the backward recomputes x̂;
torch.var(unbiased=False) and torch.rsqrt."""

import torch

BREAKS = set()


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    mu = x.mean(0)
    var = torch.var(x, 0, unbiased=False)
    xhat = (x - mu) * torch.rsqrt(var + eps)
    return xhat * gamma + beta, (x, mu, var, gamma, eps)


def batchnorm_backward(dout, cache):
    x, mu, var, gamma, eps = cache
    n = x.shape[0]
    invstd = torch.rsqrt(var + eps)
    xhat = (x - mu) * invstd
    dgamma = torch.sum(dout * xhat, 0)
    dbeta = torch.sum(dout, 0)
    dx = (1.0 / n) * gamma * invstd * (n * dout - dbeta - xhat * dgamma)
    return dx, dgamma, dbeta


def batchnorm_train_step(x, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    out, (_, mu, var, _, _) = batchnorm_forward(x, gamma, beta, eps)
    n = x.shape[0]
    running_mean = running_mean + momentum * (mu - running_mean)
    running_var = running_var + momentum * (var * n / (n - 1) - running_var)
    return out, running_mean, running_var


def batchnorm_inference(x, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma * torch.rsqrt(running_var + eps)
    return x * scale + (beta - running_mean * scale)
