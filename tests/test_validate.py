"""`mlgrade validate` (issue 13 item 14, review (c) 2): before hand-in, as `nbgrader validate`,
each exercise module is found, named right, free of syntax errors and importable in the
worker with every function it must define, and the submission fits what grading copies.
Exit 0: ready to hand in; 1: something to fix; 2: bad usage."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO

from grader import bank, validation
from grader.cli import cli


def validate(*args: str, cwd: Path) -> tuple[int, str]:
    old = os.getcwd()
    try:
        os.chdir(cwd)
        result = CliRunner().invoke(cli, ["validate", *args], env={"COLUMNS": "400"})  # a panel's line whole
    finally:
        os.chdir(old)
    return result.exit_code, " ".join(result.output.split())  # unwrapped


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A student's checkout: the stubs, with least_squares solved."""
    shutil.copytree(REPO / "exercises", tmp_path / "exercises")
    shutil.copy(REPO / "solutions" / "least_squares.py", tmp_path / "exercises")
    return tmp_path


def test_a_good_checkout_is_ready_to_hand_in(checkout: Path) -> None:
    code, out = validate(cwd=checkout)
    assert code == 0, out
    assert "least_squares.py │ ready │" in out
    assert "metrics.py │ ready (not started: its functions still raise NotImplementedError)" in out
    assert "Ready to hand in: the folder exercises" in out


def test_a_misnamed_module_is_named_with_the_nearest_name(checkout: Path) -> None:
    (checkout / "exercises" / "least_squares.py").rename(checkout / "exercises" / "LeastSquares.py")
    code, out = validate("least_squares", cwd=checkout)
    assert code == 1
    assert "least_squares.py is not in the submission" in out
    assert "Did you mean LeastSquares.py? Rename it to least_squares.py" in out
    assert "Not ready: 1 problem(s)" in out


def test_a_module_that_fails_to_import_shows_why(checkout: Path) -> None:
    module = checkout / "exercises" / "least_squares.py"
    module.write_text(module.read_text() + "\nimport a_library_not_installed\n")
    code, out = validate("least_squares", cwd=checkout)
    assert code == 1
    assert "least_squares.py could not be imported" in out
    assert "ModuleNotFoundError: No module named 'a_library_not_installed'" in out
    assert "mlgrade-worker" not in out  # paths as the student knows them


def test_a_misnamed_function_and_a_compiler_error_are_found(checkout: Path) -> None:
    module = checkout / "exercises" / "least_squares.py"
    module.write_text(module.read_text().replace("def ridge_fit(", "def ridgefit("))
    metrics = checkout / "exercises" / "metrics.py"
    metrics.write_text(metrics.read_text() + "\nreturn 1\n")  # parses; only the compiler refuses it
    code, out = validate("least_squares", "metrics", cwd=checkout)
    assert code == 1
    assert "least_squares.py defines no function ridge_fit; did you mean ridgefit? Rename it to ridge_fit" in out
    assert "metrics.py has a syntax error on line" in out and "'return' outside function" in out


def test_an_oversized_data_file_is_named(checkout: Path) -> None:
    with (checkout / "exercises" / "dataset.bin").open("wb") as f:
        f.truncate(70 * 2**20)  # sparse: no disk, no time
    code, out = validate("least_squares", cwd=checkout)
    assert code == 1
    assert "dataset.bin (70 MiB) was not copied: submissions are limited to 64 MiB" in out
    assert "least_squares.py │ ready" in out  # the module itself is fine: data never pushes it out


def test_a_folder_that_is_not_there_is_a_usage_error(tmp_path: Path) -> None:
    code, out = validate("--path", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert code == 2
    assert "no folder" in out


def test_stubs_count_as_not_started_and_a_started_module_does_not() -> None:
    (exercise,) = bank.load(["least_squares"], hidden=False)
    assert validation.not_started((REPO / "exercises" / "least_squares.py").read_text(), exercise)
    assert not validation.not_started((REPO / "solutions" / "least_squares.py").read_text(), exercise)
