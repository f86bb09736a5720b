"""A realistic class to report on: build it, grade it for an assignment, write its report (not a test).

    .venv/bin/python bench/class_report.py [--students 24] [--assignment week3] [--out grades/class]
                                           [--course examples/mlgrade.toml] [--jobs 2] [--seed 3]

Each student gets a skill; for each exercise of the assignment they hand in the reference (a
correct solution), a classic bug from tests/variants/ or a correct-but-unusual variant, or the
untouched stub. Weaker students hand in more bugs and stubs, and a few bugs are common (as the
same mistake is, in a real class: a Zipf-like choice among an exercise's bugs), so the report
has something to find. Then ``mlgrade grade --out OUT`` and ``mlgrade report OUT`` run on it,
with the course file, and the page is OUT/report.html.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MLGRADE = [sys.executable, "-m", "grader"]
FIRST_NAMES = ("ana", "bo", "chen", "dara", "eli", "fatma", "gus", "hana", "ivo", "jun", "kim", "lea", "mo")
FIRST_NAMES += ("nia", "omar", "pia", "quinn", "rui", "sara", "tao", "uma", "vik", "wen", "xia", "yara", "zoe")
sys.path.insert(0, str(REPO))
from grader import course  # noqa: E402


def submission(name: str, rng: random.Random, skill: float, variants: dict[str, list[Path]]) -> dict[str, str]:
    """One student's modules, by exercise."""
    modules = {}
    for exercise, found in variants.items():
        buggy = [p for p in found if p.name.startswith("buggy_")]
        unusual = [p for p in found if p.name.startswith("correct_")]
        roll = rng.random()
        if roll < 0.08 + 0.15 * (1 - skill):  # not started
            path = REPO / "exercises" / f"{exercise}.py"
        elif roll < 0.25 + 0.55 * (1 - skill) and buggy:  # a classic bug; the first few are common
            weights = [1 / (i + 1) ** 1.3 for i in range(len(buggy))]
            path = rng.choices(buggy, weights)[0]
        elif roll < 0.85 and unusual and rng.random() < 0.3:
            path = rng.choice(unusual)
        else:
            path = REPO / "solutions" / f"{exercise}.py"
        modules[exercise] = path.read_text(encoding="utf-8")
    return modules


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=24)
    parser.add_argument("--course", type=Path, default=REPO / "examples" / "mlgrade.toml")
    parser.add_argument("--assignment", default="week3")
    parser.add_argument("--out", type=Path, default=REPO / "grades" / "class")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    chosen = course.select(args.course, args.assignment)
    rng = random.Random(args.seed)
    variants = {}
    for exercise in chosen.names:
        found = sorted((REPO / "tests" / "variants" / exercise).glob("*.py"))
        rng.shuffle(found)  # which bugs are the common ones
        variants[exercise] = found
    names = rng.sample(
        [*FIRST_NAMES],
        k=min(args.students, 26),
    )
    names += [f"student{i:02d}" for i in range(len(names), args.students)]
    root = Path(tempfile.mkdtemp(prefix="mlgrade-class-"))
    try:
        folders = []
        for name in names:
            skill = rng.betavariate(4, 2)
            folder = root / name
            folder.mkdir()
            for exercise, source in submission(name, rng, skill, variants).items():
                (folder / f"{exercise}.py").write_text(source, encoding="utf-8")
            folders.append(str(folder))
        selection = ["--course", str(args.course), "--assignment", args.assignment]
        grade = [*MLGRADE, "grade", *folders, *selection, "--out", str(args.out), "--fresh", "--jobs", str(args.jobs)]
        subprocess.run([*grade, "--quiet"], check=True)
        subprocess.run([*MLGRADE, "report", str(args.out), *selection], check=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
