"""lstm_step through torch.nn.LSTMCell with the weights copied in: forbidden."""

import torch

BREAKS = {"lstm_step", "lstm_forward"}


def lstm_step(x, h, c, W_ih, W_hh, b_ih, b_hh):
    cell = torch.nn.LSTMCell(x.shape[1], h.shape[1], dtype=x.dtype, device=x.device)
    with torch.no_grad():
        cell.weight_ih.copy_(W_ih)
        cell.weight_hh.copy_(W_hh)
        cell.bias_ih.copy_(b_ih)
        cell.bias_hh.copy_(b_hh)
        return cell(x, (h, c))


def lstm_forward(xs, h0, c0, W_ih, W_hh, b_ih, b_hh):
    h, c = h0, c0
    hs = []
    for x in xs:
        h, c = lstm_step(x, h, c, W_ih, W_hh, b_ih, b_hh)
        hs.append(h)
    return torch.stack(hs), (h, c)


def gru_step(x, h, W_ih, W_hh, b_ih, b_hh):
    a_r, a_z, a_n = (x @ W_ih.T + b_ih).chunk(3, dim=1)
    b_r, b_z, b_n = (h @ W_hh.T + b_hh).chunk(3, dim=1)
    r = torch.sigmoid(a_r + b_r)
    z = torch.sigmoid(a_z + b_z)
    n = torch.tanh(a_n + r * b_n)
    return (1 - z) * n + z * h


def rnn_step(x, h, W_ih, W_hh, b_ih, b_hh):
    return torch.tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
