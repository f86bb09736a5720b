"""The examples every check draws, kept on disk for a version of the bank (issue 17 item 2):
a grading process that finds them draws nothing and asks exactly the same questions; a file
that cannot be trusted or read is drawn again; no worker can read the folder. Beside them, the
paths hypothesis took shrinking failures: the next process follows them without hypothesis."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import reference_source

from grader import bank, checks, engine, examples_cache, isolation
from grader.checks import Call
from grader.exercise import Exercise
from grader.isolation import Kept, Limits, Supervisor
from grader.results import SubmissionResult


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MLGRADE_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def draws(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The checks hypothesis draws examples for, from now on."""
    drawn: list[str] = []
    original = checks.Generated._hypothesis

    def counting(judge: checks._Judge, ctx: object, failure: list) -> None:
        if isinstance(judge, checks._Recording):
            drawn.append(repr(judge.inputs)[:40])
        original(judge, ctx, failure)

    monkeypatch.setattr(checks.Generated, "_hypothesis", staticmethod(counting))
    return drawn


def fresh(points: float) -> Exercise:
    """least_squares with check objects of its own: nothing drawn for them in this process yet."""
    return bank.load(["least_squares"])[0].scaled(points)


def examples(exercise: Exercise) -> list[bytes]:
    return [pickle.dumps(c.recorded_examples()) for c in exercise.checks if isinstance(c, checks.Generated)]


def test_examples_drawn_once_are_taken_from_the_cache_unchanged(cache: Path, draws: list[str]) -> None:
    first = fresh(24)
    examples_cache.prepare([first])
    generated = sum(isinstance(c, checks.Generated) for c in first.checks)
    assert len(draws) == generated > 10
    (written,) = cache.glob("*/least_squares.pickle")
    assert written.parent.name == examples_cache.version()
    assert os.stat(written).st_mode & 0o077 == 0  # the hidden checks' inputs: for this user only

    draws.clear()
    second = fresh(36)
    examples_cache.prepare([second])
    assert draws == []  # nothing drawn
    assert examples(second) == examples(first)  # the same questions, to the byte


@pytest.mark.parametrize(
    "spoil",
    [
        lambda path: path.write_bytes(b"not a pickle"),
        lambda path: path.write_bytes(path.read_bytes()[:100]),  # half written
        lambda path: path.chmod(0o666),  # anyone may write it: never read
    ],
    ids=["garbage", "cut-short", "writable-by-others"],
)
def test_a_file_that_cannot_be_trusted_or_read_is_drawn_again(
    cache: Path, draws: list[str], spoil: Callable[[Path], None]
) -> None:
    first = fresh(24)
    examples_cache.prepare([first])
    (written,) = cache.glob("*/least_squares.pickle")
    spoil(written)
    draws.clear()
    again = fresh(48)
    examples_cache.prepare([again])
    assert draws  # drawn again
    assert examples(again) == examples(first)


def test_off_keeps_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLGRADE_CACHE", "off")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    examples_cache.prepare([fresh(60)])
    assert list(tmp_path.rglob("*.pickle")) == []


def test_grades_are_the_same_from_the_cache(
    cache: Path, draws: list[str], make_submission: Callable[..., Path]
) -> None:
    folder = make_submission("s", {"least_squares": "def fit_line(x, y):\n    return 1.0, 2.0\n"})
    drawn = engine.grade(folder, [fresh(24)], engine.Options())
    assert draws
    draws.clear()
    cached = engine.grade(folder, [fresh(24)], engine.Options())
    assert draws == []  # every example read from the cache
    assert [(c.name, c.passed, c.message) for c in cached.exercises[0].checks] == [
        (c.name, c.passed, c.message) for c in drawn.exercises[0].checks
    ]


def test_no_worker_can_read_the_cache(cache: Path, make_submission: Callable[..., Path]) -> None:
    examples_cache.prepare([fresh(24)])
    (written,) = cache.glob("*/least_squares.pickle")
    code = f"def fit_line(x, y):\n    return len(open({str(written)!r}, 'rb').read()), 0.0\n"
    folder = make_submission("s", {"least_squares": code})
    with Supervisor(str(folder), "cpu", [], Limits()) as worker:
        answer, _ = worker.call("least_squares", "fit_line", (np.zeros(2), np.zeros(2)), {})
    assert not answer["ok"] and answer["error"]["type"] == "PermissionError"


def test_no_worker_can_read_a_cache_moved_after_its_template_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_submission: Callable[..., Path]
) -> None:
    """A template hides the cache where MLGRADE_CACHE put it when it started: once it points
    elsewhere, a worker comes from a template that hides the new one."""
    monkeypatch.setenv("MLGRADE_CACHE", str(tmp_path / "before"))
    limits = Limits(call_seconds=8.75)  # a setup of this test's own: its template starts here
    with Supervisor(str(make_submission("first", {"least_squares": ""})), "cpu", [], limits) as worker:
        worker.imports("least_squares")
    monkeypatch.setenv("MLGRADE_CACHE", str(tmp_path / "after"))
    examples_cache.prepare([fresh(24)])
    (written,) = (tmp_path / "after").glob("*/least_squares.pickle")
    code = f"def fit_line(x, y):\n    return len(open({str(written)!r}, 'rb').read()), 0.0\n"
    with Supervisor(str(make_submission("then", {"least_squares": code})), "cpu", [], limits) as worker:
        answer, _ = worker.call("least_squares", "fit_line", (np.zeros(2), np.zeros(2)), {})
    assert not answer["ok"] and answer["error"]["type"] == "PermissionError"


def test_a_new_bank_version_replaces_the_oldest_kept(cache: Path) -> None:
    for age, name in enumerate(["oldest", "older", "old", "recent"]):
        (cache / name).mkdir(parents=True)
        os.utime(cache / name, (1000 + age, 1000 + age))
    examples_cache.prepare([fresh(24)])
    kept = sorted(p.name for p in cache.iterdir())
    assert len(kept) == examples_cache.KEPT_VERSIONS
    assert kept == sorted([examples_cache.version(), "old", "recent"][: examples_cache.KEPT_VERSIONS])


WRONG_LINE = {"least_squares": "def fit_line(x, y):\n    return 1.0, 2.0\n"}


def outcomes(result: SubmissionResult) -> list[tuple[str, bool, str]]:
    return [(c.name, c.passed, c.message) for c in result.exercises[0].checks]


def test_a_failure_shrunk_in_one_process_is_followed_in_the_next_without_hypothesis(
    cache: Path, shrinks: list[str], make_submission: Callable[..., Path]
) -> None:
    folder = make_submission("s", WRONG_LINE)
    first = engine.grade(folder, [fresh(24)], engine.Options())
    assert shrinks, "hypothesis shrank the public failures"
    (written,) = cache.glob("*/least_squares.shrinks.pickle")
    assert os.stat(written).st_mode & 0o077 == 0
    shrinks.clear()
    # check objects of its own: nothing kept in memory for them, as in another grading process
    again = engine.grade(make_submission("t", WRONG_LINE), [fresh(24)], engine.Options())
    assert shrinks == []  # every failure followed along the paths read from the cache
    assert outcomes(again) == outcomes(first)


def other_paths(path: Path) -> None:
    """The same keys, holding what no grading writes."""
    path.write_bytes(pickle.dumps({key: [["not", "a", "path"]] for key in pickle.loads(path.read_bytes())}))


@pytest.mark.parametrize(
    "spoil",
    [lambda path: path.chmod(0o666), lambda path: path.write_bytes(b"not a pickle"), other_paths],
    ids=["writable-by-others", "garbage", "not-paths"],
)
def test_shrinking_paths_that_cannot_be_trusted_or_read_are_shrunk_again(
    cache: Path, shrinks: list[str], make_submission: Callable[..., Path], spoil: Callable[[Path], None]
) -> None:
    first = engine.grade(make_submission("s", WRONG_LINE), [fresh(24)], engine.Options())
    (written,) = cache.glob("*/least_squares.shrinks.pickle")
    spoil(written)
    shrinks.clear()
    again = engine.grade(make_submission("t", WRONG_LINE), [fresh(24)], engine.Options())
    assert shrinks  # hypothesis shrank them again
    assert outcomes(again) == outcomes(first)


@pytest.fixture
def streams(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of calls of each stream the graders ask a worker for, from now on."""
    asked: list[int] = []
    original = Supervisor.stream

    def counting(self: Supervisor, module: str, calls: list, key: object = None) -> None:
        asked.append(len(calls))
        original(self, module, calls, key)

    monkeypatch.setattr(Supervisor, "stream", counting)
    return asked


def test_a_plan_learned_in_one_process_streams_the_first_submission_of_the_next(
    cache: Path, streams: list[int], make_submission: Callable[..., Path]
) -> None:
    """A grading process learns each check's plan from a submission that passes it, and keeps
    it in the cache: the next process (check objects of its own, nothing learned in memory)
    asks its first submission in streams, with the same results."""
    correct = {"least_squares": reference_source("least_squares")}
    first = engine.grade(make_submission("first", correct), [fresh(24)], engine.Options())
    assert streams == []  # nothing known yet: every plan learned
    (written,) = cache.glob("*/least_squares.plans-cpu.pickle")
    assert os.stat(written).st_mode & 0o077 == 0  # the hidden checks' inputs: for this user only

    again = engine.grade(make_submission("again", correct), [fresh(24)], engine.Options())
    assert len(streams) > 10 and sum(streams) > 50
    assert outcomes(again) == outcomes(first)
    streams.clear()
    wrong = engine.grade(make_submission("wrong", WRONG_LINE), [fresh(24)], engine.Options())
    assert streams and not all(passed for _name, passed, _message in outcomes(wrong))

    not_plans = {key: (("fit", b"q", "not a call"),) for key in pickle.loads(written.read_bytes())}
    written.write_bytes(pickle.dumps(not_plans))
    streams.clear()
    spoiled = engine.grade(make_submission("spoiled", correct), [fresh(24)], engine.Options())
    assert streams == [] and outcomes(spoiled) == outcomes(first)  # learned again, never an error
    streams.clear()
    mended = engine.grade(make_submission("mended", correct), [fresh(24)], engine.Options())
    assert streams and outcomes(mended) == outcomes(first)  # the plans learned again were written over them


# -- the reference's answers and the truths from torch ----------------------------------------

GRADE_REFERENCES = """
import json, sys
from pathlib import Path
from grader import bank, engine
result = engine.grade(Path(sys.argv[1]), bank.load(["batch_norm", "conv"]), engine.Options())
print(json.dumps({
    "outcomes": [[c.name, c.passed, c.points, c.message] for e in result.exercises for c in e.checks],
    "torch": "torch" in sys.modules,
    "references": sorted(m for m in sys.modules if m.startswith("solutions")),
}))
"""


def test_a_grading_whose_answers_are_kept_imports_neither_torch_nor_the_references(
    cache: Path, make_submission: Callable[..., Path]
) -> None:
    """The reference's answers (batch_norm's backward through its forward's kept cache among
    them) and the truths of checks that take theirs from torch (conv's torch.conv2d) are kept
    by the first grading process; the next one, a process of its own, asks neither torch nor
    the references anything, and grades alike. Answers kept for another reference or torch
    are computed again."""
    folder = make_submission("s", {name: reference_source(name) for name in ("batch_norm", "conv")})

    def graded() -> dict[str, Any]:
        run = subprocess.run([sys.executable, "-c", GRADE_REFERENCES, str(folder)], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        return json.loads(run.stdout.splitlines()[-1])

    first = graded()
    assert first["torch"] and first["references"] == ["solutions", "solutions.batch_norm", "solutions.conv"]
    assert all(passed for _name, passed, _points, _message in first["outcomes"])
    written = sorted(p.name for p in cache.glob("*/*.answers-cpu.pickle"))
    assert written == ["batch_norm.answers-cpu.pickle", "conv.answers-cpu.pickle"]
    for path in cache.glob("*/*.answers-cpu.pickle"):
        assert os.stat(path).st_mode & 0o077 == 0  # the hidden checks' answers: for this user only

    again = graded()
    assert not again["torch"] and again["references"] == []
    assert again["outcomes"] == first["outcomes"]

    for path in cache.glob("*/*.answers-cpu.pickle"):
        kept = pickle.loads(path.read_bytes())
        path.write_bytes(pickle.dumps({**kept, "version": "another reference, or another torch"}))
    recomputed = graded()
    assert recomputed["torch"] and recomputed["outcomes"] == first["outcomes"]


def test_the_kept_answers_are_those_of_this_reference_and_this_torch(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    references = tmp_path / "solutions"
    references.mkdir()
    (references / "least_squares.py").write_text(reference_source("least_squares"))
    monkeypatch.setattr(examples_cache.isolation, "package_dir", lambda name: references)
    examples_cache.answers_version.cache_clear()
    try:
        before = examples_cache.answers_version()
        (references / "least_squares.py").write_text(reference_source("least_squares") + "\n# changed\n")
        examples_cache.answers_version.cache_clear()
        changed_reference = examples_cache.answers_version()
        assert changed_reference != before
        installed = examples_cache.metadata.version
        monkeypatch.setattr(
            examples_cache.metadata, "version", lambda name: "0.0-other" if name == "torch" else installed(name)
        )
        examples_cache.answers_version.cache_clear()
        assert examples_cache.answers_version() not in (before, changed_reference)
    finally:
        examples_cache.answers_version.cache_clear()


def test_a_backward_through_a_kept_forward_is_answered_alike_whether_the_forward_was_computed_or_kept() -> None:
    """A forward whose answer was kept is not computed (``keep``); a backward through its kept
    cache that has no kept answer computes it then. Backwards through different forwards are
    different questions."""
    (exercise,) = bank.load(["batch_norm"])
    rng = np.random.default_rng(7)
    x, dout = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    forward = Call((x, np.ones(3), np.zeros(3)))
    backward = Call((dout, Kept("batchnorm_forward", 1)))

    computed = engine.ReferenceCalls(exercise, "cpu")
    computed("batchnorm_forward", forward, keep="batchnorm_forward")
    expected = computed("batchnorm_backward", backward)

    kept = engine.ReferenceCalls(exercise, "cpu")  # another grading: the forward's answer is kept
    kept("batchnorm_forward", forward, keep="batchnorm_forward")
    question = kept._question("batchnorm_backward", backward)
    assert question is not None and question in engine._ANSWERS
    del engine._ANSWERS[question]  # a backward not asked before
    again = kept("batchnorm_backward", backward)
    for a, b in zip(again, expected, strict=True):
        np.testing.assert_array_equal(a, b)

    other = engine.ReferenceCalls(exercise, "cpu")
    other("batchnorm_forward", Call((2 * x, np.ones(3), np.zeros(3))), keep="batchnorm_forward")
    assert other._question("batchnorm_backward", backward) != question


def test_a_notebook_kernel_keeps_no_answers_its_students_code_could_have_changed(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a notebook's kernel the student's code runs in the grader's own process, where it
    can change what the reference answers: nothing computed there is kept for another grading."""
    monkeypatch.setattr(engine, "_ANSWERS", {})  # none known in this process: all computed
    monkeypatch.setattr(engine, "_ANSWERS_FOUND", {})
    namespace: dict[str, Any] = {}
    exec(compile(reference_source("least_squares"), "least_squares.py", "exec"), namespace)
    channel = isolation.InProcess("cpu", [])
    channel.use(namespace, ".")
    graded = engine.grade_exercise(reference_source("least_squares"), fresh(24), channel, "cpu")
    assert graded.score == graded.max_score == 24
    assert engine._ANSWERS  # the reference answered here
    assert list(cache.glob("*/*.answers-*.pickle")) == [] and engine._ANSWERS_FOUND == {}


def test_the_fork_server_of_the_grading_processes_imports_neither_torch_nor_the_references() -> None:
    """It imports what every grading process runs on; torch and the references only where a
    question has no kept answer, which a grading process then imports for itself."""
    modules = isolation.grading_modules()
    assert "grader.batch" in modules and "grader.hidden.conv" in modules
    assert [m for m in modules if m.partition(".")[0] in ("torch", "solutions")] == []
