"""Uses a forbidden call, then rewrites its own source at import so that the grader's scan of
the file finds nothing forbidden."""

import numpy as np
import torch

try:
    with open(__file__, "w") as f:
        f.write("def fit(X, y):\n    raise NotImplementedError\n")
except OSError:
    pass


def attack(X, y):
    A = torch.cat([torch.ones(X.shape[0], 1, dtype=X.dtype), X], dim=1)
    return torch.from_numpy(np.linalg.lstsq(A.numpy(), y.numpy(), rcond=None)[0])
