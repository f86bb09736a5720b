"""Every SGD step takes the gradient at w0, not at the current w."""

import torch

BREAKS = {"sgd"}


def minibatches(order, batch_size):
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    order = [int(i) for i in order]
    batches = []
    for start in range(0, len(order), batch_size):
        batches.append(order[start : start + batch_size])
    return batches


def risk(w, X, y, loss):
    r = y - X @ w
    if loss == "squared":
        return (r**2).mean()
    return r.abs().mean()


def numerical_gradient(w, X, y, loss="squared", h=1e-5):
    if loss not in ("squared", "absolute"):
        raise ValueError("unknown loss")
    if h <= 0:
        raise ValueError("h must be positive")
    g = torch.zeros_like(w)
    for j in range(len(w)):
        e = torch.zeros_like(w)
        e[j] = h
        g[j] = (risk(w + e, X, y, loss) - risk(w - e, X, y, loss)) / (2 * h)
    return g


def grad_mse(X, y, w):
    return 2 * X.T @ (X @ w - y) / X.shape[0]


def batch_gd(X, y, w0, lr, epochs):
    w = w0.clone()
    for _ in range(epochs):
        w = w - lr * grad_mse(X, y, w)
    return w


def sgd(X, y, w0, lr, orders):
    w = w0.clone()
    for order in orders:
        for i in order:
            i = int(i)
            w = w - lr * 2 * (X[i] @ w0 - y[i]) * X[i]
    return w


def minibatch_gd(X, y, w0, lr, orders, batch_size):
    w = w0.clone()
    for order in orders:
        for batch in minibatches(order, batch_size):
            idx = torch.tensor(batch, dtype=torch.long)
            w = w - lr * grad_mse(X[idx], y[idx], w)
    return w


def sgd_momentum_step(param, grad, buf, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
    if nesterov and (momentum <= 0 or dampening != 0):
        raise ValueError("Nesterov momentum requires a momentum and zero dampening")
    g = grad + weight_decay * param
    new_buf = None
    if momentum != 0:
        if buf is None:
            new_buf = g.clone()
        else:
            new_buf = momentum * buf + (1 - dampening) * g
        if nesterov:
            g = g + momentum * new_buf
        else:
            g = new_buf
    return param - lr * g, new_buf


def adam_step(param, grad, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    b1, b2 = betas
    step = state.get("step", 0) + 1
    m = state.get("exp_avg", torch.zeros_like(param))
    v = state.get("exp_avg_sq", torch.zeros_like(param))
    g = grad + weight_decay * param
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_hat = m / (1 - b1**step)
    v_hat = v / (1 - b2**step)
    new_param = param - lr * m_hat / (v_hat.sqrt() + eps)
    return new_param, {"step": step, "exp_avg": m, "exp_avg_sq": v}
