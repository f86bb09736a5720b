"""float32 inside: every function computes in float32 whatever the inputs and casts its
results back to the input's dtype at the end."""

import torch

BREAKS = set()


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    dtype = x.dtype
    x, gamma, beta = x.float(), gamma.float(), beta.float()
    mu = x.mean(dim=0)
    var = ((x - mu) ** 2).mean(dim=0)
    inv = 1.0 / torch.sqrt(var + eps)
    xhat = (x - mu) * inv
    return (gamma * xhat + beta).to(dtype), (xhat, gamma, inv)


def batchnorm_backward(dout, cache):
    xhat, gamma, inv = cache
    dtype = dout.dtype
    dout = dout.float()
    n = dout.shape[0]
    dxhat = dout * gamma
    dx = inv / n * (n * dxhat - dxhat.sum(dim=0) - xhat * (dxhat * xhat).sum(dim=0))
    return dx.to(dtype), (dout * xhat).sum(dim=0).to(dtype), dout.sum(dim=0).to(dtype)


def batchnorm_train_step(x, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    out, _ = batchnorm_forward(x, gamma, beta, eps)
    xf = x.float()
    mu = xf.mean(dim=0)
    var_unbiased = xf.var(dim=0)  # torch's default divides by n - 1
    new_mean = (1 - momentum) * running_mean.float() + momentum * mu
    new_var = (1 - momentum) * running_var.float() + momentum * var_unbiased
    return out, new_mean.to(x.dtype), new_var.to(x.dtype)


def batchnorm_inference(x, gamma, beta, running_mean, running_var, eps=1e-5):
    xf = x.float()
    out = gamma.float() * (xf - running_mean.float()) / torch.sqrt(running_var.float() + eps) + beta.float()
    return out.to(x.dtype)
