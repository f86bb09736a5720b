"""Gradescope: the autograder zip, and run_autograder run in an /autograder-like folder on
three submissions, each results.json validated against Gradescope's documented format."""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import stat
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from conftest import REPO, max_score

from grader import bank
from grader.cli import cli

pytestmark = pytest.mark.slow

SCHEMA = json.loads((Path(__file__).parent / "gradescope_results.schema.json").read_text())


def build(out: Path, *options: str) -> zipfile.ZipFile:
    result = CliRunner().invoke(cli, ["gradescope", "build", str(out), *options])
    assert result.exit_code == 0, result.output
    return zipfile.ZipFile(out)


@pytest.fixture(scope="module")
def autograder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Gradescope's layout: the zip unpacked in ROOT/source, ROOT/submission, ROOT/results."""
    root = tmp_path_factory.mktemp("gradescope") / "autograder"
    archive = build(root.parent / "autograder.zip")
    archive.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):  # zipfile drops the mode bits; Gradescope keeps them
        assert archive.getinfo(name).external_attr >> 16 & stat.S_IXUSR
        (root / "source" / name).chmod(0o755)
    return root


def run_autograder(root: Path, submission: Path, layout: str = "", zipped: str = "") -> dict:
    """Place ``submission`` (its .py files, under ``layout`` inside the submission folder, or
    in a zip named ``zipped`` there, as a student's upload of a .zip is kept) and run
    run_autograder as Gradescope would, with this environment's Python."""
    shutil.rmtree(root / "submission", ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    (root / "submission").mkdir(parents=True)
    if zipped:
        with zipfile.ZipFile(root / "submission" / zipped, "w") as archive:
            for module in submission.glob("*.py"):
                archive.write(module, str(Path(layout) / module.name))
    else:
        target = root / "submission" / layout
        target.mkdir(parents=True, exist_ok=True)
        for module in submission.glob("*.py"):
            shutil.copy(module, target / module.name)
    env = {**os.environ, "MLGRADE_AUTOGRADER_ROOT": str(root), "MLGRADE_PYTHON": sys.executable}
    done = subprocess.run([root / "source" / "run_autograder"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(results, SCHEMA)
    assert results["score"] == pytest.approx(sum(t["score"] for t in results["tests"]))
    return results


def test_zip_holds_setup_run_autograder_and_the_full_source(tmp_path: Path) -> None:
    names = set(build(tmp_path / "a.zip").namelist())
    assert {"setup.sh", "run_autograder", "mlgrade/pyproject.toml", "mlgrade/README.md"} <= names
    assert "mlgrade/solutions/least_squares.py" in names and "mlgrade/grader/hidden/conv.py" in names
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        setup = archive.read("setup.sh").decode()
    assert "download.pytorch.org/whl/cpu" in setup and "constraints.txt /autograder/source/mlgrade" in setup
    for name in ("setup.sh", "run_autograder"):
        subprocess.run(["bash", "-n", "-c", zipfile.ZipFile(tmp_path / "a.zip").read(name).decode()], check=True)


def test_setup_pins_every_pip_install_to_the_versions_installed_here(tmp_path: Path) -> None:
    """Gradescope must grade with the instructor's torch, numpy and hypothesis (review #16)."""
    archive = build(tmp_path / "a.zip")
    pins = dict(
        line.split("==") for line in archive.read("constraints.txt").decode().splitlines() if not line.startswith("#")
    )
    for package in ("torch", "numpy", "hypothesis"):
        assert pins[package] == importlib.metadata.version(package).split("+")[0]
    setup = archive.read("setup.sh").decode().splitlines()
    assert setup[:3] == ["#!/usr/bin/env bash", setup[1], "set -euo pipefail"]  # before any command
    installs = [line for line in setup if "pip install" in line]
    assert len(installs) == 3 and all("-c /autograder/source/constraints.txt" in line for line in installs)
    assert "--index-url https://download.pytorch.org/whl/cpu" in installs[1]


@pytest.mark.parametrize("found", ["old", "missing", "new"])
def test_setup_checks_python_first_and_names_the_base_image(tmp_path: Path, found: str) -> None:
    """A fake python3 on PATH answers the version check; a fake apt-get stands for the first
    install step, so nothing is ever installed and reaching it means the check let the image through."""
    required = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]  # ">=3.11"
    major, minor = (int(part) for part in required.removeprefix(">=").split("."))
    version = {"old": f"{major}.{minor - 1}", "missing": "", "new": f"{major}.{minor + 1}"}[found]
    shims = tmp_path / "bin"
    shims.mkdir()
    (shims / "python3").write_text(f"#!/bin/sh\necho {version}\n" if version else "#!/bin/sh\nexit 127\n")
    (shims / "apt-get").write_text("#!/bin/sh\necho apt-get reached\nexit 97\n")
    for shim in shims.iterdir():
        shim.chmod(0o755)
    setup = tmp_path / "setup.sh"
    setup.write_bytes(build(tmp_path / "a.zip").read("setup.sh"))
    env = {**os.environ, "PATH": f"{shims}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", str(setup)], env=env, capture_output=True, text=True, timeout=60)
    if found == "new":
        assert done.returncode == 97 and "apt-get reached" in done.stdout
        return
    assert done.returncode == 1 and "apt-get reached" not in done.stdout
    assert f"mlgrade needs Python {major}.{minor} or newer" in done.stderr
    assert f"python3 is {version or 'missing'}." in done.stderr
    assert "choose a base image" in done.stderr and "Ubuntu 24.04 (Python 3.12)" in done.stderr


def test_reference_solutions_score_full_marks(autograder: Path) -> None:
    # review #9: a zipped folder, which Gradescope unpacks to submission/hw1/
    results = run_autograder(autograder, REPO / "solutions", layout="hw1")
    assert results["score"] == max_score()
    assert all(t["status"] == "passed" and t["score"] == t["max_score"] for t in results["tests"])


def test_stubs_fail_every_test_with_a_message(autograder: Path) -> None:
    results = run_autograder(autograder, REPO / "exercises", layout="exercises")
    assert results["score"] == 0
    assert all(t["status"] == "failed" and t["output"] for t in results["tests"])
    assert "is not implemented yet" in results["tests"][0]["output"]


def test_buggy_submission_public_visible_hidden_after_published(autograder: Path) -> None:
    # review #9: a .zip uploaded as it is, holding a folder (graded as mlgrade grade does below)
    results = run_autograder(autograder, REPO / "samples" / "buggy_student", layout="hw1", zipped="hw1.zip")
    assert 0 < results["score"] < max_score()
    hidden = {f"{e.name}: {c.name}" for e in bank.load() for c in e.checks if c.visibility == "hidden"}
    assert {t["visibility"] for t in results["tests"] if t["name"] in hidden} == {"after_published"}
    assert {t["visibility"] for t in results["tests"] if t["name"] not in hidden} == {"visible"}
    failed = [t for t in results["tests"] if t["status"] == "failed"]
    assert failed and all(t["score"] == 0 and t["output"] for t in failed)


def test_hidden_visibility_is_configurable(tmp_path: Path) -> None:
    archive = build(tmp_path / "b.zip", "--hidden-visibility", "hidden")
    assert "--hidden-visibility hidden" in archive.read("run_autograder").decode()
    result = CliRunner().invoke(cli, ["gradescope", "build", str(tmp_path / "c.zip"), "--hidden-visibility", "never"])
    assert result.exit_code == 2


def test_run_without_a_submission_folder_says_what_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["gradescope", "run", "--root", str(tmp_path)])
    assert result.exit_code == 2
    assert "no folder" in result.output and "submission" in result.output


def test_gradescope_scores_equal_mlgrade_grade(autograder: Path) -> None:
    """The same files give the same points on Gradescope as with ``mlgrade grade``, check by check,
    and the full marks are the bank's."""
    submission = REPO / "samples" / "buggy_student"
    results = run_autograder(autograder, submission)
    done = subprocess.run(
        [sys.executable, "-m", "grader", "grade", str(submission), "--json"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (graded,) = json.loads(done.stdout)
    assert results["score"] == pytest.approx(graded["score"], abs=1e-6)
    checks = [(f"{e['name']}: {c['name']}", c) for e in graded["exercises"] for c in e["checks"]]
    assert {t["name"]: t["score"] for t in results["tests"]} == pytest.approx({n: c["points"] for n, c in checks})
    assert {t["name"]: t["max_score"] for t in results["tests"]} == pytest.approx(
        {n: c["max_points"] for n, c in checks}
    )
    full_marks = sum(exercise.max_score for exercise in bank.load())
    assert sum(t["max_score"] for t in results["tests"]) == pytest.approx(full_marks) == graded["max_score"]
