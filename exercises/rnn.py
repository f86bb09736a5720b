"""Exercise: recurrent networks over whole sequences: a tanh RNN's forward pass and its
backpropagation through time (BPTT), padding a batch of sequences of different lengths, a
bidirectional RNN, and sentence vectors from the word states.

A single-layer tanh RNN in PyTorch's weight layout (as ``rnn_step`` in the lstm exercise):

    h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh)

with W_ih of shape (H, d) (one row per hidden unit), W_hh (H, H), b_ih and b_hh (H,).

Conventions for every function here (course-wide):

- Sequences are time first: xs has shape (T, n, d), T time steps of a batch of n sequences
  of d features, as ``torch.nn.RNN`` with ``batch_first=False``. Column i of the batch is one
  sequence and depends on nothing else.
- Inputs are ``torch.Tensor`` of dtype float32 or float64 (token ids are int64). Return
  tensors of the input's dtype on the input's device (NumPy arrays are accepted too).
- Never modify an input in place (no ``h += ...``, no ``xs[t] = ...``, nothing inside a list
  or dict argument either): the grader checks.
- Forbidden in every function of this module, in every spelling: the recurrent modules
  ``torch.nn.RNN``, ``torch.nn.RNNCell``, ``torch.nn.LSTM``, ``torch.nn.LSTMCell``,
  ``torch.nn.GRU``, ``torch.nn.GRUCell``; the functions behind them ``torch.rnn_tanh``,
  ``torch.rnn_tanh_cell``, ``torch.rnn_relu``, ``torch.rnn_relu_cell``, ``torch.lstm``,
  ``torch.lstm_cell``, ``torch.gru``, ``torch.gru_cell`` and anything from ``torch._VF``; and
  everything in ``torch.nn.utils.rnn`` (``pad_sequence``, ``pack_padded_sequence``,
  ``pack_sequence``, ``unpad_sequence``, ...). In ``rnn_bptt`` autograd is forbidden too:
  ``Tensor.backward``, ``torch.autograd``, ``torch.func``, ``requires_grad`` /
  ``requires_grad_`` and ``retain_grad``. A function that uses one, or calls a helper of
  yours that does, gets zero points. ``torch.tanh``, matrix products, ``flip``, ``stack``,
  ``cat`` and Python loops are fair tools.
- This module must not import another exercise module: write what you need here (your own
  one-step helper is fine).

Check your work with ``mlgrade check rnn``.
"""

from __future__ import annotations

import torch


def rnn_forward(
    xs: torch.Tensor,
    h0: torch.Tensor | None,
    W_ih: torch.Tensor,
    W_hh: torch.Tensor,
    b_ih: torch.Tensor,
    b_hh: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """A tanh RNN over a whole sequence, as ``torch.nn.RNN(d, H, nonlinearity="tanh")`` with
    weight_ih_l0 = W_ih, weight_hh_l0 = W_hh, bias_ih_l0 = b_ih, bias_hh_l0 = b_hh.

    Starting from h_0 = h0 (zeros of shape (n, H) when h0 is None), for t = 1 … T:

        h_t = tanh(xs[t - 1] W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh)

    Args:
        xs: shape (T, n, d), T >= 1, time first.
        h0: shape (n, H), or None for zeros.
        W_ih: shape (H, d). W_hh: shape (H, H). b_ih, b_hh: shape (H,). The same at every step.

    Returns:
        (hs, h_T): hs of shape (T, n, H) holds h_1 … h_T (hs[t] is the state after reading
        xs[t]; h0 itself is not part of it), and h_T = hs[T - 1], shape (n, H). Every entry
        lies in (-1, 1).

    Example: d = H = n = 1, W_ih = W_hh = [[1]], b_ih = [0.5], b_hh = [-0.5], h0 None and
    xs = [[[1]], [[-1]]] give hs = [[[tanh(1)]], [[tanh(-1 + tanh(1))]]].
    """
    raise NotImplementedError("rnn.rnn_forward: apply h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh) over time")


def rnn_bptt(
    xs: torch.Tensor,
    h0: torch.Tensor | None,
    W_ih: torch.Tensor,
    W_hh: torch.Tensor,
    b_ih: torch.Tensor,
    b_hh: torch.Tensor,
    dhs: torch.Tensor,
) -> dict[str, torch.Tensor]:
    """Backpropagation through time: the gradients of E = Σ_t Σ dhs[t] ⊙ hs[t], where hs is
    what ``rnn_forward(xs, h0, W_ih, W_hh, b_ih, b_hh)`` returns.

    dhs[t] is the upstream gradient ∂E/∂hs[t] (for a loss on the last state only, dhs is zero
    except at T - 1). Run the forward pass first, keeping the states; write s_t = hs[t] and
    s_{-1} = h0 (the zeros when h0 is None). Then, going backwards from t = T - 1 to 0, with
    da_T = 0 (nothing flows into the last state from later steps):

        g_t  = dhs[t] + da_{t+1} W_hh        the gradient reaching s_t: its own, and through s_{t+1}
        da_t = g_t ⊙ (1 - s_t²)              through tanh (tanh' = 1 - tanh²)

        ∂E/∂W_hh = Σ_t da_tᵀ s_{t-1}         ∂E/∂W_ih = Σ_t da_tᵀ xs[t]
        ∂E/∂b_ih = ∂E/∂b_hh = Σ_t (da_t summed over the rows)
        ∂E/∂xs[t] = da_t W_ih                ∂E/∂h0 = da_0 W_hh

    Forgetting the term da_{t+1} W_hh (no gradient through time) is the classic bug: the
    gradients are then right only for T = 1.

    Args:
        xs, h0, W_ih, W_hh, b_ih, b_hh: as in ``rnn_forward``.
        dhs: shape (T, n, H).

    Returns:
        A dict with the keys "xs" (T, n, d), "h0" (n, H) (with h0 None: the gradient at the
        zeros used), "W_ih" (H, d), "W_hh" (H, H), "b_ih" (H,) and "b_hh" (H,). Extra keys are
        ignored.

    Example: T = n = d = H = 1, W_ih = [[1]], W_hh = [[2]], zero biases, h0 = [[0.25]],
    xs = [[[0.5]]] and dhs = [[[1]]]: s_0 = tanh(1) and da_0 = k = 1 - tanh(1)², so
    "xs" = [[[k]]], "h0" = [[2k]], "W_ih" = [[0.5k]], "W_hh" = [[0.25k]], "b_ih" = "b_hh" = [k].
    Autograd is forbidden here.
    """
    raise NotImplementedError("rnn.rnn_bptt: run the forward, then walk back in time accumulating the gradients")


def pad_sequences(
    seqs: list[torch.Tensor], padding: str = "pre", value: float = 0.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """A batch from a list of sequences of different lengths, time first, and its mask.

    Args:
        seqs: a list of B >= 1 tensors of shapes (L_i, *), every L_i >= 1, all with the same
            trailing shape * (possibly none: 1-D int64 token ids) and the same dtype.
        padding: "pre" puts the fill value before each shorter sequence, so that its last
            element lands at step T - 1 (Keras's default, and the better choice for an RNN
            that reads left to right: the last state follows the last real word); "post" puts
            it after (``torch.nn.utils.rnn.pad_sequence``'s way, which is forbidden here).
        value: the fill value.

    Returns:
        (padded, mask): padded of shape (T, B, *) with T = max L_i, of the sequences' dtype,
        column b holding seqs[b] in order and the fill value elsewhere; mask of shape (T, B)
        and dtype torch.bool, True exactly where padded[t, b] is a real element.

    Raises:
        ValueError: when padding is neither "pre" nor "post".

    Example: seqs = [tensor([1, 2, 3]), tensor([4])] gives with "pre"
    padded = [[1, 0], [2, 0], [3, 4]] and mask = [[True, False], [True, False], [True, True]];
    with "post", padded = [[1, 4], [2, 0], [3, 0]].
    """
    raise NotImplementedError("rnn.pad_sequences: place each sequence in column b of a (T, B, *) tensor and mask it")


def birnn_forward(
    xs: torch.Tensor, h0: torch.Tensor | None, params: dict[str, torch.Tensor]
) -> tuple[torch.Tensor, torch.Tensor]:
    """A bidirectional tanh RNN, as ``torch.nn.RNN(d, H, bidirectional=True)``.

    params holds "W_ih", "W_hh", "b_ih", "b_hh" (the forward direction, torch's ``*_l0``) and
    "W_ih_reverse", "W_hh_reverse", "b_ih_reverse", "b_hh_reverse" (the backward direction,
    torch's ``*_l0_reverse``), shaped as in ``rnn_forward``; extra keys are ignored.

    The forward direction reads xs[0], xs[1], …, xs[T-1] starting from h0[0]; the backward
    direction, with its own weights, reads xs[T-1], …, xs[0] starting from h0[1] (zeros for
    both when h0 is None). Then

        out[t] = [forward state after xs[t], backward state after xs[t]]

    concatenated on the last axis, forward first: the backward state at t has read
    xs[T-1] … xs[t], so the backward states must be put back in time order before they are
    concatenated. h_n holds each direction's last state: h_n[0] = out[T-1, :, :H] and
    h_n[1] = out[0, :, H:] (the backward direction ends at t = 0).

    Args:
        xs: shape (T, n, d). h0: shape (2, n, H), or None.
        params: the eight weights above.

    Returns:
        (out, h_n): out of shape (T, n, 2H), h_n of shape (2, n, H).

    Example: T = 2, d = H = n = 1, xs = [[[0.5]], [[-1]]], forward W_ih = [[1]], W_hh = [[0]],
    backward W_ih = [[2]], W_hh = [[1]], zero biases, h0 None: the backward direction computes
    b_1 = tanh(2 · -1) first, then b_0 = tanh(2 · 0.5 + b_1); out = [[[tanh(0.5), b_0]],
    [[tanh(-1), b_1]]] and h_n = [[[tanh(-1)]], [[b_0]]].
    """
    raise NotImplementedError("rnn.birnn_forward: run each direction, realign the backward one, concatenate")


def sentence_encoding(hs: torch.Tensor, mask: torch.Tensor, method: str = "last") -> torch.Tensor:
    """One vector per sentence from its word states, ignoring padding.

    Args:
        hs: shape (T, n, H), the states of an RNN over a padded batch.
        mask: shape (T, n), bool: True where step t of sequence i is a real word (as
            ``pad_sequences`` returns it). Every column has at least one True; the True entries
            need not be contiguous, and the padding may be before or after.
        method: "last": for each column i, hs[t, i] at the largest t with mask[t, i] True (the
            last real word: T - 1 for pre-padded sequences, L_i - 1 for post-padded ones, so
            never simply hs[-1]); "mean": the mean of hs[t, i] over the t with mask[t, i] True
            (padding excluded from both the sum and the count).

    Returns:
        shape (n, H).

    Raises:
        ValueError: when method is neither "last" nor "mean".

    Example: hs[t, i] = [2t + i] for T = 3, n = 2 and mask = [[True, True], [False, True],
    [True, False]]: "last" gives [[4], [3]], "mean" gives [[2], [2]].
    """
    raise NotImplementedError("rnn.sentence_encoding: pick the last real state, or average the real states")
