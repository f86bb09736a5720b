"""rnn: hidden checks. torch.nn.RNN itself (also bidirectional), and torch's autograd through
it, are the truth, built in the grader's process with SPEC's weight mapping in float64 (the
reference module may not call them, being graded as a submission is); BPTT is also checked
against central differences of the reference's forward; padding and sentence vectors against
the reference, with unknown padding and method strings among the inputs."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from grader import strategies
from grader.bank.rnn import (
    BPTT_WRT,
    EXAMPLES,
    EXAMPLES_HALF,
    GRADIENTS,
    PARAMS,
    birnn_calls,
    bptt_analytic,
    bptt_arguments,
    bptt_objective,
    encoding_arguments,
    rnn_bptt_calls,
    rnn_forward_calls,
    sequences,
)
from grader.checks import Call, Gradient, ReferenceParity
from grader.i18n import N_

TORCH_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")  # torch's names for PARAMS, in order


def _torch_rnn(weights: dict[str, np.ndarray], d: int, H: int, bidirectional: bool) -> Any:
    """``torch.nn.RNN(d, H)`` in float64 with SPEC's weights: weight_ih_l0 = W_ih, …, and
    weight_ih_l0_reverse = W_ih_reverse, … for the backward direction."""
    import torch

    module = torch.nn.RNN(d, H, nonlinearity="tanh", bidirectional=bidirectional).double()
    suffixes = ("", "_reverse") if bidirectional else ("",)
    with torch.no_grad():
        for suffix in suffixes:
            for ours, theirs in zip(PARAMS, TORCH_NAMES, strict=True):
                getattr(module, f"{theirs}_l0{suffix}").copy_(torch.from_numpy(weights[ours + suffix]))
    return module


def _initial(h0: np.ndarray | None, shape: tuple[int, ...]) -> Any:
    import torch

    return torch.zeros(shape, dtype=torch.float64) if h0 is None else torch.from_numpy(h0).double().reshape(shape)


def torch_rnn_forward(call: Call) -> tuple[np.ndarray, np.ndarray]:
    import torch

    xs, h0, *weights = call.args
    H, d = weights[0].shape
    module = _torch_rnn(dict(zip(PARAMS, weights, strict=True)), d, H, bidirectional=False)
    with torch.no_grad():
        hs, h_n = module(torch.from_numpy(xs).double(), _initial(h0, (1, xs.shape[1], H)))
    return hs.numpy(), h_n[0].numpy()


def torch_rnn_bptt(call: Call) -> dict[str, np.ndarray]:
    """The gradients of E = Σ dhs ⊙ hs by torch's autograd through ``torch.nn.RNN``; with h0
    None, the gradient at the zeros it stands for."""
    import torch

    xs, h0, *weights, dhs = call.args
    H, d = weights[0].shape
    module = _torch_rnn(dict(zip(PARAMS, weights, strict=True)), d, H, bidirectional=False)
    inputs = torch.from_numpy(xs).double().requires_grad_()
    initial = _initial(h0, (1, xs.shape[1], H)).requires_grad_()
    hs, _ = module(inputs, initial)
    (hs * torch.from_numpy(dhs).double()).sum().backward()
    grads = [getattr(module, f"{name}_l0").grad for name in TORCH_NAMES]
    values = [inputs.grad, initial.grad[0], *grads]
    return {k: v.numpy() for k, v in zip(GRADIENTS, values, strict=True)}


def torch_birnn_forward(call: Call) -> tuple[np.ndarray, np.ndarray]:
    import torch

    xs, h0, params = call.args
    H, d = params["W_ih"].shape
    module = _torch_rnn(params, d, H, bidirectional=True)
    with torch.no_grad():
        out, h_n = module(torch.from_numpy(xs).double(), _initial(h0, (2, xs.shape[1], H)))
    return out.numpy(), h_n.numpy()


# Unknown strings among the inputs: the reference raises ValueError, and so must the student.
any_pad_calls = sequences(st.sampled_from(["pre", "post", "pre", "post", "Pre", "both", ""])).map(lambda a: Call(a))
any_encoding_calls = encoding_arguments(st.sampled_from(["last", "mean", "last", "mean", "max", "Last"])).map(
    lambda a: Call(a)
)
bptt_reference_gradient_calls = bptt_arguments(strategies.float64_only, h0=True, size=4).map(lambda a: Call(a))

CHECKS = (
    ReferenceParity(
        name="rnn_forward matches torch.nn.RNN",
        function="rnn_forward",
        points=1.25,
        inputs=rnn_forward_calls,
        examples=EXAMPLES,
        truth=torch_rnn_forward,
        truth_name="torch.nn.RNN",
    ),
    ReferenceParity(
        name="rnn_bptt matches torch's autograd through torch.nn.RNN",
        function="rnn_bptt",
        points=1.0,
        inputs=rnn_bptt_calls,
        examples=EXAMPLES,
        truth=torch_rnn_bptt,
        truth_name=N_("torch's autograd through torch.nn.RNN"),  # words, not an identifier: translated where shown
    ),
    Gradient(
        name="rnn_bptt agrees with central differences of the reference rnn_forward",
        function="rnn_bptt",
        points=0.75,
        visibility="hidden",
        of="reference",
        inputs=bptt_reference_gradient_calls,
        wrt=BPTT_WRT,
        analytic=bptt_analytic,
        objective=bptt_objective,
    ),
    ReferenceParity(
        name="pad_sequences matches reference",
        function="pad_sequences",
        points=0.75,
        inputs=any_pad_calls,
        examples=EXAMPLES,
    ),
    ReferenceParity(
        name="birnn_forward matches torch.nn.RNN(bidirectional=True)",
        function="birnn_forward",
        points=1.5,
        inputs=birnn_calls,
        examples=EXAMPLES,
        truth=torch_birnn_forward,
        truth_name="torch.nn.RNN(bidirectional=True)",
    ),
    ReferenceParity(
        name="sentence_encoding matches reference",
        function="sentence_encoding",
        points=0.5,
        inputs=any_encoding_calls,
        examples=EXAMPLES_HALF,
    ),
)
