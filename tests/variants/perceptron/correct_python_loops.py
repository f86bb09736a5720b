"""Python loops and floats everywhere, lists converted back to tensors; epochs_run a 0-d int tensor."""

import torch

BREAKS = set()


def mcp_neuron(x, w, threshold):
    out = []
    for row in x.tolist():
        total = 0.0
        for xj, wj in zip(row, w.tolist()):
            total += xj * wj
        out.append(1 if total >= threshold else 0)
    return torch.tensor(out)


def perceptron_predict(w, b, X):
    out = []
    for row in X.tolist():
        score = sum(xj * wj for xj, wj in zip(row, w.tolist())) + float(b)
        out.append(-1 if score < 0 else 1)
    return torch.tensor(out, dtype=torch.int64)


def perceptron_train(X, y, lr=1.0, epochs=100, order=None):
    labels = y.tolist()
    for label in labels:
        if label not in (-1, 1):
            raise ValueError("perceptron_train needs labels -1 and +1")
    rows = X.tolist()
    n, d = len(rows), len(rows[0])
    if order is None:
        order = list(range(n))
    elif isinstance(order, torch.Tensor):
        order = order.tolist()
    w, b = [0.0] * d, 0.0
    epochs_run = 0
    for _ in range(epochs):
        epochs_run += 1
        errors = 0
        for i in order:
            score = sum(w[j] * rows[i][j] for j in range(d)) + b
            if labels[i] * score <= 0:
                for j in range(d):
                    w[j] += lr * labels[i] * rows[i][j]
                b += lr * labels[i]
                errors += 1
        if errors == 0:
            break
    return torch.tensor(w, dtype=X.dtype), b, torch.tensor(epochs_run)


def logic_gate_weights(gate):
    gates = {"and": [0.5, 0.5, -0.75], "or": [0.5, 0.5, -0.25], "nand": [-0.5, -0.5, 0.75], "nor": [-0.5, -0.5, 0.25]}
    if gate not in gates:
        raise ValueError(gate)
    w0, w1, b = gates[gate]
    return torch.tensor([w0, w1]), b
