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
    monkeypatch.setattr(templates, "_STARTED_FIRST", [])
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


# -- a check starts the template it kept last time before the grader loads (grader/__main__.py) --


def test_only_a_plain_check_starts_its_template_first() -> None:
    import grader.__main__ as command

    for given in (["check", "least_squares", "--path", "x", "--json"], ["check", "--lang", "zh", "least_squares"]):
        assert command._early_command(given) == "check least_squares"
    assert command._early_command(["check", "metrics", "least_squares", "metrics"]) == "check least_squares metrics"
    unusual_ones = (["check", "least_squares", "--no-sandbox"], ["check", "--course", "c"], ["grade", "x"], ["check"])
    for unusual in unusual_ones:
        assert command._early_command(unusual) is None


def _never(*args: object) -> None:
    raise AssertionError("the grading started a template of its own")


@pytest.mark.parametrize("level", LEVELS)
def test_a_check_starts_the_template_it_kept_last_time_first(
    level: str, place: Path, make_submission: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    correct = make_submission("correct", {"least_squares": reference_source("least_squares")})
    exercises = bank.load(("least_squares",), hidden=False)
    assert not templates.start_noted("check least_squares"), "nothing was noted yet"
    engine.grade(correct, exercises, options(level, 60.0))
    templates.note_kept("check least_squares")
    command_ends()
    assert templates.end_kept() == 1  # it ended since, as after its idle time
    monkeypatch.setenv("MLGRADE_COLD_WORKERS", "1")
    assert not templates.start_noted("check least_squares"), "cold workers use no template"
    monkeypatch.delenv("MLGRADE_COLD_WORKERS")

    assert templates.start_noted("check least_squares")
    assert not templates.start_noted("check least_squares"), "one listens already: not a second"
    monkeypatch.setattr(templates, "_listen_and_start", _never)
    result = engine.grade(correct, exercises, options(level, 60.0))

    assert result.score == exercises[0].max_score
    assert result.isolation == level
    (server,) = templates.templates().values()
    assert server.served == 0, "the grading's worker did not come from the template started first"


def test_a_template_started_first_for_a_setup_since_changed_is_not_used(
    place: Path, make_submission: Callable[..., Path]
) -> None:
    correct = make_submission("correct", {"least_squares": reference_source("least_squares")})
    exercises = bank.load(("least_squares",), hidden=False)
    engine.grade(correct, exercises, options(sandbox.PROCESS, 60.0))
    templates.note_kept("check least_squares")
    (noted,) = [s.launch for s in templates.templates().values()]
    command_ends()
    templates.end_kept()
    assert templates.start_noted("check least_squares")

    # the same check, after the bank changed what least_squares forbids: another setup
    changed = bank.load(("metrics",), hidden=False)
    result = engine.grade(
        make_submission("m", {"metrics": reference_source("metrics")}), changed, options(sandbox.PROCESS, 60.0)
    )

    assert result.score == changed[0].max_score
    (server,) = templates.templates().values()
    assert server.launch is not None and noted is not None and server.launch["name"] != noted["name"]
    templates.note_kept("check least_squares")  # at the command's end: the one started first ends
    command_ends()
    assert served(place) == [1], "the template started first still listens, or the grading used it"


def test_what_was_noted_is_read_only_where_this_user_alone_may_write_it(place: Path, tmp_path: Path) -> None:
    """The noted file says what to run: one that others may write, or that is a link, is not read."""
    started = tmp_path / "started"
    launch = {"name": "0123abcd", "command": ["sh", "-c", f"touch {started}"], "env": {}, "cwd": str(tmp_path)}
    place.mkdir(mode=0o700)
    noted = place / templates.NOTED
    noted.write_text(json.dumps({"check least_squares": launch}))
    for unsafe in (0o622, 0o646):
        noted.chmod(unsafe)
        assert not templates.start_noted("check least_squares")
    noted.rename(tmp_path / "elsewhere.json")
    (tmp_path / "elsewhere.json").chmod(0o600)
    noted.symlink_to(tmp_path / "elsewhere.json")
    assert not templates.start_noted("check least_squares")
    noted.unlink()
    for garbage in ("{", "[]", json.dumps({"check least_squares": {**launch, "name": "../x"}})):
        noted.write_text(garbage)
        assert not templates.start_noted("check least_squares")
    assert not started.exists()

    noted.write_text(json.dumps({"check least_squares": launch}))
    noted.chmod(0o600)
    assert templates.start_noted("check least_squares")  # the same file, this user's alone, is read
    deadline = time.monotonic() + 30
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert started.exists()
