"""The nbgrader channel, end to end with the real nbgrader: mlgrade builds the course, nbgrader
releases it, three students submit (solved, partly wrong, untouched stubs), and both
``nbgrader autograde`` (the checks in nbgrader's kernel) and ``mlgrade nbgrader autograde``
(isolated workers) grade them; ``nbgrader export`` must give the same grades.csv for both."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, max_score, reference_fingerprints

from grader import bank, engine

nbformat = pytest.importorskip("nbformat", reason="nbgrader is not installed: pip install -e '.[nbgrader]'")
pytest.importorskip("nbgrader", reason="nbgrader is not installed: pip install -e '.[nbgrader]'")

pytestmark = pytest.mark.slow

ASSIGNMENT = "week1"
BIN = Path(sys.executable).parent  # mlgrade, nbgrader and alembic (nbgrader runs it) live here
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
TIMESTAMP = "2026-11-27 06:00:00.000000 UTC"
# The round trip runs every notebook in nbgrader's kernels, one after another (about 3 s each):
# four exercises of the first wave (the buggy sample's, and those the tamperer breaks) and two
# of the second (a state-free one and one with list inputs and dict outputs), not all eighteen.
EXERCISES = ("least_squares", "metrics", "softmax_regression", "lstm", "perceptron", "rnn")


def run(*command: str, cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


def solution_cell(nb: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == name)


def submit(course: Path, student: str, code: dict[str, str], tamper: bool = False) -> None:
    """submitted/STUDENT/ASSIGNMENT/: the released notebooks, each solution cell replaced by
    ``code[exercise]`` where given; with ``tamper``, every grade cell rewritten to claim full points."""
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / "timestamp.txt").write_text(TIMESTAMP)
    for path in sorted((course / "release" / ASSIGNMENT).glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        if path.stem in code:
            solution_cell(nb, path.stem).source = code[path.stem]
        if tamper:
            for cell in nb.cells:
                meta = cell.metadata.get("nbgrader", {})
                if meta.get("grade"):
                    cell.source = str(meta["points"])
        nbformat.write(nb, str(folder / path.name))


def exported(course: Path) -> dict[str, float]:
    run(str(BIN / "nbgrader"), "export", cwd=course)
    with open(course / "grades.csv", newline="") as f:
        return {row["student_id"]: float(row["score"]) for row in csv.DictReader(f)}


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A course built by mlgrade, released by nbgrader, with three students' submissions."""
    course = tmp_path_factory.mktemp("nbgrader") / "course"
    course_file = course.parent / "mlgrade.toml"  # week1: the EXERCISES, at the bank's points
    course_file.write_text(f"[assignments.{ASSIGNMENT}]\nexercises = {list(EXERCISES)!r}\n".replace("'", '"'))
    build = ("nbgrader", "build", str(course), "--course", str(course_file), "--assignment", ASSIGNMENT)
    run(str(BIN / "mlgrade"), *build, cwd=REPO)
    run(str(BIN / "nbgrader"), "generate_assignment", ASSIGNMENT, cwd=course)
    solved = {}
    for path in sorted((course / "source" / ASSIGNMENT).glob("*.ipynb")):
        solved[path.stem] = solution_cell(nbformat.read(str(path), as_version=4), path.stem).source
    buggy = {p.stem: p.read_text() for p in (REPO / "samples" / "buggy_student").glob("*.py") if p.stem in EXERCISES}
    submit(course, "solved", solved)
    submit(course, "buggy", buggy)
    submit(course, "stubs", {})
    return course


@pytest.fixture(scope="module")
def buggy_score() -> float:
    """What ``mlgrade grade`` gives the partly wrong student's modules, graded as files."""
    result = engine.grade(REPO / "samples" / "buggy_student", bank.load(EXERCISES), engine.Options())
    assert 0 < result.score < result.max_score
    return result.score


def test_build_writes_a_course_nbgrader_releases(course: Path) -> None:
    names = sorted(p.stem for p in (course / "release" / ASSIGNMENT).glob("*.ipynb"))
    assert names == sorted(EXERCISES)
    assert (course / "nbgrader_config.py").is_file()
    fingerprints = reference_fingerprints()
    for name in EXERCISES:
        nb = nbformat.read(str(course / "release" / ASSIGNMENT / f"{name}.ipynb"), as_version=4)
        text = "\n".join(c.source for c in nb.cells)
        # the explanation, the stub where the reference was, no hidden check, no reference line
        assert "## The math" in text and "## Shapes" in text and "## Pitfalls" in text
        assert "raise NotImplementedError()" in solution_cell(nb, name).source
        assert "hidden=True" not in text and "BEGIN HIDDEN TESTS" not in text
        assert not [line for line in fingerprints if line in text]
        points = sum(c.metadata["nbgrader"].get("points", 0) for c in nb.cells if "nbgrader" in c.metadata)
        assert points == pytest.approx(max_score([name]))


def test_both_autogrades_give_the_expected_grades(course: Path, buggy_score: float) -> None:
    isolated = course.parent / "isolated"
    shutil.copytree(course, isolated)
    # a fourth student, only for mlgrade's path: grade cells rewritten, one notebook
    # unreadable, two missing, one with its solution cell deleted
    submit(isolated, "tamperer", {}, tamper=True)
    folder = isolated / "submitted" / "tamperer" / ASSIGNMENT
    (folder / "least_squares.ipynb").write_text("{ not json")
    (folder / "metrics.ipynb").unlink()
    (folder / "perceptron.ipynb").unlink()
    nb = nbformat.read(str(folder / "lstm.ipynb"), as_version=4)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "lstm"]
    nbformat.write(nb, str(folder / "lstm.ipynb"))

    run(str(BIN / "nbgrader"), "autograde", ASSIGNMENT, cwd=course)
    done = run(str(BIN / "mlgrade"), "nbgrader", "autograde", str(isolated), ASSIGNMENT, "--jobs", "2", cwd=REPO)
    assert "tamperer: least_squares.ipynb cannot be read as a notebook" in done.stdout
    # the notebooks not handed in on one line (review (c) 8: it was a line for each)
    said = "tamperer: 2 notebooks not handed in, 0 points for them: metrics.ipynb, perceptron.ipynb"
    assert said in done.stdout and "is not in the submission" not in done.stdout
    # the solution cell is not needed (its code may be in other cells): lstm is graded, and fails
    assert "lstm.ipynb" not in done.stdout

    expected = {"solved": max_score(EXERCISES), "buggy": pytest.approx(buggy_score), "stubs": 0.0}
    assert exported(course) == expected
    assert exported(isolated) == {**expected, "tamperer": 0.0}

    # feedback from mlgrade's grades: the checks' reports, never the hidden tests
    run(str(BIN / "nbgrader"), "generate_feedback", ASSIGNMENT, cwd=isolated)
    html = (isolated / "feedback" / "buggy" / ASSIGNMENT / "softmax_regression.html").read_text()
    assert "before exp" in html and "nan or inf for logits as large as" in html
    assert "hidden=True" not in html and "BEGIN HIDDEN TESTS" not in html


def test_autograde_refuses_an_assignment_nbgrader_has_not_generated(course: Path) -> None:
    done = subprocess.run(
        [str(BIN / "mlgrade"), "nbgrader", "autograde", str(course), "week9"],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "has no assignment 'week9'" in done.stderr and "nbgrader generate_assignment week9" in done.stderr


def test_solution_cells_grade_in_full_as_modules(course: Path, tmp_path: Path) -> None:
    """The source notebooks' solution cells, saved as modules, are the references: full marks."""
    for path in (course / "source" / ASSIGNMENT).glob("*.ipynb"):
        nb = nbformat.read(str(path), as_version=4)
        (tmp_path / f"{path.stem}.py").write_text(solution_cell(nb, path.stem).source)
    result = engine.grade(tmp_path, bank.load(EXERCISES), engine.Options())
    failed = [(e.name, c.name, c.message) for e in result.exercises for c in e.checks if not c.passed]
    assert not failed
