"""A submission that stalls costs at most its time budgets (issue 14): every call sleeps just
under the per-call limit, which no per-call limit catches, and a class holding it still
finishes within the budgets, its honest submissions graded in full."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from conftest import REPO

from grader import batch, engine
from grader.isolation import Limits
from grader.results import SubmissionResult

NAMES = ["least_squares", "metrics"]
# Small budgets for a test; an honest submission of these two exercises takes a few seconds
# (under 15 s on a loaded machine).
OPTIONS = engine.Options(limits=Limits(call_seconds=2.0), exercise_seconds=20.0, submission_seconds=30.0)
# Worker start and the grader's own work, on a loaded machine.
SLACK = 20.0

STALLING = """
import time

def _stall(*args, **kwargs):
    time.sleep(1.5)  # under the 2 s limit of one call
    return 0.0

{definitions}
"""


@pytest.mark.slow
def test_a_stalling_submission_costs_at_most_its_budget_and_the_class_goes_on(tmp_path: Path) -> None:
    from grader import bank

    for name in ("alice", "bob"):
        (tmp_path / name).mkdir()
        for exercise in NAMES:
            shutil.copy(REPO / "solutions" / f"{exercise}.py", tmp_path / name / f"{exercise}.py")
    (tmp_path / "stalling").mkdir()
    for exercise in bank.load(NAMES):
        definitions = "\n".join(f"{f.name} = _stall" for f in exercise.functions)
        (tmp_path / "stalling" / f"{exercise.name}.py").write_text(STALLING.format(definitions=definitions))

    # The warm template for these limits starts first (importing torch takes long on a loaded
    # machine): a budget counts the worker's start, which is not what this test is about.
    batch.grade_all([tmp_path / "alice"], NAMES, OPTIONS)
    finished: dict[str, float] = {}
    start = time.monotonic()

    def done(result: SubmissionResult) -> None:
        finished[result.submission] = time.monotonic()

    paths = [tmp_path / "alice", tmp_path / "stalling", tmp_path / "bob"]
    alice, stalling, bob = batch.grade_all(paths, NAMES, OPTIONS, done=done)
    total = time.monotonic() - start

    stalled = finished["stalling"] - finished["alice"]
    assert stalled <= OPTIONS.submission_seconds + SLACK, f"the stalling submission took {stalled:.0f} s"
    assert total <= OPTIONS.submission_seconds + 3 * SLACK, f"the class took {total:.0f} s"
    for honest in (alice, bob):
        assert not honest.grader_failed and honest.score == honest.max_score == 24.0
    assert not stalling.grader_failed
    messages = [c.message for e in stalling.exercises for c in e.checks]
    assert "not run: the exercise's time budget of 20 s was spent" in messages
    assert "not run: the submission's time budget of 30 s was spent" in messages
