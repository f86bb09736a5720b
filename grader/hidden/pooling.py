"""pooling: hidden checks, with torch itself as the truth.

``F.max_pool2d`` and ``F.avg_pool2d`` run here, in the grader's process, in float64 on the CPU
(``ReferenceParity(truth=...)``); max pooling's backward is torch's autograd through
``F.max_pool2d``, whose gradient goes to each window's first maximum in row-major order. The
reference solution may call neither (it is graded as a submission is). Inputs hold ties
(integer-valued floats), so the tie rules are part of every comparison; the gradient check
against the reference's forward needs distinct values instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.bank.pooling import (
    GRADIENT_WRT,
    any_kmax_calls,
    any_pool_calls,
    backward_analytic,
    check_geometry,
    gradient_calls,
    large_kmax_calls,
    large_pool_calls,
    pool_layer,
    pool_objective,
    with_upstream,
)
from grader.checks import Call, Gradient, ReferenceParity
from grader.i18n import N_


def _pooling_args(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """(x, kernel_size, stride, padding), defaults filled in."""
    named = {"stride": None, "padding": 0, **dict(zip(("stride", "padding"), args[2:], strict=False)), **kwargs}
    return args[0], args[1], named["stride"], named["padding"]


def _torch_pool(name: str, call: Call) -> np.ndarray:
    """``torch.nn.functional.<name>`` on the call, in float64; ValueError where SPEC asks
    for one (torch raises RuntimeError for most of those)."""
    import torch

    x, kernel_size, stride, padding = _pooling_args(call.args, call.kwargs)
    check_geometry(x, kernel_size, stride, padding)
    pool = getattr(torch.nn.functional, name)
    return pool(torch.from_numpy(x).double(), kernel_size, stride, padding).numpy()


def torch_max_pool2d(call: Call) -> np.ndarray:
    return _torch_pool("max_pool2d", call)


def torch_avg_pool2d(call: Call) -> np.ndarray:
    return _torch_pool("avg_pool2d", call)


def torch_max_pool2d_grad(call: Call) -> np.ndarray:
    """x.grad after sum(dout · F.max_pool2d(x, ...)).backward(), in float64."""
    import torch

    dout, *forward = call.args
    x, kernel_size, stride, padding = _pooling_args(tuple(forward), call.kwargs)
    check_geometry(x, kernel_size, stride, padding)
    leaf = torch.from_numpy(x).double().requires_grad_(True)
    pooled = torch.nn.functional.max_pool2d(leaf, kernel_size, stride, padding)
    (pooled * torch.from_numpy(dout).double()).sum().backward()
    assert leaf.grad is not None
    return leaf.grad.numpy()


MAX_POOL2D, AVG_POOL2D = "torch.nn.functional.max_pool2d", "torch.nn.functional.avg_pool2d"
# the truth's name in "disagrees with ...": torch's own function names are identifiers, this one is words
AUTOGRAD = N_("torch's autograd through max_pool2d")

CHECKS = (
    ReferenceParity(
        name="max_pool2d matches torch on inputs with ties",
        function="max_pool2d",
        points=0.75,
        inputs=any_pool_calls,
        truth=torch_max_pool2d,
        truth_name=MAX_POOL2D,
    ),
    ReferenceParity(
        name="max_pool2d matches torch, |x| up to 1e4",
        function="max_pool2d",
        points=0.75,
        inputs=large_pool_calls,
        truth=torch_max_pool2d,
        truth_name=MAX_POOL2D,
    ),
    ReferenceParity(
        name="avg_pool2d matches torch",
        function="avg_pool2d",
        points=0.5,
        inputs=any_pool_calls,
        truth=torch_avg_pool2d,
        truth_name=AVG_POOL2D,
    ),
    ReferenceParity(
        name="avg_pool2d matches torch, |x| up to 1e4",
        function="avg_pool2d",
        points=0.5,
        inputs=large_pool_calls,
        truth=torch_avg_pool2d,
        truth_name=AVG_POOL2D,
    ),
    ReferenceParity(
        name="max_pool2d_backward matches torch's autograd on inputs with ties",
        function="max_pool2d_backward",
        points=1.0,
        inputs=with_upstream(pool_layer(invalid=True)),
        truth=torch_max_pool2d_grad,
        truth_name=AUTOGRAD,
    ),
    Gradient(
        name="max_pool2d_backward agrees with central differences of the reference max_pool2d",
        function="max_pool2d_backward",
        points=0.5,
        inputs=gradient_calls,
        wrt=GRADIENT_WRT,
        analytic=backward_analytic,
        objective=pool_objective,
        of="reference",
        visibility="hidden",
    ),
    ReferenceParity(
        name="kmax_pool matches reference on inputs with ties",
        function="kmax_pool",
        points=0.75,
        inputs=any_kmax_calls,
    ),
    ReferenceParity(
        name="kmax_pool matches reference, |x| up to 1e4",
        function="kmax_pool",
        points=0.5,
        inputs=large_kmax_calls,
        examples=4,
    ),
)
