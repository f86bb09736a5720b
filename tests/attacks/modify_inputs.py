"""Zeroes its inputs in place and answers zero: were the reference computed from the same
(now zero) arrays, zero would be right."""

import torch


def attack(X, y):
    X.zero_()
    y.zero_()
    return torch.zeros(X.shape[1] + 1, dtype=X.dtype)
