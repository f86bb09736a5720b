"""Wall time of whole mlgrade commands, as a user runs them (not a test).

    .venv/bin/python bench/cli_latency.py [--repeat 5]

Prints the median and spread of each command's wall time, measured in one run so the
figures compare with each other. Where bubblewrap works, plain commands run sandboxed; the
--no-sandbox rows give the process-level cost on the same machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MLGRADE = [sys.executable, "-m", "grader"]

COMMANDS = {
    "mlgrade check least_squares (reference)": [*MLGRADE, "check", "least_squares", "--path", "solutions"],
    "mlgrade check least_squares --no-sandbox": [
        *MLGRADE,
        "check",
        "least_squares",
        "--path",
        "solutions",
        "--no-sandbox",
    ],
    "mlgrade check (all, stubs)": [*MLGRADE, "check", "--path", "exercises"],
    "mlgrade grade solutions": [*MLGRADE, "grade", "solutions"],
    "mlgrade grade solutions --no-sandbox": [*MLGRADE, "grade", "solutions", "--no-sandbox"],
    "mlgrade grade exercises (stubs)": [*MLGRADE, "grade", "exercises"],
    "mlgrade grade exercises --no-sandbox": [*MLGRADE, "grade", "exercises", "--no-sandbox"],
    "python -c 'import torch' (floor)": [sys.executable, "-c", "import torch"],
}


# Python keeps the compiled bytecode of mlgrade's modules, as on an installed copy (pip
# compiles at install), where this environment would say not to.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=REPO, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    floor = None
    rows = []
    for name, command in COMMANDS.items():
        wall(command)  # warm the file cache
        times = [wall(command) for _ in range(args.repeat)]
        median = statistics.median(times)
        rows.append((name, median, min(times), max(times)))
        if "floor" in name:
            floor = median
    for name, median, low, high in rows:
        ratio = f"{median / floor:5.2f}x torch import" if floor else ""
        print(f"{name:45s} median {median:6.2f} s  (min {low:.2f}, max {high:.2f})  {ratio}")


if __name__ == "__main__":
    main()
