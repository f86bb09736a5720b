"""Grading a class as instructors and students really hand it in (issue 13, review of 9d683ab):
layouts that must be graded or told what to fix, an --out folder that is probed before grading
and merged into, names that lead back to the folder they came from, and nothing lost."""

from __future__ import annotations

import csv
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, grades_only
from rich.console import Console

from grader import bank, engine, report
from grader.cli import cli
from grader.results import CheckResult, ExerciseResult, SubmissionResult

REFERENCE = REPO / "solutions" / "least_squares.py"
NAMES = ["least_squares", "metrics"]


def grade(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["grade", *args, "-e", "least_squares", "--jobs", "1"], env={"COLUMNS": "300"})
    return result.exit_code, result.output


def scores(out: Path) -> dict[str, float]:
    return {r["submission"]: r["score"] for r in json.loads((out / "grades.json").read_text())}


# -- where the modules are (fast: no grading) ------------------------------------------------


def test_modules_one_folder_down_are_found(tmp_path: Path) -> None:
    (tmp_path / "gina" / "hw1").mkdir(parents=True)
    shutil.copy(REFERENCE, tmp_path / "gina" / "hw1")
    (tmp_path / "gina" / "__MACOSX").mkdir()
    assert engine.find_modules(tmp_path / "gina", NAMES) == tmp_path / "gina" / "hw1"
    (tmp_path / "erin" / "hw1" / "exercises").mkdir(parents=True)
    shutil.copy(REFERENCE, tmp_path / "erin" / "hw1" / "exercises")
    assert engine.find_modules(tmp_path / "erin", NAMES) == tmp_path / "erin" / "hw1" / "exercises"


def test_two_subfolders_are_not_guessed_between(tmp_path: Path) -> None:
    for name in ("draft", "final"):
        (tmp_path / "s" / name).mkdir(parents=True)
        shutil.copy(REFERENCE, tmp_path / "s" / name)
    assert engine.find_modules(tmp_path / "s", NAMES) == tmp_path / "s"


@pytest.mark.parametrize("found", ["LeastSquares.py", "least_squares (1).py", "least-squares.py", "leastsquares.py"])
def test_a_misnamed_module_gets_the_name_to_use(tmp_path: Path, found: str) -> None:
    shutil.copy(REFERENCE, tmp_path / found)
    message = engine.missing_module(tmp_path, "least_squares")
    assert message.startswith("least_squares.py is not in the submission; found ")
    assert f"Did you mean {found}? Rename it to least_squares.py" in message


def test_a_missing_module_lists_what_was_found(tmp_path: Path) -> None:
    (tmp_path / "hw1").mkdir()
    (tmp_path / "notes.txt").write_text("")
    assert engine.missing_module(tmp_path, "metrics") == "metrics.py is not in the submission; found hw1/, notes.txt"


def test_sources_are_read_as_python_imports_them(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"\xef\xbb\xbfx = 1\n")  # a byte-order mark, as old Notepad writes
    assert engine.read_source(path) == "x = 1\n"
    path.write_bytes(b"# -*- coding: latin-1 -*-\n# caf\xe9\n")
    assert engine.read_source(path).endswith("café\n")


# -- the output folder and the names (fast: no grading) ---------------------------------------


def result(name: str, *scores: tuple[str, float]) -> SubmissionResult:
    exercises = [ExerciseResult(e, [CheckResult("c", "f", "public", p == 1, p, 1.0)]) for e, p in scores]
    return SubmissionResult(name, exercises, path=f"class/{name}")


def test_a_regrade_merges_into_the_class() -> None:
    earlier = [result("alice", ("least_squares", 0), ("metrics", 1)), result("bob", ("least_squares", 1))]
    now = [result("alice", ("least_squares", 1)), result("carol", ("least_squares", 0))]
    merged = report.merged(earlier, now)
    assert [r.submission for r in merged] == ["alice", "bob", "carol"]
    assert [(e.name, e.score) for e in merged[0].exercises] == [("least_squares", 1.0), ("metrics", 1.0)]


def test_long_and_odd_names_make_safe_file_names() -> None:
    assert report.file_name("alice") == "alice"
    long = report.file_name("s" * 250)
    assert len(long.encode()) < 100 and long != report.file_name("s" * 249)
    assert "/" not in report.file_name("a/b") and report.file_name("..") not in ("..", "")


def test_names_in_tables_are_not_markup() -> None:
    checks = [CheckResult("binary confusion_matrix is [[tn, fp], [fn, tp]]", "f", "public", True, 1.0, 1.0)]
    shown = Console(width=200, record=True, file=None)
    with shown.capture() as captured:
        shown.print(report.exercise_table(ExerciseResult("metrics", checks)))
        shown.print(report.summary_table([SubmissionResult("[bold]x[/]", [ExerciseResult("metrics", checks)])]))
    assert "[[tn, fp], [fn, tp]]" in captured.get()
    assert "[bold]x[/]" in captured.get()


def test_a_narrow_summary_numbers_the_exercises() -> None:
    names = ["least_squares", "metrics", "softmax_regression", "backprop", "batch_norm", "conv", "lstm", "attention"]
    results = [result(f"student{i}", *((n, 1.0) for n in names)) for i in range(3)]
    console = Console(width=80, record=True)
    with console.capture() as captured:
        console.print(report.summary_table(results, width=80))
    text = captured.get()
    assert "1: least_squares" in text and "8: attention" in text and "total / 8" in text
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "…" not in text  # nothing cut


@pytest.mark.parametrize("columns", [60, 160])
def test_a_check_table_and_its_panels_share_one_width(columns: int) -> None:
    """Review #20: at 160 columns the table kept to about 84 while the panels filled 160."""
    checks = [
        CheckResult("fit_line known answers", "fit_line", "public", True, 1.0, 1.0),
        CheckResult("fit_line is stationary", "fit_line", "public", False, 0.0, 1.0, message="the slope a is 2.6"),
    ]
    exercise = ExerciseResult("least_squares", checks)
    console = Console(width=columns, record=True, no_color=True)
    with console.capture() as captured:
        console.print(report.exercise_table(exercise))
        for panel in report.failures(exercise):
            console.print(panel)
    widths = {len(line) for line in captured.get().splitlines() if line.strip().startswith(("┏", "└", "╭", "╰"))}
    assert widths == {min(columns, report.WIDTH)}


def test_grades_files_are_readable_by_the_group(tmp_path: Path) -> None:
    report.write_outputs(tmp_path, [result("alice", ("least_squares", 1))])
    assert (tmp_path / "grades.csv").stat().st_mode & 0o044 == 0o044


# -- whole runs -------------------------------------------------------------------------


def test_layouts_students_hand_in_are_graded(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    (subs / "gina" / "hw1").mkdir(parents=True)
    shutil.copy(REFERENCE, subs / "gina" / "hw1")
    (subs / "bom").mkdir()
    (subs / "bom" / "least_squares.py").write_bytes(b"\xef\xbb\xbf" + REFERENCE.read_bytes())
    (subs / "zipped").mkdir()
    with zipfile.ZipFile(subs / "zipped" / "hw1.zip", "w") as z:  # a zip left in Gradescope's submission/
        z.write(REFERENCE, "hw1/least_squares.py")
    shutil.copy(REFERENCE, subs / "least_squares.py")  # a lone module
    (subs / "README.txt").write_text("not a submission")
    out = tmp_path / "out"
    paths = [str(p) for p in sorted(subs.iterdir())]
    code, output = grade(*paths, "--out", str(out))
    assert code == 0, output
    assert "README.txt is not a submission" in output
    assert scores(out) == {"bom": 12, "gina": 12, "least_squares": 12, "zipped": 12}


def test_a_class_folder_given_as_one_submission_is_a_usage_error(tmp_path: Path) -> None:
    for name in ("alice", "bob"):
        (tmp_path / "class" / name).mkdir(parents=True)
        shutil.copy(REFERENCE, tmp_path / "class" / name)
    code, output = grade(str(tmp_path / "class"))
    assert code == 2 and "2 folders or zips inside it do (alice, bob): did you mean" in output and "class/*" in output
    for name in ("carol", "dave"):
        shutil.copytree(tmp_path / "class" / "alice", tmp_path / "class" / name)
    code, output = grade(str(tmp_path / "class"))
    assert code == 2 and "4 folders or zips inside it do (alice, bob, carol, ...)" in output


@pytest.mark.parametrize("problem", ["read-only", "a file", "too long"])
def test_an_unusable_out_is_refused_before_grading(tmp_path: Path, problem: str) -> None:
    if problem == "read-only":
        out = Path("/proc/mlgrade-out")
    elif problem == "a file":
        (tmp_path / "f").write_text("")
        out = tmp_path / "f" / "out"
    else:
        out = tmp_path / ("o" * 300)
    code, output = grade(str(REPO / "solutions"), "--out", str(out))
    assert code == 2, output
    assert "cannot write there" in output and "Traceback" not in output


def test_rerunning_into_out_merges_and_fresh_starts_over(tmp_path: Path) -> None:
    for name in ("alice", "bob"):
        (tmp_path / name).mkdir()
    shutil.copy(REFERENCE, tmp_path / "alice")
    shutil.copy(REPO / "samples" / "buggy_student" / "least_squares.py", tmp_path / "bob")
    out = tmp_path / "out"
    assert grade(str(tmp_path / "alice"), str(tmp_path / "bob"), "--out", str(out))[0] == 0
    shutil.copy(REFERENCE, tmp_path / "bob")  # bob fixes his work: regrade him alone
    code, output = grade(str(tmp_path / "bob"), "--out", str(out))
    assert code == 0, output
    assert scores(out) == {"alice": 12, "bob": 12}
    assert sorted(p.name for p in (out / "feedback").iterdir()) == ["alice.txt", "bob.txt"]
    code, output = grade(str(tmp_path / "bob"), "--out", str(out), "--fresh")
    assert code == 0, output
    assert scores(out) == {"bob": 12}
    assert sorted(p.name for p in (out / "feedback").iterdir()) == ["bob.txt"]
    rows = list(csv.DictReader((out / "grades.csv").open()))
    assert [r["submission"] for r in rows] == ["bob"]


def test_names_lead_back_to_the_path_given(tmp_path: Path) -> None:
    for group in ("dup1", "dup2"):
        (tmp_path / group / "alice").mkdir(parents=True)
        shutil.copy(REFERENCE, tmp_path / group / "alice")
    (tmp_path / "carl").symlink_to(tmp_path / "dup1" / "alice")
    out = tmp_path / "out"
    given = [str(tmp_path / "dup1" / "alice"), str(tmp_path / "dup2" / "alice"), str(tmp_path / "carl")]
    code, output = grade(*given, given[0], "--out", str(out))
    assert code == 0, output
    graded = json.loads((out / "grades.json").read_text())
    assert [(g["submission"], g["path"]) for g in graded] == [
        ("alice", given[0]),
        ("alice-2", given[1]),
        ("carl", given[2]),
    ]
    assert "was given more than once: graded once" in output
    assert "is named alice-2: another submission has its name" in output
    rows = list(csv.DictReader((out / "grades.csv").open()))
    assert [r["path"] for r in rows] == given
    assert graded[0]["grader"]["options"] == {
        "device": "cpu",
        "time_limit": 10.0,
        "exercise_budget": 60.0,
        "submission_budget": 300.0,
        "sandbox": "off" if os.environ.get("MLGRADE_NO_SANDBOX") else "require",
        "language": "en",
    }
    assert graded[0]["grader"]["version"] and graded[0]["graded_at"].endswith("+00:00")


def test_contradicting_sandbox_options_are_refused() -> None:
    code, output = grade(str(REPO / "solutions"), "--require-sandbox", "--no-sandbox")
    assert code == 2 and "contradict" in output


def test_contradicting_sandbox_options_are_refused_by_nbgrader_autograde_too(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["nbgrader", "autograde", str(tmp_path), "week1", "--require-sandbox", "--no-sandbox"]
    )
    assert result.exit_code == 2 and "--require-sandbox and --no-sandbox contradict each other" in result.output


def test_no_progress_leaves_standard_error_empty() -> None:
    two = [str(REPO / "solutions"), str(REPO / "samples" / "buggy_student")]
    shown = CliRunner().invoke(cli, ["grade", *two, "-e", "least_squares", "--jobs", "1", "--json"])
    assert shown.exit_code == 0 and "grading" in shown.stderr and "2/2" in shown.stderr
    quiet = CliRunner().invoke(cli, ["grade", *two, "-e", "least_squares", "--jobs", "1", "--json", "--no-progress"])
    assert quiet.exit_code == 0 and quiet.stderr == ""
    assert grades_only(json.loads(quiet.stdout)) == grades_only(json.loads(shown.stdout))


def test_the_command_list_gives_each_command_whole() -> None:
    """Review #20: click cut the summaries ("grade  Grade SUBMISSION...")."""
    result = CliRunner().invoke(cli, ["--help"], env={"COLUMNS": "80"})
    commands = result.output.split("Commands:")[1].strip().splitlines()
    assert len(commands) >= 8 and not [line for line in commands if line.rstrip().endswith("...")]
    assert any(
        line.split() == ["grade", "Grade", "submissions:", "public", "and", "hidden", "checks."] for line in commands
    )


def test_quiet_prints_nothing_but_grades_the_same(tmp_path: Path) -> None:
    code, output = grade(str(REPO / "solutions"), "--quiet", "--out", str(tmp_path / "q"))
    assert code == 0 and output == ""
    loud = CliRunner().invoke(cli, ["grade", str(REPO / "solutions"), "-e", "least_squares", "--json"])
    assert grades_only(json.loads((tmp_path / "q" / "grades.json").read_text())) == grades_only(json.loads(loud.stdout))


def test_a_syntax_error_is_shown_once_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "least_squares.py").write_text("def fit_line(x, y):\n    return (x,\n\ndef fit(X, y): pass\n")
    result = CliRunner().invoke(cli, ["check", "least_squares", "--path", str(tmp_path)], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert result.stdout.count("has a syntax error on line 2") == 1
    assert "least_squares: all 13 checks" in result.stdout and "    return (x," in result.stdout


def test_feedback_speaks_to_the_student() -> None:
    text = report.feedback_text(result("alice", ("least_squares", 1)))
    assert "bubblewrap" not in text and "audit hook" not in text
    assert "Your code ran in a separate process" in text


@pytest.mark.slow
def test_fit_line_messages_name_the_slope_and_the_intercept(tmp_path: Path) -> None:
    """Review #19: "result[1] is 0.4" meant the intercept b, and "component 1 of w" the slope a
    (fit_line returns no w). Each output is now named for what it is."""
    shutil.copy(
        REPO / "tests" / "variants" / "least_squares" / "buggy_fit_line_denominator_n.py", tmp_path / "least_squares.py"
    )
    (graded,) = engine.grade(tmp_path, bank.load(["least_squares"]), engine.Options()).exercises
    messages = {c.name: c.message for c in graded.checks if c.function == "fit_line"}
    assert (
        "the slope a is 1.33333, expected 2; the intercept b is 1.66667, expected 1"
        in messages["fit_line known answers"]
    )
    stationary = messages["fit_line satisfies the normal equations"]
    assert "at the returned (a, b): its derivative with respect to the slope a is" in stationary
    assert "returned w" not in stationary and "component" not in stationary
