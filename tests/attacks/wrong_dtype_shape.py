"""Returns the right count of numbers in the wrong dtype and shape: int8, complex and a
broadcastable (1, d+1) row, hoping a loose comparison broadcasts or casts them."""

import torch

_calls = [0]


def attack(X, y):
    _calls[0] += 1
    d = X.shape[1] + 1
    kind = _calls[0] % 3
    if kind == 0:
        return torch.zeros(d, dtype=torch.int8)
    if kind == 1:
        return torch.zeros(d, dtype=torch.complex64)
    return torch.zeros(1, d, dtype=X.dtype)
