"""Allocates without bound: one huge block, then a list that grows until something gives."""

import torch


def attack(X, y):
    try:
        block = torch.empty(2**40, dtype=torch.uint8)
        block.fill_(1)
    except Exception:
        pass
    hoard = []
    while True:
        hoard.append(bytearray(2**26))
