"""Exercise: the Transformer encoder of "Attention Is All You Need": the sinusoidal positional
encoding, layer normalisation, the feed-forward block and a whole post-norm encoder layer.

Weights are multiplied on the right, as in the attention exercise: x W with W of shape
(in, out).

Conventions for every function here (course-wide):

- Inputs are ``torch.Tensor`` of dtype float32 or float64 (key masks are bool). Return tensors
  of the input's dtype on the input's device (NumPy arrays are accepted too).
- Never modify an input in place (nothing inside the params dict either): the grader checks.
- Forbidden in every function of this module, in every spelling:
  ``torch.nn.functional.layer_norm``, ``torch.layer_norm``, ``torch.native_layer_norm``,
  ``torch.nn.LayerNorm``; ``torch.nn.Transformer``, ``torch.nn.TransformerEncoderLayer`` and the
  other Transformer modules (``torch.nn.modules.transformer``) and their methods;
  ``torch.nn.MultiheadAttention``, ``torch.nn.functional.multi_head_attention_forward``,
  ``torch.nn.functional.scaled_dot_product_attention`` (also ``torch._C._nn``'s),
  ``torch._transformer_encoder_layer_fwd`` and ``torch._native_multi_head_attention``. A
  function that uses one, or calls a helper of yours that does, gets zero points. Your own
  ``layer_norm`` called from ``encoder_layer`` is of course fine, and so are ``torch.softmax``,
  ``torch.nn.functional.linear``, ``torch.relu``, matrix products and loops.
- This module must not import another exercise module: write what you need here.

Check your work with ``mlgrade check transformer``.
"""

from __future__ import annotations

import torch


def positional_encoding(length: int, d_model: int) -> torch.Tensor:
    """The sinusoidal absolute positional encoding PE of shape (length, d_model):

        PE[p, j] = sin(p / 10000^(2⌊j/2⌋ / d_model))   for even j
        PE[p, j] = cos(p / 10000^(2⌊j/2⌋ / d_model))   for odd j (the same angle as column j - 1)

    for p = 0 … length - 1. Columns 2i and 2i + 1 are the sine and the cosine of one angle,
    whose frequency falls with i. For odd d_model the last column (even j = d_model - 1) is a
    sine with exponent (d_model - 1) / d_model.

    Returns:
        A float tensor (float32 or float64) of shape (length, d_model). The grader compares
        with an absolute tolerance of 1e-4 (positions up to 128), which float32 arithmetic meets.

    Raises:
        ValueError: when length < 1 or d_model < 1.

    Example: positional_encoding(2, 4) = [[0, 1, 0, 1], [sin 1, cos 1, sin 0.01, cos 0.01]]
    (columns 2 and 3 use 10000^(2/4) = 100).
    """
    raise NotImplementedError("transformer.positional_encoding: sin and cos of p / 10000^(2⌊j/2⌋ / d_model)")


def layer_norm(
    x: torch.Tensor, gamma: torch.Tensor | None, beta: torch.Tensor | None, eps: float = 1e-5
) -> torch.Tensor:
    """Layer normalisation over the last axis, as ``torch.nn.functional.layer_norm(x, (D,),
    gamma, beta, eps)`` (which is forbidden here):

        μ = mean of the row,  σ² = mean of (x - μ)² (the biased variance: divide by D)
        out = (x - μ) / √(σ² + eps) · gamma + beta

    Args:
        x: shape (..., D): every row (every index of the leading axes) is normalised alone.
        gamma: shape (D,), or None for ones. beta: shape (D,), or None for zeros.
        eps: added to the variance under the root.

    Returns:
        The shape of x. With D = 1 every row is its own mean, so the result is beta (or 0);
        a constant row gives beta too.

    Example: layer_norm(tensor([[1., 3.]]), None, None) = [[-1, 1]] / √(1 + 1e-5).
    """
    raise NotImplementedError("transformer.layer_norm: subtract the row mean, divide by √(var + eps), scale, shift")


def feed_forward(
    x: torch.Tensor, W1: torch.Tensor, b1: torch.Tensor, W2: torch.Tensor, b2: torch.Tensor
) -> torch.Tensor:
    """The position-wise feed-forward block: relu(x W1 + b1) W2 + b2.

    Args:
        x: shape (..., E). W1: shape (E, F). b1: shape (F,). W2: shape (F, E). b2: shape (E,).

    Returns:
        The shape of x.

    Example: x = [[1, 2]], W1 = [[1, 0], [-1, 1]], b1 = [0, 0.5], W2 = [[1, 0], [2, 1]],
    b2 = [0.25, -1]: relu([1 - 2, 0 + 2 + 0.5]) = [0, 2.5], times W2 plus b2 gives [[5.25, 1.5]].
    """
    raise NotImplementedError("transformer.feed_forward: compute relu(x W1 + b1) W2 + b2")


def encoder_layer(
    x: torch.Tensor,
    params: dict[str, torch.Tensor],
    num_heads: int,
    key_mask: torch.Tensor | None = None,
    causal: bool = False,
    eps: float = 1e-5,
) -> torch.Tensor:
    """One post-norm Transformer encoder layer, equal to ``torch.nn.TransformerEncoderLayer(E,
    num_heads, dim_feedforward=F, dropout=0.0, activation="relu", layer_norm_eps=eps,
    batch_first=True, norm_first=False)`` with the same weights (forbidden here):

        h   = layer_norm(x + MHA(x), gamma1, beta1, eps)
        out = layer_norm(h + feed_forward(h, W1, b1, W2, b2), gamma2, beta2, eps)

    MHA is multi-head self-attention with biases: Q = x W_q + b_q, K = x W_k + b_k,
    V = x W_v + b_v; head h takes the contiguous columns h·E/num_heads … (h+1)·E/num_heads - 1
    of each; each head computes softmax(Q_h K_hᵀ / √(E/num_heads)) V_h over the keys it may
    attend to; the heads are concatenated in order and mapped by · W_o + b_o.

    Args:
        x: shape (B, L, E).
        params: exactly these sixteen tensors (extra keys are ignored): "W_q", "W_k", "W_v",
            "W_o" (E, E); "b_q", "b_k", "b_v", "b_o" (E,); "W1" (E, F), "b1" (F,), "W2" (F, E),
            "b2" (E,); "gamma1", "beta1", "gamma2", "beta2" (E,). Biases are always present
            (zeros for a layer without them). In torch's terms: in_proj_weight =
            cat([W_qᵀ, W_kᵀ, W_vᵀ]), out_proj.weight = W_oᵀ, linear1.weight = W1ᵀ, and so on.
        num_heads: divides E.
        key_mask: shape (B, L), bool, or None: True marks a real token that may be attended
            to, False a padding position that no query attends to (the same sense as the mask
            of ``pad_sequences``; it is the negation of torch's ``src_key_padding_mask``).
            Queries at padding positions are computed like any other.
        causal: position i attends only to positions j <= i. Given both, a key must be allowed
            by both; no query is ever left without an allowed key.
        eps: the layer norms' eps.

    Returns:
        shape (B, L, E).

    Raises:
        ValueError: when num_heads does not divide E.

    Example: with every weight and bias zero, gamma = 1 and beta = 0, the attention and the
    feed-forward block add nothing, and the layer is layer_norm(layer_norm(x)).
    """
    raise NotImplementedError("transformer.encoder_layer: attention, add and norm; feed-forward, add and norm")
