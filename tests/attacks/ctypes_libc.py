"""Calls libc through ctypes: fork and system, around Python's own checks."""

import ctypes

import torch


def attack(X, y):
    libc = ctypes.CDLL(None)
    if libc.system(b"true") == 0 or libc.fork() >= 0:
        raise RuntimeError("LEAKED: libc.system or libc.fork ran")
    return torch.zeros(X.shape[1] + 1, dtype=X.dtype)
