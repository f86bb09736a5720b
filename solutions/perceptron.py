"""Reference: neurons and the perceptron. Plain torch, on whatever device and dtype the inputs have."""

from __future__ import annotations

import torch


def mcp_neuron(x: torch.Tensor, w: torch.Tensor, threshold: float) -> torch.Tensor:
    return (x.to(w.dtype) @ w >= threshold).long()


def perceptron_predict(w: torch.Tensor, b: torch.Tensor | float, X: torch.Tensor) -> torch.Tensor:
    scores = X @ w + b
    return torch.where(scores >= 0, 1, -1).long()


def perceptron_train(
    X: torch.Tensor,
    y: torch.Tensor,
    lr: float = 1.0,
    epochs: int = 100,
    order: list[int] | torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor, int]:
    if not bool(((y == 1) | (y == -1)).all()):
        raise ValueError("perceptron_train: labels must be -1 or +1")
    visits = range(len(y)) if order is None else [int(i) for i in order]
    signs = y.to(X.dtype)  # lr * an int64 label would be float32, whatever X's dtype
    w = torch.zeros(X.shape[1], dtype=X.dtype, device=X.device)
    b = torch.zeros((), dtype=X.dtype, device=X.device)
    epochs_run = 0
    for _ in range(epochs):
        epochs_run += 1
        mistakes = 0
        for i in visits:
            if signs[i] * (X[i] @ w + b) <= 0:  # a score of 0 is a mistake
                w = w + lr * signs[i] * X[i]
                b = b + lr * signs[i]
                mistakes += 1
        if mistakes == 0:
            break
    return w, b, epochs_run


# One neuron per gate: w·x + b >= 0 exactly on the gate's ones, with a margin of 0.5.
_GATES = {
    "and": ([1.0, 1.0], -1.5),
    "or": ([1.0, 1.0], -0.5),
    "nand": ([-1.0, -1.0], 1.5),
    "nor": ([-1.0, -1.0], 0.5),
}


def logic_gate_weights(gate: str) -> tuple[torch.Tensor, float]:
    if gate not in _GATES:
        raise ValueError(f"logic_gate_weights: no single neuron computes {gate!r}; choose one of {sorted(_GATES)}")
    w, b = _GATES[gate]
    return torch.tensor(w), b
