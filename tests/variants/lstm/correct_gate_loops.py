"""Gate by gate: each gate's weights taken with chunk and applied in a loop over the gates;
lstm_forward fills a preallocated hs."""

import torch

BREAKS = set()


def _gates(x, h, W_ih, W_hh, b_ih, b_hh, count):
    pre = []
    for w_i, w_h, bi, bh in zip(
        W_ih.chunk(count), W_hh.chunk(count), b_ih.chunk(count), b_hh.chunk(count), strict=True
    ):
        pre.append(torch.matmul(x, w_i.t()) + bi + torch.matmul(h, w_h.t()) + bh)
    return pre


def lstm_step(x, h, c, W_ih, W_hh, b_ih, b_hh):
    a_i, a_f, a_g, a_o = _gates(x, h, W_ih, W_hh, b_ih, b_hh, 4)
    i = 1 / (1 + torch.exp(-a_i))
    f = 1 / (1 + torch.exp(-a_f))
    g = torch.tanh(a_g)
    o = 1 / (1 + torch.exp(-a_o))
    c_next = f * c + i * g
    return o * torch.tanh(c_next), c_next


def lstm_forward(xs, h0, c0, W_ih, W_hh, b_ih, b_hh):
    hs = torch.zeros(xs.shape[0], *h0.shape, dtype=xs.dtype, device=xs.device)
    h, c = h0, c0
    for t in range(xs.shape[0]):
        h, c = lstm_step(xs[t], h, c, W_ih, W_hh, b_ih, b_hh)
        hs[t] = h
    return hs, (h, c)


def gru_step(x, h, W_ih, W_hh, b_ih, b_hh):
    H = h.shape[1]
    W_ir, W_iz, W_in = W_ih.chunk(3)
    W_hr, W_hz, W_hn = W_hh.chunk(3)
    r = torch.sigmoid(x @ W_ir.T + b_ih[:H] + h @ W_hr.T + b_hh[:H])
    z = torch.sigmoid(x @ W_iz.T + b_ih[H : 2 * H] + h @ W_hz.T + b_hh[H : 2 * H])
    n = torch.tanh(x @ W_in.T + b_ih[2 * H :] + r * (h @ W_hn.T + b_hh[2 * H :]))
    return n + z * (h - n)


def rnn_step(x, h, W_ih, W_hh, b_ih, b_hh):
    (pre,) = _gates(x, h, W_ih, W_hh, b_ih, b_hh, 1)
    return torch.tanh(pre)
