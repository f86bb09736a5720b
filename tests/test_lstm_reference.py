"""The lstm reference is the truth the hidden checks grade against: it must be PyTorch's
recurrent cells (``torch.nn.LSTMCell``, ``LSTM``, ``GRUCell``, ``RNNCell``) with the same weights,
in float64, on the CPU and, where there is one, on CUDA."""

from __future__ import annotations

import pytest
import torch
from conftest import DEVICES

from solutions import lstm as ref

SIZES = [(1, 1, 1), (3, 2, 4), (4, 5, 3), (2, 4, 4)]  # (n, d, H)


def weights(module: torch.nn.Module) -> tuple[torch.Tensor, ...]:
    return tuple(getattr(module, name).detach() for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))


def layer_weights(module: torch.nn.Module) -> tuple[torch.Tensor, ...]:
    return tuple(getattr(module, f"{name}_l0").detach() for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))


def states(n: int, d: int, H: int, device: str, T: int | None = None) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(n * 100 + d * 10 + H)
    x = torch.randn(*((T,) if T else ()), n, d, generator=g, dtype=torch.float64)
    h = torch.rand(n, H, generator=g, dtype=torch.float64) * 1.8 - 0.9
    c = torch.randn(n, H, generator=g, dtype=torch.float64) * 1.5
    return tuple(t.to(device) for t in (x, h, c))


def close(got: torch.Tensor, want: torch.Tensor, device: str) -> None:
    assert got.dtype == torch.float64 and got.device.type == device
    torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)


@pytest.fixture(autouse=True)
def seeded() -> None:
    torch.manual_seed(0)  # the modules' initial weights


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(("n", "d", "H"), SIZES)
def test_lstm_step_is_lstm_cell(device: str, n: int, d: int, H: int) -> None:
    cell = torch.nn.LSTMCell(d, H, dtype=torch.float64, device=device)
    x, h, c = states(n, d, H, device)
    with torch.no_grad():
        h_want, c_want = cell(x, (h, c))
    h_next, c_next = ref.lstm_step(x, h, c, *weights(cell))
    close(h_next, h_want, device)
    close(c_next, c_want, device)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(("n", "d", "H"), SIZES)
@pytest.mark.parametrize("T", [1, 5])
def test_lstm_forward_is_lstm(device: str, n: int, d: int, H: int, T: int) -> None:
    lstm = torch.nn.LSTM(d, H, dtype=torch.float64, device=device)
    xs, h0, c0 = states(n, d, H, device, T)
    with torch.no_grad():
        hs_want, (h_want, c_want) = lstm(xs, (h0[None], c0[None]))
    hs, (h_T, c_T) = ref.lstm_forward(xs, h0, c0, *layer_weights(lstm))
    close(hs, hs_want, device)
    close(h_T, h_want[0], device)
    close(c_T, c_want[0], device)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(("n", "d", "H"), SIZES)
def test_gru_step_is_gru_cell(device: str, n: int, d: int, H: int) -> None:
    cell = torch.nn.GRUCell(d, H, dtype=torch.float64, device=device)
    with torch.no_grad():
        cell.bias_hh.add_(0.5)  # b_hn away from zero: where resetting before or after W_hn h differs
    x, h, _ = states(n, d, H, device)
    with torch.no_grad():
        want = cell(x, h)
    close(ref.gru_step(x, h, *weights(cell)), want, device)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(("n", "d", "H"), SIZES)
def test_rnn_step_is_rnn_cell(device: str, n: int, d: int, H: int) -> None:
    cell = torch.nn.RNNCell(d, H, dtype=torch.float64, device=device)
    x, h, _ = states(n, d, H, device)
    with torch.no_grad():
        want = cell(x, h)
    close(ref.rnn_step(x, h, *weights(cell)), want, device)


@pytest.mark.parametrize("device", DEVICES)
def test_float32_in_float32_out(device: str) -> None:
    cell = torch.nn.LSTMCell(3, 2, device=device)
    x, h, c = (t.float() for t in states(2, 3, 2, device))
    h_next, c_next = ref.lstm_step(x, h, c, *weights(cell))
    assert h_next.dtype == c_next.dtype == torch.float32
    assert h_next.device.type == c_next.device.type == device
