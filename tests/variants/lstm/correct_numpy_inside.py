"""Everything in NumPy: the tensors converted on the way in, NumPy arrays returned."""

import numpy as np

BREAKS = set()


def _np(*tensors):
    return [t.detach().cpu().numpy() for t in tensors]


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _lstm(x, h, c, W_ih, W_hh, b_ih, b_hh):
    a = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = np.split(a, 4, axis=1)
    c_next = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
    return _sigmoid(o) * np.tanh(c_next), c_next


def lstm_step(x, h, c, W_ih, W_hh, b_ih, b_hh):
    return _lstm(*_np(x, h, c, W_ih, W_hh, b_ih, b_hh))


def lstm_forward(xs, h0, c0, W_ih, W_hh, b_ih, b_hh):
    xs, h, c, *weights = _np(xs, h0, c0, W_ih, W_hh, b_ih, b_hh)
    hs = np.empty((xs.shape[0], *h.shape), dtype=xs.dtype)
    for t, x in enumerate(xs):
        h, c = _lstm(x, h, c, *weights)
        hs[t] = h
    return hs, (h, c)


def gru_step(x, h, W_ih, W_hh, b_ih, b_hh):
    x, h, W_ih, W_hh, b_ih, b_hh = _np(x, h, W_ih, W_hh, b_ih, b_hh)
    a_r, a_z, a_n = np.split(x @ W_ih.T + b_ih, 3, axis=1)
    b_r, b_z, b_n = np.split(h @ W_hh.T + b_hh, 3, axis=1)
    r, z = _sigmoid(a_r + b_r), _sigmoid(a_z + b_z)
    n = np.tanh(a_n + r * b_n)
    return (1 - z) * n + z * h


def rnn_step(x, h, W_ih, W_hh, b_ih, b_hh):
    x, h, W_ih, W_hh, b_ih, b_hh = _np(x, h, W_ih, W_hh, b_ih, b_hh)
    return np.tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
