"""transformer: hidden checks. torch's own layer_norm and TransformerEncoderLayer, built in the
grader's process with SPEC's weight mapping in float64, are the truth for layer_norm and
encoder_layer (the reference module may not call them, being graded as a submission is); the
positional encoding and the feed-forward block are checked against the reference, the first
with SPEC's absolute tolerance of 1e-4 and invalid sizes among the inputs."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from grader.bank.transformer import (
    POSITIONAL_TOLERANCE,
    encoder_arguments,
    feed_forward_calls,
    layer_norm_calls,
)
from grader.checks import Call, ReferenceParity


def torch_layer_norm(call: Call) -> np.ndarray:
    import torch

    x, gamma, beta, eps = call.args
    weight, bias = (None if a is None else torch.from_numpy(a).double() for a in (gamma, beta))
    return torch.nn.functional.layer_norm(torch.from_numpy(x).double(), (x.shape[-1],), weight, bias, eps).numpy()


def torch_encoder_layer(call: Call) -> np.ndarray:
    """``torch.nn.TransformerEncoderLayer`` (post-norm, relu, no dropout, batch first) with
    in_proj_weight = cat([W_qᵀ, W_kᵀ, W_vᵀ]), out_proj.weight = W_oᵀ, linear1.weight = W1ᵀ, …
    key_mask is negated into torch's src_key_padding_mask; causal is torch's square
    subsequent mask. ValueError where num_heads does not divide E, as SPEC asks."""
    import torch

    x, params, heads = call.args
    key_mask, causal, eps = call.kwargs["key_mask"], call.kwargs["causal"], call.kwargs["eps"]
    B, L, E = x.shape
    if E % heads:
        raise ValueError(f"num_heads = {heads} does not divide E = {E}")
    p = {k: torch.from_numpy(v).double() for k, v in params.items()}
    F = p["W1"].shape[1]
    layer = torch.nn.TransformerEncoderLayer(
        E, heads, dim_feedforward=F, dropout=0.0, activation="relu", layer_norm_eps=eps, batch_first=True
    ).double()
    layer.eval()
    with torch.no_grad():
        layer.self_attn.in_proj_weight.copy_(torch.cat([p["W_q"].T, p["W_k"].T, p["W_v"].T]))
        layer.self_attn.in_proj_bias.copy_(torch.cat([p["b_q"], p["b_k"], p["b_v"]]))
        layer.self_attn.out_proj.weight.copy_(p["W_o"].T)
        layer.self_attn.out_proj.bias.copy_(p["b_o"])
        layer.linear1.weight.copy_(p["W1"].T)
        layer.linear1.bias.copy_(p["b1"])
        layer.linear2.weight.copy_(p["W2"].T)
        layer.linear2.bias.copy_(p["b2"])
        for k in ("1", "2"):
            getattr(layer, f"norm{k}").weight.copy_(p[f"gamma{k}"])
            getattr(layer, f"norm{k}").bias.copy_(p[f"beta{k}"])
        # float masks (-inf where hidden), so that torch never mixes bool and float masks
        src_mask = None
        if causal:
            src_mask = torch.triu(torch.full((L, L), float("-inf"), dtype=torch.float64), diagonal=1)
        padding = None
        if key_mask is not None:
            padding = torch.zeros(B, L, dtype=torch.float64).masked_fill(~torch.from_numpy(key_mask), float("-inf"))
        return layer(torch.from_numpy(x).double(), src_mask=src_mask, src_key_padding_mask=padding).numpy()


# Sizes up to 128 positions, and invalid ones (0), which must raise ValueError.
any_positional_calls = st.tuples(st.integers(0, 128), st.integers(0, 16)).map(lambda a: Call(a))
# Budgets by measured catch power (bench/catch_power.py --exercise transformer): at a quarter of
# the first budgets every check kept all of its 52 catches.
EXAMPLES = 4

CHECKS = (
    ReferenceParity(
        name="positional_encoding matches reference",
        function="positional_encoding",
        points=1.0,
        inputs=any_positional_calls,
        tolerance=POSITIONAL_TOLERANCE,
        examples=7,
    ),
    ReferenceParity(
        name="layer_norm matches torch.nn.functional.layer_norm",
        function="layer_norm",
        points=1.25,
        inputs=layer_norm_calls,
        truth=torch_layer_norm,
        truth_name="torch.nn.functional.layer_norm",
        examples=EXAMPLES,
    ),
    ReferenceParity(
        name="feed_forward matches reference",
        function="feed_forward",
        points=0.75,
        inputs=feed_forward_calls,
        examples=EXAMPLES,
    ),
    ReferenceParity(
        name="encoder_layer matches torch.nn.TransformerEncoderLayer",
        function="encoder_layer",
        points=1.5,
        inputs=encoder_arguments(masks=False),
        truth=torch_encoder_layer,
        truth_name="torch.nn.TransformerEncoderLayer",
        examples=EXAMPLES,
    ),
    ReferenceParity(
        name="encoder_layer matches torch.nn.TransformerEncoderLayer with key masks",
        function="encoder_layer",
        points=1.5,
        inputs=encoder_arguments(masks=True),
        truth=torch_encoder_layer,
        truth_name="torch.nn.TransformerEncoderLayer",
        examples=EXAMPLES,
    ),
    ReferenceParity(
        name="encoder_layer raises ValueError when num_heads does not divide E",
        function="encoder_layer",
        points=0.25,
        inputs=encoder_arguments(divisible=False),
        truth=torch_encoder_layer,
        truth_name="torch.nn.TransformerEncoderLayer",
        examples=2,
    ),
)
