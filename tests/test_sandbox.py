"""Choosing the isolation level: grading commands require the sandbox and refuse to grade
without it (exit 2, with the install hint) unless --no-sandbox asks for the process level;
the level in every report. The attacks themselves are in test_attacks.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, needs_sandbox

from grader.cli import cli
from grader.isolation import sandbox

SOLUTIONS = str(REPO / "solutions")


@pytest.fixture
def fresh_probe(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The probe's answer is kept per process: forget it before and after the test. And
    no MLGRADE_NO_SANDBOX from conftest: these tests are about the default."""
    monkeypatch.delenv("MLGRADE_NO_SANDBOX", raising=False)
    sandbox.forget_findings()
    yield
    sandbox.forget_findings()


def grade(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["grade", SOLUTIONS, "-e", "metrics", *args])
    return result.exit_code, result.stdout, result.stderr


def without_bwrap(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fake: str | None = None) -> None:
    """PATH with python but no working bwrap: none at all, or ``fake`` as bwrap's script."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    if fake is not None:
        (bin_dir / "bwrap").write_text(fake)
        (bin_dir / "bwrap").chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))


@needs_sandbox
def test_sandbox_is_used_where_it_works_and_reported() -> None:
    code, out, _ = grade("--json", "--require-sandbox")
    assert code == 0
    (graded,) = json.loads(out)
    assert graded["isolation"] == "sandbox"
    assert graded["score"] == graded["max_score"]


def test_no_sandbox_grades_at_process_level_and_says_so() -> None:
    code, out, err = grade("--no-sandbox")
    assert code == 0
    assert "Isolation: process level only (--no-sandbox)" in err
    assert "isolation: process" in out


@pytest.mark.usefixtures("fresh_probe")
def test_grading_refuses_without_bwrap_unless_no_sandbox_is_given(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The weak level is never used without anyone asking for it (issue 14, item 5)."""
    without_bwrap(monkeypatch, tmp_path)
    for flags in ((), ("--require-sandbox",)):
        code, out, err = grade(*flags)
        assert code == 2
        hint = "the bubblewrap sandbox cannot run here: bubblewrap is not installed (Debian/Ubuntu: apt-get install"
        assert hint in " ".join(err.split())
        assert "--no-sandbox" in err and "Traceback" not in out + err
    code, out, err = grade("--no-sandbox")
    assert code == 0 and "isolation: process" in out
    assert "Isolation: process level only (--no-sandbox)" in err


@pytest.mark.usefixtures("fresh_probe")
def test_broken_bwrap_refuses_to_grade_with_the_reason(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    without_bwrap(
        monkeypatch, tmp_path, fake="#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n"
    )
    code, out, err = grade()
    assert code == 2 and "cannot sandbox here" in err
    assert "No permissions to create new namespace" in err
    code, out, _ = grade("--no-sandbox")
    assert code == 0 and "isolation: process" in out


@pytest.mark.usefixtures("fresh_probe")
def test_a_grading_process_takes_what_the_grader_found_instead_of_probing_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The grading processes of ``--jobs`` are told what the grader found starting their
    templates (batch._adopt_template): they start no bubblewrap and no Python to find it
    again. What they are told is what they go by."""
    without_bwrap(monkeypatch, tmp_path, fake="#!/bin/sh\necho 'bwrap: broken here' >&2\nexit 1\n")
    found = sandbox.sandbox_problem()
    assert found is not None and "broken here" in found
    told = sandbox.findings()
    sandbox.forget_findings()  # a grading process as it starts

    def no_program(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"ran {args[0]!r} to find what it was told")

    monkeypatch.setattr(subprocess, "run", no_program)
    sandbox.take_findings(told)
    assert sandbox.sandbox_problem() == found
    assert sandbox.choose("auto") == sandbox.PROCESS
    sandbox.forget_findings()
    with pytest.raises(AssertionError, match="to find what it was told"):
        sandbox.sandbox_problem()  # not told: it probes


@needs_sandbox
def test_the_sandbox_mounts_no_reference_and_no_hidden_check() -> None:
    """The worker's file system seen from inside, with bwrap's command line as the supervisor
    builds it: the references are absent, the hidden checks an empty folder, and the root holds
    only the system, the Python environment, /submission and the private /tmp."""
    hidden = REPO / "grader" / "hidden"
    look = f"""
import importlib.util, json, os
print(json.dumps({{
    "root": sorted(os.listdir("/")),
    "solutions importable": importlib.util.find_spec("solutions") is not None,
    "solutions on disk": os.path.exists({str(REPO / "solutions")!r}),
    "hidden": os.listdir({str(hidden)!r}) if os.path.isdir({str(hidden)!r}) else [],
}}))
"""
    command = sandbox.command([sandbox.python(), "-I", "-c", look], sandbox.stage(None)[0], "cpu", None)
    done = subprocess.run(command, capture_output=True, text=True, check=True, env={"PATH": os.environ["PATH"]})
    seen = json.loads(done.stdout)
    assert not seen["solutions importable"] and not seen["solutions on disk"]
    assert seen["hidden"] == []
    python = {Path(p).parts[1] for p in (sys.prefix, sys.base_prefix, str(REPO))}
    system = {"bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc", "dev", "proc", "tmp", "submission"}
    assert set(seen["root"]) <= system | python, seen["root"]
