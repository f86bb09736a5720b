"""tanh_grad forgets the square: 1 − tanh(x)."""

import torch

BREAKS = {"tanh_grad"}


def sigmoid(x):
    positive = x >= 0
    e = torch.exp(torch.where(positive, -x, x))  # exp of a number <= 0 only
    return torch.where(positive, 1 / (1 + e), e / (1 + e))


def sigmoid_grad(x):
    s = sigmoid(x)
    return s * (1 - s)


def tanh(x):
    return 2 * sigmoid(2 * x) - 1


def tanh_grad(x):
    return 1 - tanh(x)


def relu(x):
    return torch.clamp(x, min=0)


def relu_grad(x):
    return (x > 0).to(x.dtype)


def leaky_relu(x, alpha=0.01):
    return torch.where(x > 0, x, alpha * x)


def leaky_relu_grad(x, alpha=0.01):
    return torch.where(x > 0, torch.ones_like(x), alpha * torch.ones_like(x))


def chain_gradient(a0, w, b, activation="sigmoid"):
    if activation == "sigmoid":
        f, df = sigmoid, sigmoid_grad
    elif activation == "tanh":
        f, df = tanh, tanh_grad
    elif activation == "relu":
        f, df = relu, relu_grad
    else:
        raise ValueError(f"unknown activation {activation!r}")
    a = a0
    grad = 1.0
    for l in range(len(w)):
        z = w[l] * a + b[l]
        grad = grad * w[l] * df(z)
        a = f(z)
    return a, grad
