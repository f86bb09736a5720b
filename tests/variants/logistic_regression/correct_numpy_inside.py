"""NumPy float64 inside, NumPy results; np.logaddexp for the loss."""

import numpy as np

BREAKS = set()


def _np(t):
    return t.detach().cpu().numpy().astype(np.float64)


def _sigmoid(z):
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def predict_proba(w, b, X):
    return _sigmoid(_np(X) @ _np(w) + float(b))


def bce_with_logits(z, y):
    z, y = _np(z), _np(y)
    # -log σ(z) = log(1 + e^-z) = logaddexp(0, -z); -log(1 - σ(z)) = logaddexp(0, z)
    return float(np.mean(y * np.logaddexp(0.0, -z) + (1 - y) * np.logaddexp(0.0, z)))


def loss_and_grad(w, b, X, y, reg):
    Xn, wn, yn = _np(X), _np(w), _np(y)
    z = Xn @ wn + float(b)
    loss = np.mean(np.logaddexp(0.0, z) - yn * z) + reg * np.sum(wn * wn)
    r = _sigmoid(z) - yn
    return loss, Xn.T @ r / len(yn) + 2 * reg * wn, r.mean()


def predict(w, b, X):
    return (_np(X) @ _np(w) + float(b) >= 0).astype(np.int64)


def train(X, y, lr=0.1, epochs=100, reg=0.0):
    Xn, yn = _np(X), _np(y)
    w, b = np.zeros(Xn.shape[1]), 0.0
    for _ in range(epochs):
        r = _sigmoid(Xn @ w + b) - yn
        w, b = w - lr * (Xn.T @ r / len(yn) + 2 * reg * w), b - lr * r.mean()
    return w, b
