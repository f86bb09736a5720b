"""The attention reference is the truth the hidden checks grade against: its output must be
PyTorch's ``scaled_dot_product_attention`` (with masks, causal, batch dimensions and broadcast
masks), and its multi-head attention an explicit computation head by head."""

from __future__ import annotations

import math

import pytest
import torch
from conftest import DEVICES

from solutions import attention as ref

BATCHES = [(), (2,), (2, 3)]
SIZES = [(1, 1), (3, 5), (5, 3), (4, 4)]  # (L, S): torch's causal mask is tril(ones(L, S)), top-left aligned
MASK_FORMS = [None, "full", "shared", "padding"]


def tensors(*shapes: tuple[int, ...], device: str, seed: int = 0) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(s, generator=g, dtype=torch.float64).to(device) for s in shapes]


def make_mask(form: str | None, batch: tuple[int, ...], L: int, S: int, device: str) -> torch.Tensor | None:
    """A random mask of the given form; key 0 always allowed, so that every row keeps a key
    even with causal=True."""
    if form is None:
        return None
    shape = {"full": (*batch, L, S), "shared": (L, S), "padding": (*batch, 1, S)}[form]
    mask = torch.rand(shape, generator=torch.Generator().manual_seed(1)) < 0.6
    mask[..., 0] = True
    return mask.to(device)


def torch_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None, causal: bool
) -> torch.Tensor:
    """PyTorch's own; it refuses attn_mask together with is_causal, so combine them here."""
    if mask is None:
        return torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal)
    L, S = q.shape[-2], k.shape[-2]
    if causal:
        mask = mask & torch.ones(L, S, dtype=torch.bool, device=q.device).tril()
    return torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize(("L", "S"), SIZES)
@pytest.mark.parametrize("form", MASK_FORMS)
@pytest.mark.parametrize("causal", [False, True])
def test_attention_is_torch_scaled_dot_product_attention(
    device: str, batch: tuple[int, ...], L: int, S: int, form: str | None, causal: bool
) -> None:
    d, dv = 3, 2
    q, k, v = tensors((*batch, L, d), (*batch, S, d), (*batch, S, dv), device=device)
    mask = make_mask(form, batch, L, S, device)
    out, weights = ref.scaled_dot_product_attention(q, k, v, mask, causal)
    assert out.dtype == torch.float64 and out.device.type == device
    assert out.shape == (*batch, L, dv) and weights.shape == (*batch, L, S)
    torch.testing.assert_close(out, torch_attention(q, k, v, mask, causal), rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(weights @ v, out, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(weights.sum(-1), torch.ones_like(weights.sum(-1)))
    if mask is not None or causal:
        allowed = torch.ones(L, S, dtype=torch.bool, device=device)
        allowed = allowed.tril() if causal else allowed
        allowed = allowed & mask if mask is not None else allowed
        assert torch.all(weights.masked_fill(allowed, 0.0) == 0.0)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("causal", [False, True])
def test_attention_is_stable_for_huge_scores(device: str, causal: bool) -> None:
    q, k, v = tensors((2, 4, 3), (2, 4, 3), (2, 4, 2), device=device, seed=2)
    out, weights = ref.scaled_dot_product_attention(q * 1e4, k, v, causal=causal)
    assert torch.isfinite(out).all() and torch.isfinite(weights).all()
    torch.testing.assert_close(out, torch_attention(q * 1e4, k, v, None, causal), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_attention_keeps_dtype_and_device(device: str, dtype: torch.dtype) -> None:
    x, W_q, W_k, W_v = (t.to(dtype) for t in tensors((5, 3), (3, 2), (3, 2), (3, 2), device=device))
    out = ref.self_attention(x, W_q, W_k, W_v)
    assert out.dtype == dtype and out.device.type == device and out.shape == (5, 2)
    expected = torch_attention(x @ W_q, x @ W_k, x @ W_v, None, False)
    torch.testing.assert_close(out, expected)


def heads_by_hand(x: torch.Tensor, Ws: list[torch.Tensor], num_heads: int, causal: bool) -> torch.Tensor:
    """Multi-head attention spelled out: one head at a time, contiguous columns, then W_o."""
    W_q, W_k, W_v, W_o = Ws
    L, E = x.shape[-2:]
    D = E // num_heads
    Q, K, V = x @ W_q, x @ W_k, x @ W_v
    heads = []
    for h in range(num_heads):
        cols = slice(h * D, (h + 1) * D)
        scores = Q[..., cols] @ K[..., cols].transpose(-2, -1) / math.sqrt(D)
        if causal:
            future = torch.ones(L, L, dtype=torch.bool, device=x.device).triu(1)
            scores = scores.masked_fill(future, float("-inf"))
        heads.append(torch.softmax(scores, dim=-1) @ V[..., cols])
    return torch.cat(heads, dim=-1) @ W_o


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(
    ("B", "L", "E", "num_heads"), [(1, 1, 1, 1), (2, 5, 6, 1), (2, 5, 6, 2), (3, 4, 6, 3), (1, 7, 8, 4)]
)
@pytest.mark.parametrize("causal", [False, True])
def test_multi_head_attention_is_heads_by_hand(
    device: str, B: int, L: int, E: int, num_heads: int, causal: bool
) -> None:
    x, *Ws = tensors((B, L, E), *[(E, E)] * 4, device=device, seed=3)
    out = ref.multi_head_attention(x, *Ws, num_heads, causal)
    assert out.dtype == torch.float64 and out.device.type == device and out.shape == (B, L, E)
    torch.testing.assert_close(out, heads_by_hand(x, Ws, num_heads, causal), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("E", "num_heads"), [(3, 2), (6, 4), (5, 10)])
def test_multi_head_attention_refuses_heads_that_do_not_divide(E: int, num_heads: int) -> None:
    x, *Ws = tensors((1, 2, E), *[(E, E)] * 4, device="cpu")
    with pytest.raises(ValueError):
        ref.multi_head_attention(x, *Ws, num_heads)
