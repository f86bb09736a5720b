"""What a student's code printed, under the check it failed (issue 13 item 14, review #12):
`mlgrade check` shows the start of what the failing call printed. It is kept beside the
message, not in it: grades.json and the feedback stay exactly as reproducible as before, and a
hidden check's inputs, printed by the student's code, never reach the student that way."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import with_override

from grader import bank, engine, report
from grader.cli import cli
from grader.isolation import PORTABLE, Limits, Supervisor

PRINTS = with_override(
    "least_squares",
    "def fit_line(x, y):\n    print('DEBUG shapes', tuple(x.shape), tuple(y.shape))\n    return 1.0, 2.0\n\n"
    "def predict(X, w):\n    print('predict is fine')\n    return w[0] + X @ w[1:]\n",
)


def test_check_shows_what_a_failing_call_printed(make_submission: Callable[..., Path]) -> None:
    folder = make_submission("printing", {"least_squares": PRINTS})
    result = CliRunner().invoke(cli, ["check", "least_squares", "--path", str(folder)], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    shown = result.stdout
    assert "your code printed:" in shown and "DEBUG shapes (3,) (3,)" in shown  # the known answer's input
    assert "predict is fine" not in shown  # predict passes: nothing of it is shown


def test_printed_output_stays_out_of_the_json_and_the_messages(make_submission: Callable[..., Path]) -> None:
    folder = make_submission("printing", {"least_squares": PRINTS})
    result = engine.grade(folder, bank.load(["least_squares"], hidden=False), engine.Options())
    fit_line = [c for c in result.exercises[0].checks if c.function == "fit_line"]
    failed = [c for c in fit_line if not c.passed]
    assert failed and all(c.printed.startswith("DEBUG shapes") for c in failed)
    assert all("DEBUG" not in c.message for c in fit_line)
    assert all(c.printed == "" for c in result.exercises[0].checks if c.passed)
    assert "DEBUG" not in report.to_json([result]) and "DEBUG" not in report.feedback_text(result)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            "for i in range(30):\n    print('line', i)",
            ["line 0", *[f"line {i}" for i in range(1, 20)], "[... more was printed]"],
        ),
        ("print('y' * 5000)", ["y" * 200 + " [...]"]),
        ("import sys\nprint('to stderr', file=sys.stderr)", ["to stderr"]),
        ("pass", None),
    ],
    ids=["many-lines", "a-long-line", "stderr", "nothing"],
)
def test_the_start_of_the_output_comes_back_with_each_answer(
    make_submission: Callable[..., Path], code: str, expected: list[str] | None
) -> None:
    body = "\n".join("    " + line for line in code.splitlines())
    folder = make_submission("s", {"least_squares": f"def fit_line(x, y):\n{body}\n    return 1.0, 2.0\n"})
    with Supervisor(str(folder), "cpu", [], Limits()) as supervisor:
        answer, _ = supervisor.call("least_squares", "fit_line", (1, 2), {})
        again, _ = supervisor.call("least_squares", "fit_line", (1, 2), {})
    assert answer["ok"]
    assert (answer.get("printed", "").splitlines() or None) == expected
    assert again.get("printed") == answer.get("printed")  # each call's own output, not the ones before


def test_output_printed_before_the_worker_was_lost_is_kept(make_submission: Callable[..., Path]) -> None:
    code = "import os\ndef fit_line(x, y):\n    print('about to exit', flush=True)\n    os._exit(3)\n"
    folder = make_submission("s", {"least_squares": code})
    result = engine.grade(folder, bank.load(["least_squares"], hidden=False), engine.Options(limits=Limits()))
    fit_line = [c for c in result.exercises[0].checks if c.function == "fit_line"]
    assert "exit status 3" in fit_line[0].message and fit_line[0].printed == "about to exit"


def test_the_portable_worker_brings_back_what_was_printed(make_submission: Callable[..., Path]) -> None:
    folder = make_submission("s", {"least_squares": "def fit_line(x, y):\n    print('hello')\n    return 1.0, 2.0\n"})
    with Supervisor(str(folder), "cpu", [], Limits(), PORTABLE) as supervisor:
        answer, _ = supervisor.call("least_squares", "fit_line", (1, 2), {})
    assert answer["ok"] and answer["printed"] == "hello"


def test_a_printed_warning_names_the_students_file_not_the_workers_copy(make_submission: Callable[..., Path]) -> None:
    code = "import warnings\ndef fit_line(x, y):\n    warnings.warn('careful')\n    return 1.0, 2.0\n"
    folder = make_submission("s", {"least_squares": code})
    with Supervisor(str(folder), "cpu", [], Limits()) as supervisor:
        answer, _ = supervisor.call("least_squares", "fit_line", (1, 2), {})
    assert answer["printed"].startswith("least_squares.py:3: UserWarning: careful"), answer["printed"]


def test_printed_lines_keep_their_order_across_stdout_and_stderr(make_submission: Callable[..., Path]) -> None:
    code = (
        "import sys\ndef fit_line(x, y):\n"
        "    print('one')\n    print('two', file=sys.stderr)\n    print('three')\n    return 1.0, 2.0\n"
    )
    folder = make_submission("s", {"least_squares": code})
    with Supervisor(str(folder), "cpu", [], Limits()) as supervisor:
        answer, _ = supervisor.call("least_squares", "fit_line", (1, 2), {})
    assert answer["printed"] == "one\ntwo\nthree"
