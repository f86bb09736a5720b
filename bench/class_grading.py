"""Grading a class: mlgrade and nbgrader on the same submissions, in one run (not a test).

    .venv/bin/python bench/class_grading.py [--students 20] [--jobs 2] [--exercises N] [--without-nbgrader] [--keep DIR]

Builds N submissions of every exercise (or, with ``--exercises 8`` or ``14``, of the bank as it
was before the second and third waves of exercises, to measure what they cost), a realistic
mix: per exercise about half are correct (the reference), a third carry a classic bug
(tests/variants/, one per student in turn) and the rest are untouched stubs. Each submission
exists twice with the same code: as a folder of modules, and as the notebooks of an nbgrader
course (``mlgrade nbgrader build``, then ``nbgrader generate_assignment``, the code in each
notebook's solution cell). Then it times:

- ``mlgrade grade --course mlgrade.toml --assignment bench --jobs J`` on the folders (the
  assignment holds the class's exercises, as the instructor grades them: with ``--exercises
  8``, not the ten the bank has had since, which every submission would lack), twice: first
  where the checks' examples are not drawn yet (a new version of the bank:
  grader/examples_cache.py), then as every later grading runs, and the notebooks' kernels
  below, with them read from the cache (the median of three); then on the first J
  submissions only (the median of three), which splits the cost into a flat part and a part
  per submission;
- ``mlgrade nbgrader autograde --jobs J`` on the notebooks (a copy of the course);
- ``nbgrader autograde`` on the notebooks (nbgrader runs them one at a time);
- ``mlgrade check least_squares``, the student's command (median of 3): the first in a while,
  which starts the worker's template, and one after it, which finds that template kept
  (grader/isolation/templates.py); also at process level without a kept template, where the
  worker's memory is counted (bubblewrap reaps a sandboxed worker itself);

checks that the three gradings agree on every score, and prints the seconds per submission,
the machine's busy CPU seconds per submission (Linux), the ratios, and the peak resident
memory of the largest single process of each command (grader, worker or kernel).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# Python keeps the compiled bytecode of mlgrade's modules, as on an installed copy (pip
# compiles at install): an environment that says not to would charge every command, the
# grading processes' too, for compiling the grader again.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
ASSIGNMENT = "bench"
sys.path.insert(0, str(REPO))
from grader import bank  # noqa: E402

# The bank as it grew: the first eight exercises, then six more, then the last four.
WAVES = (
    ("least_squares", "metrics", "softmax_regression", "backprop", "batch_norm", "conv", "lstm", "attention"),
    ("losses", "activations", "perceptron", "logistic_regression", "optimization", "regularization"),
    ("pooling", "rnn", "gnn", "transformer"),
)


def bank_as_it_was(exercises: int) -> list[str]:
    """The exercises of the bank when it had ``exercises`` of them (8, 14 or 18), in the course's order."""
    grown = sum(WAVES[: {8: 1, 14: 2, 18: 3}[exercises]], ())
    return [n for n in bank.NAMES if n in grown]


def busy_seconds() -> float:
    """The CPU seconds the whole machine has spent busy (Linux's /proc/stat; 0 elsewhere):
    what a command used, its sandboxed workers included, which bubblewrap reaps outside what
    wait4 reports. Grading a class is CPU-bound, so this, per submission, is its real cost."""
    try:
        with open("/proc/stat") as f:
            user, nice, system = (int(v) for v in f.readline().split()[1:4])
    except (OSError, ValueError):
        return 0.0
    return (user + nice + system) / os.sysconf("SC_CLK_TCK")


def timed(command: list[str], cwd: Path, stdout: Path | None = None) -> tuple[float, float, float]:
    """Wall seconds, the peak RSS in MiB of the largest process among the command and its
    descendants, and the machine's busy CPU seconds meanwhile (``busy_seconds``). Linux
    reports the peak over the waited-for tree, which misses a process no descendant waits
    for (multiprocessing's fork server, and the grading processes it forks): the tree is also
    read from /proc every 50 ms (``largest_descendant``)."""
    with open(stdout or os.devnull, "w") as out:
        busy, start = busy_seconds(), time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=ENV, stdout=out, stderr=subprocess.DEVNULL)
        peak = 0
        while process.poll() is None:
            peak = max(peak, largest_descendant(process.pid))
            time.sleep(0.05)
        seconds, busy = time.perf_counter() - start, busy_seconds() - busy
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {process.returncode}")
    return seconds, peak / 2**20, busy


def median_of_3(run: Callable[[], tuple[float, float, float]]) -> tuple[float, float, float]:
    """The run of median wall time among three (its memory and CPU with it)."""
    return sorted((run() for _ in range(3)), key=lambda r: r[0])[1]


def largest_descendant(root: int) -> int:
    """The resident bytes of the largest process among ``root`` and its descendants now."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rpartition(")")[2].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    largest = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/statm") as f:
                largest = max(largest, int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE"))
        except (OSError, ValueError, IndexError):
            continue
    return largest


def solution_cell(nb: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == name)


def handed_in_as(student: int, exercise: int, variants: list[Path]) -> str | Path:
    """What student ``student`` hands in for the ``exercise``-th exercise of the class: about
    half "correct" (the reference), a third a classic bug (one of ``variants``, each student
    in turn), the rest the "stub", untouched."""
    kind = (3 * student + exercise) % 6
    if kind < 3:
        return "correct"
    if kind < 5:
        return variants[(student + exercise) % len(variants)]
    return "stub"


def make_class(root: Path, students: int, names: list[str]) -> tuple[Path, list[Path]]:
    course = root / "course"
    course_file = root / "mlgrade.toml"  # the assignment: the exercises, at the bank's points
    course_file.write_text(f"[assignments.{ASSIGNMENT}]\nexercises = {names!r}\n".replace("'", '"'))
    build = ["nbgrader", "build", str(course), "--course", str(course_file), "--assignment", ASSIGNMENT]
    timed([str(BIN / "mlgrade"), *build], REPO)
    timed([str(BIN / "nbgrader"), "generate_assignment", ASSIGNMENT], course)
    released = {n: nbformat.read(str(course / "release" / ASSIGNMENT / f"{n}.ipynb"), 4) for n in names}
    source = {n: nbformat.read(str(course / "source" / ASSIGNMENT / f"{n}.ipynb"), 4) for n in names}
    variants = {n: sorted((REPO / "tests" / "variants" / n).glob("buggy_*.py")) for n in names}
    folders = []
    for i in range(students):
        student = f"student{i:02d}"
        folder = root / "folders" / student
        folder.mkdir(parents=True)
        submitted = course / "submitted" / student / ASSIGNMENT
        submitted.mkdir(parents=True)
        for j, name in enumerate(names):
            handed_in = handed_in_as(i, j, variants[name])
            if handed_in == "correct":
                code = solution_cell(source[name], name).source
            elif handed_in == "stub":
                code = solution_cell(released[name], name).source
            else:
                code = handed_in.read_text()
            (folder / f"{name}.py").write_text(code)
            nb = nbformat.from_dict(json.loads(nbformat.writes(released[name])))
            solution_cell(nb, name).source = code
            nbformat.write(nb, str(submitted / f"{name}.ipynb"))
        folders.append(folder)
    return course, folders


def exported(course: Path) -> dict[str, float]:
    timed([str(BIN / "nbgrader"), "export"], course)
    with open(course / "grades.csv", newline="") as f:
        return {row["student_id"]: round(float(row["score"]), 4) for row in csv.DictReader(f)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--exercises", type=int, choices=(8, 14, 18), default=18, help="the bank as it was at 8, 14 or 18 exercises"
    )
    parser.add_argument(
        "--without-nbgrader",
        action="store_true",
        help="leave out nbgrader's own autograde (most of the run: a kernel per notebook, one after another)",
    )
    parser.add_argument("--keep", type=Path, help="build the class here and keep it (default: a temporary folder)")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="mlgrade-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        names = bank_as_it_was(args.exercises)
        course, folders = make_class(root, args.students, names)
        isolated = root / "course-isolated"
        shutil.copytree(course, isolated)
        n, jobs = args.students, str(args.jobs)
        rows = {}
        # The checks' examples are drawn once per bank version (grader/examples_cache.py): the
        # first grading draws them, every later one (and every notebook's kernel) reads them.
        ENV["MLGRADE_CACHE"] = str(root / "examples-cache")
        assignment = ["--course", str(root / "mlgrade.toml"), "--assignment", ASSIGNMENT]
        grade = [str(BIN / "mlgrade"), "grade", *map(str, folders), *assignment, "--jobs", jobs, "--json"]
        rows[f"mlgrade grade --jobs {jobs}, examples drawn"] = timed(grade, REPO, root / "grades-drawn.json")
        # A grading of a class on two cores varies by a few percent from one run to the next
        # (this machine's other work, the last command's processes ending): the median of three.
        rows[f"mlgrade grade --jobs {jobs}"] = median_of_3(lambda: timed(grade, REPO, root / "grades.json"))
        # the same command on one submission per grading process: what is left of a grading
        # that is not per submission (starting the processes, their templates) is the flat part
        few = [str(BIN / "mlgrade"), "grade", *map(str, folders[: args.jobs]), *assignment, "--jobs", jobs, "--json"]
        alone = median_of_3(lambda: timed(few, REPO, root / "grades-few.json"))
        rows[f"mlgrade nbgrader autograde --jobs {jobs}"] = timed(
            [str(BIN / "mlgrade"), "nbgrader", "autograde", str(isolated), ASSIGNMENT, "--jobs", jobs], REPO
        )
        if not args.without_nbgrader:
            rows["nbgrader autograde"] = timed([str(BIN / "nbgrader"), "autograde", ASSIGNMENT], course)
        # mlgrade check keeps its worker's template for the next check (grader/isolation/templates.py),
        # here in a runtime folder of the bench's own: the first check in a while starts one (each
        # of these three after ending the last), a check after it forks its worker from it
        runtime = Path(tempfile.mkdtemp(prefix="mlgrade-bench-run-"))
        ENV["XDG_RUNTIME_DIR"], ENV["MLGRADE_TEMPLATE_MINUTES"] = str(runtime), "10"
        end = [sys.executable, "-c", "from grader.isolation import templates; templates.end_kept()"]
        check = [str(BIN / "mlgrade"), "check", "least_squares", "--path", "solutions"]
        timed(check, REPO)  # warm the file cache
        first = []
        for _ in range(3):
            subprocess.run(end, cwd=REPO, env=ENV, check=True)
            first.append(timed(check, REPO))
        checks = {
            "mlgrade check least_squares, first": first,
            "mlgrade check least_squares, again": [timed(check, REPO) for _ in range(3)],
        }
        subprocess.run(end, cwd=REPO, env=ENV, check=True)
        # a sandboxed worker is reaped by bubblewrap, outside what wait4 reports, and a kept
        # template's worker is not the command's: the process level without one shows the
        # worker's own peak memory
        ENV["MLGRADE_TEMPLATE_MINUTES"] = "0"
        checks["mlgrade check least_squares --no-sandbox"] = [timed([*check, "--no-sandbox"], REPO) for _ in range(3)]
        shutil.rmtree(runtime, ignore_errors=True)

        graded = {r["submission"]: round(r["score"], 4) for r in json.loads((root / "grades.json").read_text())}
        drawn = {r["submission"]: round(r["score"], 4) for r in json.loads((root / "grades-drawn.json").read_text())}
        if drawn != graded:
            raise SystemExit("the gradings with the examples drawn and with them read from the cache differ")
        scores = {"mlgrade grade": graded, "mlgrade nbgrader": exported(isolated)}
        if not args.without_nbgrader:
            scores["nbgrader"] = exported(course)
        agree = len({json.dumps(s, sort_keys=True) for s in scores.values()}) == 1
        nbgrader_seconds = rows["nbgrader autograde"][0] if not args.without_nbgrader else 0.0
        print(f"{n} submissions of {len(names)} exercises each; scores:", sorted(graded.values()))
        print(f"all {len(scores)} gradings give the same scores: {agree}")
        # cost linear in the submissions: a flat part, then each further submission's share
        cached, (few_seconds, _, few_busy) = f"mlgrade grade --jobs {jobs}", alone
        split = ""
        if n > args.jobs:
            more = n - args.jobs
            wall_each, busy_each = (rows[cached][0] - few_seconds) / more, (rows[cached][2] - few_busy) / more
            split = (
                f"{'  of which flat, then per submission':40s} {few_seconds - args.jobs * wall_each:7.1f} s, then "
                f"{wall_each:.2f} s/submission; CPU {few_busy - args.jobs * busy_each:.1f} s, then "
                f"{busy_each:.2f} s/submission (from {args.jobs} submissions and {n})"
            )
        for name, (seconds, rss, busy) in rows.items():
            ratio = "" if args.without_nbgrader else f"{nbgrader_seconds / seconds:5.1f}x faster than nbgrader  "
            cpu = f"CPU {busy / n:5.2f} s/submission  "
            print(f"{name:40s} {seconds:7.1f} s  {seconds / n:6.2f} s/submission  {cpu}{ratio}peak RSS {rss:5.0f} MiB")
            if name == cached and split:
                print(split)
        for name, runs in checks.items():
            median, rss = statistics.median(s for s, _, _ in runs), max(r for _, r, _ in runs)
            print(f"{name:42s} {median:5.2f} s (median of 3)  peak RSS {rss:5.0f} MiB")
        if not agree:
            for name, s in scores.items():
                print(name, s)
            raise SystemExit(1)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
