"""Reference: a tanh RNN over whole sequences, its backpropagation through time, padding,
a bidirectional RNN and sentence vectors. Plain torch, on whatever device and dtype the inputs
have; time first, PyTorch's weight layout."""

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
    h = xs.new_zeros(xs.shape[1], W_hh.shape[0]) if h0 is None else h0
    hs = []
    for x in xs:
        h = torch.tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
        hs.append(h)
    return torch.stack(hs), h


def rnn_bptt(
    xs: torch.Tensor,
    h0: torch.Tensor | None,
    W_ih: torch.Tensor,
    W_hh: torch.Tensor,
    b_ih: torch.Tensor,
    b_hh: torch.Tensor,
    dhs: torch.Tensor,
) -> dict[str, torch.Tensor]:
    h0 = xs.new_zeros(xs.shape[1], W_hh.shape[0]) if h0 is None else h0
    hs, _ = rnn_forward(xs, h0, W_ih, W_hh, b_ih, b_hh)
    previous = torch.cat([h0[None], hs[:-1]])  # s_{t-1}: h0, then h_1 … h_{T-1}
    dxs = torch.zeros_like(xs)
    dW_ih, dW_hh, db = torch.zeros_like(W_ih), torch.zeros_like(W_hh), torch.zeros_like(b_ih)
    da_next = torch.zeros_like(h0)  # nothing flows into the last state from later steps
    for t in reversed(range(xs.shape[0])):
        g = dhs[t] + da_next @ W_hh  # the gradient reaching s_t: its own, and through s_{t+1}
        da = g * (1 - hs[t] ** 2)  # through tanh
        dW_ih += da.T @ xs[t]
        dW_hh += da.T @ previous[t]
        db += da.sum(dim=0)
        dxs[t] = da @ W_ih
        da_next = da
    return {"xs": dxs, "h0": da_next @ W_hh, "W_ih": dW_ih, "W_hh": dW_hh, "b_ih": db, "b_hh": db.clone()}


def pad_sequences(
    seqs: list[torch.Tensor], padding: str = "pre", value: float = 0.0
) -> tuple[torch.Tensor, torch.Tensor]:
    if padding not in ("pre", "post"):
        raise ValueError(f"padding must be 'pre' or 'post', got {padding!r}")
    T, first = max(len(s) for s in seqs), seqs[0]
    padded = first.new_full((T, len(seqs), *first.shape[1:]), value)
    mask = torch.zeros(T, len(seqs), dtype=torch.bool, device=first.device)
    for b, s in enumerate(seqs):
        start = T - len(s) if padding == "pre" else 0  # pre: the last element lands at T - 1
        padded[start : start + len(s), b] = s
        mask[start : start + len(s), b] = True
    return padded, mask


def birnn_forward(
    xs: torch.Tensor, h0: torch.Tensor | None, params: dict[str, torch.Tensor]
) -> tuple[torch.Tensor, torch.Tensor]:
    forward_h0, backward_h0 = (None, None) if h0 is None else (h0[0], h0[1])
    forward, _ = rnn_forward(xs, forward_h0, params["W_ih"], params["W_hh"], params["b_ih"], params["b_hh"])
    reverse = [params[k + "_reverse"] for k in ("W_ih", "W_hh", "b_ih", "b_hh")]
    backward, _ = rnn_forward(xs.flip(0), backward_h0, *reverse)
    backward = backward.flip(0)  # backward[t]: the state after reading xs[T-1] … xs[t]
    out = torch.cat([forward, backward], dim=-1)
    return out, torch.stack([forward[-1], backward[0]])


def sentence_encoding(hs: torch.Tensor, mask: torch.Tensor, method: str = "last") -> torch.Tensor:
    if method == "last":
        steps = torch.arange(hs.shape[0], device=hs.device)[:, None]
        last = torch.where(mask, steps, -1).max(dim=0).values  # the largest t with mask[t, i]
        return hs[last, torch.arange(hs.shape[1], device=hs.device)]
    if method == "mean":
        weights = mask.to(hs.dtype)[..., None]
        return (hs * weights).sum(dim=0) / weights.sum(dim=0)
    raise ValueError(f"method must be 'last' or 'mean', got {method!r}")
