"""The command line, through click's CliRunner: exit codes, output and the written files."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import LEVELS, REPO, grades_only, max_score, needs_cuda

from grader import bank
from grader.cli import cli
from grader.isolation import sandbox

SOLUTIONS = str(REPO / "solutions")
STUBS = str(REPO / "exercises")
BUGGY = str(REPO / "samples" / "buggy_student")


def run(*args: str) -> tuple[int, str]:
    """Exit code and everything shown (standard output and error)."""
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def run_json(*args: str) -> list[dict]:
    """The JSON report a --json run prints on standard output (progress goes to standard error)."""
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_list_shows_every_exercise_and_function() -> None:
    code, out = run("list")
    assert code == 0
    for exercise in bank.load():
        assert exercise.name in out
        for f in exercise.functions:
            assert f.name in out


def test_list_without_hidden_checks_shows_the_public_share_of_each_exercise(monkeypatch: pytest.MonkeyPatch) -> None:
    """Review #13: a student's install (no hidden checks) listed 7.25 points for least_squares
    under an assignment of 216 points, and a column of hidden checks that were all 0."""
    monkeypatch.setattr(bank, "hidden_checks_installed", lambda: False)
    result = CliRunner().invoke(cli, ["list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    public = sum(c.points for c in bank.load(["least_squares"], hidden=False)[0].checks)
    assert "least_squares: Least squares and ridge regression, worth 12" in " ".join(result.output.split())
    table = result.output[result.output.index("least_squares:") : result.output.index("metrics:")]
    assert re.search(rf"total\s*│\s*│\s*{public:g} of 12 │", table), table
    assert "hidden checks" not in result.output.split("Hidden checks are not installed")[0]
    assert "the hidden checks, run when your work is graded, give the rest" in " ".join(result.output.split())


@pytest.mark.slow
def test_reference_solutions_get_full_marks() -> None:
    code, out = run("grade", SOLUTIONS, "--json")
    assert code == 0, out
    (graded,) = json.loads(out)
    assert graded["score"] == graded["max_score"] > 0
    assert all(c["passed"] for e in graded["exercises"] for c in e["checks"])


def test_stubs_get_zero_with_every_check_reported() -> None:
    code, out = run("grade", STUBS, "--json")
    assert code == 0, out
    (graded,) = json.loads(out)
    assert graded["score"] == 0
    declared = {(e.name, c.name) for e in bank.load() for c in e.checks}
    reported = {(e["name"], c["name"]) for e in graded["exercises"] for c in e["checks"]}
    assert reported == declared
    assert all("not implemented yet" in c["message"] for e in graded["exercises"] for c in e["checks"])


@pytest.mark.slow
def test_json_follows_the_spec_schema() -> None:
    code, out = run("grade", BUGGY, "--json")
    assert code == 0, out
    (graded,) = json.loads(out)
    assert set(graded) >= {"submission", "score", "max_score", "exercises"}
    for exercise in graded["exercises"]:
        assert set(exercise) == {"name", "score", "max_score", "checks"}
        assert exercise["score"] == pytest.approx(sum(c["points"] for c in exercise["checks"]))
        for check in exercise["checks"]:
            assert set(check) == {
                "name",
                "title",
                "function",
                "visibility",
                "passed",
                "points",
                "max_points",
                "message",
            }
            assert check["visibility"] in ("public", "hidden")
            assert check["passed"] == (check["points"] == check["max_points"])


@pytest.mark.slow
def test_grading_twice_gives_identical_json() -> None:
    first = run_json("grade", BUGGY, SOLUTIONS)
    second = run_json("grade", BUGGY, SOLUTIONS)
    assert grades_only(first) == grades_only(second)


@pytest.mark.slow
def test_hidden_failure_reveals_no_expected_value() -> None:
    code, out = run("grade", BUGGY, "--json")
    assert code == 0
    (graded,) = json.loads(out)
    hidden = [
        c
        for e in graded["exercises"]
        for c in e["checks"]
        if c["visibility"] == "hidden" and not c["passed"] and "is not in the submission" not in c["message"]
    ]
    assert hidden
    for check in hidden:
        assert "expected" not in check["message"] and "tensor(" not in check["message"]
        assert "generated input of" in check["message"]


def test_public_failure_shows_the_smallest_input() -> None:
    code, out = run("check", "least_squares", "--path", BUGGY)
    assert code == 1  # a check failed
    assert "result[0] is -1, expected -0.5" in out  # predict forgets the intercept
    assert "smallest failing input: ridge_fit(tensor(" in out  # ridge_fit penalises it
    assert "(hidden)" not in out


@pytest.mark.slow
def test_out_writes_json_csv_and_feedback(tmp_path: Path) -> None:
    archive = tmp_path / "zipped.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in (REPO / "samples" / "buggy_student").glob("*.py"):
            z.write(f, f"buggy_student/{f.name}")
    code, out = run("grade", SOLUTIONS, BUGGY, str(archive), "--out", str(tmp_path / "out"), "--jobs", "2")
    assert code == 0, out
    graded = json.loads((tmp_path / "out" / "grades.json").read_text())
    assert [g["submission"] for g in graded] == ["solutions", "buggy_student", "zipped"]
    assert graded[1]["score"] == graded[2]["score"] < graded[0]["score"] == graded[0]["max_score"]
    rows = list(csv.DictReader((tmp_path / "out" / "grades.csv").open()))
    assert [r["submission"] for r in rows] == ["solutions", "buggy_student", "zipped"]
    assert float(rows[1]["total"]) == graded[1]["score"]
    assert set(rows[0]) == {"submission", *bank.NAMES, "total", "max_score", "path"}
    feedback = (tmp_path / "out" / "feedback" / "buggy_student.txt").read_text()
    assert "predict" in feedback and "✗" in feedback


def test_usage_errors_exit_2_with_advice(tmp_path: Path) -> None:
    code, out = run("grade", str(tmp_path / "nope"))
    assert code == 2 and "does not exist" in out
    code, out = run("check", "no_such_exercise")
    assert code == 2 and "unknown exercise 'no_such_exercise'" in out and "least_squares" in out
    code, out = run("check", "--path", str(tmp_path / "missing"))
    assert code == 2 and "pass --path DIR" in out
    code, out = run("grade", SOLUTIONS, "--jobs", "0")
    assert code == 2


def test_a_file_that_is_not_a_zip_is_graded_zero(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.zip"
    bogus.write_text("not a zip")
    code, out = run("grade", str(bogus), "--json")
    assert code == 0
    (graded,) = json.loads(out)
    assert graded["score"] == 0 and "not a readable zip" in graded["error"]


def test_check_on_the_stubs_runs_public_checks_only() -> None:
    code, out = run("check", "--path", STUBS)
    assert code == 1
    assert "(hidden)" not in out and "not started" in out


def test_python_dash_m_grader_works() -> None:
    done = subprocess.run([sys.executable, "-m", "grader", "list"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "least_squares" in done.stdout


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (["check", "least_squares", "--path", SOLUTIONS, "--json"], 0),
        (["check", "least_squares", "metrics", "--path", STUBS, "--json"], 1),
        (["check", "no_such_exercise", "--path", STUBS], 2),
        (["validate", "least_squares", "--path", SOLUTIONS], 0),
    ],
)
def test_a_students_command_ends_at_once_with_its_status_and_all_its_output(args: list[str], status: int) -> None:
    """``mlgrade check`` and ``validate`` end without tearing down the grader's modules
    (grader/__main__.py): their exit status and every byte of their output are as click gives them."""
    command = [sys.executable, "-m", "grader", *args]
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as a terminal's shell runs it
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=buffered, timeout=300)

    assert done.returncode == status, done.stderr
    if "--json" in args:
        (result,) = json.loads(done.stdout)
        assert [e["name"] for e in result["exercises"]] == [a for a in args[1:] if a in bank.NAMES]
        assert (result["score"] == result["max_score"]) == (status == 0)
    elif status == 2:
        assert "unknown exercise 'no_such_exercise'" in done.stderr
    else:
        assert "least_squares" in done.stdout


def test_device_cuda_without_a_gpu_is_a_usage_error() -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    code, out = run("grade", SOLUTIONS, "--device", "cuda")
    assert code == 2 and "CUDA is not available" in out


@pytest.mark.cuda
@needs_cuda
@pytest.mark.parametrize("level", LEVELS)
def test_reference_solutions_get_full_marks_on_cuda(level: str) -> None:
    isolation = ["--no-sandbox"] if level == sandbox.PROCESS else []
    code, out = run("grade", SOLUTIONS, "--device", "cuda", *isolation, "--json")
    assert code == 0, out
    (graded,) = json.loads(out)
    assert graded["isolation"] == level
    lost = [(c["name"], c["message"]) for e in graded["exercises"] for c in e["checks"] if not c["passed"]]
    assert graded["score"] == graded["max_score"] == max_score() > 0, lost


@pytest.mark.cuda
@needs_cuda
def test_grading_on_cuda_gives_the_points_the_cpu_gives_and_notes_what_ran_on_the_cpu() -> None:
    """--device cuda grades with the inputs on the GPU, and a correct function passes whatever
    its style (SPEC): a call that raises there is answered on the CPU, and a tensor returned on
    the CPU is read as a NumPy array is. The buggy sample makes tensors on the CPU: it gets the
    points it gets on the CPU, check by check, and its exercises' notes say what ran there."""

    def graded_on(device: str) -> tuple[dict[str, float], list[str]]:
        (graded,) = run_json("grade", BUGGY, "--device", device)
        points = {f"{e['name']}: {c['name']}": c["points"] for e in graded["exercises"] for c in e["checks"]}
        return points, [note for e in graded["exercises"] for note in e.get("notes", [])]

    (on_cpu, cpu_notes), (on_cuda, cuda_notes) = graded_on("cpu"), graded_on("cuda")
    assert on_cuda == on_cpu
    assert 0 < sum(on_cpu.values()) < max_score()
    assert cpu_notes == []
    assert cuda_notes and all("cuda" in note for note in cuda_notes), cuda_notes


# -- mlgrade grade starts its grading processes' fork server before it loads the grader --------


def test_the_head_start_reads_grades_options_as_the_command_does() -> None:
    """grader/__main__.py reads the command line before click does: the options it skips the
    value of are exactly those of ``mlgrade grade`` that take one."""
    import click

    import grader.__main__ as command
    from grader.cli import grade

    taking = {o for p in grade.params if isinstance(p, click.Option) and not p.is_flag for o in p.opts}
    assert taking == set(command.GRADE_VALUE_OPTIONS)


def test_only_a_grading_of_several_submissions_in_parallel_starts_early(tmp_path: Path) -> None:
    import grader.__main__ as command

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    parallel = [
        ["grade", str(a), str(b), "--jobs", "2"],
        ["grade", str(a), "--jobs=2", str(b), "--json"],
        ["grade", "-e", "metrics", str(a), str(b), "--jobs", "3", "--out", str(tmp_path / "new")],
    ]
    for args in parallel:
        assert command._grades_in_parallel(args), args
    one_at_a_time = [
        ["grade", str(a), "--jobs", "2"],  # one submission
        ["grade", str(a), "--out", str(b), "--jobs", "2"],  # b is where the grades go
        ["grade", str(a), str(b), "--jobs", "1"],
        ["grade", str(a), str(b), "--jobs=1"],
        ["grade", str(a), str(b), "--jobs", "2", "--resume", "--out", str(tmp_path / "out")],
        ["grade", str(a), str(tmp_path / "missing"), "--jobs", "2"],
        ["check", "least_squares", str(a), str(b)],
        ["grade", "--help"],
    ]
    for args in one_at_a_time:
        assert not command._grades_in_parallel(args), args


EARLY_FORK_SERVER = """
import sys
from multiprocessing import forkserver
from pathlib import Path

import grader.__main__ as command

if __name__ == "__main__":
    command._start_grading_processes()  # before the grader is loaded
    started = forkserver._forkserver._forkserver_pid
    assert started is not None and "grader.batch" not in sys.modules

    from grader import batch, engine

    results = batch.grade_all([Path(p) for p in sys.argv[1:]], ["least_squares"], engine.Options(), jobs=2)
    assert forkserver._forkserver._forkserver_pid == started, "a second fork server"
    print([r.score for r in results])
"""


def test_grading_processes_come_from_the_fork_server_started_before_the_grader(tmp_path: Path) -> None:
    """The fork server ``mlgrade grade`` starts before it loads the grader is the one its
    grading processes are forked from, and they grade as ever."""
    (tmp_path / "early.py").write_text(EARLY_FORK_SERVER)
    command = [sys.executable, "early.py", SOLUTIONS, BUGGY]
    done = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=300, env=os.environ | {"PYTHONPATH": str(REPO)}
    )
    assert done.returncode == 0, done.stderr
    full, buggy = json.loads(done.stdout)
    assert full == max_score(["least_squares"]) > buggy
