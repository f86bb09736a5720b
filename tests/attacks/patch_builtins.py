"""Replaces builtins (abs, isinstance, len, float, round, max) and __import__ in the worker."""

import builtins

import torch


def attack(X, y):
    builtins.abs = lambda x: 0
    builtins.isinstance = lambda obj, cls: True
    builtins.round = lambda x, n=None: 0
    builtins.max = lambda *args, **kwargs: 0
    real_import = builtins.__import__
    builtins.__import__ = lambda name, *args, **kwargs: real_import(name, *args, **kwargs)
    return torch.zeros(X.shape[1] + 1, dtype=X.dtype)
