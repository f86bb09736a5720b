"""The gradients of the softmax_regression and backprop references are the truth the hidden
checks grade against: each must equal what autograd computes through the reference's own
forward (and on CUDA, where there is one)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F  # noqa: N812 - the usual name
from conftest import DEVICES

from solutions import backprop, softmax_regression

F64 = torch.float64


def leaf(*shape: int, device: str, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=F64).to(device).requires_grad_()


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("reg", [0.0, 0.3])
def test_softmax_loss_and_grad_is_autograd(device: str, reg: float) -> None:
    W, b, X = leaf(4, 3, device=device, seed=1), leaf(3, device=device, seed=2), leaf(7, 4, device=device, seed=3)
    y = torch.tensor([0, 2, 1, 1, 0, 2, 2], device=device)
    loss, dW, db = softmax_regression.loss_and_grad(W.detach(), b.detach(), X.detach(), y, reg)
    expected = F.cross_entropy(X @ W + b, y) + reg * (W**2).sum()
    gW, gb = torch.autograd.grad(expected, (W, b))
    torch.testing.assert_close(loss, expected.detach())
    torch.testing.assert_close(dW, gW)
    torch.testing.assert_close(db, gb)


@pytest.mark.parametrize("device", DEVICES)
def test_softmax_and_cross_entropy_are_torch(device: str) -> None:
    z = torch.randn(2, 3, 5, dtype=F64, device=device) * 100
    torch.testing.assert_close(softmax_regression.softmax(z), torch.softmax(z, dim=-1))
    logits, y = z[0], torch.tensor([4, 0, 2], device=device)
    torch.testing.assert_close(softmax_regression.cross_entropy(logits, y), F.cross_entropy(logits, y))


@pytest.mark.parametrize("device", DEVICES)
def test_layer_backwards_are_autograd(device: str) -> None:
    x, W, b = leaf(5, 4, device=device, seed=4), leaf(4, 3, device=device, seed=5), leaf(3, device=device, seed=6)
    dout = torch.randn(5, 3, dtype=F64, device=device)
    out = backprop.linear_forward(x, W, b)
    expected = torch.autograd.grad(out, (x, W, b), dout)
    for got, want in zip(backprop.linear_backward(dout, x.detach(), W.detach()), expected, strict=True):
        torch.testing.assert_close(got, want)

    z = leaf(5, 4, device=device, seed=7)
    dz = torch.randn(5, 4, dtype=F64, device=device)
    (want,) = torch.autograd.grad(backprop.relu_forward(z), z, dz)
    torch.testing.assert_close(backprop.relu_backward(dz, z.detach()), want)
    s = backprop.sigmoid_forward(z)
    (want,) = torch.autograd.grad(s, z, dz)
    torch.testing.assert_close(backprop.sigmoid_backward(dz, s.detach()), want)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("reg", [0.0, 0.1])
def test_mlp_grads_are_autograd(device: str, reg: float) -> None:
    params = {
        "W1": leaf(4, 6, device=device, seed=8),
        "b1": leaf(6, device=device, seed=9),
        "W2": leaf(6, 3, device=device, seed=10),
        "b2": leaf(3, device=device, seed=11),
    }
    X = torch.randn(8, 4, dtype=F64, device=device)
    y = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1], device=device)
    scores = torch.relu(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]
    expected = F.cross_entropy(scores, y) + reg * ((params["W1"] ** 2).sum() + (params["W2"] ** 2).sum())
    wanted = dict(zip(params, torch.autograd.grad(expected, list(params.values())), strict=True))
    loss, grads = backprop.mlp_loss_and_grads({k: v.detach() for k, v in params.items()}, X, y, reg)
    torch.testing.assert_close(torch.as_tensor(loss, dtype=F64, device=device), expected.detach())
    assert set(grads) == set(params)
    for key in params:
        torch.testing.assert_close(grads[key], wanted[key])
