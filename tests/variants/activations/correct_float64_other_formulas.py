"""float64 inside and other valid formulas: tanh from exp(−2|x|) and the sigmoid from tanh,
σ(x) = (1 + tanh(x/2)) / 2; σ' = σ(x)·σ(−x); tanh' = 4σ'(2x); relu as x·[x > 0]; leaky ReLU as
max(x, alpha·x); the chain's gradient by a backward pass over the stored z_l."""

import torch


def tanh(x):
    x64 = x.double()
    e = torch.exp(-2 * x64.abs())
    return (torch.sign(x64) * (1 - e) / (1 + e)).to(x.dtype)


def sigmoid(x):
    return ((1 + tanh(x.double() / 2)) / 2).to(x.dtype)


def sigmoid_grad(x):
    return (sigmoid(x.double()) * sigmoid(-x.double())).to(x.dtype)


def tanh_grad(x):
    return (4 * sigmoid_grad(2 * x.double())).to(x.dtype)


def relu(x):
    return x * (x > 0)


def relu_grad(x):
    return torch.where(x >= 0, 1.0, 0.0).to(x.dtype)


def leaky_relu(x, alpha=0.01):
    return torch.maximum(x, alpha * x)


def leaky_relu_grad(x, alpha=0.01):
    grad = torch.full_like(x, alpha)
    grad = torch.where(x >= 0, torch.ones_like(x), grad)
    return grad


def chain_gradient(a0, w, b, activation="sigmoid"):
    pairs = {"sigmoid": (sigmoid, sigmoid_grad), "tanh": (tanh, tanh_grad), "relu": (relu, relu_grad)}
    if activation not in pairs:
        raise ValueError("activation must be 'sigmoid', 'tanh' or 'relu'")
    f, df = pairs[activation]
    w64, b64 = w.double(), b.double()
    a, zs = a0.double(), []
    for layer in range(w64.shape[0]):
        zs.append(w64[layer] * a + b64[layer])
        a = f(zs[-1])
    grad = torch.ones((), dtype=torch.float64)
    for layer in reversed(range(w64.shape[0])):  # backward: from a_L down to a_0
        grad = grad * df(zs[layer]) * w64[layer]
    return a, grad
