"""Loops everywhere: one sequence of the batch at a time, one weight entry at a time in BPTT."""

import math

import torch

BREAKS = set()


def _one(x, h, W_ih, W_hh, b_ih, b_hh):
    H, d = W_ih.shape
    out = torch.empty(H, dtype=x.dtype, device=x.device)
    for j in range(H):
        a = float(b_ih[j]) + float(b_hh[j])
        for k in range(d):
            a += float(W_ih[j, k]) * float(x[k])
        for k in range(H):
            a += float(W_hh[j, k]) * float(h[k])
        out[j] = math.tanh(a)
    return out


def rnn_forward(xs, h0, W_ih, W_hh, b_ih, b_hh):
    T, n, _ = xs.shape
    H = W_hh.shape[0]
    hs = torch.empty(T, n, H, dtype=xs.dtype, device=xs.device)
    for i in range(n):
        h = torch.zeros(H, dtype=xs.dtype, device=xs.device) if h0 is None else h0[i]
        for t in range(T):
            h = _one(xs[t, i], h, W_ih, W_hh, b_ih, b_hh)
            hs[t, i] = h
    return hs, hs[T - 1].clone()


def rnn_bptt(xs, h0, W_ih, W_hh, b_ih, b_hh, dhs):
    T, n, d = xs.shape
    H = W_hh.shape[0]
    hs, _ = rnn_forward(xs, h0, W_ih, W_hh, b_ih, b_hh)
    zeros = torch.zeros(n, H, dtype=xs.dtype, device=xs.device)
    start = zeros if h0 is None else h0
    g = {k: torch.zeros_like(v) for k, v in (("W_ih", W_ih), ("W_hh", W_hh), ("b_ih", b_ih))}
    dxs = torch.zeros_like(xs)
    dh0 = torch.zeros_like(zeros)
    for i in range(n):
        later = [0.0] * H
        for t in range(T - 1, -1, -1):
            prev = start[i] if t == 0 else hs[t - 1, i]
            da = [(float(dhs[t, i, j]) + later[j]) * (1 - float(hs[t, i, j]) ** 2) for j in range(H)]
            for j in range(H):
                g["b_ih"][j] += da[j]
                for k in range(d):
                    g["W_ih"][j, k] += da[j] * float(xs[t, i, k])
                for k in range(H):
                    g["W_hh"][j, k] += da[j] * float(prev[k])
            for k in range(d):
                dxs[t, i, k] = sum(da[j] * float(W_ih[j, k]) for j in range(H))
            later = [sum(da[j] * float(W_hh[j, k]) for j in range(H)) for k in range(H)]
        for k in range(H):
            dh0[i, k] = later[k]
    return {"xs": dxs, "h0": dh0, "W_ih": g["W_ih"], "W_hh": g["W_hh"], "b_ih": g["b_ih"], "b_hh": g["b_ih"].clone()}


def pad_sequences(seqs, padding="pre", value=0.0):
    if padding != "pre" and padding != "post":
        raise ValueError("padding must be pre or post")
    T = max(len(s) for s in seqs)
    padded = torch.full((T, len(seqs), *seqs[0].shape[1:]), value, dtype=seqs[0].dtype, device=seqs[0].device)
    mask = torch.zeros(T, len(seqs), dtype=torch.bool, device=seqs[0].device)
    for b, s in enumerate(seqs):
        offset = T - len(s) if padding == "pre" else 0
        for t in range(len(s)):
            padded[offset + t, b] = s[t]
            mask[offset + t, b] = True
    return padded, mask


def birnn_forward(xs, h0, params):
    T = xs.shape[0]
    names = ("W_ih", "W_hh", "b_ih", "b_hh")
    fwd, _ = rnn_forward(xs, None if h0 is None else h0[0], *(params[k] for k in names))
    backwards_in_time = torch.stack([xs[T - 1 - t] for t in range(T)])
    bwd, _ = rnn_forward(backwards_in_time, None if h0 is None else h0[1], *(params[k + "_reverse"] for k in names))
    out = torch.stack([torch.cat([fwd[t], bwd[T - 1 - t]], dim=-1) for t in range(T)])
    H = fwd.shape[2]
    return out, torch.stack([out[T - 1, :, :H], out[0, :, H:]])


def sentence_encoding(hs, mask, method="last"):
    T, n, H = hs.shape
    rows = []
    for i in range(n):
        if method == "last":
            t = T - 1
            while not bool(mask[t, i]):
                t -= 1
            rows.append(hs[t, i])
        elif method == "mean":
            total, count = torch.zeros(H, dtype=hs.dtype, device=hs.device), 0
            for t in range(T):
                if mask[t, i]:
                    total = total + hs[t, i]
                    count += 1
            rows.append(total / count)
        else:
            raise ValueError("method must be last or mean")
    return torch.stack(rows)
