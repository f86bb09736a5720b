"""The portable worker (issue 13 item 13, review #6): students on Windows and macOS run
`mlgrade check` in a plain subprocess with the grader's time limit, and no fork server,
rlimits, /proc or fork. It is chosen where Linux's mechanisms are missing and with
MLGRADE_PORTABLE=1, which these tests use on Linux; grading refuses it.

Windows itself cannot run here: it is simulated by a Python without `resource` (and `fcntl`,
`termios`), for the grader and for the worker alike. The CI workflow
.github/workflows/student-bundle.yml runs the bundle's self-check on real Windows and macOS.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, with_override

from grader import bank, engine
from grader.cli import cli
from grader.isolation import PORTABLE, CannotIsolate, Limits, SandboxUnavailable, choose, frames, portable_reason
from grader.results import SubmissionResult

# The modules a Python on Windows lacks that the grader could reach for.
POSIX_ONLY = ("resource", "fcntl", "termios")


@pytest.fixture
def portable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLGRADE_PORTABLE", "1")


def test_linux_here_needs_no_portable_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLGRADE_PORTABLE", raising=False)
    assert portable_reason() is None
    monkeypatch.setenv("MLGRADE_PORTABLE", "0")
    assert portable_reason() is None


@pytest.mark.parametrize(
    ("setting", "reason"),
    [
        ("MLGRADE_PORTABLE", "MLGRADE_PORTABLE is set"),
        ("win32", "this system is Windows, not Linux"),
        ("darwin", "this system is macOS, not Linux"),
        ("no resource", "Python has no resource module here"),
    ],
)
def test_the_portable_worker_is_chosen_where_linux_mechanisms_are_missing(
    monkeypatch: pytest.MonkeyPatch, setting: str, reason: str
) -> None:
    monkeypatch.delenv("MLGRADE_PORTABLE", raising=False)
    if setting == "MLGRADE_PORTABLE":
        monkeypatch.setenv("MLGRADE_PORTABLE", "1")
    elif setting == "no resource":
        monkeypatch.setitem(sys.modules, "resource", None)
    else:
        monkeypatch.setattr(sys, "platform", setting)
    assert portable_reason() == reason
    assert choose("auto", portable=True) == choose("off", portable=True) == PORTABLE
    for mode in ("auto", "require", "off"):  # grading: no level isolates here, so none is offered
        with pytest.raises(CannotIsolate, match="mlgrade check and mlgrade validate work here"):
            choose(mode)
    with pytest.raises(SandboxUnavailable, match="the sandbox needs Linux"):
        choose("require", portable=True)


@pytest.mark.usefixtures("portable")
@pytest.mark.parametrize("command", [["grade", str(REPO / "solutions")], ["nbgrader", "autograde", ".", "ps1"]])
def test_grading_refuses_where_it_cannot_isolate(command: list[str]) -> None:
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 2, result.output
    assert "cannot be isolated for grading here: MLGRADE_PORTABLE is set" in result.output
    assert "Traceback" not in result.output


def test_nothing_posix_only_is_imported_on_the_portable_path() -> None:
    """The grader's CLI and the worker's own modules import on a Python without the POSIX-only
    modules (as on Windows), and importing them does not import those modules either."""
    blocked = "; ".join(f"sys.modules[{m!r}] = None" for m in POSIX_ONLY)
    probe = (
        f"import sys; {blocked}\n"
        "import grader.cli, grader.isolation, grader.isolation.worker, grader.isolation.seal\n"
        "import grader.isolation.config as c\n"
        "print(c.WorkerConfig.of('cuda', [], grader.isolation.Limits()).memory_bytes)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "-1"


# -- reading a pipe with a deadline, without select -----------------------------------------


def test_the_pipe_reader_reads_exactly_across_chunks_and_waits_with_a_deadline() -> None:
    r, w = os.pipe()
    reader = frames.PipeReader(r, "the test")
    try:
        os.write(w, b"abc")
        os.write(w, b"defgh")
        assert reader.read_exactly(4, time.monotonic() + 5) == b"abcd"
        assert reader.read_exactly(4, time.monotonic() + 5) == b"efgh"
        polls: list[float] = []
        start = time.monotonic()
        with pytest.raises(TimeoutError, match="the test did not answer"):
            reader.read_exactly(1, start + 0.35, lambda: polls.append(time.monotonic()))
        assert 0.3 < time.monotonic() - start < 3 and polls  # waited, polling meanwhile
        os.write(w, b"xy")
        os.close(w)
        w = -1
        with pytest.raises(EOFError, match="the test closed the pipe"):
            reader.read_exactly(3, time.monotonic() + 5)
    finally:
        if w >= 0:
            os.close(w)
        reader.close()
        os.close(r)


def test_a_poll_that_raises_ends_the_wait() -> None:
    r, w = os.pipe()
    reader = frames.PipeReader(r)

    def flooded() -> None:
        raise OverflowError("flood")

    try:
        with pytest.raises(OverflowError):
            reader.read_exactly(1, time.monotonic() + 5, flooded)
    finally:
        os.close(w)
        reader.close()
        os.close(r)


# -- grading at the portable level ------------------------------------------------------------


def _outcomes(result: SubmissionResult) -> list[tuple[str, str, bool, float, str]]:
    return [(e.name, c.name, c.passed, c.points, c.message) for e in result.exercises for c in e.checks]


def _check_json(path: Path, *, portable: bool) -> tuple[int, SubmissionResult]:
    env = {"MLGRADE_PORTABLE": "1" if portable else "0"}
    result = CliRunner().invoke(cli, ["check", "--path", str(path), "--json"], env=env)
    (data,) = json.loads(result.stdout)
    return result.exit_code, SubmissionResult.from_json(data)


@pytest.mark.slow
@pytest.mark.parametrize("folder", ["solutions", "samples/buggy_student"])
def test_check_scores_the_same_at_the_portable_level(folder: str) -> None:
    """mlgrade check on the references and on the buggy sample: the same checks pass, with the
    same points and messages, in the portable worker as in the usual one."""
    usual_code, usual = _check_json(REPO / folder, portable=False)
    portable_code, in_portable = _check_json(REPO / folder, portable=True)
    assert in_portable.isolation == PORTABLE and usual.isolation != PORTABLE
    assert _outcomes(in_portable) == _outcomes(usual)
    assert portable_code == usual_code == (0 if folder == "solutions" else 1)


@pytest.mark.usefixtures("portable")
def test_check_names_the_portable_level() -> None:
    result = CliRunner().invoke(cli, ["check", "least_squares", "--path", str(REPO / "solutions")])
    assert result.exit_code == 0, result.output
    assert "isolation: portable (a separate process without resource limits" in " ".join(result.output.split())


PORTABLE_HOSTILE = {
    "hang": ("fit", "def fit(X, y):\n    while True:\n        pass\n", "timed out after 2 s"),
    "flood": ("fit", "def fit(X, y):\n    while True:\n        print('x' * 100000)\n", "printed or wrote more than"),
    "sys.exit": ("fit_line", "import sys\ndef fit_line(x, y):\n    sys.exit(0)\n", "exited the process"),
    "os._exit": ("predict", "import os\ndef predict(X, w):\n    os._exit(3)\n", "exit status 3"),
    "subprocess": (
        "fit",
        "import subprocess\ndef fit(X, y):\n    subprocess.run(['true'])\n",
        "starting processes is not allowed",
    ),
    "import solutions": (
        "fit",
        "def fit(X, y):\n    from solutions.least_squares import fit as f\n    return f(X, y)\n",
        "cannot be imported by a submission",
    ),
}


@pytest.mark.slow
@pytest.mark.usefixtures("portable")
@pytest.mark.parametrize("attack", sorted(PORTABLE_HOSTILE), ids=lambda a: a.replace(" ", "-"))
def test_a_hostile_function_loses_only_its_points_at_the_portable_level(
    attack: str, make_submission: Callable[..., Path]
) -> None:
    """What the portable level still enforces: the grader's time and output limits, the audit
    hook and the import guard; a worker that exits or hangs is replaced."""
    function, code, expected = PORTABLE_HOSTILE[attack]
    folder = make_submission("hostile", {"least_squares": with_override("least_squares", code)})
    options = engine.Options(limits=Limits(call_seconds=2.0), portable=True)
    result = engine.grade(folder, bank.load(["least_squares"], hidden=False), options)
    assert result.isolation == PORTABLE
    checks = result.exercises[0].checks
    broken = [c for c in checks if c.function == function]
    assert broken and not any(c.passed for c in broken)
    assert any(expected in c.message for c in broken), [c.message for c in broken]
    others = [c for c in checks if c.function != function]
    assert others and all(c.passed for c in others), [(c.name, c.message) for c in others if not c.passed]


@pytest.mark.slow
def test_check_works_on_a_simulated_windows(tmp_path: Path) -> None:
    """Review #6's simulation, for the grader and its worker: both run on a Python where the
    POSIX-only modules cannot be imported. mlgrade check works (no ModuleNotFoundError) and
    picks the portable worker by itself, with no MLGRADE_PORTABLE."""
    blocked = "; ".join(f"sys.modules[{m!r}] = None" for m in POSIX_ONLY)
    # the worker is started as `PYTHON -I -B -m grader.isolation.worker ...`: PYTHON is this
    # wrapper, which blocks the same modules before running the worker's module
    worker_python = tmp_path / "python"
    runner = f"import sys, runpy; {blocked}; runpy.run_module('grader.isolation.worker', run_name='__main__')"
    worker_python.write_text(f'#!/bin/sh\nshift 4\nexec {sys.executable} -I -B -c "{runner}" "$@"\n')
    worker_python.chmod(0o755)
    script = (
        f"import sys; {blocked}\n"
        "from grader.isolation import sandbox\n"
        f"sandbox.python = lambda: {str(worker_python)!r}\n"
        "from grader.cli import main\n"
        f"sys.argv = ['mlgrade', 'check', 'least_squares', '--path', {str(REPO / 'solutions')!r}]\n"
        "main()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "MLGRADE_PORTABLE"} | {"COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=600)
    assert "ModuleNotFoundError" not in done.stdout + done.stderr
    assert done.returncode == 0, done.stdout + done.stderr
    assert "isolation: portable" in done.stdout
    assert "13 of 13 pass" in done.stdout
