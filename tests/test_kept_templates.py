"""A student's ``mlgrade check`` keeps its warm template for the next check
(grader/isolation/templates.py): a later check forks its worker from it instead of importing
torch again, meets nothing an earlier check's code left, and the template ends on its own when
no check comes; grading never keeps one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import LEVELS, REPO, max_score, reference_source
from test_forkserver import LEAVE_MARKS, LOOK_FOR_MARKS

from grader import bank, engine
from grader.isolation import Limits, sandbox, templates

pytestmark = pytest.mark.slow

# A student's code that finds a socket among its descriptors (a kept template's listening one
# would let it answer the next check in the template's place) gives wrong answers.
LOOK_FOR_SOCKETS = """
import os
def _sockets():
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                found.append(fd)
        except OSError:  # the folder's own descriptor, closed once read
            pass
    return found
_SOCKETS = _sockets()
_fit_without_sockets = fit
def fit(X, y):
    w = _fit_without_sockets(X, y)
    return w * 0 if _SOCKETS else w
"""

LIMITS = Limits(call_seconds=9.75)  # a setup of this module's own


@pytest.fixture
def place(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A runtime folder of this test's own, where templates are kept (a short path, as a Unix
    socket's address must be); this process's template handles none yet. Every template kept
    there is ended afterwards."""
    runtime = Path(tempfile.mkdtemp(prefix="mlgrade-test-run-"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    monkeypatch.setattr(templates, "_TEMPLATES", {})
    yield runtime / "mlgrade"
    for server in list(templates.templates().values()):
        templates.drop(server)
    templates.end_kept()
    shutil.rmtree(runtime, ignore_errors=True)


def served(place: Path) -> list[int]:
    """How many commands each template kept in ``place`` served before this question."""
    counts = []
    for path in sorted(place.glob("*.sock")):
        sock = templates._connect(path)
        if sock is None:
            continue
        with open(path.with_suffix(".log"), "rb") as printed:
            server = templates.ForkServer(sock, printed, 60.0)
            server.wait_started()
            counts.append(server.served)
            server.close()
    return counts


def options(level: str, keep: float) -> engine.Options:
    return engine.Options(sandbox="require" if level == sandbox.SANDBOX else "off", limits=LIMITS, keep_template=keep)


def command_ends() -> None:
    """What the end of a command does to its templates: its connections close."""
    for server in list(templates.templates().values()):
        templates.drop(server)


@pytest.mark.parametrize("level", LEVELS)
def test_a_later_check_forks_from_the_template_an_earlier_one_kept(level: str, place: Path, tmp_path: Path) -> None:
    folder = tmp_path / "exercises"
    folder.mkdir()
    (folder / "least_squares.py").write_text(reference_source("least_squares"))
    env = {**os.environ, "MLGRADE_TEMPLATE_MINUTES": "1"}
    command = [sys.executable, "-m", "grader", "check", "least_squares", "--path", str(folder), "--json"]
    if level == sandbox.PROCESS:
        command.append("--no-sandbox")

    runs = [subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO, timeout=180) for _ in range(2)]

    for run in runs:
        assert run.returncode == 0, run.stdout + run.stderr
    first, second = (json.loads(run.stdout)[0] for run in runs)
    (public,) = bank.load(("least_squares",), hidden=False)  # mlgrade check runs the public checks
    assert first["score"] == second["score"] == public.max_score
    assert first["isolation"] == second["isolation"] == level
    assert served(place) == [2], "the second check did not use the template the first kept"


@pytest.mark.parametrize("level", LEVELS)
def test_nothing_of_one_check_reaches_the_next(level: str, place: Path, make_submission: Callable[..., Path]) -> None:
    source = reference_source("least_squares")
    marker = make_submission("marker", {"least_squares": source + LEAVE_MARKS})
    looker = make_submission("looker", {"least_squares": source + LOOK_FOR_MARKS + LOOK_FOR_SOCKETS})
    exercises = bank.load(("least_squares",))

    first = engine.grade(marker, exercises, options(level, 60.0))
    command_ends()
    second = engine.grade(looker, exercises, options(level, 60.0))

    assert first.score == second.score == max_score(["least_squares"]), [
        c.message for e in second.exercises for c in e.checks if not c.passed
    ]
    assert second.isolation == level
    command_ends()
    assert served(place) == [2], "the two gradings did not share one kept template"


def test_a_check_while_another_runs_starts_its_own_worker(
    place: Path, make_submission: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kept template serves one command at a time; one that comes meanwhile is told so at
    once, and starts its worker itself instead of waiting."""
    correct = make_submission("correct", {"least_squares": reference_source("least_squares")})
    exercises = bank.load(("least_squares",))
    first = engine.grade(correct, exercises, options(sandbox.PROCESS, 60.0))  # its command goes on
    first_command = templates.templates()
    monkeypatch.setattr(templates, "_TEMPLATES", {})  # another command, in the meantime

    start = time.monotonic()
    second = engine.grade(correct, exercises, options(sandbox.PROCESS, 60.0))
    for server in first_command.values():
        server.close()

    assert first.score == second.score == max_score(["least_squares"])
    assert time.monotonic() - start < 30, "the second command waited for the first"
    assert templates.templates() == {}, "the second command's worker came from the busy template"


def test_a_kept_template_ends_when_no_check_comes(place: Path, make_submission: Callable[..., Path]) -> None:
    correct = make_submission("correct", {"least_squares": reference_source("least_squares")})
    result = engine.grade(correct, bank.load(("least_squares",)), options(sandbox.PROCESS, 1.0))
    command_ends()
    assert result.score == max_score(["least_squares"])
    (path,) = place.glob("*.sock")

    deadline = time.monotonic() + 30
    while (sock := templates._connect(path)) is not None and time.monotonic() < deadline:
        sock.close()
        time.sleep(0.2)

    assert sock is None, "the kept template still listens 30 s after its 1 s of idle time"


def test_a_template_that_ended_is_started_again(place: Path, make_submission: Callable[..., Path]) -> None:
    correct = make_submission("correct", {"least_squares": reference_source("least_squares")})
    exercises = bank.load(("least_squares",))
    before = engine.grade(correct, exercises, options(sandbox.PROCESS, 60.0))
    command_ends()
    assert templates.end_kept() == 1  # its socket's file stays, with nothing listening

    after = engine.grade(correct, exercises, options(sandbox.PROCESS, 60.0))

    assert before.score == after.score == max_score(["least_squares"])
    (server,) = templates.templates().values()
    assert server.alive() and server.served == 0, "not a new template"


def test_a_check_of_another_setup_ends_the_kept_template(place: Path, make_submission: Callable[..., Path]) -> None:
    """One template is kept per user: a check that forbids other calls starts its own, and the
    one kept before ends (each holds torch: a student going through the exercises one after
    another would otherwise keep one per exercise)."""
    folder = make_submission("both", {n: reference_source(n) for n in ("least_squares", "metrics")})
    for name in ("least_squares", "metrics"):  # their forbidden calls differ: two setups
        result = engine.grade(folder, bank.load((name,)), options(sandbox.PROCESS, 60.0))
        command_ends()
        assert result.score == max_score([name])

    assert len(list(place.glob("*.sock"))) == 2
    assert served(place) == [1], "the first setup's template did not end, or the second's is not kept"


def test_grading_keeps_no_template(
    place: Path, make_submission: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    correct = make_submission("correct", {"least_squares": reference_source("least_squares")})
    monkeypatch.setenv("MLGRADE_TEMPLATE_MINUTES", "1")  # as a student's check would keep one

    result = engine.grade(correct, bank.load(("least_squares",)), engine.Options(sandbox="off", limits=LIMITS))

    assert result.score == max_score(["least_squares"])
    assert list(place.glob("*.sock")) == []
    (server,) = templates.templates().values()
    assert server.process is not None, "grading's template is its own process's"


def test_no_template_is_kept_in_a_folder_others_can_open(place: Path) -> None:
    place.mkdir(mode=0o700)
    assert templates.kept_place() == place
    place.chmod(0o755)
    assert templates.kept_place() is None
    place.rmdir()
    own = place.parent / "elsewhere"
    own.mkdir(mode=0o700)
    place.symlink_to(own)
    assert templates.kept_place() is None


def test_no_template_is_kept_where_its_folder_cannot_be_made(
    monkeypatch: pytest.MonkeyPatch, make_submission: Callable[..., Path]
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/nonexistent/run")
    monkeypatch.setattr(templates, "_TEMPLATES", {})
    assert templates.kept_place() is None
    correct = make_submission("correct", {"least_squares": reference_source("least_squares")})

    result = engine.grade(correct, bank.load(("least_squares",)), options(sandbox.PROCESS, 60.0))

    assert result.score == max_score(["least_squares"])
    (server,) = templates.templates().values()
    assert server.process is not None, "not the command's own template"
    templates.drop(server)
