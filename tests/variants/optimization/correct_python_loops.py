"""Python loops over every entry, lists of floats inside, tensors rebuilt at the end; SGD via
mini-batches of one, and the step functions entry by entry on the flattened parameter."""

import torch


def minibatches(order, batch_size):
    if batch_size < 1:
        raise ValueError("batch_size")
    batches, current = [], []
    for i in order:
        current.append(int(i))
        if len(current) == batch_size:
            batches.append(current)
            current = []
    if current:
        batches.append(current)
    return batches


def _risk(w, X, y, loss):
    total = 0.0
    for i in range(len(y)):
        pred = sum(X[i][j] * w[j] for j in range(len(w)))
        r = y[i] - pred
        total += r * r if loss == "squared" else abs(r)
    return total / len(y)


def numerical_gradient(w, X, y, loss="squared", h=1e-5):
    if loss != "squared" and loss != "absolute":
        raise ValueError("loss")
    if h <= 0:
        raise ValueError("h")
    wl, Xl, yl = w.tolist(), X.tolist(), y.tolist()
    g = []
    for j in range(len(wl)):
        up = list(wl)
        down = list(wl)
        up[j] += h
        down[j] -= h
        g.append((_risk(up, Xl, yl, loss) - _risk(down, Xl, yl, loss)) / (2 * h))
    return torch.tensor(g, dtype=w.dtype)


def _step(w, Xl, yl, rows, lr):
    grad = [0.0] * len(w)
    for i in rows:
        r = sum(Xl[i][j] * w[j] for j in range(len(w))) - yl[i]
        for j in range(len(w)):
            grad[j] += 2 * r * Xl[i][j] / len(rows)
    return [w[j] - lr * grad[j] for j in range(len(w))]


def batch_gd(X, y, w0, lr, epochs):
    w, Xl, yl = w0.tolist(), X.tolist(), y.tolist()
    for _ in range(epochs):
        w = _step(w, Xl, yl, list(range(len(yl))), lr)
    return torch.tensor(w, dtype=w0.dtype)


def minibatch_gd(X, y, w0, lr, orders, batch_size):
    w, Xl, yl = w0.tolist(), X.tolist(), y.tolist()
    for order in orders:
        for batch in minibatches(order, batch_size):
            w = _step(w, Xl, yl, batch, lr)
    return torch.tensor(w, dtype=w0.dtype)


def sgd(X, y, w0, lr, orders):
    return minibatch_gd(X, y, w0, lr, orders, 1)


def sgd_momentum_step(param, grad, buf, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
    if nesterov and (momentum <= 0 or dampening != 0):
        raise ValueError("nesterov")
    p, g = param.flatten().tolist(), grad.flatten().tolist()
    b = None if buf is None else buf.flatten().tolist()
    new_p, new_b = [], []
    for k in range(len(p)):
        gk = g[k] + weight_decay * p[k]
        if momentum != 0:
            bk = gk if b is None else momentum * b[k] + (1 - dampening) * gk
            new_b.append(bk)
            gk = gk + momentum * bk if nesterov else bk
        new_p.append(p[k] - lr * gk)
    shape, dtype = param.shape, param.dtype
    out_b = torch.tensor(new_b, dtype=dtype).reshape(shape) if momentum != 0 else None
    return torch.tensor(new_p, dtype=dtype).reshape(shape), out_b


def adam_step(param, grad, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    b1, b2 = betas
    t = state["step"] + 1 if "step" in state else 1
    p, g = param.flatten().tolist(), grad.flatten().tolist()
    m = state["exp_avg"].flatten().tolist() if state else [0.0] * len(p)
    v = state["exp_avg_sq"].flatten().tolist() if state else [0.0] * len(p)
    new_p, new_m, new_v = [], [], []
    for k in range(len(p)):
        gk = g[k] + weight_decay * p[k]
        mk = b1 * m[k] + (1 - b1) * gk
        vk = b2 * v[k] + (1 - b2) * gk * gk
        new_m.append(mk)
        new_v.append(vk)
        new_p.append(p[k] - lr * (mk / (1 - b1**t)) / ((vk / (1 - b2**t)) ** 0.5 + eps))
    shape, dtype = param.shape, param.dtype

    def back(values):
        return torch.tensor(values, dtype=dtype).reshape(shape)

    return back(new_p), {"step": t, "exp_avg": back(new_m), "exp_avg_sq": back(new_v)}
