"""Every check's outcome on every variant and sample, as one JSON file (not a test).

    .venv/bin/python bench/snapshot.py OUT.json [--jobs 2]
    .venv/bin/python bench/snapshot.py --compare BEFORE.json AFTER.json

A change that must not change grading (a refactor, a speed-up) is proved by two snapshots,
one before and one after, that compare equal: the same checks, pass/fail, points and messages
for every variant of tests/variants/, the samples and the references.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from grader import bank, engine  # noqa: E402


def _outcome(target: tuple[str, str]) -> tuple[str, list[list[object]]]:
    label, path = target
    source = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        if source.is_file():  # a variant: one module of one exercise
            exercises = bank.load([source.parent.name])
            shutil.copy(source, Path(tmp) / f"{source.parent.name}.py")
            folder = Path(tmp)
        else:
            exercises = bank.load()
            folder = source
        result = engine.grade(folder, exercises, engine.Options())
    rows = [[e.name, c.name, c.function, c.passed, c.points, c.message] for e in result.exercises for c in e.checks]
    return label, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--compare", action="store_true", help="compare two snapshot files")
    args = parser.parse_args()
    if args.compare:
        before, after = (json.loads(p.read_text()) for p in args.paths)
        differ = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        for k in differ:
            print(f"differs: {k}")
        print(f"{len(before)} graded before, {len(after)} after, {len(differ)} differ")
        sys.exit(1 if differ else 0)
    targets = [(f"{p.parent.name}/{p.stem}", str(p)) for p in sorted((REPO / "tests" / "variants").glob("*/*.py"))]
    targets += [(name, str(REPO / name)) for name in ("samples/buggy_student", "solutions", "exercises")]
    with ProcessPoolExecutor(args.jobs) as pool:
        snapshot = dict(pool.map(_outcome, targets))
    args.paths[0].write_text(json.dumps(snapshot, indent=1, sort_keys=True))
    print(f"{len(snapshot)} submissions written to {args.paths[0]}")


if __name__ == "__main__":
    main()
