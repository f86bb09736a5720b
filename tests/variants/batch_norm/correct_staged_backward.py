"""The cs231n way: the forward as a graph of small steps, every intermediate in a dict cache,
and the backward walking the graph back one step at a time (through dvar and dmu)."""

import torch

BREAKS = set()


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    n = x.shape[0]
    mu = x.sum(dim=0) / n
    xmu = x - mu
    sq = xmu**2
    var = sq.sum(dim=0) / n
    sqrtvar = torch.sqrt(var + eps)
    ivar = 1.0 / sqrtvar
    xhat = xmu * ivar
    out = gamma * xhat + beta
    cache = {"xhat": xhat, "gamma": gamma, "xmu": xmu, "ivar": ivar, "sqrtvar": sqrtvar, "var": var, "eps": eps}
    return out, cache


def batchnorm_backward(dout, cache):
    n = dout.shape[0]
    dbeta = dout.sum(dim=0)
    dgamma = (dout * cache["xhat"]).sum(dim=0)
    dxhat = dout * cache["gamma"]
    divar = (dxhat * cache["xmu"]).sum(dim=0)
    dxmu1 = dxhat * cache["ivar"]
    dsqrtvar = -1.0 / cache["sqrtvar"] ** 2 * divar
    dvar = 0.5 / torch.sqrt(cache["var"] + cache["eps"]) * dsqrtvar
    dsq = torch.ones_like(dout) / n * dvar
    dxmu2 = 2 * cache["xmu"] * dsq
    dx1 = dxmu1 + dxmu2
    dmu = -(dx1.sum(dim=0))
    dx2 = torch.ones_like(dout) / n * dmu
    return dx1 + dx2, dgamma, dbeta


def batchnorm_train_step(x, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    out, _ = batchnorm_forward(x, gamma, beta, eps)
    n = x.shape[0]
    mu = x.mean(dim=0)
    var_unbiased = ((x - mu) ** 2).sum(dim=0) / (n - 1)
    new_mean = (1 - momentum) * running_mean + momentum * mu
    new_var = (1 - momentum) * running_var + momentum * var_unbiased
    return out, new_mean, new_var


def batchnorm_inference(x, gamma, beta, running_mean, running_var, eps=1e-5):
    xhat = (x - running_mean) / torch.sqrt(running_var + eps)
    return gamma * xhat + beta
