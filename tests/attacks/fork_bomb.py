"""Forks without end: os.fork, then multiprocessing, then subprocess's unaudited fork_exec."""

import multiprocessing
import os
import subprocess
import time


def _spin():
    while True:
        time.sleep(1)


def attack(X, y):
    routes = (
        lambda: os.fork() == 0 and _spin(),
        lambda: multiprocessing.get_context("fork").Process(target=_spin).start(),
        lambda: subprocess._posixsubprocess.fork_exec(
            ["sleep", "60"],
            [b"/bin/sleep"],
            True,
            (),
            None,
            None,
            -1,
            -1,
            -1,
            -1,
            -1,
            -1,
            -1,
            -1,
            False,
            False,
            None,
            None,
            None,
            -1,
            None,
            False,
        ),
    )
    started = 0
    for route in routes:
        for _ in range(5000):
            try:
                route()
            except Exception:
                break
            started += 1
    if started:
        raise RuntimeError(f"LEAKED: {started} processes started")
