"""Loops over the entries with Python floats and math.exp, branching on the sign so that
math.exp (which raises OverflowError, not inf) only sees numbers <= 0; ReLU'(0) = 1 as in the seed."""

import math

import torch


def _map(f, x):
    values = [f(v) for v in x.reshape(-1).tolist()]
    return torch.tensor(values, dtype=x.dtype).reshape(x.shape)


def _sigmoid(v):
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


def _tanh(v):
    e = math.exp(-2.0 * abs(v))
    t = (1.0 - e) / (1.0 + e)
    return t if v >= 0 else -t


def sigmoid(x):
    return _map(_sigmoid, x)


def sigmoid_grad(x):
    return _map(lambda v: _sigmoid(v) * _sigmoid(-v), x)


def tanh(x):
    return _map(_tanh, x)


def tanh_grad(x):
    return _map(lambda v: 1.0 - _tanh(v) ** 2, x)


def relu(x):
    return _map(lambda v: v if v > 0 else 0.0, x)


def relu_grad(x):
    return _map(lambda v: 1.0 if v >= 0 else 0.0, x)


def leaky_relu(x, alpha=0.01):
    return _map(lambda v: v if v > 0 else alpha * v, x)


def leaky_relu_grad(x, alpha=0.01):
    return _map(lambda v: 1.0 if v >= 0 else alpha, x)


def chain_gradient(a0, w, b, activation="sigmoid"):
    if activation == "sigmoid":
        f, df = _sigmoid, lambda z: _sigmoid(z) * _sigmoid(-z)
    elif activation == "tanh":
        f, df = _tanh, lambda z: 1.0 - _tanh(z) ** 2
    elif activation == "relu":
        f, df = (lambda z: max(z, 0.0)), (lambda z: 1.0 if z > 0 else 0.0)
    else:
        raise ValueError(f"activation must be 'sigmoid', 'tanh' or 'relu', got {activation!r}")
    a, grad = a0.item(), 1.0
    for wl, bl in zip(w.tolist(), b.tolist()):
        z = wl * a + bl
        grad *= wl * df(z)
        a = f(z)
    return a, grad
