"""Nothing a submission returns or does may crash, stall or skew grading (issue 14), without a
worker: fake students and channels. A judgement that raises on the student's output is a
failed check; a grader failure stays in its exercise; time budgets say what they left unrun;
a check is not lost to another function it uses; a check comparing two of the student's
functions counts only with evidence that one side is right."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from grader import engine
from grader.bank import metrics
from grader.checks import Call, Case, Context, KnownAnswers, StudentRaised
from grader.exercise import Exercise, Function
from grader.isolation import WorkerLost
from grader.outputs import ContractViolation, Scalar
from grader.results import CheckResult, ExerciseResult

RETURNS = {f.name: f.returns for f in metrics.FUNCTIONS}


def fake_student(answers: dict[str, Callable[[Call], Any]]) -> Callable[..., Any]:
    """A student whose functions are ``answers`` (a raised StudentRaised stands for a raise)."""

    def student(function: str, call: Call, keep: str | None = None) -> Any:
        return answers[function](call)

    return student


def check(name: str) -> Any:
    return next(c for c in metrics.CHECKS if c.name == name)


# -- a judgement that raises on the student's output -----------------------------------------


def test_a_judgement_that_raises_on_the_students_output_is_a_failed_check() -> None:
    """Counts that are all 0 make accuracy's property divide by zero: the student's wrong
    counts, never a grader failure (before, the ZeroDivisionError escaped run_check)."""
    student = fake_student({"confusion_counts": lambda c: (0, 0, 0, 0), "accuracy": lambda c: 0.0})
    ctx = Context(student=student, reference=None, returns=RETURNS)
    result = engine.run_check(check("accuracy is (tp + tn) / n of confusion_counts"), ctx)
    assert not result.passed and result.points == 0
    assert "could not be checked" in result.message and "ZeroDivisionError" in result.message
    assert "smallest failing input" in result.message


def test_a_failure_of_the_graders_own_work_still_raises() -> None:
    """Only the judgement of the student's output is the student's: an expected value the
    grader cannot read is the grader's failure, as before."""
    ctx = Context(student=fake_student({"accuracy": lambda c: 0.5}), reference=None, returns=RETURNS)
    assert engine.run_check(metrics.binary_known_answers("accuracy", 1.0), ctx).passed is False
    unreadable = KnownAnswers(name="k", function="accuracy", points=1, cases=(Case(Call(()), "0.5"),))
    with pytest.raises(ContractViolation):
        engine.run_check(unreadable, ctx)


# -- a grader failure stays in its exercise ---------------------------------------------------


class NoSupervisor:
    """Stands in for the worker: the exercises below never reach it."""

    stopped = 0

    def __init__(self, *args: Any) -> None:
        pass

    def __enter__(self) -> NoSupervisor:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def stop(self) -> None:
        NoSupervisor.stopped += 1


def test_a_grader_failure_in_one_exercise_keeps_the_others_grades(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("least_squares", "metrics"):
        (tmp_path / f"{name}.py").write_text("")
    exercises = [
        Exercise(name, name, (Function("f", Scalar()),), (KnownAnswers(name="c", function="f", points=12, cases=()),))
        for name in ("least_squares", "metrics")
    ]

    def grade_exercise(source: str, exercise: Exercise, *args: Any, **kwargs: Any) -> ExerciseResult:
        if exercise.name == "metrics":
            raise ZeroDivisionError("division by zero")
        return ExerciseResult(exercise.name, [CheckResult("c", "f", "public", True, 12.0, 12.0)])

    monkeypatch.setattr(engine, "Supervisor", NoSupervisor)
    monkeypatch.setattr(engine, "grade_exercise", grade_exercise)
    result = engine.grade(tmp_path, exercises, engine.Options(sandbox="off"), name="alice")
    assert [e.name for e in result.exercises] == ["least_squares", "metrics"]
    assert result.exercises[0].score == 12.0
    (failed,) = result.exercises[1].checks
    assert not failed.passed and failed.points == 0
    assert failed.message.startswith("not graded: the grader itself failed on metrics, not your code")
    assert result.grader_failed and "metrics (ZeroDivisionError('division by zero'))" in result.error
    assert NoSupervisor.stopped == 1  # the worker starts afresh for the next exercise


# -- time budgets ----------------------------------------------------------------------------

SLOW = Exercise(
    "metrics",
    "slow",
    (Function("accuracy", Scalar()),),
    tuple(
        KnownAnswers(
            name=f"accuracy known answers {i}", function="accuracy", points=1.0, cases=(Case(Call((i,)), 0.5),)
        )
        for i in range(4)  # each asks its own question (one asked again would be answered at once)
    ),
    worth=4.0,
)


class Clock:
    """The budgets' clock (``time.monotonic`` as the engine reads it), moved only by the
    channel's calls: what the test holds is which checks a budget leaves unrun, whatever
    else the machine is doing meanwhile (a stalled CI runner once spent a real 0.5 s
    budget before the first check)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


class SlowChannel:
    """Answers 0.5 after ``seconds`` on ``clock``; or, where the timeout is shorter, is lost
    as a worker that times out is; records the timeouts it was given."""

    def __init__(self, seconds: float, clock: Clock) -> None:
        self.seconds = seconds
        self.clock = clock
        self.timeouts: list[float | None] = []

    def call(self, *args: Any, timeout: float | None = None, **kwargs: Any) -> tuple[dict[str, Any], list[bytes]]:
        self.timeouts.append(timeout)
        if timeout is not None and timeout < self.seconds:
            self.clock.now += timeout
            raise WorkerLost("timed out after 10 s calling accuracy (an endless loop?)")
        self.clock.now += self.seconds
        return {"ok": True, "value": 0.5, "arg_digests": []}, []


def test_a_spent_budget_fails_the_checks_left_with_a_message_saying_so(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setattr(engine, "time", SimpleNamespace(monotonic=clock.monotonic, perf_counter=time.perf_counter))
    channel = SlowChannel(0.3, clock)
    budget = engine.Budget.starting_now(0.5, "exercise")
    graded = engine.grade_exercise("", SLOW, channel, "cpu", budget=budget)
    first, second, *rest = graded.checks
    assert first.passed and first.points == 1.0
    assert not second.passed
    assert second.message == "stopped: the exercise's time budget of 0.5 s was spent while this check ran"
    assert rest and all(c.message == "not run: the exercise's time budget of 0.5 s was spent" for c in rest)
    assert channel.timeouts == [pytest.approx(0.5), pytest.approx(0.2)]  # each call gets what is left; none once spent


def test_a_submission_budget_cuts_short_the_exercise_budget() -> None:
    submission = engine.Budget.starting_now(0.2, "submission")
    exercise = engine.Budget.starting_now(60, "exercise")
    earlier = min(exercise, submission, key=lambda b: b.deadline)
    assert earlier.not_run() == "not run: the submission's time budget of 0.2 s was spent"


def test_the_budgets_are_grading_options_recorded_with_the_grades() -> None:
    options = engine.Options(exercise_seconds=30, submission_seconds=120)
    assert options.to_json()["exercise_budget"] == 30 and options.to_json()["submission_budget"] == 120


# -- a check is not lost to another function it uses ----------------------------------------------

F1 = "f1_score is the harmonic mean of precision and recall"


def raises(call: Call) -> Any:
    raise StudentRaised("ZeroDivisionError", "division by zero", "")


def test_a_failing_function_a_check_uses_is_named_as_the_one_to_fix_first() -> None:
    student = fake_student({"f1_score": lambda c: 0.5, "precision": raises, "recall": lambda c: 0.5})
    result = engine.run_check(check(F1), Context(student=student, reference=None, returns=RETURNS))
    assert not result.passed
    assert result.message == (
        "precision, which this check uses, failed: precision raised ZeroDivisionError: division by zero; "
        "fix precision first"
    )


def test_where_the_reference_is_loaded_it_stands_in_for_the_failing_function() -> None:
    """A correct f1_score keeps its points whatever precision does; a wrong one fails without
    showing values computed with the reference."""
    reference = fake_student({"precision": lambda c: 2 / 3, "recall": lambda c: 2 / 3})

    def answers(f1: float) -> Context:
        functions = {"f1_score": lambda c: f1, "precision": raises, "recall": lambda c: 2 / 3}
        return Context(student=fake_student(functions), reference=reference, returns=RETURNS)

    assert engine.run_check(check(F1), answers(2 / 3)).passed
    wrong = engine.run_check(check(F1), answers(0.1))
    assert not wrong.passed
    assert wrong.message.startswith("f1_score fails this check; where your precision, which it uses, failed")
    assert "0.666" not in wrong.message and "fix precision first" in wrong.message


# -- evidence ------------------------------------------------------------------------------------

CONSISTENCY = "accuracy is (tp + tn) / n of confusion_counts"


def evidence_outcome(passed: dict[str, bool]) -> ExerciseResult:
    """accuracy's consistency check, passed, after the engine's evidence rule."""
    outcome = ExerciseResult("metrics", [CheckResult(CONSISTENCY, "accuracy", "public", True, 0.3, 0.3)])
    engine.apply_evidence([check(CONSISTENCY)], outcome, {CONSISTENCY: True, **passed})
    return outcome


def test_a_consistency_check_counts_only_with_evidence_that_one_side_is_right() -> None:
    """Two wrong functions that agree earn nothing; one right side is evidence enough."""
    neither = {"accuracy known answers": False, "confusion_counts known answers": False}
    both_wrong = evidence_outcome(neither)
    (result,) = both_wrong.checks
    assert (result.passed, result.points) == (False, 0.0)
    assert result.message.startswith(
        "holds, but counts only when 'accuracy known answers' or 'confusion_counts known answers' passes too, "
        "and neither did"
    )
    for side in ("accuracy known answers", "confusion_counts known answers"):
        one_right = evidence_outcome(neither | {side: True})
        assert one_right.checks[0].passed and one_right.score == 0.3
    assert evidence_outcome({}).checks[0].passed  # no evidence loaded (a student's install): no grade at stake
    only_one = evidence_outcome({"accuracy known answers": False})  # the other is not loaded
    assert only_one.checks[0].message.startswith(
        "holds, but counts only when 'accuracy known answers' passes too, and it did not:"
    )
