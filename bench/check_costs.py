"""Where grading time goes: the wall time of every check of the bank (not a test).

    .venv/bin/python bench/check_costs.py [--top 15]

Grades three submissions in one run (the references, the buggy sample student and the
stubs), with the hidden checks, and prints each exercise's total and the most expensive
checks: time, hypothesis examples and gradient evaluations are what a check's budget
bounds. The figures include the worker round trips of every call.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from grader import bank, engine  # noqa: E402

SUBMISSIONS = {
    "references": REPO / "solutions",
    "buggy sample": REPO / "samples" / "buggy_student",
    "stubs": REPO / "exercises",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    exercises = bank.load()
    budgets = {(e.name, c.name): getattr(c, "examples", None) for e in exercises for c in e.checks}
    costs: dict[tuple[str, str], dict[str, float]] = {}
    for label, path in SUBMISSIONS.items():
        start = time.perf_counter()
        result = engine.grade(path, exercises, engine.Options())
        wall = time.perf_counter() - start
        checks = sum(c.seconds for e in result.exercises for c in e.checks)
        print(
            f"{label:14s} {wall:6.2f} s wall, {checks:6.2f} s in checks, {wall - checks:5.2f} s else (worker start...)"
        )
        for e in result.exercises:
            for c in e.checks:
                costs.setdefault((e.name, c.name), {})[label] = c.seconds
    print()
    print("per exercise (s):", "  ".join(f"{k}" for k in SUBMISSIONS))
    for e in exercises:
        row = [sum(costs[(e.name, c.name)].get(k, 0) for c in e.checks) for k in SUBMISSIONS]
        print(f"  {e.name:20s}", "  ".join(f"{x:6.2f}" for x in row))
    print()
    print(f"the {args.top} most expensive checks, by their worst time (s); examples = hypothesis budget")
    ranked = sorted(costs.items(), key=lambda kv: -max(kv[1].values()))
    for (exercise, name), times in ranked[: args.top]:
        examples = budgets.get((exercise, name))
        cells = "  ".join(f"{times.get(k, 0):5.2f}" for k in SUBMISSIONS)
        print(f"  {cells}  examples={examples!s:4s} {exercise}: {name}")


if __name__ == "__main__":
    main()
