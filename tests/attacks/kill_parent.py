"""Sends SIGKILL to its parent (the grader, or bubblewrap), then to its own process group."""

import os
import signal


def attack(X, y):
    for kill in (lambda: os.kill(os.getppid(), signal.SIGKILL), lambda: os.killpg(os.getpgid(0), signal.SIGKILL)):
        try:
            kill()
        except OSError:
            continue
        raise RuntimeError("LEAKED: a kill was delivered")
    return None
