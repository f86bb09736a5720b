"""Monkeypatches numpy's and torch's comparison functions to say "equal", then returns zeros."""

import numpy as np
import torch


def _always(*args, **kwargs):
    return True


def attack(X, y):
    for name in ("allclose", "array_equal", "array_equiv"):
        setattr(np, name, _always)
    np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, dtype=bool)
    np.testing.assert_allclose = lambda *args, **kwargs: None
    np.testing.assert_array_equal = lambda *args, **kwargs: None
    torch.allclose = _always
    torch.equal = _always
    torch.testing.assert_close = lambda *args, **kwargs: None
    return torch.zeros(X.shape[1] + 1, dtype=X.dtype)
