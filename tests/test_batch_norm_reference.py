"""The batch_norm reference is the truth the hidden checks grade against: it must be PyTorch's
batch norm (``torch.nn.functional.batch_norm`` in training mode, and in evaluation mode for
inference), and its backward must be the gradient autograd computes through its forward."""

from __future__ import annotations

import pytest
import torch
from conftest import DEVICES

from solutions import batch_norm as ref

CASES = [(2, 1), (3, 4), (16, 5), (64, 3)]


def layer(n: int, d: int, dtype: torch.dtype, device: str, seed: int = 0) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(seed)
    scale = torch.tensor([0.01, 0.1, 1.0, 10.0], dtype=torch.float64)[torch.arange(d) % 4]
    x = (torch.randn(n, d, generator=g, dtype=torch.float64) + 1.5) * scale
    gamma = torch.randn(d, generator=g, dtype=torch.float64)
    beta = torch.randn(d, generator=g, dtype=torch.float64)
    running_mean = torch.randn(d, generator=g, dtype=torch.float64) * scale
    running_var = (torch.rand(d, generator=g, dtype=torch.float64) + 0.5) * scale**2
    return tuple(t.to(dtype=dtype, device=device) for t in (x, gamma, beta, running_mean, running_var))


def tolerances(dtype: torch.dtype) -> dict[str, float]:
    return {"rtol": 1e-4, "atol": 1e-5} if dtype == torch.float32 else {"rtol": 1e-10, "atol": 1e-12}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize(("n", "d"), CASES)
@pytest.mark.parametrize("momentum", [0.0, 0.1, 1.0])
@pytest.mark.parametrize("eps", [1e-5, 0.1])
def test_train_step_is_torch_batch_norm_in_training(
    device: str, dtype: torch.dtype, n: int, d: int, momentum: float, eps: float
) -> None:
    x, gamma, beta, running_mean, running_var = layer(n, d, dtype, device)
    mean_torch, var_torch = running_mean.clone(), running_var.clone()  # torch updates them in place
    expected = torch.nn.functional.batch_norm(
        x, mean_torch, var_torch, gamma, beta, training=True, momentum=momentum, eps=eps
    )
    out, new_mean, new_var = ref.batchnorm_train_step(x, gamma, beta, running_mean, running_var, momentum, eps)
    for got, want in ((out, expected), (new_mean, mean_torch), (new_var, var_torch)):
        assert got.dtype == dtype and got.device.type == device
        torch.testing.assert_close(got, want, **tolerances(dtype))
    forward_out, _ = ref.batchnorm_forward(x, gamma, beta, eps)
    torch.testing.assert_close(forward_out, expected, **tolerances(dtype))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize(("n", "d"), [(1, 3), *CASES])
def test_inference_is_torch_batch_norm_in_evaluation(device: str, dtype: torch.dtype, n: int, d: int) -> None:
    x, gamma, beta, running_mean, running_var = layer(n, d, dtype, device, seed=1)
    expected = torch.nn.functional.batch_norm(x, running_mean, running_var, gamma, beta, training=False, eps=1e-5)
    out = ref.batchnorm_inference(x, gamma, beta, running_mean, running_var)
    assert out.dtype == dtype and out.device.type == device
    torch.testing.assert_close(out, expected, **tolerances(dtype))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(("n", "d"), CASES)
@pytest.mark.parametrize("eps", [1e-5, 0.0, 0.1])
def test_backward_is_autograd_through_the_forward(device: str, n: int, d: int, eps: float) -> None:
    x, gamma, beta, _, _ = layer(n, d, torch.float64, device, seed=2)
    dout = torch.randn(n, d, generator=torch.Generator().manual_seed(3), dtype=torch.float64).to(device)
    leaves = [t.clone().requires_grad_(True) for t in (x, gamma, beta)]
    out, _ = ref.batchnorm_forward(*leaves, eps=eps)
    expected = torch.autograd.grad(out, leaves, grad_outputs=dout)
    _, cache = ref.batchnorm_forward(x, gamma, beta, eps=eps)
    got = ref.batchnorm_backward(dout, cache)
    for g, e in zip(got, expected, strict=True):
        assert g.dtype == torch.float64 and g.device.type == device
        torch.testing.assert_close(g, e, rtol=1e-9, atol=1e-9)
