"""Lists and reads the grader's hidden checks (grader/hidden), by path and by importlib."""

import importlib
import os

import torch

REPO = "@REPO@"


def attack(X, y):
    found = []
    for route in (
        lambda: os.listdir(os.path.join(REPO, "grader", "hidden")),
        lambda: [open(os.path.join(REPO, "grader", "hidden", "least_squares.py")).read()],
        lambda: [importlib.import_module("grader.hidden.least_squares").__file__],
    ):
        try:
            found += route()
        except Exception:
            continue
    if found:
        raise RuntimeError(f"LEAKED {found[:3]}")
    return torch.zeros(X.shape[1] + 1, dtype=X.dtype)
