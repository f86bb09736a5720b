"""Hypothesis's shrinking across a class, with the paths it took kept and without (not a test).

    .venv/bin/python bench/shrinking.py [--students 60] [--exercises 8]

A public check that fails is shrunk by hypothesis to its smallest failing input; the path it
took is kept, and a later submission that fails the same way is judged along it without
hypothesis (grader/checks.py, ``_shrunk``). What that saves grows with the class: the bugs a
class shares are shrunk once. This builds the class of
bench/class_grading.py as folders of modules (the references, the classic bugs of
tests/variants/, the stubs), grades it one submission after another in one grading process,
once with paths kept and once without (``SHRINK_CALLS_KEPT = 0``), each in a fresh process,
then once more as a later grading (a regrade), which finds the paths the first one kept on
disk (grader/examples_cache.py). It prints, for each, the shrinks and how many were judged
along a kept path, their CPU seconds, the whole grading's CPU and wall seconds; then checks
that all three gave the same results, every check's points and message.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from class_grading import bank_as_it_was, handed_in_as  # noqa: E402  (bench/, beside this script)

from grader import bank, checks, engine  # noqa: E402


def make_folders(root: Path, students: int, names: list[str]) -> list[Path]:
    folders = []
    for i in range(students):
        folder = root / f"student{i:02d}"
        folder.mkdir(parents=True)
        for j, name in enumerate(names):
            handed_in = handed_in_as(i, j, sorted((REPO / "tests" / "variants" / name).glob("buggy_*.py")))
            source = {"correct": REPO / "solutions", "stub": REPO / "exercises"}
            module = source[handed_in] / f"{name}.py" if isinstance(handed_in, str) else handed_in
            (folder / f"{name}.py").write_text(module.read_text())
        folders.append(folder)
    return folders


def grade(folders: list[Path], names: list[str], keep: bool) -> dict[str, object]:
    """Grade ``folders`` in this process (the first one before the clock starts: the worker's
    template, the references' truths)."""
    if not keep:
        checks.SHRINK_CALLS_KEPT = 0
    shrinking = {"runs": 0, "replayed": 0, "cpu": 0.0}
    shrunk, replayed = checks._shrunk, checks._replayed

    def timed(*args: object) -> None:
        start = time.process_time()
        try:
            shrunk(*args)  # type: ignore[arg-type]
        finally:
            shrinking["cpu"] += time.process_time() - start
            shrinking["runs"] += 1

    def counted(*args: object) -> bool:
        whole = replayed(*args)  # type: ignore[arg-type]
        shrinking["replayed"] += whole
        return whole

    checks._shrunk, checks._replayed = timed, counted  # type: ignore[assignment]
    exercises, options = bank.load(names), engine.Options()
    engine.grade(folders[0], exercises, options)
    shrinking.update(runs=0, replayed=0, cpu=0.0)
    wall, cpu = time.perf_counter(), time.process_time()
    results = [engine.grade(f, exercises, options, name=f.name) for f in folders[1:]]
    return {
        **shrinking,
        "grading cpu": time.process_time() - cpu,
        "wall": time.perf_counter() - wall,
        "results": [[c.points, c.message] for r in results for e in r.exercises for c in e.checks],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--exercises", type=int, choices=(8, 14, 18), default=8)
    parser.add_argument("--grade", choices=("kept", "not-kept"), help=argparse.SUPPRESS)  # one run, in a child
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    names = bank_as_it_was(args.exercises)
    if args.grade:
        folders = sorted(p for p in (args.root / "class").iterdir() if p.is_dir())
        print(json.dumps(grade(folders, names, args.grade == "kept")))
        return
    with tempfile.TemporaryDirectory(prefix="mlgrade-bench-") as tmp:
        classroom = Path(tmp, "class")
        make_folders(classroom, args.students, names)
        runs = {}
        # each with a cache folder of its own (the examples are drawn before the clock starts);
        # the later grading finds the paths the first one kept there, as a regrade does
        for run, keep, cache in (("not kept", "not-kept", "a"), ("kept", "kept", "b"), ("kept before", "kept", "b")):
            command = [sys.executable, __file__, "--exercises", str(args.exercises), "--grade", keep, "--root", tmp]
            env = {**os.environ, "MLGRADE_CACHE": str(Path(tmp, cache))}
            done = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
            runs[run] = json.loads(done.stdout)
    print(f"{args.students - 1} submissions of {len(names)} exercises, one after another in one process")
    for name, run in runs.items():
        print(
            f"paths {name:11s} {run['runs']:4d} shrinks, {run['replayed']:4d} judged along a kept path, "
            f"their CPU {run['cpu']:6.2f} s; grading CPU {run['grading cpu']:6.2f} s, wall {run['wall']:6.2f} s"
        )
    base = runs["not kept"]
    for name in ("kept", "kept before"):
        run = runs[name]
        print(
            f"{name} / not kept: shrinking CPU {run['cpu'] / base['cpu']:.2f}, "
            f"grading CPU {run['grading cpu'] / base['grading cpu']:.2f}, wall {run['wall'] / base['wall']:.2f}"
        )
    same = all(run["results"] == base["results"] for run in runs.values())
    print("the same results, every check's points and message:", same)


if __name__ == "__main__":
    main()
