"""Python loops over every entry, building new tensors entry by entry; ReLU'(0) taken as 0."""

import math

import torch

BREAKS = set()


def linear_forward(x, W, b):
    n, d = x.shape
    h = W.shape[1]
    out = torch.zeros(n, h, dtype=x.dtype)
    for i in range(n):
        for j in range(h):
            total = b[j].item()
            for k in range(d):
                total += x[i, k].item() * W[k, j].item()
            out[i, j] = total
    return out


def linear_backward(dout, x, W):
    n, d = x.shape
    h = W.shape[1]
    dx = torch.zeros(n, d, dtype=x.dtype)
    dW = torch.zeros(d, h, dtype=x.dtype)
    db = torch.zeros(h, dtype=x.dtype)
    for i in range(n):
        for j in range(h):
            g = dout[i, j].item()
            db[j] += g
            for k in range(d):
                dx[i, k] += g * W[k, j].item()
                dW[k, j] += x[i, k].item() * g
    return dx, dW, db


def relu_forward(x):
    out = x.clone()
    flat = out.view(-1)
    for i in range(flat.numel()):
        if flat[i] < 0:
            flat[i] = 0.0
    return out


def relu_backward(dout, x):
    dx = torch.zeros_like(dout)
    flat_dx, flat_dout, flat_x = dx.view(-1), dout.reshape(-1), x.reshape(-1)
    for i in range(flat_x.numel()):
        if flat_x[i] > 0:
            flat_dx[i] = flat_dout[i]
    return dx


def sigmoid_forward(x):
    out = torch.empty_like(x)
    flat_out, flat_x = out.view(-1), x.reshape(-1)
    for i in range(flat_x.numel()):
        v = flat_x[i].item()
        if v >= 0:
            flat_out[i] = 1.0 / (1.0 + math.exp(-v))
        else:
            e = math.exp(v)
            flat_out[i] = e / (1.0 + e)
    return out


def sigmoid_backward(dout, out):
    dx = torch.empty_like(out)
    flat_dx, flat_dout, flat_out = dx.view(-1), dout.reshape(-1), out.reshape(-1)
    for i in range(flat_out.numel()):
        s = flat_out[i].item()
        flat_dx[i] = flat_dout[i].item() * s * (1.0 - s)
    return dx


def mlp_loss_and_grads(params, X, y, reg=0.0):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    n = X.shape[0]
    k = W2.shape[1]
    z1 = linear_forward(X, W1, b1)
    a1 = relu_forward(z1)
    scores = linear_forward(a1, W2, b2)

    loss = 0.0
    dscores = torch.zeros_like(scores)
    for i in range(n):
        row = [scores[i, c].item() for c in range(k)]
        top = max(row)
        exps = [math.exp(v - top) for v in row]
        total = sum(exps)
        label = int(y[i])
        loss += -(row[label] - top - math.log(total)) / n
        for c in range(k):
            dscores[i, c] = (exps[c] / total - (1.0 if c == label else 0.0)) / n
    penalty = 0.0
    for W in (W1, W2):
        for v in W.reshape(-1).tolist():
            penalty += v * v
    loss += reg * penalty

    da1, dW2, db2 = linear_backward(dscores, a1, W2)
    dz1 = relu_backward(da1, z1)
    _, dW1, db1 = linear_backward(dz1, X, W1)
    for grad, W in ((dW1, W1), (dW2, W2)):
        for r in range(W.shape[0]):
            for c in range(W.shape[1]):
                grad[r, c] += 2 * reg * W[r, c].item()
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
