"""Correct: NumPy in float64 inside (np.add.at, np.maximum.at), NumPy arrays returned."""

from __future__ import annotations

import numpy as np


def aggregate(x, edge_index, reduce="sum", edge_weight=None):
    if reduce not in ("sum", "mean", "max"):
        raise ValueError(reduce)
    X = x.detach().cpu().numpy().astype(np.float64)
    src, dst = edge_index.cpu().numpy()
    msg = X[src]
    if edge_weight is not None:
        msg = msg * edge_weight.detach().cpu().numpy()[:, None]
    n = X.shape[0]
    if reduce == "max":
        out = np.full_like(X, -np.inf)
        np.maximum.at(out, dst, msg)
        out[np.isinf(out)] = 0.0
        return out
    out = np.zeros_like(X)
    np.add.at(out, dst, msg)
    if reduce == "mean":
        out /= np.maximum(np.bincount(dst, minlength=n), 1)[:, None]
    return out


def sage_layer(x, edge_index, W_self, W_neigh, b=None, reduce="mean", activation="relu"):
    if activation not in ("relu", "tanh", "none"):
        raise ValueError(activation)
    X = x.detach().cpu().numpy().astype(np.float64)
    h = X @ W_self.cpu().numpy() + aggregate(x, edge_index, reduce) @ W_neigh.cpu().numpy()
    if b is not None:
        h += b.cpu().numpy()
    if activation == "relu":
        return np.maximum(h, 0)
    return np.tanh(h) if activation == "tanh" else h


def gcn_layer(x, edge_index, W, b=None):
    X = x.detach().cpu().numpy().astype(np.float64)
    src, dst = edge_index.cpu().numpy()
    n = X.shape[0]
    d = 1.0 + np.bincount(dst, minlength=n)
    h = X @ W.cpu().numpy()
    out = h / d[:, None]
    np.add.at(out, dst, h[src] / np.sqrt(d[src] * d[dst])[:, None])
    return out if b is None else out + b.cpu().numpy()
