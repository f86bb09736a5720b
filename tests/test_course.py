"""The course file (mlgrade.toml): how it is found, what it checks, how points scale, and
``--assignment`` on every command that works on exercises."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from grader import bank, course
from grader.cli import cli

EXAMPLE = REPO / "examples" / "mlgrade.toml"
STUBS = str(REPO / "exercises")

COURSE = """\
[course]
name = "ML, spring 2027"
language = "en"

[assignments.week3]
title = "Regression and classification"
exercises = ["least_squares", "metrics"]
points = { least_squares = 10 }
due = 2027-03-14T23:59:00+08:00

[assignments.week4]
exercises = ["conv"]
"""


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.fixture
def course_file(tmp_path: Path) -> Path:
    path = tmp_path / "mlgrade.toml"
    path.write_text(COURSE)
    return path


# -- reading and finding ----------------------------------------------------------------------


def test_the_file_is_read_with_its_assignments_points_and_due_date(course_file: Path) -> None:
    read = course.load(course_file)
    assert read.name == "ML, spring 2027" and read.language == "en"
    assert list(read.assignments) == ["all", "week3", "week4"]
    week3 = read.assignment("week3")
    assert week3.exercises == ("least_squares", "metrics") and week3.points == {"least_squares": 10.0}
    assert week3.due is not None and week3.due.isoformat() == "2027-03-14T23:59:00+08:00"
    assert len(read.digest or "") == 64


def test_found_from_the_current_folder_upwards(course_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deep = course_file.parent / "a" / "b"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert course.find() == course_file.resolve()
    selection = course.select(None, "week3")
    assert selection.names == ("least_squares", "metrics") and selection.course.path == course_file.resolve()


def test_without_a_file_the_course_is_every_exercise_at_the_banks_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    selection = course.select(None, None)
    assert selection.assignment.name == "all" and selection.names == tuple(bank.NAMES)
    assert selection.course.path is None and selection.course.language is None  # MLGRADE_LANG, else en
    assert [e.worth for e in selection.load()] == [12.0] * len(bank.NAMES)


def test_course_names_another_file_over_the_one_found(course_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(course_file.parent)
    selection = course.select(EXAMPLE, "week6")
    assert selection.course.path == EXAMPLE and "attention" in selection.names


# -- usage errors: exit 2, naming the known ones ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[assignments.w]\nexercises = ['least_squares'\n", "is not valid TOML"),
        ("[assignments.w]\nexercises = ['metrics', 'softmax']\n", "unknown exercise 'softmax'; the exercises are"),
        ("[assignments.w]\nexercises = ['metrics']\npoints = { metrics = -3 }\n", "give a positive number"),
        ("[assignments.w]\nexercises = ['metrics']\npoints = { metrics = 'ten' }\n", "give a positive number"),
        ("[assignments.w]\nexercises = ['metrics']\npoints = { conv = 4 }\n", "not one of its exercises: metrics"),
        ("[assignments.w]\nexercises = ['metrics']\ndue = '2027-03-14'\n", "TOML date-time without quotes"),
        ("[assignments.w]\nexercise = ['metrics']\n", "unknown key 'exercise'"),
        ("[assignments.w]\nexercises = []\n", "needs exercises"),
        ("[course]\nlanguage = 'fr'\n[assignments.w]\nexercises = ['metrics']\n", "the languages are: en, zh"),
        ("[course]\nname = 'x'\n", "has no assignment"),
    ],
)
def test_a_bad_course_file_is_a_usage_error_that_says_what_to_fix(tmp_path: Path, text: str, said: str) -> None:
    path = tmp_path / "mlgrade.toml"
    path.write_text(text)
    code, out = run("list", "--course", str(path))
    assert code == 2
    assert said in " ".join(out.split()), out
    assert str(path) in out.replace("\n", "")


def test_a_toml_syntax_error_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "mlgrade.toml"
    path.write_text("[course]\nname = 'x'\n\n[assignments.w]\nexercises = [metrics]\n")
    code, out = run("list", "--course", str(path))
    assert code == 2 and "line 5" in out


def test_unknown_assignment_and_exercise_name_the_known_ones(course_file: Path) -> None:
    code, out = run("list", "--course", str(course_file), "--assignment", "week9")
    assert code == 2 and "unknown assignment 'week9'" in out and "all, week3, week4" in out
    code, out = run("check", "conv", "--course", str(course_file), "--assignment", "week3")
    assert code == 2 and "'conv' is not in assignment 'week3'; its exercises are: least_squares, metrics" in out
    code, out = run("grade", STUBS, "-e", "nope", "--course", str(course_file))
    assert code == 2 and "unknown exercise 'nope'" in out
    code, out = run("list", "--course", str(course_file.parent / "missing.toml"))
    assert code == 2 and "no such file" in out


# -- points --------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(
    name=st.sampled_from(bank.NAMES),
    points=st.one_of(st.integers(1, 100).map(float), st.floats(0.1, 250, allow_nan=False).map(lambda x: round(x, 2))),
)
def test_scaled_checks_keep_their_shares_and_add_up_to_the_points(name: str, points: float) -> None:
    (exercise,) = bank.load([name])
    scaled = exercise.scaled(points)
    assert scaled.worth == points and round(scaled.max_score, 6) == round(points, 6)
    for before, after in zip(exercise.checks, scaled.checks, strict=True):
        assert after.name == before.name and after.points == pytest.approx(before.points * points / exercise.worth)
    # a student's install (public checks only) scales them exactly as the full install does
    (public,) = bank.load([name], hidden=False, points={name: points})
    assert [c.points for c in public.checks] == [c.points for c in scaled.checks if c.visibility == "public"]


def test_grade_records_the_assignment_the_files_digest_and_the_points(course_file: Path) -> None:
    code, out = run("grade", STUBS, "--json", "--course", str(course_file), "--assignment", "week3")
    assert code == 0, out
    (graded,) = json.loads(out[out.index("[") :])
    assert [e["name"] for e in graded["exercises"]] == ["least_squares", "metrics"]
    assert [e["max_score"] for e in graded["exercises"]] == [10.0, 12.0] and graded["max_score"] == 22.0
    record = graded["grader"]
    assert record["assignment"] == "week3" and record["points"] == {"least_squares": 10.0, "metrics": 12.0}
    assert record["course"]["sha256"] == course.load(course_file).digest
    assert record["due"] == "2027-03-14T23:59:00+08:00"
    assert {"version", "options"} <= set(record)  # the keys grades.json had before stay


def test_grade_narrows_an_assignment_with_e(course_file: Path) -> None:
    code, out = run("grade", STUBS, "--json", "--course", str(course_file), "--assignment", "week3", "-e", "metrics")
    assert code == 0, out
    (graded,) = json.loads(out[out.index("[") :])
    assert [e["name"] for e in graded["exercises"]] == ["metrics"]


# -- every command that works on exercises takes --assignment ----------------------------------


def test_list_shows_the_assignment_at_its_points(course_file: Path) -> None:
    code, out = run("list", "--course", str(course_file), "--assignment", "week3")
    assert code == 0, out
    assert "Assignment week3: Regression and classification, due 2027-03-14 23:59 +08:00, 22 points" in " ".join(
        out.split()
    )
    assert "least_squares" in out and "metrics" in out and "conv" not in out
    assert re.search(r"total\D+10\D", out)  # least_squares' total, scaled


def test_check_gives_the_public_checks_the_assignments_points(course_file: Path) -> None:
    code, out = run("check", "--path", STUBS, "--json", "--course", str(course_file), "--assignment", "week3")
    assert code == 1  # the stubs fail their checks
    (checked,) = json.loads(out[out.index("[") :])
    assert [e["name"] for e in checked["exercises"]] == ["least_squares", "metrics"]
    (plain,) = bank.load(["least_squares"], hidden=False)
    assert checked["exercises"][0]["max_score"] == pytest.approx(plain.max_score * 10 / 12, abs=1e-6)


def test_release_bundles_the_assignment_and_its_course_file(course_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    code, said = run("release", str(out), "--course", str(course_file), "--assignment", "week3")
    assert code == 0, said
    assert "mlgrade check --assignment week3" in said
    assert (out / "mlgrade.toml").read_bytes() == course_file.read_bytes()
    assert sorted(p.name for p in (out / "exercises").glob("*.py")) == ["__init__.py", "least_squares.py", "metrics.py"]
    readme = (out / "README.md").read_text()
    assert "# Regression and classification (week3)" in readme and "2027-03-14 23:59 +08:00" in readme
    assert "mlgrade check --assignment week3" in readme and "| 10 |" in readme


def test_gradescope_zip_carries_the_course_file_and_grades_the_assignment(course_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "autograder.zip"
    code, said = run("gradescope", "build", str(out), "--course", str(course_file), "--assignment", "week3")
    assert code == 0, said
    with zipfile.ZipFile(out) as archive:
        assert archive.read("mlgrade.toml") == course_file.read_bytes()
        script = archive.read("run_autograder").decode()
    assert '--course "$ROOT/source/mlgrade.toml" --assignment week3' in script


def test_gradescope_run_grades_the_assignment(course_file: Path, tmp_path: Path) -> None:
    (tmp_path / "submission").mkdir()
    for name in ("least_squares", "metrics"):
        (tmp_path / "submission" / f"{name}.py").write_text((REPO / "exercises" / f"{name}.py").read_text())
    code, out = run("gradescope", "run", "--root", str(tmp_path), "--course", str(course_file), "--assignment", "week3")
    assert code == 0, out
    results = json.loads((tmp_path / "results" / "results.json").read_text())
    assert sum(t["max_score"] for t in results["tests"]) == pytest.approx(22.0)
    assert {t["tags"][0] for t in results["tests"]} == {"least_squares", "metrics"}


def test_nbgrader_build_writes_the_assignments_notebooks_at_its_points(course_file: Path, tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    out = tmp_path / "nb"
    code, said = run("nbgrader", "build", str(out), "--course", str(course_file), "--assignment", "week3")
    assert code == 0, said
    notebooks = sorted(p.name for p in (out / "source" / "week3").glob("*.ipynb"))
    assert notebooks == ["least_squares.ipynb", "metrics.ipynb"]
    nb = nbformat.read(str(out / "source" / "week3" / "least_squares.ipynb"), as_version=4)
    cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert sum(c.metadata["nbgrader"]["points"] for c in cells) == pytest.approx(10.0)
    assert all("worth=10.0" in c.source for c in cells)
    nb = nbformat.read(str(out / "source" / "week3" / "metrics.ipynb"), as_version=4)
    assert not any("worth=" in c.source for c in nb.cells)  # the bank's points: nothing to scale


def test_report_takes_the_assignment(course_file: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    grades = tmp_path / "grades"
    some = ("-e", "least_squares", "-e", "metrics", "-e", "conv")
    code, out = run("grade", STUBS, "--out", str(grades), "--course", str(course_file), *some, "-q")
    assert code == 0, out
    code, out = run("report", str(grades), "--course", str(course_file), "--assignment", "week3")
    assert code == 0, out
    page = (grades / "report.html").read_text()
    assert "Class report: Regression and classification (week3)" in page
    assert "<code>least_squares</code>" in page and "<code>conv</code>" not in page
    assert "Wrote" in out and "report.html" in out
