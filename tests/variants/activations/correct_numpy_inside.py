"""NumPy inside: exp(−|x|) forms, np.maximum(x, alpha·x) for the leaky ReLU (valid as alpha < 1),
leaky ReLU'(0) = alpha, and NumPy arrays returned."""

import numpy as np


def _np(x):
    return x.numpy()


def _sig(a):
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(a.dtype)


def _tanh(a):
    e = np.exp(-2.0 * np.abs(a))
    return (np.sign(a) * (1.0 - e) / (1.0 + e)).astype(a.dtype)


def sigmoid(x):
    return _sig(_np(x))


def sigmoid_grad(x):
    a = _np(x)
    return _sig(a) * _sig(-a)


def tanh(x):
    return _tanh(_np(x))


def tanh_grad(x):
    t = _tanh(_np(x))
    return (1.0 - t) * (1.0 + t)


def relu(x):
    return np.maximum(_np(x), 0)


def relu_grad(x):
    return (_np(x) > 0).astype(_np(x).dtype)


def leaky_relu(x, alpha=0.01):
    a = _np(x)
    return np.maximum(a, alpha * a)


def leaky_relu_grad(x, alpha=0.01):
    a = _np(x)
    return np.where(a > 0, 1.0, alpha).astype(a.dtype)


def chain_gradient(a0, w, b, activation="sigmoid"):
    derivatives = {
        "sigmoid": (_sig, lambda z: _sig(z) * _sig(-z)),
        "tanh": (_tanh, lambda z: 1.0 - _tanh(z) ** 2),
        "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(z.dtype)),
    }
    if activation not in derivatives:
        raise ValueError(f"unknown activation {activation!r}")
    f, df = derivatives[activation]
    a, grad = _np(a0).copy(), np.ones_like(_np(a0))
    for wl, bl in zip(_np(w), _np(b)):
        z = np.asarray(wl * a + bl)
        grad = grad * wl * df(z)
        a = f(z)
    return a, grad
