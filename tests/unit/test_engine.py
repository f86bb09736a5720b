"""grader.engine without a worker: the zip guards of ``opened``, ``run_check`` turning each
kind of failure into a result, the forbidden-call rule, a module that is missing or does not
parse, and how the answers of a fake worker channel become failures."""

from __future__ import annotations

import linecache
import sys
import types
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from grader import bank, checks, engine, isolation
from grader.checks import Call, Check, CheckFailed, Context, StopCheck, StudentRaised
from grader.exercise import Exercise, Function
from grader.isolation import WorkerLost
from grader.outputs import Array
from grader.results import CheckResult, ExerciseResult

NAMES = ["least_squares"]


def make_zip(path: Path, members: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


# -- opened: directories and zips ------------------------------------------------------------


def test_a_directory_is_used_as_it_is_or_through_its_exercises_folder(tmp_path: Path) -> None:
    with engine.opened(tmp_path, NAMES) as found:
        assert found.folder == tmp_path
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "least_squares.py").write_text("")
    with engine.opened(tmp_path, NAMES) as found:
        assert found.folder == tmp_path / "exercises" and found.left_out == []


def test_a_zip_is_extracted_to_a_temporary_folder_removed_afterwards(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "s.zip", {"least_squares.py": "X = 1\n", "metrics.py": ""})
    with engine.opened(archive, NAMES) as found:
        assert (found.folder / "least_squares.py").read_text() == "X = 1\n"
        assert found.folder.parent != tmp_path
    assert not found.folder.exists()


def test_a_zip_holding_one_folder_is_opened_inside_it(tmp_path: Path) -> None:
    archive = make_zip(
        tmp_path / "s.zip",
        {"student/least_squares.py": "", "__MACOSX/student/._least_squares.py": b"\0"},
    )
    with engine.opened(archive, NAMES) as found:
        assert found.folder.name == "student" and (found.folder / "least_squares.py").is_file()
    nested = make_zip(tmp_path / "n.zip", {"student/exercises/least_squares.py": ""})
    with engine.opened(nested, NAMES) as found:
        assert found.folder.parts[-2:] == ("student", "exercises")


@pytest.mark.parametrize("member", ["../escaped.py", "sub/../../escaped.py", "/tmp/mlgrade-escaped.py"])
def test_a_member_path_escaping_the_archive_is_refused(tmp_path: Path, member: str) -> None:
    archive = make_zip(tmp_path / "evil.zip", {"least_squares.py": "", member: "print('out')"})
    with pytest.raises(engine.SubmissionError) as refused, engine.opened(archive, NAMES):
        pass
    assert str(refused.value) == f"{archive} holds a path outside the archive: {member}"
    assert not (tmp_path / "escaped.py").exists()


def test_an_archive_is_unpacked_up_to_the_limit_modules_first_and_names_what_it_left_packed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review #3: a dataset inside a zip over the limit used to cost every exercise; now the
    modules are unpacked first, the rest while it fits, and the student is told what was not."""
    monkeypatch.setattr(engine, "ZIP_MAX_BYTES", 2 * 2**20)
    members = {"data/aaa.bin": bytes(3 * 2**20), "data/small.csv": "1,2\n", "least_squares.py": "X = 1\n"}
    bomb = make_zip(tmp_path / "bomb.zip", members)
    assert bomb.stat().st_size < 2**16  # small on disk, large unpacked
    with engine.opened(bomb, NAMES) as found:
        assert (found.folder / "least_squares.py").read_text() == "X = 1\n"
        assert (found.folder / "data" / "small.csv").is_file()
        assert not (found.folder / "data" / "aaa.bin").exists()
        assert found.left_out == ["data/aaa.bin (3 MiB) was not unpacked from bomb.zip: a zip is unpacked up to 2 MiB"]
    modules_too = make_zip(tmp_path / "m.zip", {"least_squares.py": "#" * (3 * 2**20), "metrics.py": ""})
    with engine.opened(modules_too, NAMES) as found:
        assert sorted(p.name for p in found.folder.iterdir()) == ["metrics.py"]
        assert found.left_out == ["least_squares.py (3 MiB) was not unpacked from m.zip: a zip is unpacked up to 2 MiB"]
    fits = make_zip(tmp_path / "fits.zip", {"least_squares.py": "", "zeros.bin": bytes(2**20)})
    with engine.opened(fits, NAMES) as found:
        assert (found.folder / "zeros.bin").stat().st_size == 2**20 and found.left_out == []


def test_a_bad_zip_or_another_file_is_a_submission_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    bad.write_text("not a zip")
    with pytest.raises(engine.SubmissionError, match="is not a readable zip file"), engine.opened(bad, NAMES):
        pass
    other = tmp_path / "notes.txt"
    other.write_text("")
    with (
        pytest.raises(engine.SubmissionError, match=r"is neither a directory, a \.zip file nor a \.py module"),
        engine.opened(other, NAMES),
    ):
        pass


def test_a_lone_module_is_a_submission_of_that_module(tmp_path: Path) -> None:
    module = tmp_path / "least_squares.py"
    module.write_text("x = 1\n")
    with engine.opened(module, NAMES) as found:
        assert (found.folder / "least_squares.py").read_text() == "x = 1\n" and found.folder != tmp_path


# -- run_check -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Scripted(Check):
    """A check whose run raises ``error`` (or passes, when None)."""

    error: BaseException | None = None

    def run(self, ctx: Context) -> None:
        if self.error is not None:
            raise self.error


CTX = Context(student=lambda function, call, keep=None: None, reference=None, returns={})


def test_a_passing_check_earns_its_points() -> None:
    result = engine.run_check(Scripted(name="c", function="fit", points=1.5), CTX)
    assert (result.name, result.function, result.visibility) == ("c", "fit", "public")
    assert (result.passed, result.points, result.max_points, result.message) == (True, 1.5, 1.5, "")


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (CheckFailed("result[0] is 1, expected 2"), "result[0] is 1, expected 2"),
        (StopCheck("fit is not implemented yet"), "fit is not implemented yet"),
        (StudentRaised("ValueError", "bad shape", "tb"), "fit raised ValueError: bad shape"),
    ],
)
def test_each_failure_of_the_student_becomes_a_result_with_zero_points(error: BaseException, message: str) -> None:
    result = engine.run_check(Scripted(name="c", function="fit", points=2.0, visibility="hidden", error=error), CTX)
    assert (result.passed, result.points, result.max_points, result.message) == (False, 0.0, 2.0, message)
    assert result.visibility == "hidden"


def test_a_failure_of_the_grader_is_not_turned_into_a_result() -> None:
    with pytest.raises(KeyError):
        engine.run_check(Scripted(name="c", function="fit", points=1, error=KeyError("grader bug")), CTX)


# -- the forbidden-call rule ------------------------------------------------------------------

ROWS = Array(lambda X: (X.shape[0],))
EXERCISE = Exercise(
    "toy",
    "A toy exercise",
    (
        Function("fit", ROWS, ("torch.linalg.lstsq", "numpy.linalg.*")),
        Function("predict", ROWS, ("sklearn",)),
    ),
    (
        Scripted(name="shape", function="fit", points=1),
        Scripted(name="parity", function="fit", points=2, visibility="hidden"),
        Scripted(name="shape", function="predict", points=1),
    ),
)


def outcome(messages: tuple[str, str, str] = ("", "wrong", "")) -> ExerciseResult:
    return ExerciseResult(
        "toy",
        [
            CheckResult("shape", "fit", "public", messages[0] == "", 1.0 if not messages[0] else 0.0, 1.0, messages[0]),
            CheckResult(
                "parity", "fit", "hidden", messages[1] == "", 2.0 if not messages[1] else 0.0, 2.0, messages[1]
            ),
            CheckResult("shape", "predict", "public", True, 1.0, 1.0),
        ],
    )


def test_a_forbidden_call_in_the_source_zeroes_every_check_of_that_function_only() -> None:
    graded = outcome()
    engine.apply_forbidden_rule(EXERCISE, graded, {"fit": {"torch.linalg.lstsq"}}, {})
    note = "fit uses torch.linalg.lstsq, which this exercise forbids: 0 points for fit"
    fit_shape, fit_parity, predict = graded.checks
    assert (fit_shape.passed, fit_shape.points, fit_shape.message) == (False, 0.0, note)
    assert (fit_parity.passed, fit_parity.points, fit_parity.message) == (False, 0.0, f"{note}\nwrong")
    assert (predict.passed, predict.points, predict.message) == (True, 1.0, "")


def test_calls_recorded_at_run_time_count_only_when_forbidden() -> None:
    graded = outcome()
    used = {"fit": {"torch.add", "numpy.linalg.pinv"}, "predict": {"torch.mean"}}
    engine.apply_forbidden_rule(EXERCISE, graded, {"fit": {"torch.linalg.lstsq"}}, used)
    assert graded.checks[0].message == (
        "fit uses numpy.linalg.pinv, torch.linalg.lstsq, which this exercise forbids: 0 points for fit"
    )
    assert graded.checks[2].passed and graded.score == 0.0 + 0.0 + 1.0


def test_no_forbidden_call_changes_nothing() -> None:
    graded = outcome()
    engine.apply_forbidden_rule(EXERCISE, graded, {"fit": set()}, {"fit": {"torch.add"}})
    assert graded.to_json() == outcome().to_json()


# -- grade_exercise on a module that is missing or does not parse -------------------------------


class NoChannel:
    def call(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("nothing should have been called")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (None, "toy.py is not in the submission"),
        ("def fit(X):\n    return (\n", "toy.py has a syntax error on line 2: '(' was never closed"),
        # ast.parse raises ValueError on some Pythons, SyntaxError (with no line number) on others
        ("def fit(X):\0\n", "toy.py cannot be read as Python source: source code string cannot contain null bytes"),
    ],
)
def test_an_unusable_module_fails_every_check_with_the_reason(source: str | None, message: str) -> None:
    graded = engine.grade_exercise(source, EXERCISE, NoChannel(), "cpu")
    assert [(c.name, c.function) for c in graded.checks] == [(c.name, c.function) for c in EXERCISE.checks]
    assert graded.score == 0 and graded.max_score == 4
    assert all(message in c.message and c.message.startswith("toy.py ") and not c.passed for c in graded.checks)


def test_only_selects_the_checks_that_are_run() -> None:
    graded = engine.grade_exercise(None, EXERCISE, NoChannel(), "cpu", only=lambda c: c.visibility == "public")
    assert [c.name for c in graded.checks] == ["shape", "shape"] and graded.max_score == 2


def test_the_graders_own_torch_work_runs_on_one_thread() -> None:
    """OpenMP's idle threads in a grading process spin after each parallel operation, taking a
    core from the student's worker; one thread is also what the worker computes on."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    (exercise,) = bank.load(NAMES)
    torch.set_num_threads(2)
    try:
        engine.grade_exercise(
            "def fit_line(x, y):\n    return 0.0, 0.0\n", exercise, NoChannel(), "cpu", only=lambda c: False
        )
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


# -- StudentCalls: the worker's answers as failures ---------------------------------------------


class FakeChannel:
    """A worker channel that answers every call with ``answer``, or raises it."""

    def __init__(self, answer: dict[str, Any] | Exception) -> None:
        self.answer = answer
        self.calls = 0

    def call(self, module: str, function: str, *args: Any, **kwargs: Any) -> tuple[dict[str, Any], list[bytes]]:
        self.calls += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer, []


CALL = Call((np.zeros((3, 2)),))


def student_calls(answer: dict[str, Any] | Exception) -> tuple[engine.StudentCalls, FakeChannel]:
    channel = FakeChannel(answer)
    return engine.StudentCalls(channel, EXERCISE, "cpu", {"fit": ["X"]}), channel


@pytest.mark.parametrize(
    ("error", "raised", "message"),
    [
        (
            {"kind": "import", "traceback": "SyntaxError ...\n"},
            StopCheck,
            "toy.py could not be imported:\nSyntaxError ...",
        ),
        ({"kind": "missing", "message": "toy.py defines no function fit"}, StopCheck, "toy.py defines no function fit"),
        (
            {"kind": "raised", "type": "NotImplementedError", "unwritten": True},
            StopCheck,
            "fit is not implemented yet (it raises NotImplementedError)",
        ),
        (
            {"kind": "raised", "type": "NotImplementedError", "message": "\"addmm_cuda\" not implemented for 'Long'"},
            StudentRaised,
            "raised NotImplementedError",
        ),
        (
            {"kind": "unsendable", "message": "a generator"},
            CheckFailed,
            "fit returned something the grader cannot read",
        ),
        ({"kind": "raised", "type": "IndexError", "message": "out of range"}, StudentRaised, "raised IndexError"),
    ],
)
def test_each_error_the_worker_reports_becomes_its_kind_of_failure(
    error: dict[str, Any], raised: type[BaseException], message: str
) -> None:
    student, _ = student_calls({"ok": False, "error": error})
    with pytest.raises(raised) as failed:
        student("fit", CALL)
    assert str(failed.value).startswith(message)


def test_a_lost_worker_stops_the_function_and_its_later_checks_fail_fast() -> None:
    student, channel = student_calls(WorkerLost("timed out after 3 s"))
    with pytest.raises(StopCheck) as first:
        student("fit", CALL)
    assert first.value.message == "fit: timed out after 3 s"
    with pytest.raises(StopCheck) as second:
        student("fit", CALL)
    assert second.value.message == "fit: timed out after 3 s (in an earlier check; not run again)"
    assert channel.calls == 1


def test_forbidden_names_the_worker_recorded_are_kept_even_when_the_call_failed() -> None:
    student, _ = student_calls({"ok": False, "used": ["torch.linalg.lstsq"], "error": {"type": "ValueError"}})
    with pytest.raises(StudentRaised):
        student("fit", CALL)
    assert student.used == {"fit": {"torch.linalg.lstsq"}}


def test_a_question_asked_again_is_answered_once_and_judged_again() -> None:
    """The worker seeds every generator before each call, so one submission asked the same
    question twice (two checks, or a check and its shrinking) answers the same: the worker is
    asked once, and the answer is judged afresh each time, with what it printed and called."""

    class Echo(FakeChannel):
        def call(self, module: str, function: str, args: tuple, *rest: Any, **kw: Any) -> tuple[dict, list[bytes]]:
            self.calls += 1
            value = {"array": 0, "dtype": "float64", "shape": [3]}
            digests = [isolation.array_digest(a) for a in args]
            answer = {"ok": True, "value": value, "arg_digests": digests, "printed": "hi", "used": ["sklearn"]}
            return answer, [np.arange(3.0).tobytes()]

    channel = Echo({})
    student = engine.StudentCalls(channel, EXERCISE, "cpu", {"fit": ["X"], "predict": ["X"]})
    first = student("predict", Call((np.zeros(3),)))
    first[0] = 99.0  # what a check does with an answer is its own
    student.printed, student.used = "", {}
    again = student("predict", Call((np.zeros(3),)))
    assert channel.calls == 1 and again.tolist() == [0.0, 1.0, 2.0]
    assert student.printed == "hi" and student.used == {"predict": {"sklearn"}}
    student("predict", Call((np.ones(3),)))  # another question
    student("fit", Call((np.zeros(3),)))  # the same arrays, another function
    student("predict", Call((np.zeros(3),)), keep="cache")  # keeps its result in the worker: asked each time
    student("predict", Call((np.zeros(3),)), keep="cache")
    assert channel.calls == 5


def test_a_failure_asked_again_fails_again_without_asking() -> None:
    student, channel = student_calls({"ok": False, "error": {"kind": "raised", "type": "IndexError", "message": "m"}})
    for _ in range(2):
        with pytest.raises(StudentRaised):
            student("fit", CALL)
    assert channel.calls == 1


def test_an_input_changed_in_place_is_caught_on_a_question_digested_before() -> None:
    """The arrays a question sends are digested once per process (engine._SENT): equal
    questions send equal arrays. A submission that changes them is caught all the same, the
    second to be asked as the first."""

    def channel(changes: bool) -> FakeChannel:
        class Answering(FakeChannel):
            def call(self, module: str, function: str, args: tuple, *rest: Any, **kw: Any) -> tuple[dict, list[bytes]]:
                self.calls += 1
                digests = [isolation.array_digest(a + 1 if changes else a) for a in args]
                value = {"array": 0, "dtype": "float64", "shape": [3]}
                return {"ok": True, "value": value, "arg_digests": digests}, [np.zeros(3).tobytes()]

        return Answering({})

    question = Call((np.full(3, 7.5),))
    for changes in (True, False, True, False):  # each a submission of its own
        student = engine.StudentCalls(channel(changes), EXERCISE, "cpu", {"predict": ["X"]})
        if changes:
            with pytest.raises(CheckFailed, match="predict modified its input X in place"):
                student("predict", question)
        else:
            assert student("predict", question).tolist() == [0.0, 0.0, 0.0]
    assert engine._question(EXERCISE.name, "predict", "cpu", question) in engine._SENT


def test_in_a_notebook_only_the_students_own_raise_says_not_implemented_yet() -> None:
    """A notebook's functions come from its cells (ipykernel names each a file of its own and
    keeps its lines in linecache): the stub's raise says "not implemented yet"; torch's
    NotImplementedError (booleans have no matrix product) is shown as what was raised."""
    cell = "def fit_line(x, y):\n    raise NotImplementedError()\n\n\ndef predict(X, w):\n    return (X > 0) @ w\n"
    filename = "/tmp/ipykernel_1/2.py"
    linecache.cache[filename] = (len(cell), None, cell.splitlines(keepends=True), filename)
    namespace: dict[str, Any] = {}
    exec(compile(cell, filename, "exec"), namespace)
    channel = isolation.InProcess("cpu", [])
    channel.use(namespace, ".")
    (exercise,) = bank.load(["least_squares"])
    student = engine.StudentCalls(channel, exercise, "cpu", {"fit_line": ["x", "y"], "predict": ["X", "w"]})
    with pytest.raises(StopCheck, match=r"^fit_line is not implemented yet \(it raises NotImplementedError\)$"):
        student("fit_line", Call((np.zeros(3), np.zeros(3))))
    with pytest.raises(StudentRaised, match="raised NotImplementedError"):
        student("predict", Call((np.zeros((3, 2)) + 1, np.ones(2, dtype=bool))))


def test_a_truth_that_imports_torch_is_computed_again_on_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """A grading whose answers are kept has not imported torch (grader/examples_cache.py);
    where a truth then imports it, torch starts on every core, so the truth is computed again
    once it is on one: a truth does not depend on the cores of the process that computed it."""

    class FakeTorch(types.ModuleType):
        threads = 4

        def get_num_threads(self) -> int:
            return self.threads

        def set_num_threads(self, n: int) -> None:
            self.threads = n

    monkeypatch.delitem(sys.modules, "torch", raising=False)
    seen: list[int] = []

    def truth() -> int:
        torch = sys.modules.setdefault("torch", FakeTorch("torch"))
        seen.append(torch.get_num_threads())
        return torch.get_num_threads()

    assert checks.on_one_thread(truth) == 1
    assert seen == [4, 1]
    assert checks.on_one_thread(truth) == 1 and seen == [4, 1, 1]  # imported already: computed once
