"""Correct: plain Python loops over the edges and the nodes, lists of floats inside."""

from __future__ import annotations

import math

import torch


def _edges(edge_index):
    return list(zip(edge_index[0].tolist(), edge_index[1].tolist()))


def aggregate(x, edge_index, reduce="sum", edge_weight=None):
    if reduce != "sum" and reduce != "mean" and reduce != "max":
        raise ValueError("bad reduce: " + str(reduce))
    rows = x.tolist()
    n, f = len(rows), len(rows[0])
    weights = edge_weight.tolist() if edge_weight is not None else None
    inbox = [[] for _ in range(n)]
    for e, (s, t) in enumerate(_edges(edge_index)):
        w = 1.0 if weights is None else weights[e]
        inbox[t].append([w * v for v in rows[s]])
    out = []
    for messages in inbox:
        if not messages:
            out.append([0.0] * f)
        elif reduce == "max":
            out.append([max(m[k] for m in messages) for k in range(f)])
        else:
            total = [sum(m[k] for m in messages) for k in range(f)]
            out.append([v / len(messages) for v in total] if reduce == "mean" else total)
    return torch.tensor(out, dtype=x.dtype, device=x.device)


def sage_layer(x, edge_index, W_self, W_neigh, b=None, reduce="mean", activation="relu"):
    if activation == "relu":
        act = lambda v: max(v, 0.0)  # noqa: E731
    elif activation == "tanh":
        act = math.tanh
    elif activation == "none":
        act = lambda v: v  # noqa: E731
    else:
        raise ValueError("bad activation: " + str(activation))
    agg = aggregate(x, edge_index, reduce).tolist()
    X, Ws, Wn = x.tolist(), W_self.tolist(), W_neigh.tolist()
    bias = b.tolist() if b is not None else [0.0] * len(Ws[0])
    out = []
    for i in range(len(X)):
        row = []
        for o in range(len(Ws[0])):
            v = sum(X[i][k] * Ws[k][o] for k in range(len(Ws))) + sum(agg[i][k] * Wn[k][o] for k in range(len(Wn)))
            row.append(act(v + bias[o]))
        out.append(row)
    return torch.tensor(out, dtype=x.dtype, device=x.device)


def gcn_layer(x, edge_index, W, b=None):
    X, Wl = x.tolist(), W.tolist()
    n, f_out = len(X), len(Wl[0])
    h = [[sum(X[i][k] * Wl[k][o] for k in range(len(Wl))) for o in range(f_out)] for i in range(n)]
    deg = [1.0] * n
    for _, t in _edges(edge_index):
        deg[t] += 1
    out = [[h[i][o] / deg[i] for o in range(f_out)] for i in range(n)]
    for s, t in _edges(edge_index):
        c = 1.0 / math.sqrt(deg[s] * deg[t])
        for o in range(f_out):
            out[t][o] += c * h[s][o]
    if b is not None:
        bias = b.tolist()
        out = [[v + bias[o] for o, v in enumerate(row)] for row in out]
    return torch.tensor(out, dtype=x.dtype, device=x.device)
