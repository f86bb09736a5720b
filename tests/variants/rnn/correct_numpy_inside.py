"""Everything in NumPy: the tensors converted on the way in, NumPy arrays returned."""

import numpy as np

BREAKS = set()


def _np(t):
    return None if t is None else t.detach().cpu().numpy()


def _forward(xs, h0, W_ih, W_hh, b_ih, b_hh):
    h = np.zeros((xs.shape[1], W_hh.shape[0]), dtype=xs.dtype) if h0 is None else h0
    hs = np.empty((xs.shape[0], xs.shape[1], W_hh.shape[0]), dtype=xs.dtype)
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
        hs[t] = h
    return hs


def rnn_forward(xs, h0, W_ih, W_hh, b_ih, b_hh):
    hs = _forward(*(_np(a) for a in (xs, h0, W_ih, W_hh, b_ih, b_hh)))
    return hs, hs[-1]


def rnn_bptt(xs, h0, W_ih, W_hh, b_ih, b_hh, dhs):
    xs, h0, W_ih, W_hh, b_ih, b_hh, dhs = (_np(a) for a in (xs, h0, W_ih, W_hh, b_ih, b_hh, dhs))
    if h0 is None:
        h0 = np.zeros((xs.shape[1], W_hh.shape[0]), dtype=xs.dtype)
    hs = _forward(xs, h0, W_ih, W_hh, b_ih, b_hh)
    prev = np.concatenate([h0[None], hs[:-1]])
    da = np.zeros_like(hs)
    carry = np.zeros_like(h0)
    for t in range(xs.shape[0] - 1, -1, -1):
        da[t] = (dhs[t] + carry @ W_hh) * (1 - hs[t] ** 2)
        carry = da[t]
    db = da.sum(axis=(0, 1))
    return {
        "xs": da @ W_ih,
        "h0": da[0] @ W_hh,
        "W_ih": np.einsum("tnh,tnd->hd", da, xs),
        "W_hh": np.einsum("tnh,tnk->hk", da, prev),
        "b_ih": db,
        "b_hh": db.copy(),
    }


def pad_sequences(seqs, padding="pre", value=0.0):
    if padding not in ("pre", "post"):
        raise ValueError(f"unknown padding {padding!r}")
    arrays = [_np(s) for s in seqs]
    T = max(len(a) for a in arrays)
    padded = np.full((T, len(arrays), *arrays[0].shape[1:]), value, dtype=arrays[0].dtype)
    mask = np.zeros((T, len(arrays)), dtype=bool)
    for b, a in enumerate(arrays):
        rows = slice(T - len(a), T) if padding == "pre" else slice(0, len(a))
        padded[rows, b] = a
        mask[rows, b] = True
    return padded, mask


def birnn_forward(xs, h0, params):
    p = {k: _np(v) for k, v in params.items()}
    xs, h0 = _np(xs), _np(h0)
    fwd = _forward(xs, None if h0 is None else h0[0], p["W_ih"], p["W_hh"], p["b_ih"], p["b_hh"])
    r = [p[k + "_reverse"] for k in ("W_ih", "W_hh", "b_ih", "b_hh")]
    bwd = _forward(xs[::-1], None if h0 is None else h0[1], *r)[::-1]
    return np.concatenate([fwd, bwd], axis=-1), np.stack([fwd[-1], bwd[0]])


def sentence_encoding(hs, mask, method="last"):
    hs, mask = _np(hs), _np(mask)
    if method == "last":
        T = mask.shape[0]
        last = T - 1 - np.argmax(mask[::-1], axis=0)  # the first True seen from the end
        return hs[last, np.arange(hs.shape[1])]
    if method == "mean":
        return np.stack([hs[mask[:, i], i].mean(axis=0) for i in range(hs.shape[1])])
    raise ValueError(f"unknown method {method!r}")
