"""Reference: activation functions and their derivatives. Plain torch, on whatever device and
dtype the inputs have; never the library's own sigmoid, tanh or relu (SPEC forbids them)."""

from __future__ import annotations

import torch

ACTIVATIONS = ("sigmoid", "tanh", "relu")


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    # exp only of −|x| <= 0: never overflows; e = e^(−|x|) in (0, 1]
    e = torch.exp(-x.abs())
    return torch.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(x: torch.Tensor) -> torch.Tensor:
    # σ(x)·(1 − σ(x)) = σ(x)·σ(−x): no cancellation in 1 − σ for large x
    return sigmoid(x) * sigmoid(-x)


def tanh(x: torch.Tensor) -> torch.Tensor:
    return 2.0 * sigmoid(2.0 * x) - 1.0


def tanh_grad(x: torch.Tensor) -> torch.Tensor:
    # 1 − tanh² = 4·σ(2x)·σ(−2x)
    return 4.0 * sigmoid_grad(2.0 * x)


def relu(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x > 0, x, torch.zeros_like(x))


def relu_grad(x: torch.Tensor) -> torch.Tensor:
    return (x >= 0).to(x.dtype)  # the seed's convention: ReLU'(0) = 1


def leaky_relu(x: torch.Tensor, alpha: float = 0.01) -> torch.Tensor:
    return torch.where(x > 0, x, alpha * x)


def leaky_relu_grad(x: torch.Tensor, alpha: float = 0.01) -> torch.Tensor:
    return torch.where(x >= 0, torch.ones_like(x), torch.full_like(x, alpha))


def chain_gradient(
    a0: torch.Tensor, w: torch.Tensor, b: torch.Tensor, activation: str = "sigmoid"
) -> tuple[torch.Tensor, torch.Tensor]:
    functions = {"sigmoid": (sigmoid, sigmoid_grad), "tanh": (tanh, tanh_grad), "relu": (relu, relu_grad)}
    if activation not in functions:
        raise ValueError(f"activation must be one of {', '.join(map(repr, ACTIVATIONS))}, not {activation!r}")
    f, f_grad = functions[activation]
    a, grad = a0, torch.ones_like(a0)
    for layer in range(w.shape[0]):
        z = w[layer] * a + b[layer]
        grad = grad * w[layer] * f_grad(z)
        a = f(z)
    return a, grad
