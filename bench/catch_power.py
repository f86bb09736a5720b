"""What a smaller check budget costs in catch power (not a test).

    .venv/bin/python bench/catch_power.py [--scale 0.5] [--scale 0.25] [--jobs 2] [--exercise NAME] [--show]

Grades every variant of tests/variants/ (classic bugs, and correct but unusual solutions)
with the bank's budgets, then with every generated check's hypothesis examples scaled down,
and reports, per scale: the time, each check that stops catching a bug it caught at full
budget, and each correct variant that loses a point. A budget is safe when nothing flips.
``--exercise`` (repeatable) grades only those exercises' variants, for a developer sizing the
budgets of the exercise at hand; ``--show`` lists the checks each buggy variant fails at full
budget (which checks catch which bug).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from grader import bank, engine  # noqa: E402
from grader.checks import Generated  # noqa: E402

VARIANTS = sorted((REPO / "tests" / "variants").glob("*/*.py"))


def _scaled(scale: float, names: tuple[str, ...] = bank.NAMES) -> dict[str, object]:
    exercises = {}
    for e in bank.load(names):
        checks = tuple(
            dataclasses.replace(c, examples=max(2, math.ceil(c.examples * scale))) if isinstance(c, Generated) else c
            for c in e.checks
        )
        exercises[e.name] = dataclasses.replace(e, checks=checks)
    return exercises


def failures(args: tuple[Path, float]) -> tuple[str, set[str], float]:
    """The checks a variant fails at a budget scale, and the seconds its grading took."""
    path, scale = args
    exercise = _scaled(scale, (path.parent.name,))[path.parent.name]
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(path, Path(tmp) / f"{path.parent.name}.py")
        start = time.perf_counter()
        result = engine.grade(Path(tmp), [exercise], engine.Options())  # type: ignore[list-item]
        seconds = time.perf_counter() - start
    return f"{path.parent.name}/{path.stem}", {c.name for c in result.exercises[0].checks if not c.passed}, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, action="append", help="budget scale to try (repeatable)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--exercise", action="append", help="only this exercise's variants (repeatable)")
    parser.add_argument("--show", action="store_true", help="list the checks each buggy variant fails")
    args = parser.parse_args()
    scales = [1.0, *(args.scale or [0.5, 0.25])]
    variants = [p for p in VARIANTS if not args.exercise or p.parent.name in args.exercise]
    found: dict[float, dict[str, set[str]]] = {}
    with ProcessPoolExecutor(args.jobs) as pool:
        for scale in scales:
            start = time.perf_counter()
            results = list(pool.map(failures, [(p, scale) for p in variants]))
            wall = time.perf_counter() - start
            found[scale] = {name: failed for name, failed, _ in results}
            grading = sum(s for _, _, s in results)
            print(f"scale {scale:5.2f}: {len(variants)} variants graded in {grading:6.1f} s ({wall:5.1f} s wall)")
    full = found[1.0]
    if args.show:
        for name, checks in sorted(full.items()):
            if name.split("/")[1].startswith("buggy"):
                print(f"{name}: {len(checks)} failing: {sorted(checks)}")
    for scale in scales[1:]:
        lost = {n: full[n] - found[scale][n] for n in full if n.split("/")[1].startswith("buggy")}
        lost = {n: checks for n, checks in lost.items() if checks}
        wrong = {n: found[scale][n] for n in full if n.split("/")[1].startswith("correct") and found[scale][n]}
        missed = [n for n in full if n.split("/")[1].startswith("buggy") and full[n] and not found[scale][n]]
        caught = sum(len(full[n]) for n in full if n.split("/")[1].startswith("buggy"))
        still = caught - sum(len(v) for v in lost.values())
        print(f"\nscale {scale:.2f}: {still} of {caught} failing checks on buggy variants still fail")
        print(f"  bugs no check catches any more: {missed or 'none'}")
        print(f"  correct variants that lose points: {sorted(wrong) or 'none'}")
        for name, checks in sorted(lost.items()):
            print(f"  {name}: no longer caught by {sorted(checks)}")


if __name__ == "__main__":
    main()
