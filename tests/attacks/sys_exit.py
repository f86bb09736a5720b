"""Raises SystemExit (sys.exit) and KeyboardInterrupt, which `except Exception` lets through."""

import sys

_calls = [0]


def attack(X, y):
    _calls[0] += 1
    if _calls[0] % 2:
        sys.exit(0)
    raise KeyboardInterrupt
