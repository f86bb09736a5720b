"""Student code that hangs, crashes, exits, floods or allocates loses the points of what it
broke and nothing else, and never stops the grading of the next submission (SPEC, last section).
The attacks on the isolation itself, at both levels, are in test_attacks.py."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO, max_score, with_override

from grader import batch, engine
from grader.isolation import Limits
from grader.results import SubmissionResult

OPTIONS = engine.Options(limits=Limits(call_seconds=3.0))

HOSTILE = {
    "hang": ("fit", "def fit(X, y):\n    while True:\n        pass\n", "timed out after 3 s"),
    "hang ignoring signals": (
        "fit",
        "import signal\ndef fit(X, y):\n    signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "    signal.signal(signal.SIGINT, signal.SIG_IGN)\n    while True:\n        pass\n",
        "timed out",
    ),
    "segfault": (
        "predict",
        "import os, signal\ndef predict(X, w):\n    os.kill(os.getpid(), signal.SIGSEGV)\n",
        "crashed",
    ),
    "sys.exit": ("fit_line", "import sys\ndef fit_line(x, y):\n    sys.exit(0)\n", "exited the process"),
    "os._exit": ("predict", "import os\ndef predict(X, w):\n    os._exit(3)\n", "exit status 3"),
    "flood": ("fit", "def fit(X, y):\n    while True:\n        print('x' * 100000)\n", "printed or wrote more than"),
    "memory bomb": ("fit_line", "def fit_line(x, y):\n    return bytearray(10**12)\n", "MemoryError"),
    "import solutions": (
        "fit",
        "def fit(X, y):\n    from solutions.least_squares import fit as f\n    return f(X, y)\n",
        "cannot be imported by a submission",
    ),
    "import grader": ("fit", "def fit(X, y):\n    import grader.engine\n    return None\n", "cannot be imported"),
}


def grade_pair(make_submission: Callable[..., Path], source: str) -> tuple[SubmissionResult, SubmissionResult]:
    hostile = make_submission("hostile", {"least_squares": source})
    correct = make_submission("correct", {"least_squares": with_override("least_squares", "")})
    first, second = batch.grade_all([hostile, correct], ["least_squares"], OPTIONS)
    return first, second


@pytest.mark.parametrize("attack", sorted(HOSTILE), ids=lambda a: a.replace(" ", "-"))
def test_hostile_function_loses_only_its_points(attack: str, make_submission: Callable[..., Path]) -> None:
    function, code, expected_message = HOSTILE[attack]
    hostile, correct = grade_pair(make_submission, with_override("least_squares", code))

    checks = hostile.exercises[0].checks
    broken = [c for c in checks if c.function == function]
    assert broken and all(not c.passed for c in broken)
    assert any(expected_message in c.message for c in broken), [c.message for c in broken]
    # the other functions are graded as usual
    others = [c for c in checks if c.function != function]
    assert others and all(c.passed for c in others), [(c.name, c.message) for c in others if not c.passed]
    assert correct.score == correct.max_score == max_score(["least_squares"])


def test_module_that_exits_at_import(make_submission: Callable[..., Path]) -> None:
    hostile, correct = grade_pair(make_submission, "import os\nos._exit(1)\n")
    assert hostile.score == 0
    assert all("exit" in c.message for c in hostile.exercises[0].checks)
    assert correct.score == correct.max_score


def test_module_that_does_not_import(make_submission: Callable[..., Path]) -> None:
    source = with_override("least_squares", "import solutions\n")
    hostile, _ = grade_pair(make_submission, source)
    assert hostile.score == 0
    message = hostile.exercises[0].checks[0].message
    assert "could not be imported" in message and "ImportError" in message


def test_syntax_error_names_the_line(make_submission: Callable[..., Path]) -> None:
    hostile, correct = grade_pair(make_submission, "def fit(X, y)\n    return X\n")
    assert hostile.score == 0
    assert "syntax error on line 1" in hostile.exercises[0].checks[0].message
    assert correct.score == correct.max_score


def test_missing_module_and_function(make_submission: Callable[..., Path]) -> None:
    empty = make_submission("empty", {})
    partial = make_submission("partial", {"least_squares": "def fit_line(x, y):\n    return 1.0, 2.0\n"})
    (none, some) = batch.grade_all([empty, partial], ["least_squares"], OPTIONS)
    assert none.score == 0 and "least_squares.py is not in the submission" in none.exercises[0].checks[0].message
    messages = {c.function: c.message for c in some.exercises[0].checks}
    assert "defines no function fit" in messages["fit"]


def test_only_a_raise_of_the_students_own_says_not_implemented_yet(make_submission: Callable[..., Path]) -> None:
    """A stub raises NotImplementedError itself: "not implemented yet". torch raises it too, for
    an operation that a dtype or a device lacks (on a GPU: "addmm_cuda" not implemented for
    'Long'): that is the student's code failing, shown as what it raised, with its line."""
    code = (
        "def fit_line(x, y):\n    raise NotImplementedError('least_squares.fit_line: the slope first')\n\n"
        "def predict(X, w):\n    mask = (X > 0) @ (X > 0).T  # booleans have no matrix product\n"
        "    return w[0] + X @ w[1:]\n"
    )
    hostile, _ = grade_pair(make_submission, with_override("least_squares", code))
    failed = [c for c in hostile.exercises[0].checks if not c.passed]
    stub = {c.message for c in failed if c.function == "fit_line"}
    predict = [c.message for c in failed if c.function == "predict"]
    assert stub == {"fit_line is not implemented yet (it raises NotImplementedError)"}
    assert predict and all('raised NotImplementedError: "addmm' in m for m in predict), predict
    assert any("mask = (X > 0)" in m for m in predict)  # a public check shows the line


def test_inputs_modified_in_place_are_caught(make_submission: Callable[..., Path]) -> None:
    code = "def predict(X, w):\n    X -= 0.0 * X\n    X[0, 0] = 123.0\n    return w[0] + X @ w[1:]\n"
    hostile, _ = grade_pair(make_submission, with_override("least_squares", code))
    predict = [c for c in hostile.exercises[0].checks if c.function == "predict"]
    assert all(not c.passed for c in predict)
    assert any("modified its input X in place" in c.message for c in predict)


@pytest.mark.parametrize("mode", ["auto", "off"])
def test_an_import_time_syntax_error_shows_the_submissions_own_path(
    make_submission: Callable[..., Path], mode: str
) -> None:
    """Review #20: a syntax error the worker meets while importing (in a helper module, or one
    only the compiler finds) named the worker's private copy, /tmp/mlgrade-worker-.../."""
    helper_broken = make_submission(
        "helper", {"least_squares": with_override("least_squares", "import helper\n"), "helper": "def f(:\n"}
    )
    compiler_only = make_submission("compiler", {"least_squares": with_override("least_squares", "return 1\n")})
    options = engine.Options(limits=Limits(call_seconds=3.0), sandbox=mode)
    helper, compiler = batch.grade_all([helper_broken, compiler_only], ["least_squares"], options)
    for result, where in ((helper, 'File "helper.py", line 1'), (compiler, 'File "least_squares.py", line')):
        message = result.exercises[0].checks[0].message
        assert result.score == 0 and where in message, message
        assert "mlgrade-worker" not in message and "/submission" not in message, message


def test_the_students_memory_is_room_on_top_of_what_the_loaded_worker_maps() -> None:
    """A CUDA build of torch maps gigabytes of libraries, used or not: under a plain 2 GiB
    address-space limit a CPU worker had too little left for one oneDNN convolution (seen on a
    GPU machine). The limit is the student's room on top of what the worker has mapped once
    loaded, so it is the same room whichever torch is installed."""
    probe = (
        "import mmap\n"
        "from grader.isolation import Limits, seal\n"
        "from grader.isolation.config import WorkerConfig\n"
        "libraries = mmap.mmap(-1, 3 * 2**30, prot=mmap.PROT_READ)  # mapped, never touched\n"
        "seal._set_limits(WorkerConfig.of('cpu', [], Limits(memory_bytes=2**30)))\n"
        "room = bytearray(768 * 2**20)\n"
        "del room\n"
        "try:\n"
        "    bytearray(2**30 + 2**28)\n"
        "except MemoryError:\n"
        "    print('more than the room is refused')\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "more than the room is refused"
