"""rnn_bptt takes tanh' at the previous state s_{t-1} instead of s_t (an off-by-one in time)."""

import torch

BREAKS = {"rnn_bptt"}


def rnn_forward(xs, h0, W_ih, W_hh, b_ih, b_hh):
    h = torch.zeros(xs.shape[1], W_hh.shape[0], dtype=xs.dtype, device=xs.device) if h0 is None else h0
    hs = []
    for x in xs:
        h = torch.tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
        hs.append(h)
    return torch.stack(hs), h


def rnn_bptt(xs, h0, W_ih, W_hh, b_ih, b_hh, dhs):
    if h0 is None:
        h0 = torch.zeros(xs.shape[1], W_hh.shape[0], dtype=xs.dtype, device=xs.device)
    hs, _ = rnn_forward(xs, h0, W_ih, W_hh, b_ih, b_hh)
    dxs = torch.zeros_like(xs)
    dW_ih, dW_hh, db = torch.zeros_like(W_ih), torch.zeros_like(W_hh), torch.zeros_like(b_ih)
    da_next = torch.zeros_like(h0)
    for t in reversed(range(xs.shape[0])):
        prev = h0 if t == 0 else hs[t - 1]
        g = dhs[t] + da_next @ W_hh
        da = g * (1 - prev**2)
        dW_ih = dW_ih + da.T @ xs[t]
        dW_hh = dW_hh + da.T @ prev
        db = db + da.sum(dim=0)
        dxs[t] = da @ W_ih
        da_next = da
    return {"xs": dxs, "h0": da_next @ W_hh, "W_ih": dW_ih, "W_hh": dW_hh, "b_ih": db, "b_hh": db}


def pad_sequences(seqs, padding="pre", value=0.0):
    if padding not in ("pre", "post"):
        raise ValueError("padding must be 'pre' or 'post'")
    T = max(len(s) for s in seqs)
    padded = torch.full((T, len(seqs), *seqs[0].shape[1:]), value, dtype=seqs[0].dtype, device=seqs[0].device)
    mask = torch.zeros(T, len(seqs), dtype=torch.bool, device=seqs[0].device)
    for b, s in enumerate(seqs):
        start = T - len(s) if padding == "pre" else 0
        padded[start : start + len(s), b] = s
        mask[start : start + len(s), b] = True
    return padded, mask


def birnn_forward(xs, h0, params):
    h0_f, h0_b = (None, None) if h0 is None else (h0[0], h0[1])
    fwd, _ = rnn_forward(xs, h0_f, params["W_ih"], params["W_hh"], params["b_ih"], params["b_hh"])
    bwd, _ = rnn_forward(
        xs.flip(0), h0_b, params["W_ih_reverse"], params["W_hh_reverse"], params["b_ih_reverse"], params["b_hh_reverse"]
    )
    bwd = bwd.flip(0)
    out = torch.cat([fwd, bwd], dim=-1)
    return out, torch.stack([fwd[-1], bwd[0]])


def sentence_encoding(hs, mask, method="last"):
    if method == "last":
        rows = []
        for i in range(hs.shape[1]):
            t = int(torch.nonzero(mask[:, i]).max())
            rows.append(hs[t, i])
        return torch.stack(rows)
    if method == "mean":
        w = mask.to(hs.dtype).unsqueeze(-1)
        return (hs * w).sum(0) / w.sum(0)
    raise ValueError("method must be 'last' or 'mean'")
