"""A student's own `mlgrade check` (issue 13, item 14): an exit status to wire into scripts,
JSON, exercises not started collapsed to one line, points that say what the exercise is worth,
and a run from inside exercises/ itself."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO

from grader.cli import cli


def check(*args: str, cwd: Path | None = None) -> tuple[int, str]:
    old = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        result = CliRunner().invoke(cli, ["check", *args], env={"COLUMNS": "200"})
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A student's checkout: the stubs, with least_squares solved."""
    shutil.copytree(REPO / "exercises", tmp_path / "exercises")
    shutil.copy(REPO / "solutions" / "least_squares.py", tmp_path / "exercises")
    return tmp_path


def test_a_passing_exercise_exits_0_and_says_what_it_is_worth(checkout: Path) -> None:
    code, out = check("least_squares", cwd=checkout)
    assert code == 0, out
    assert "13 of 13 pass" in out and "7.25 of 7.25" in out
    assert "worth 12 in all" in out


def test_exercises_not_started_are_one_line_each_and_fail(checkout: Path) -> None:
    code, out = check(cwd=checkout)
    assert code == 1
    assert "metrics" in out and "not started: 8 functions to write" in out
    assert "is not implemented yet" not in out  # no panel per unwritten function
    assert len(out.splitlines()) < 60  # one screen, not 372 lines


def test_json_gives_the_results(checkout: Path) -> None:
    code, out = check("least_squares", "--json", cwd=checkout)
    assert code == 0
    (result,) = json.loads(out)
    assert result["score"] == result["max_score"] == 7.25


def test_run_from_inside_exercises(checkout: Path) -> None:
    code, out = check("least_squares", cwd=checkout / "exercises")
    assert code == 0, out


def test_a_file_as_path_is_a_usage_error(checkout: Path) -> None:
    code, _ = check("--path", str(checkout / "exercises" / "least_squares.py"))
    assert code == 2
