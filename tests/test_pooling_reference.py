"""The pooling reference is what torch computes (max_pool2d, avg_pool2d, autograd's gradient
through max_pool2d), ties included, on the CPU and on CUDA where there is one, without calling
any of them; and the bank's forbidden patterns catch every spelling of a torch pooling call,
in the source and at run time."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
import torch
import torch.nn.functional as F  # noqa: N812
from conftest import DEVICES
from torch.overrides import TorchFunctionMode

from grader.bank.pooling import FORBIDDEN
from grader.forbidden import scan
from grader.isolation.worker import recorder_names
from solutions import pooling as ref

# (kernel_size, stride, padding, H, W): overlapping windows, pairs, stride None, full padding
GEOMETRIES = [
    (2, None, 0, 4, 5),
    (2, 1, 1, 3, 3),
    (3, 1, 1, 5, 4),
    ((2, 3), (1, 2), (1, 1), 4, 6),
    ((3, 1), None, (1, 0), 7, 2),
    (4, 3, 2, 5, 5),
    (1, 1, 0, 2, 3),
]


def tied(shape: tuple[int, ...], dtype: torch.dtype, seed: int) -> torch.Tensor:
    """Integers in [-2, 2]: ties in nearly every window."""
    return torch.randint(-2, 3, shape, generator=torch.Generator().manual_seed(seed)).to(dtype)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize(("kernel", "stride", "padding", "H", "W"), GEOMETRIES)
def test_the_reference_is_torch_with_ties(
    device: str, dtype: torch.dtype, kernel: Any, stride: Any, padding: Any, H: int, W: int
) -> None:
    x = tied((2, 3, H, W), dtype, seed=H * W).to(device)
    expected = F.max_pool2d(x, kernel, stride, padding)
    assert torch.equal(ref.max_pool2d(x, kernel, stride, padding), expected)
    torch.testing.assert_close(ref.avg_pool2d(x, kernel, stride, padding), F.avg_pool2d(x, kernel, stride, padding))
    dout = tied(tuple(expected.shape), dtype, seed=7).to(device)
    leaf = x.clone().requires_grad_(True)
    (F.max_pool2d(leaf, kernel, stride, padding) * dout).sum().backward()
    dx = ref.max_pool2d_backward(dout, x, kernel, stride, padding)
    assert dx.dtype == dtype and dx.device == x.device
    assert torch.equal(dx, leaf.grad)


@pytest.mark.parametrize("device", DEVICES)
def test_kmax_pool_keeps_the_first_k_of_a_stable_sort(device: str) -> None:
    x = torch.tensor([2.0, 5, 2, 2, 1, 5], device=device)
    assert ref.kmax_pool(x, 3).tolist() == [2.0, 5.0, 5.0]
    rows = tied((50, 7), torch.float64, seed=3).to(device)
    for row, k in itertools.product(rows, range(1, 8)):
        values = row.tolist()
        order = sorted(range(7), key=lambda i: -values[i])  # Python's sort is stable
        assert ref.kmax_pool(row, k).tolist() == [values[i] for i in sorted(order[:k])]
    assert torch.equal(ref.kmax_pool(rows, 7), rows)


@pytest.mark.parametrize(
    "args",
    [(3, 1, 2), ((2, 1), 1, (0, 1)), (4,), (0,), (2, (1, 0)), (2, 1, -1)],
)
def test_the_reference_refuses_what_spec_refuses(args: tuple[Any, ...]) -> None:
    x = torch.zeros(1, 1, 3, 3)
    for function in (ref.max_pool2d, ref.avg_pool2d):
        with pytest.raises(ValueError):
            function(x, *args)
    with pytest.raises(ValueError):
        ref.max_pool2d_backward(torch.zeros(1, 1, 1, 1), x, *args)


SPELLINGS = [
    "F.max_pool2d(x, 2)",
    "F.avg_pool2d(x, 2)",
    "F.max_pool2d_with_indices(x, 2)",
    "F.adaptive_max_pool2d(x, 1)",
    "F.adaptive_avg_pool2d(x, 1)",
    "F.lp_pool2d(x, 2, 2)",
    "F.max_pool1d(x[0], 2)",
    "F.avg_pool1d(x[0], 2)",
    "torch.nn.MaxPool2d(2)(x)",
    "torch.nn.AvgPool2d(2)(x)",
    "torch.max_pool2d(x, 2)",
    "torch.avg_pool1d(x[0], 2)",
    "torch.ops.aten.max_pool2d_with_indices(x, [2, 2])",
    "torch.ops.aten.avg_pool2d.default(x, [2, 2])",
    "torch._C._nn.avg_pool2d(x, 2)",
    "F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2)",
]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_every_spelling_of_a_pooling_call_is_forbidden_in_the_source(spelling: str) -> None:
    source = f"import torch\nimport torch.nn.functional as F\ndef max_pool2d(x, k):\n    return {spelling}\n"
    assert scan(source, {"max_pool2d": FORBIDDEN}), spelling


# The patterns the worker's recorder applies to torch functions (grader.isolation.worker)
RUNTIME = [p for p in FORBIDDEN if p.startswith(("torch.", "*"))]


def recorded(call: Callable[[], Any]) -> list[str]:
    """What the worker's recorder records of the torch functions ``call`` reaches, named as it
    names them (grader.isolation.worker.recorder_names), under pooling's patterns."""
    seen: list[str] = []

    class Recorder(TorchFunctionMode):
        def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
            name, _ = recorder_names(func, RUNTIME)
            if name is not None:
                seen.append(name)
            return func(*args, **(kwargs or {}))

    with Recorder():
        call()
    return seen


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_every_spelling_of_a_pooling_call_is_forbidden_at_run_time(spelling: str) -> None:
    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    assert recorded(lambda: eval(spelling, {"torch": torch, "F": F, "x": x}))


def test_the_fair_tools_are_not_forbidden() -> None:
    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    names = recorded(
        lambda: (
            F.pad(x, (1, 1, 1, 1), value=float("-inf")).unfold(2, 2, 2).unfold(3, 2, 2).argmax(-1),
            F.unfold(x, 2),
            torch.sort(x, stable=True),
            torch.topk(x.flatten(), 3),
            torch.zeros(16).scatter_add_(0, torch.arange(16), x.flatten()),
        )
    )
    assert not names
