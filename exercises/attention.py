"""Exercise: attention, from scaled dot-product attention to multi-head self-attention.

Conventions for every function here (course-wide):

- Inputs are ``torch.Tensor`` of dtype float32 or float64 (masks are bool). Return tensors of
  the input's dtype on the input's device (a NumPy array is accepted too).
- Never modify an input in place (no ``q /= ...``, no ``mask.logical_and_(...)``): the grader checks.
- Forbidden in this module, in every spelling: ``torch.nn.functional.scaled_dot_product_attention``,
  ``torch.nn.functional.multi_head_attention_forward`` and ``torch.nn.MultiheadAttention``. They
  compute attention for you; a function that calls one gets zero points. Matrix products,
  ``torch.softmax``, ``masked_fill``, ``torch.where``, ``torch.tril`` and ``einsum`` are all fair.

Check your work with ``mlgrade check attention``.
"""

from __future__ import annotations

import torch


def scaled_dot_product_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    mask: torch.Tensor | None = None,
    causal: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Scaled dot-product attention of L queries over S keys, with any leading batch dimensions.

        scores  = q kᵀ / √d                        shape (..., L, S)
        weights = softmax(scores) along the last axis (over the keys)
        out     = weights v                        shape (..., L, dv)

    Positions a query may not attend to get weight exactly 0 (set their score to -inf, or to a
    very large negative number, before the softmax):

    - ``mask``: a bool tensor; mask[..., i, j] True means query i may attend to key j, False
      that it may not. Its shape broadcasts against (..., L, S): (L, S), (..., 1, S) and
      (..., L, S) all occur.
    - ``causal``: when True, query i may not attend to key j > i (the future); key j <= i is
      allowed. Counting starts at 0 for both, whatever L and S.
    - Given both, a position must be allowed by both.

    Every row keeps at least one allowed position (the grader never passes one that does not).
    Scores may be huge (|q| up to 1e4): subtract each row's maximum before ``exp``, or the
    result is inf / inf = nan.

    Args:
        q: shape (..., L, d).
        k: shape (..., S, d), the same leading dimensions as q.
        v: shape (..., S, dv).
        mask: bool, broadcastable to (..., L, S), or None (every position allowed).
        causal: hide the future, as above.

    Returns:
        (out, weights): out of shape (..., L, dv); weights of shape (..., L, S), each row a
        probability distribution over the keys.

    Example: with a single key (S = 1) every weight is 1 and out[..., i, :] = v[..., 0, :].
    """
    raise NotImplementedError("attention.scaled_dot_product_attention: softmax(q kᵀ / √d) v, masked")


def self_attention(x: torch.Tensor, W_q: torch.Tensor, W_k: torch.Tensor, W_v: torch.Tensor) -> torch.Tensor:
    """Single-head self-attention of the n tokens of x, without a mask.

        Q = x W_q,  K = x W_k,  V = x W_v          each of shape (n, Cp)
        out = softmax(Q Kᵀ / √Cp) V                shape (n, Cp)

    The scale is the square root of Cp, the size of the projected queries and keys, not of C.

    Args:
        x: shape (n, C), one token per row.
        W_q, W_k, W_v: shape (C, Cp), multiplied on the right.

    Returns:
        shape (n, Cp).
    """
    raise NotImplementedError("attention.self_attention: project x, then attend with scale √Cp")


def multi_head_attention(
    x: torch.Tensor,
    W_q: torch.Tensor,
    W_k: torch.Tensor,
    W_v: torch.Tensor,
    W_o: torch.Tensor,
    num_heads: int,
    causal: bool = False,
) -> torch.Tensor:
    """Multi-head self-attention of a batch of sequences.

        Q = x W_q,  K = x W_k,  V = x W_v          each of shape (B, L, E), multiplied on the right

    With H = num_heads and D = E / H, head h takes the contiguous columns h·D … (h+1)·D − 1 of
    Q, K and V and attends with scale √D (and ``causal`` as in scaled_dot_product_attention):

        head_h = softmax(Q_h K_hᵀ / √D) V_h         shape (B, L, D)

    Concatenate the heads in order along the last axis, back to (B, L, E), and multiply on the
    right by W_o. Careful: reshaping Q (B, L, E) to (B, L, H, D) splits the columns as above;
    to get (B, H, L, D) you then swap axes 1 and 2. Reshaping straight to (B, H, L, D) mixes
    tokens and columns.

    Args:
        x: shape (B, L, E).
        W_q, W_k, W_v, W_o: shape (E, E).
        num_heads: H >= 1; raise ValueError when H does not divide E.
        causal: query i may not attend to key j > i, in every head.

    Returns:
        shape (B, L, E).
    """
    raise NotImplementedError("attention.multi_head_attention: split Q, K, V into heads, attend, concatenate, W_o")
