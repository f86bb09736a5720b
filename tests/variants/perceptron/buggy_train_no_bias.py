"""Never updates the bias: a line through the origin."""

import torch

BREAKS = {"perceptron_train"}


def mcp_neuron(x, w, threshold):
    return (x.to(w.dtype) @ w >= threshold).long()


def perceptron_predict(w, b, X):
    return torch.where(X @ w + b >= 0, 1, -1)


def perceptron_train(X, y, lr=1.0, epochs=100, order=None):
    if not ((y == 1) | (y == -1)).all():
        raise ValueError("labels must be -1 or +1")
    if order is None:
        order = range(len(y))
    w = torch.zeros(X.shape[1], dtype=X.dtype)
    b = 0.0
    for epoch in range(1, epochs + 1):
        mistakes = 0
        for i in order:
            yi = float(y[i])
            if yi * (float(X[i] @ w) + b) <= 0:
                w = w + lr * yi * X[i]
                mistakes += 1
        if mistakes == 0:
            break
    return w, b, epoch


def logic_gate_weights(gate):
    table = {
        "and": ([1.0, 1.0], -1.5),
        "or": ([1.0, 1.0], -0.5),
        "nand": ([-1.0, -1.0], 1.5),
        "nor": ([-1.0, -1.0], 0.5),
    }
    if gate not in table:
        raise ValueError(f"no single neuron computes {gate}")
    w, b = table[gate]
    return torch.tensor(w), b
