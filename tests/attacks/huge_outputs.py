"""Returns 512 MiB of floats, far more than the answer can be."""

import torch


def attack(X, y):
    return torch.zeros(2**27, dtype=torch.float32)
