"""Ends the worker with os._exit(0) in the middle of a call."""

import os


def attack(X, y):
    os._exit(0)
