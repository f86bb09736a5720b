"""Returns 128 MiB, then 512 MiB of floats: far more than the answer can be, and than an
answer may hold."""

import torch

_calls = [0]


def attack(X, y):
    _calls[0] += 1
    return torch.zeros(2**25 if _calls[0] % 2 else 2**27, dtype=torch.float32)
