"""The backward replays the forward with requires_grad and lets autograd find the gradients."""

import torch

BREAKS = {"batchnorm_backward"}


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    mu = x.mean(dim=0)
    var = x.var(dim=0, unbiased=False)
    std = torch.sqrt(var + eps)
    xhat = (x - mu) / std
    out = gamma * xhat + beta
    return out, (x, gamma, beta, eps)


def batchnorm_backward(dout, cache):
    x, gamma, beta, eps = cache
    x = x.detach().clone().requires_grad_(True)
    gamma = gamma.detach().clone().requires_grad_(True)
    beta = beta.detach().clone().requires_grad_(True)
    out, _ = batchnorm_forward(x, gamma, beta, eps)
    out.backward(dout)
    return x.grad, gamma.grad, beta.grad


def batchnorm_train_step(x, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    out, _ = batchnorm_forward(x, gamma, beta, eps)
    new_mean = (1 - momentum) * running_mean + momentum * x.mean(dim=0)
    new_var = (1 - momentum) * running_var + momentum * x.var(dim=0, unbiased=True)
    return out, new_mean, new_var


def batchnorm_inference(x, gamma, beta, running_mean, running_var, eps=1e-5):
    return gamma * (x - running_mean) / torch.sqrt(running_var + eps) + beta
