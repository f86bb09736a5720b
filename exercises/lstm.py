"""Exercise: recurrent cells: an LSTM step and a whole LSTM sequence, a GRU step, a plain RNN step.

Every function follows PyTorch's layouts and gate orders, so that it equals the matching
``torch.nn`` cell (``LSTMCell``, ``LSTM``, ``GRUCell``, ``RNNCell``) given the same weights.

Conventions for every function here (course-wide):

- Inputs are ``torch.Tensor`` of dtype float32 or float64; rows are samples. x has shape
  (n, d) (n samples of d features), the hidden state h and the LSTM's cell state c have shape
  (n, H). A cell with G gates has the weights W_ih (G·H, d) and W_hh (G·H, H) and the biases
  b_ih and b_hh (G·H,): rows 0 … H − 1 belong to the first gate, rows H … 2H − 1 to the
  second, and so on (``W_ih.chunk(G)``). Every gate's pre-activation uses both biases:
  x W_ihᵀ + b_ih + h W_hhᵀ + b_hh.
- Return tensors of the input's dtype on the input's device (NumPy arrays are accepted too).
- Each row of the batch is an independent sequence: row i of a result depends on row i of
  the inputs only.
- Never modify an input in place (no ``h += ...``, no ``c.mul_(...)``): the grader checks.
- Forbidden in every function of this module, in every spelling: the recurrent modules
  ``torch.nn.LSTM``, ``torch.nn.LSTMCell``, ``torch.nn.GRU``, ``torch.nn.GRUCell``,
  ``torch.nn.RNN``, ``torch.nn.RNNCell``, and the functions behind them ``torch.lstm``,
  ``torch.lstm_cell``, ``torch.gru``, ``torch.gru_cell``, ``torch.rnn_tanh``,
  ``torch.rnn_tanh_cell``, ``torch.rnn_relu``, ``torch.rnn_relu_cell`` and anything from
  ``torch._VF``. A function that uses one, or calls a helper of yours that does, gets zero
  points. ``torch.sigmoid``, ``torch.tanh``, matrix products, ``chunk`` and loops are fair.

Check your work with ``mlgrade check lstm``.
"""

from __future__ import annotations

import torch


def lstm_step(
    x: torch.Tensor,
    h: torch.Tensor,
    c: torch.Tensor,
    W_ih: torch.Tensor,
    W_hh: torch.Tensor,
    b_ih: torch.Tensor,
    b_hh: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One step of an LSTM cell, as ``torch.nn.LSTMCell``.

    The pre-activations of the four gates, side by side in PyTorch's order input, forget,
    cell candidate, output (i, f, g, o; this is not the i, f, o, g of some textbooks):

        a = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh          shape (n, 4H)
        a_i, a_f, a_g, a_o = the four column blocks of a, H columns each, in this order
        i = sigmoid(a_i)    f = sigmoid(a_f)    g = tanh(a_g)    o = sigmoid(a_o)

        c_next = f * c + i * g
        h_next = o * tanh(c_next)

    (* is elementwise.) A forget gate saturated open (f = 1) with the input gate shut (i = 0)
    carries the cell state through unchanged: c_next = c.

    Args:
        x: shape (n, d), the input.
        h: shape (n, H), the hidden state.
        c: shape (n, H), the cell state.
        W_ih: shape (4H, d). W_hh: shape (4H, H). b_ih, b_hh: shape (4H,).

    Returns:
        (h_next, c_next), both of shape (n, H). Every entry of h_next lies in (-1, 1).

    Example: with all weights and biases zero every gate is sigmoid(0) = 0.5 and g = 0, so
    c_next = 0.5 * c and h_next = 0.5 * tanh(0.5 * c).
    """
    raise NotImplementedError("lstm.lstm_step: compute the gates i, f, g, o, then c_next and h_next")


def lstm_forward(
    xs: torch.Tensor,
    h0: torch.Tensor,
    c0: torch.Tensor,
    W_ih: torch.Tensor,
    W_hh: torch.Tensor,
    b_ih: torch.Tensor,
    b_hh: torch.Tensor,
) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
    """An LSTM over a whole sequence, as a one-layer ``torch.nn.LSTM`` (not batch-first).

    Starting from (h_0, c_0) = (h0, c0), for t = 1 … T:

        (h_t, c_t) = lstm_step(xs[t - 1], h_{t-1}, c_{t-1}, W_ih, W_hh, b_ih, b_hh)

    Args:
        xs: shape (T, n, d), T >= 1: the inputs of the T time steps, time first.
        h0, c0: shape (n, H), the initial states.
        W_ih: shape (4H, d). W_hh: shape (4H, H). b_ih, b_hh: shape (4H,). The same weights
            at every step.

    Returns:
        (hs, (h_T, c_T)): hs of shape (T, n, H) holds h_1 … h_T (hs[t - 1] = h_t; the
        initial h0 is not part of it, so hs[-1] equals h_T); h_T and c_T, shape (n, H), are
        the states after the last step. With T = 1 this is one ``lstm_step``.
    """
    raise NotImplementedError("lstm.lstm_forward: apply lstm_step at each time step and stack the hidden states")


def gru_step(
    x: torch.Tensor,
    h: torch.Tensor,
    W_ih: torch.Tensor,
    W_hh: torch.Tensor,
    b_ih: torch.Tensor,
    b_hh: torch.Tensor,
) -> torch.Tensor:
    """One step of a GRU cell, exactly as ``torch.nn.GRUCell``.

    Three gates, in PyTorch's order reset, update, new (r, z, n). The input and hidden parts
    are kept apart, because the reset gate multiplies only the hidden part of n:

        a = x W_ihᵀ + b_ih,   a_r, a_z, a_n = its three column blocks (H columns each)
        b = h W_hhᵀ + b_hh,   b_r, b_z, b_n = its three column blocks

        r = sigmoid(a_r + b_r)
        z = sigmoid(a_z + b_z)
        n = tanh(a_n + r * b_n)          r multiplies (W_hn h + b_hn), after the product
        h_next = (1 - z) * n + z * h

    Two differences from the textbook GRU (Cho et al., and many course notes), which writes
    h_t = (1 - z_t) * h_{t-1} + z_t * ĥ_t:

    - the roles of z and 1 - z are swapped: in PyTorch z is the share of the *old* state
      kept (z = 1 copies h through), in the textbook the share of the *new* candidate;
    - the textbook candidate ĥ_t = tanh(W x + U (r * h) + b) resets h before the matrix
      product; PyTorch resets after it, r * (W_hn h + b_hn), which differs whenever
      b_hn is not zero.

    Args:
        x: shape (n, d). h: shape (n, H).
        W_ih: shape (3H, d). W_hh: shape (3H, H). b_ih, b_hh: shape (3H,).

    Returns:
        h_next: shape (n, H), every entry in (-1, 1) when those of h are.

    Example: with zero weights, b_ih = 0 and b_hh = 0 except a large positive update bias
    (z = 1), h_next = h.
    """
    raise NotImplementedError("lstm.gru_step: compute r, z and n in PyTorch's order, then h_next")


def rnn_step(
    x: torch.Tensor,
    h: torch.Tensor,
    W_ih: torch.Tensor,
    W_hh: torch.Tensor,
    b_ih: torch.Tensor,
    b_hh: torch.Tensor,
) -> torch.Tensor:
    """One step of a plain (Elman) RNN cell, as ``torch.nn.RNNCell`` with its default tanh:

        h_next = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)

    Mind the transposes: W_ih has one row per hidden unit, so x (n, d) meets W_ihᵀ (d, H).

    Args:
        x: shape (n, d). h: shape (n, H).
        W_ih: shape (H, d). W_hh: shape (H, H). b_ih, b_hh: shape (H,).

    Returns:
        h_next: shape (n, H), every entry in (-1, 1).

    Example: d = H = 1, W_ih = [[1]], W_hh = [[0]], b_ih = b_hh = [0], x = [[0.5]] gives
    [[tanh(0.5)]].
    """
    raise NotImplementedError("lstm.rnn_step: compute tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)")
