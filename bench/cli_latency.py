"""Wall time of whole mlgrade commands, as a user runs them (not a test).

    .venv/bin/python bench/cli_latency.py [--repeat 5]

Prints the median and spread of each command's wall time, measured in one run so the
figures compare with each other. Where bubblewrap works, plain commands run sandboxed; the
--no-sandbox rows give the process-level cost on the same machine. Every check runs as the
first in a while (the template the check before kept has ended; it starts again first thing,
grader/__main__.py), but for the "template kept" row: checks one after another, as a student
runs them (grader/isolation/templates.py). The --no-sandbox rows keep no template (MLGRADE_TEMPLATE_MINUTES=0).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
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
    "mlgrade check least_squares, template kept": [*MLGRADE, "check", "least_squares", "--path", "solutions"],
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
ENV["MLGRADE_TEMPLATE_MINUTES"] = "0"


def wall(command: list[str], env: dict[str, str] = ENV) -> float:
    start = time.perf_counter()
    # a check that fails (the stubs) exits 1: its time counts all the same
    subprocess.run(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    floor = None
    rows = []
    runtime = tempfile.mkdtemp(prefix="mlgrade-bench-run-")  # where the kept template listens
    kept = {**ENV, "MLGRADE_TEMPLATE_MINUTES": "10", "XDG_RUNTIME_DIR": runtime}
    end = [sys.executable, "-c", "from grader.isolation import templates; templates.end_kept()"]
    for name, command in COMMANDS.items():
        first_check = command[3:4] == ["check"] and "--no-sandbox" not in command and "template kept" not in name
        env = kept if "template kept" in name or first_check else ENV
        wall(command, env)  # warm the file cache (and start the kept template, note how it started)
        times = []
        for _ in range(args.repeat):
            if first_check:  # the first in a while: the template kept by the check before has ended
                subprocess.run(end, cwd=REPO, env=kept, check=True)
            times.append(wall(command, env))
        median = statistics.median(times)
        rows.append((name, median, min(times), max(times)))
        if "floor" in name:
            floor = median
    subprocess.run(end, cwd=REPO, env=kept, check=True)
    shutil.rmtree(runtime, ignore_errors=True)
    for name, median, low, high in rows:
        ratio = f"{median / floor:5.2f}x torch import" if floor else ""
        print(f"{name:45s} median {median:6.2f} s  (min {low:.2f}, max {high:.2f})  {ratio}")


if __name__ == "__main__":
    main()
