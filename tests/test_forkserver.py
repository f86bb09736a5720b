"""Warm workers (grader/isolation/forkserver.py): forked from a template that has imported torch, yet
sealed per submission like a cold one. Nothing one submission leaves behind (files, globals,
environment, modules) reaches the next submission's worker, at either isolation level, and
a lost template is replaced without losing a grade."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import LEVELS, max_score, reference_source

from grader import batch, engine
from grader.isolation import Limits, sandbox
from grader.isolation.templates import ForkServer, templates

pytestmark = pytest.mark.slow

# The first submission leaves marks wherever it can, and is correct otherwise.
LEAVE_MARKS = """
import builtins, os, sys, tempfile, pathlib, numpy, torch
for place in (tempfile.gettempdir(), "/tmp", os.path.expanduser("~"), os.getcwd(), "/dev/shm"):
    try:
        pathlib.Path(place, "mlgrade-mark").write_text("left by the previous student")
    except OSError:
        pass
builtins.MLGRADE_MARK = True
os.environ["MLGRADE_MARK"] = "1"
sys.modules["mlgrade_mark"] = sys
numpy.MLGRADE_MARK = True
torch.MLGRADE_MARK = True
"""

# The second is correct only if it finds none of them: where the first wrote them, in its own
# folders or in any worker's folder (``mlgrade-worker-*``) left next to its own. Not all of
# /tmp: at the process level that is the machine's, whose size is not the test's (a CI
# machine's took longer than the call's time limit to walk).
LOOK_FOR_MARKS = """
import builtins, os, sys, tempfile, pathlib, numpy, torch
def _found():
    own = pathlib.Path(tempfile.gettempdir())
    places = {own, pathlib.Path("/tmp"), pathlib.Path(os.path.expanduser("~")), pathlib.Path.cwd(),
              pathlib.Path("/dev/shm"), own.parent.parent}
    for place in places:
        try:
            if (place / "mlgrade-mark").exists():
                return True
            for folder in place.glob("mlgrade-worker-*"):
                for path in folder.rglob("mlgrade-mark"):
                    return True
        except OSError:
            pass
    return (hasattr(builtins, "MLGRADE_MARK") or "MLGRADE_MARK" in os.environ or "mlgrade_mark" in sys.modules
            or hasattr(numpy, "MLGRADE_MARK") or hasattr(torch, "MLGRADE_MARK"))
FOUND = _found()
_fit = fit
def fit(X, y):
    w = _fit(X, y)
    return w * 0 if FOUND else w
"""


LIMITS = Limits(call_seconds=9.5)  # templates are per setup: this test's own


def started(level: str) -> list[ForkServer]:
    """The templates of this test's setup at ``level`` that this process has started."""
    return [server for setup, server in templates().items() if setup.isolation == level and setup.limits == LIMITS]


@pytest.mark.parametrize("level", LEVELS)
def test_nothing_of_one_submission_reaches_the_next(level: str, make_submission: Callable[..., Path]) -> None:
    marker = make_submission("marker", {"least_squares": reference_source("least_squares") + LEAVE_MARKS})
    looker = make_submission("looker", {"least_squares": reference_source("least_squares") + LOOK_FOR_MARKS})
    options = engine.Options(sandbox="require" if level == sandbox.SANDBOX else "off", limits=LIMITS)

    first, second = batch.grade_all([marker, looker], ["least_squares"], options)

    assert first.score == second.score == max_score(["least_squares"]), [
        c.message for c in second.exercises[0].checks if not c.passed
    ]
    assert second.isolation == level
    (warm,) = started(level)
    assert warm.alive() and warm.spawned >= 2, "the workers were not forked from a template"


@pytest.mark.parametrize("level", LEVELS)
def test_a_lost_template_is_replaced(level: str, make_submission: Callable[..., Path]) -> None:
    correct = make_submission("correct", {"least_squares": reference_source("least_squares")})
    options = engine.Options(sandbox="require" if level == sandbox.SANDBOX else "off", limits=LIMITS)
    (before,) = batch.grade_all([correct], ["least_squares"], options)
    (template,) = started(level)
    os.killpg(template.process.pid, signal.SIGKILL)
    template.process.wait()

    (after,) = batch.grade_all([correct], ["least_squares"], options)

    assert before.score == after.score == max_score(["least_squares"])
    (replacement,) = started(level)
    assert replacement is not template and replacement.alive()


@pytest.mark.parametrize("level", LEVELS)
def test_cold_workers_start_no_template(
    level: str, make_submission: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """MLGRADE_COLD_WORKERS=1 (SECURITY.md): every worker a new Python, graded the same."""
    monkeypatch.setenv("MLGRADE_COLD_WORKERS", "1")
    limits = Limits(call_seconds=9.25)  # a setup of its own: no other test's template counts
    marker = make_submission("marker", {"least_squares": reference_source("least_squares") + LEAVE_MARKS})
    looker = make_submission("looker", {"least_squares": reference_source("least_squares") + LOOK_FOR_MARKS})
    options = engine.Options(sandbox="require" if level == sandbox.SANDBOX else "off", limits=limits)

    first, second = batch.grade_all([marker, looker], ["least_squares"], options)

    assert first.score == second.score == max_score(["least_squares"]), [
        c.message for c in second.exercises[0].checks if not c.passed
    ]
    assert second.isolation == level
    assert [setup for setup in templates() if setup.limits == limits] == []


def _templates_of(pid: int) -> list[int]:
    """The templates (``python -m grader.isolation.forkserver``, not the workers they fork)
    that process ``pid`` started itself: its children, or at the sandbox level the children of
    its bubblewrap children."""

    def children(of: int) -> list[int]:
        found: list[int] = []
        for task in Path(f"/proc/{of}/task").iterdir():
            found += [int(p) for p in (task / "children").read_text().split()]
        return found

    def is_template(p: int) -> bool:
        return b"grader.isolation.forkserver" in Path(f"/proc/{p}/cmdline").read_bytes()

    started: list[int] = []
    for child in children(pid):
        if is_template(child):
            started.append(child)
        elif Path(f"/proc/{child}/cmdline").read_bytes().startswith(b"bwrap"):
            started += [p for p in children(child) if is_template(p)]
    return started


@pytest.mark.parametrize("level", LEVELS)
def test_the_grading_processes_templates_start_with_the_grading(
    level: str, make_submission: Callable[..., Path]
) -> None:
    """With --jobs, the grader starts one template per grading process while its fork server
    imports, not each grading process its own once forked (batch._TemplatesAhead); each
    grading process forks every worker from its own one, sealed as before: in the sandbox,
    nothing of one submission reaches the next, nor the one the other process grades
    meanwhile (at the process level, workers graded at once share the machine's folders:
    SECURITY.md)."""
    marker = make_submission("marker", {"least_squares": reference_source("least_squares") + LEAVE_MARKS})
    looker = make_submission("looker", {"least_squares": reference_source("least_squares") + LOOK_FOR_MARKS})
    if level != sandbox.SANDBOX:
        marker = make_submission("correct", {"least_squares": reference_source("least_squares")})
    options = engine.Options(sandbox="require" if level == sandbox.SANDBOX else "off", limits=Limits(call_seconds=9.0))
    seen: list[set[int]] = []
    own = set(_templates_of(os.getpid()))  # this process's own (earlier tests' jobs=1 gradings)

    results = batch.grade_all(
        [marker, looker, marker, looker],
        ["least_squares"],
        options,
        jobs=2,
        done=lambda r: seen.append(set(_templates_of(os.getpid())) - own),
    )

    assert [r.score for r in results] == [max_score(["least_squares"])] * 4, [
        c.message for r in results for c in r.exercises[0].checks if not c.passed
    ]
    assert all(len(started) == 2 for started in seen), seen  # this process's, one per grading process
    assert set(_templates_of(os.getpid())) == own  # they ended with the grading
