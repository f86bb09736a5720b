"""A check's calls in one exchange (issue 17 item 3): the calls a check made of a submission
that passed it are its plan; for every later submission the worker is asked for all of them in
one stream, and answers each as it returns. The grades are those of asking call by call; a
stream the check leaves early is stopped, and a call still running then is not waited for."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from grader import bank, engine
from grader.isolation import Limits, Supervisor, WorkerLost, supervisor

REPO = Path(__file__).resolve().parent.parent

MODULE = """
import os, time
made = []

def echo(x):
    made.append(1)
    print('echo', int(x.sum()))
    return x * 2

def slow(x):
    made.append(1)
    time.sleep(0.02)
    return x

def made_so_far(x):
    return len(made)

def hang(x):
    while True:
        pass

def leave(x):
    print('leaving', flush=True)
    os._exit(3)
"""


@pytest.fixture
def folder(make_submission: Callable[..., Path]) -> Path:
    return make_submission("s", {"m": MODULE})


def _calls(function: str, *values: float) -> list[tuple[str, tuple[np.ndarray], dict, list[int]]]:
    return [(function, (np.full(2, v),), {}, []) for v in values]


def test_a_stream_answers_each_call_in_order_with_what_it_printed(folder: Path) -> None:
    with Supervisor(str(folder), "cpu", [], Limits()) as worker:
        worker.stream("m", _calls("echo", 1, 2, 3))
        answers = [worker.answer("echo") for _ in range(3)]
        assert [a["ok"] for a, _ in answers] == [True] * 3
        assert [a["printed"] for a, _ in answers] == ["echo 2", "echo 4", "echo 6"]  # each call's own
        assert worker.call("m", "made_so_far", (0,), {})[0]["ok"]  # the stream ended: calls go on


def test_a_stream_left_early_stops_and_the_next_request_is_answered(folder: Path) -> None:
    with Supervisor(str(folder), "cpu", [], Limits()) as worker:
        worker.stream("m", _calls("slow", *range(50)))  # a second's worth of calls
        worker.answer("slow")
        worker.answer("slow")
        worker.end_stream()
        answer, blobs = worker.call("m", "made_so_far", (0,), {})
    made = engine.isolation.decode(answer["value"], blobs)
    assert 2 <= made < 10  # stopped where it was told to, not after all 50


def test_a_call_still_running_when_its_stream_stops_is_not_waited_for(folder: Path) -> None:
    with Supervisor(str(folder), "cpu", [], Limits(call_seconds=30)) as worker:
        worker.stream("m", [*_calls("echo", 1), *_calls("hang", 1)])
        worker.answer("echo")
        worker.end_stream()
        start = time.monotonic()
        answer, _ = worker.call("m", "echo", (np.ones(2),), {})  # answered by a fresh worker
    assert answer["ok"] and answer["printed"] == "echo 2"
    assert time.monotonic() - start < supervisor.SETTLE_SECONDS + 5  # not the 30 s a call may take


def test_a_streamed_call_that_hangs_times_out_as_a_call_does(folder: Path) -> None:
    with Supervisor(str(folder), "cpu", [], Limits(call_seconds=1)) as worker:
        worker.stream("m", _calls("hang", 1, 2))
        with pytest.raises(WorkerLost) as lost:
            worker.answer("hang")
        assert str(lost.value.reason) == "timed out after 1 s calling hang (an endless loop?)"
        assert worker.call("m", "echo", (np.ones(2),), {})[0]["ok"]  # the next call starts a fresh worker


def test_a_worker_that_exits_in_a_stream_is_reported_as_in_a_call(folder: Path) -> None:
    with Supervisor(str(folder), "cpu", [], Limits()) as worker:
        worker.stream("m", [*_calls("echo", 1), *_calls("leave", 1)])
        worker.answer("echo")
        with pytest.raises(WorkerLost) as lost:
            worker.answer("leave")
    assert "exit status 3" in str(lost.value.reason) and lost.value.printed == "leaving"


def test_a_stream_with_a_key_is_encoded_once_and_answered_each_time(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every submission of a class is sent the same streams: the request is encoded once per
    process under the key its caller gives, and a worker answers it as encoded afresh."""
    monkeypatch.setattr(supervisor, "_STREAMS", {})
    encoded: list[int] = []
    calls_request = supervisor.wire.calls_request
    monkeypatch.setattr(supervisor.wire, "calls_request", lambda *a: encoded.append(1) or calls_request(*a))
    printed = []
    for _ in range(2):  # two submissions
        with Supervisor(str(folder), "cpu", [], Limits()) as worker:
            worker.stream("m", _calls("echo", 1, 2), key="echo 1 2")
            printed.append([worker.answer("echo")[0]["printed"] for _ in range(2)])
    assert printed == [["echo 2", "echo 4"]] * 2 and len(encoded) == 1
    monkeypatch.setattr(supervisor, "STREAMS_KEPT_BYTES", 0)  # past the bound: encoded each time, not kept
    with Supervisor(str(folder), "cpu", [], Limits()) as worker:
        worker.stream("m", _calls("echo", 3), key="echo 3")
        assert worker.answer("echo")[0]["printed"] == "echo 6"
    assert len(encoded) == 2 and list(supervisor._STREAMS) == ["echo 1 2"]


# -- grading -----------------------------------------------------------------------------

EXERCISES = ("least_squares", "optimization")


def _variants() -> list[Path]:
    """A third of the buggy variants (all of them: bench/snapshot.py): each fails some checks,
    where its stream stops early."""
    return sorted(p for name in EXERCISES for p in (REPO / "tests" / "variants" / name).glob("buggy_*.py"))[::3]


@pytest.fixture
def exchanges(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """How often the graders asked a worker for one call, and for a stream."""
    counted = {"call": 0, "stream": 0, "answer": 0}
    for name in counted:
        original = getattr(Supervisor, name)

        def counting(self: Supervisor, *args: object, _original: Callable = original, _name: str = name, **kw: object):
            counted[_name] += 1
            return _original(self, *args, **kw)

        monkeypatch.setattr(Supervisor, name, counting)
    yield counted


def _grade(source: Path, tmp_path: Path) -> list[tuple]:
    name = source.parent.name if source.is_file() else None
    folder = tmp_path / f"{name}-{source.stem}"
    folder.mkdir(parents=True)
    exercises = bank.load([name] if name else list(EXERCISES))
    for e in exercises:
        origin = source if name else source / f"{e.name}.py"
        (folder / f"{e.name}.py").write_bytes(origin.read_bytes())
    result = engine.grade(folder, exercises, engine.Options())
    return [(c.name, c.passed, c.points, c.message, c.printed) for e in result.exercises for c in e.checks]


@pytest.mark.slow
def test_a_class_is_graded_as_call_by_call_in_a_few_exchanges(
    tmp_path: Path, exchanges: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The references first (every check passes: its plan is learned), then the buggy variants
    of two exercises (each fails some checks, so their streams stop early, and asks on call by
    call where hypothesis shrinks): the same results as a grader asking call by call."""
    monkeypatch.setattr(engine, "_PLANS", {})  # learned here, from the references, not in an earlier test
    _grade(REPO / "solutions", tmp_path / "first")
    exchanges.update(call=0, stream=0, answer=0)
    again = _grade(REPO / "solutions", tmp_path / "again")
    checks = [c for e in bank.load(list(EXERCISES)) for c in e.checks]
    plans = [engine._PLANS[(id(c), "cpu")][1] for c in checks]
    planned = [plan for plan in plans if any(plan)]  # a run of calls, at least
    runs = sum(1 for plan in plans for run in plan if run)
    assert len(planned) > 0.8 * len(checks)  # the others ask with an answer first (a step's result)
    # one exchange for each run of a plan, but for the runs an earlier check's calls answered
    # whole (a question is asked of a submission once: StudentCalls.answered)
    assert 0.8 * len(planned) < exchanges["stream"] <= runs
    streamed_exchanges = exchanges["stream"] + exchanges["call"]
    streamed = [_grade(p, tmp_path / "streamed") for p in _variants()]

    monkeypatch.setattr(Supervisor, "streams", property(lambda self: False))
    exchanges.update(call=0, stream=0, answer=0)
    assert _grade(REPO / "solutions", tmp_path / "by-call") == again
    assert exchanges["stream"] == 0 and exchanges["call"] > 2 * streamed_exchanges
    exchanges.update(call=0)
    assert [_grade(p, tmp_path / "by-call-variants") for p in _variants()] == streamed
    asked_once = exchanges["call"]

    monkeypatch.setattr(engine, "ANSWERED_BYTES", -1)  # every question asked as often as a check asks it
    exchanges.update(call=0)
    assert [_grade(p, tmp_path / "asked-again") for p in _variants()] == streamed
    assert exchanges["call"] > 1.2 * asked_once


@pytest.mark.slow
def test_a_run_of_own_inputs_after_another_call_is_streamed_too(
    tmp_path: Path, exchanges: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check that starts with a call that is not one of its own inputs (a forward keeping its
    cache for the student's backward) streams the run that follows it (the points of its
    central differences) once it asks that run's first call: fewer exchanges, the same results."""
    monkeypatch.setattr(engine, "_PLANS", {})  # learned here, not read from the examples cache
    monkeypatch.setattr(engine, "_PLANS_KEPT", {})
    exercises = bank.load(["batch_norm"])
    folder = tmp_path / "references"
    folder.mkdir()
    (folder / "batch_norm.py").write_bytes((REPO / "solutions" / "batch_norm.py").read_bytes())
    engine.grade(folder, exercises, engine.Options())
    (gradient,) = [
        c for c in exercises[0].checks if c.name == "batchnorm_backward agrees with central differences of your forward"
    ]
    first, *later = engine._PLANS[(id(gradient), "cpu")][1]
    assert first == () and len(later[0]) > 5

    def outcomes() -> list[tuple[str, bool, str]]:
        exchanges.update(call=0, stream=0, answer=0)
        result = engine.grade(folder, exercises, engine.Options())
        return [(c.name, c.passed, c.message) for e in result.exercises for c in e.checks]

    with_runs = outcomes()
    asked_with_runs = exchanges["call"]
    for key, (check, plan) in list(engine._PLANS.items()):
        engine._PLANS[key] = (check, plan[:1])  # the first run alone, as plans were
    assert outcomes() == with_runs
    assert exchanges["call"] > asked_with_runs + len(later[0]) - 1
