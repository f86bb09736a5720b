"""Computes in float64 inside and returns float64 whatever the input dtype; the optimizer
steps copy their state and update the copies in place (clone, then mul_/add_), which leaves
the caller's tensors alone; minibatches by torch.split, returning a tuple of tensors."""

import torch


def minibatches(order, batch_size):
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    order = torch.as_tensor(order, dtype=torch.int64)
    return list(torch.split(order, batch_size))


def numerical_gradient(w, X, y, loss="squared", h=1e-5):
    if loss == "squared":
        f = torch.square
    elif loss == "absolute":
        f = torch.abs
    else:
        raise ValueError(f"unknown loss {loss}")
    if not h > 0:
        raise ValueError("h must be > 0")
    w, X, y = w.double(), X.double(), y.double()
    d = w.shape[0]
    shifts = h * torch.eye(d, dtype=torch.float64)
    plus = f(y[None, :] - (w[None, :] + shifts) @ X.T).mean(dim=1)
    minus = f(y[None, :] - (w[None, :] - shifts) @ X.T).mean(dim=1)
    return (plus - minus) / (2 * h)


def batch_gd(X, y, w0, lr, epochs):
    X, y, w = X.double(), y.double(), w0.double()
    n = X.shape[0]
    for _ in range(epochs):
        w = w - lr * (2.0 / n) * (X.T @ (X @ w - y))
    return w


def sgd(X, y, w0, lr, orders):
    X, y, w = X.double(), y.double(), w0.double().clone()
    for e in range(len(orders)):
        for i in orders[e]:
            x_i = X[int(i)]
            w -= lr * 2.0 * (torch.dot(x_i, w) - y[int(i)]) * x_i  # w is our own copy
    return w


def minibatch_gd(X, y, w0, lr, orders, batch_size):
    X, y, w = X.double(), y.double(), w0.double()
    for order in orders:
        for batch in minibatches(order, batch_size):
            Xb, yb = X[batch], y[batch]
            w = w - lr * 2.0 * Xb.T @ (Xb @ w - yb) / len(batch)
    return w


def sgd_momentum_step(param, grad, buf, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
    if nesterov and (momentum <= 0 or dampening != 0):
        raise ValueError("invalid nesterov")
    p = param.double()
    d_p = grad.double().clone()
    if weight_decay != 0:
        d_p.add_(p, alpha=weight_decay)
    if momentum == 0:
        return p - lr * d_p, None
    if buf is None:
        b = d_p.clone()
    else:
        b = buf.double().clone()
        b.mul_(momentum).add_(d_p, alpha=1 - dampening)
    if nesterov:
        d_p = d_p.add(b, alpha=momentum)
    else:
        d_p = b
    return p.add(d_p, alpha=-lr), b


def adam_step(param, grad, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    beta1, beta2 = float(betas[0]), float(betas[1])
    p, g = param.double(), grad.double()
    if weight_decay:
        g = g + weight_decay * p
    if len(state) == 0:
        m, v, t = torch.zeros_like(p), torch.zeros_like(p), 1
    else:
        m, v, t = state["exp_avg"].double().clone(), state["exp_avg_sq"].double().clone(), int(state["step"]) + 1
    m.mul_(beta1).add_(g, alpha=1 - beta1)
    v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
    step_size = lr / (1 - beta1**t)
    denom = (v.sqrt() / (1 - beta2**t) ** 0.5).add_(eps)
    return p.addcdiv(m, denom, value=-step_size), {"step": t, "exp_avg": m, "exp_avg_sq": v}
