"""Starts a fresh interpreter (no import guard, no audit hook) to import the reference."""

import subprocess
import sys

import torch

REPO = "@REPO@"


def attack(X, y):
    code = f"import sys; sys.path.insert(0, {REPO!r}); import solutions.least_squares; print('leaked')"
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True)
    if b"leaked" in done.stdout:
        raise RuntimeError("LEAKED: a fresh interpreter imported the reference")
    return torch.zeros(X.shape[1] + 1, dtype=X.dtype)
