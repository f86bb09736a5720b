"""Reaches the worker's own objects (gc, frames, sys.modules) and patches them: forges the
digests of its inputs, empties the record of forbidden calls, plants fake grader modules."""

import gc
import sys
import types

import torch


def attack(X, y):
    for obj in gc.get_objects():
        if isinstance(obj, dict) and "array_digest" in obj and "encode" in obj:
            obj["array_digest"] = lambda a: "0" * 64  # the wire module's namespace
        if type(obj).__name__ == "Worker":
            obj.used = set()
            obj.received = []
    frame = sys._getframe()
    while frame is not None:
        if "worker" in frame.f_locals:
            frame.f_locals["worker"].used = set()
        frame = frame.f_back
    for name in ("grader", "grader.tolerance", "grader.checks"):
        fake = types.ModuleType(name)
        fake.compare = lambda *args, **kwargs: None
        sys.modules[name] = fake
    X.mul_(0)
    return torch.zeros(X.shape[1] + 1, dtype=X.dtype)
