"""One matrix product per step on the concatenated [x, h] and [W_ih | W_hh]; the GRU's new
gate keeps its hidden part apart, as it must."""

import torch

BREAKS = set()


def _affine(x, h, W_ih, W_hh, b_ih, b_hh):
    return torch.cat([x, h], dim=1) @ torch.cat([W_ih, W_hh], dim=1).T + (b_ih + b_hh)


def lstm_step(x, h, c, W_ih, W_hh, b_ih, b_hh):
    i, f, g, o = _affine(x, h, W_ih, W_hh, b_ih, b_hh).chunk(4, dim=1)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_next), c_next


def lstm_forward(xs, h0, c0, W_ih, W_hh, b_ih, b_hh):
    states = [(h0, c0)]
    for x in xs.unbind(0):
        states.append(lstm_step(x, *states[-1], W_ih, W_hh, b_ih, b_hh))
    hs = torch.stack([h for h, _ in states[1:]])
    return hs, states[-1]


def gru_step(x, h, W_ih, W_hh, b_ih, b_hh):
    H = h.shape[1]
    rz = torch.sigmoid(_affine(x, h, W_ih[: 2 * H], W_hh[: 2 * H], b_ih[: 2 * H], b_hh[: 2 * H]))
    r, z = rz[:, :H], rz[:, H:]
    n = torch.tanh(x @ W_ih[2 * H :].T + b_ih[2 * H :] + r * (h @ W_hh[2 * H :].T + b_hh[2 * H :]))
    return torch.lerp(n, h, z)


def rnn_step(x, h, W_ih, W_hh, b_ih, b_hh):
    return torch.tanh(_affine(x, h, W_ih, W_hh, b_ih, b_hh))
