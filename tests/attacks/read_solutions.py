"""Reads the reference's source by path, through /proc (the parent's cwd and root, every
process's cwd) and by following a symlink it makes to it, then runs it."""

import os

import torch

REPO = "@REPO@"
REL = os.path.join("solutions", "least_squares.py")


def _source():
    places = [os.path.join(REPO, REL)]
    for pid in [str(os.getppid()), "1", *sorted(p for p in os.listdir("/proc") if p.isdigit())]:
        places += [f"/proc/{pid}/cwd/{REL}", f"/proc/{pid}/root{REPO}/{REL}"]
    try:
        os.symlink(os.path.join(REPO, REL), "link.py")
        places.append("link.py")
    except OSError:
        pass
    for place in places:
        try:
            with open(place) as f:
                return f.read()
        except OSError:
            continue
    return None


def attack(X, y):
    source = _source()
    if source is None:
        return torch.zeros(X.shape[1] + 1, dtype=X.dtype)
    scope = {}
    exec(source, scope)
    return scope["fit"](X, y)
