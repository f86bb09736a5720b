"""How long honest submissions take per exercise and in all (not a test): the measurements
behind the default time budgets (grader.engine.EXERCISE_SECONDS, SUBMISSION_SECONDS).

    .venv/bin/python bench/budgets.py [SUBMISSION...]   (default: solutions, samples/buggy_student)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from grader import bank, engine  # noqa: E402


def main() -> None:
    targets = [Path(p) for p in sys.argv[1:]] or [REPO / "solutions", REPO / "samples" / "buggy_student"]
    exercises = bank.load()
    for target in targets:
        start = time.perf_counter()
        result = engine.grade(target, exercises, engine.Options())
        total = time.perf_counter() - start
        per = ", ".join(f"{e.name} {sum(c.seconds for c in e.checks):.1f}" for e in result.exercises)
        print(f"{target.name}: {total:.1f} s in all (worker start included); per exercise, s: {per}")


if __name__ == "__main__":
    main()
