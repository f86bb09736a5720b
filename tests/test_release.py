"""mlgrade release: the student bundle installs in a fresh environment, checks stubs and
solutions with the public checks, cannot grade, and holds nothing of the references."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, reference_fingerprints

from grader import bank
from grader.cli import cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release") / "course"
    result = CliRunner().invoke(cli, ["release", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def student_python(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the bundle installed. The libraries (torch and the rest) come from
    this environment's site-packages through a .pth file, instead of a second download;
    that folder holds no grader (the dev install is editable, from the repository)."""
    venv = tmp_path_factory.mktemp("student") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(purelib) / "course_libraries.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", str(bundle)],
        check=True,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    return python


def mlgrade(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [python, "-m", "grader", *args], cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )


def test_bundle_holds_stubs_readme_and_public_checks_only(bundle: Path) -> None:
    files = {str(p.relative_to(bundle)) for p in bundle.rglob("*") if p.is_file()}
    assert {"README.md", "pyproject.toml"} <= files
    assert {f"exercises/{name}.py" for name in bank.NAMES} <= files
    assert {f"grader/bank/{name}.py" for name in bank.NAMES} <= files
    assert not [f for f in files if f.startswith("solutions") or "hidden" in f.split("/")]
    for name in bank.NAMES:
        assert (bundle / "exercises" / f"{name}.py").read_bytes() == (REPO / "exercises" / f"{name}.py").read_bytes()


def test_no_line_of_the_references_or_hidden_checks_is_in_the_bundle(bundle: Path) -> None:
    fingerprints = reference_fingerprints()
    assert len(fingerprints) > 100  # the scan looks at real code
    for path in bundle.rglob("*"):
        if path.is_file():
            lines = {line.strip() for line in path.read_text(errors="replace").splitlines()}
            assert not lines & fingerprints, (path, sorted(lines & fingerprints)[:3])


def test_student_checks_stubs_and_a_solution_in_a_fresh_venv(bundle: Path, student_python: Path) -> None:
    stubs = mlgrade(student_python, "check", cwd=bundle)
    assert stubs.returncode == 1, stubs.stderr  # checks fail: as pytest, exit status 1
    assert "not started: 4 functions to write" in stubs.stdout
    assert "public checks 0 of " in stubs.stdout.replace("\n", " ")
    solved = mlgrade(student_python, "check", "--path", str(REPO / "solutions"), cwd=bundle)
    assert solved.returncode == 0, solved.stderr
    assert "✗" not in solved.stdout and "✓" in solved.stdout


def test_the_bundle_cannot_grade_nor_import_the_references(bundle: Path, student_python: Path) -> None:
    graded = mlgrade(student_python, "grade", str(REPO / "solutions"), cwd=bundle)
    assert graded.returncode == 2
    assert "no hidden checks or reference solutions" in graded.stderr
    probe = "import importlib.util as u; print(u.find_spec('solutions'), u.find_spec('grader.hidden'))"
    found = subprocess.run([student_python, "-I", "-c", probe], cwd=bundle, capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "None None"


def test_release_refuses_a_folder_in_use(bundle: Path) -> None:
    result = CliRunner().invoke(cli, ["release", str(bundle)])
    assert result.exit_code == 2
    assert "already exists and is not an empty folder" in result.output


def test_the_bundle_shows_students_their_commands_and_rules_in_their_words(bundle: Path, student_python: Path) -> None:
    shown = mlgrade(student_python, "--help", cwd=bundle)
    assert shown.returncode == 0
    commands = shown.stdout.split("Commands:")[1]
    assert "check" in commands and "list" in commands
    for instructors_only in ("grade", "release", "nbgrader", "gradescope"):
        assert instructors_only not in commands
    readme = (bundle / "README.md").read_text()
    assert "requires_grad=True" not in readme and "__set__" not in readme
    assert "Automatic differentiation" in readme


def test_the_bundle_validates_its_stubs_and_checks_in_the_portable_worker(bundle: Path, student_python: Path) -> None:
    """What .github/workflows/student-bundle.yml runs on Windows and macOS, here on Linux with
    the portable worker asked for: validate is ready on the stubs, check passes the references."""
    env = {**os.environ, "MLGRADE_PORTABLE": "1"}
    run = [student_python, "-m", "grader"]
    validated = subprocess.run([*run, "validate"], cwd=bundle, capture_output=True, text=True, env=env, timeout=600)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "Ready to hand in" in validated.stdout
    solved = subprocess.run(
        [*run, "check", "--path", str(REPO / "solutions")], cwd=bundle, capture_output=True, text=True, env=env
    )
    assert solved.returncode == 0, solved.stdout + solved.stderr
    assert "isolation: portable" in solved.stdout
