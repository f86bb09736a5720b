"""Every product with einsum, the batch index spelt out; lstm_forward over the whole
sequence's input projection at once."""

import torch

BREAKS = set()


def lstm_step(x, h, c, W_ih, W_hh, b_ih, b_hh):
    H = h.shape[1]
    a = torch.einsum("nd,gd->ng", x, W_ih) + torch.einsum("nk,gk->ng", h, W_hh) + (b_ih + b_hh)
    i, f = torch.sigmoid(a[:, :H]), torch.sigmoid(a[:, H : 2 * H])
    g, o = torch.tanh(a[:, 2 * H : 3 * H]), torch.sigmoid(a[:, 3 * H :])
    c_next = f * c + i * g
    return o * torch.tanh(c_next), c_next


def lstm_forward(xs, h0, c0, W_ih, W_hh, b_ih, b_hh):
    H = h0.shape[1]
    projected = torch.einsum("tnd,gd->tng", xs, W_ih) + b_ih
    h, c = h0, c0
    hs = []
    for t in range(xs.shape[0]):
        a = projected[t] + torch.einsum("nk,gk->ng", h, W_hh) + b_hh
        i, f, g, o = (a[:, k * H : (k + 1) * H] for k in range(4))
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        hs.append(h)
    return torch.stack(hs), (h, c)


def gru_step(x, h, W_ih, W_hh, b_ih, b_hh):
    gi = torch.einsum("nd,gd->ng", x, W_ih) + b_ih
    gh = torch.einsum("nk,gk->ng", h, W_hh) + b_hh
    H = h.shape[1]
    r = torch.sigmoid(gi[:, :H] + gh[:, :H])
    z = torch.sigmoid(gi[:, H : 2 * H] + gh[:, H : 2 * H])
    n = torch.tanh(gi[:, 2 * H :] + r * gh[:, 2 * H :])
    return (1 - z) * n + z * h


def rnn_step(x, h, W_ih, W_hh, b_ih, b_hh):
    return torch.tanh(torch.einsum("nd,hd->nh", x, W_ih) + torch.einsum("nk,hk->nh", h, W_hh) + b_ih + b_hh)
