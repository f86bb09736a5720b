"""Ignores SIGINT, SIGTERM and SIGHUP, then loops for ever."""

import signal


def attack(X, y):
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    while True:
        pass
