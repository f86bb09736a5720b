"""Everything in NumPy float64, NumPy arrays returned; gates as plain lists; labels checked with np.isin."""

import numpy as np

BREAKS = set()


def mcp_neuron(x, w, threshold):
    sums = x.cpu().numpy().astype(np.float64) @ w.cpu().numpy().astype(np.float64)
    return (sums >= threshold).astype(np.int64)


def perceptron_predict(w, b, X):
    scores = X.cpu().numpy().astype(np.float64) @ w.cpu().numpy().astype(np.float64) + float(b)
    return np.where(scores >= 0, 1, -1).astype(np.int64)


def perceptron_train(X, y, lr=1.0, epochs=100, order=None):
    X, y = X.cpu().numpy().astype(np.float64), y.cpu().numpy()
    if not np.isin(y, [-1, 1]).all():
        raise ValueError(f"labels must be -1 or +1, got {sorted(set(y.tolist()))}")
    order = np.arange(len(y)) if order is None else np.asarray(order if isinstance(order, list) else order.cpu())
    w, b = np.zeros(X.shape[1]), 0.0
    epochs_run = 0
    while epochs_run < epochs:
        epochs_run += 1
        clean = True
        for i in order:
            if y[i] * (X[i] @ w + b) <= 0:
                w += lr * y[i] * X[i]
                b += lr * y[i]
                clean = False
        if clean:
            break
    return w, b, epochs_run


def logic_gate_weights(gate):
    if gate == "and":
        return [2, 2], -3
    if gate == "or":
        return [2, 2], -1
    if gate == "nand":
        return [-2, -2], 3
    if gate == "nor":
        return [-2, -2], 1
    raise ValueError(f"{gate!r} is not linearly separable or not a gate")
