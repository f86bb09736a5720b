"""Reference: backpropagation, layer by layer. Plain torch, on whatever device and dtype the
inputs have; each backward sits right under its forward."""

from __future__ import annotations

import torch


def linear_forward(x: torch.Tensor, W: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return x @ W + b


def linear_backward(dout: torch.Tensor, x: torch.Tensor, W: torch.Tensor) -> tuple[torch.Tensor, ...]:
    return dout @ W.T, x.T @ dout, dout.sum(dim=0)  # b was added to every row: its gradient sums them


def relu_forward(x: torch.Tensor) -> torch.Tensor:
    return x.clamp(min=0)


def relu_backward(dout: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return dout * (x > 0).to(dout.dtype)  # ReLU'(0) taken as 0


def sigmoid_forward(x: torch.Tensor) -> torch.Tensor:
    e = torch.exp(-x.abs())  # exp of a number <= 0 only: never overflows
    return torch.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_backward(dout: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    return dout * out * (1 - out)


def mlp_loss_and_grads(
    params: dict[str, torch.Tensor], X: torch.Tensor, y: torch.Tensor, reg: float = 0.0
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    z1 = linear_forward(X, W1, b1)
    h = relu_forward(z1)
    scores = linear_forward(h, W2, b2)
    log_probs = scores - scores.logsumexp(dim=1, keepdim=True)
    n = X.shape[0]
    loss = -log_probs[torch.arange(n, device=X.device), y].mean() + reg * ((W1 * W1).sum() + (W2 * W2).sum())

    one_hot = torch.nn.functional.one_hot(y, scores.shape[1]).to(scores.dtype)
    dscores = (log_probs.exp() - one_hot) / n
    dh, dW2, db2 = linear_backward(dscores, h, W2)
    _, dW1, db1 = linear_backward(relu_backward(dh, z1), X, W1)
    return loss, {"W1": dW1 + 2 * reg * W1, "b1": db1, "W2": dW2 + 2 * reg * W2, "b2": db2}
