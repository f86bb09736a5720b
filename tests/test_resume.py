"""An interrupted class grading resumes where it stopped: every finished submission is saved
whole at once, --resume reuses exactly the unchanged ones, and no grade is lost or half-written."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, grades_only, max_score

from grader import batch, engine
from grader.cli import cli

pytestmark = pytest.mark.slow

MLGRADE = [sys.executable, "-m", "grader"]


@pytest.fixture
def submissions(tmp_path: Path) -> list[Path]:
    """Six submissions of least_squares: three correct, three the buggy sample."""
    folders = []
    for i in range(6):
        folder = tmp_path / "class" / f"student{i}"
        folder.mkdir(parents=True)
        source = REPO / ("solutions" if i % 2 == 0 else "samples/buggy_student") / "least_squares.py"
        shutil.copy(source, folder / "least_squares.py")
        folders.append(folder)
    return folders


FULL = max_score(["least_squares"])
BUGGY = 7.75  # the buggy sample's least_squares, as graded when this test was written


def grade(*args: str) -> list[dict]:
    result = CliRunner().invoke(cli, ["grade", *args, "-e", "least_squares", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_an_interrupted_run_resumes_with_the_same_grades(submissions: list[Path], tmp_path: Path) -> None:
    # a class large enough that Ctrl-C lands while it is graded: once its examples are drawn,
    # a grading process takes a fraction of a second a submission
    copies = [tmp_path / "class" / f"{n:02d}" / s.name for n in range(5) for s in submissions]
    for copy, original in zip(copies, submissions * 5, strict=True):
        shutil.copytree(original, copy)
    submissions = copies
    out = tmp_path / "out"
    command = [*MLGRADE, "grade", *map(str, submissions), "-e", "least_squares", "--jobs", "2", "--out", str(out)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while not list((out / "submissions").glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: the grader and its grading processes
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "rerun with --resume" in err
    saved = sorted((out / "submissions").glob("*.json"))
    assert 1 <= len(saved) < len(submissions)
    for path in saved:  # whole results only
        assert json.loads(path.read_text())["result"]["exercises"]
    assert not (out / "grades.json").exists()

    resumed = CliRunner().invoke(
        cli, ["grade", *map(str, submissions), "-e", "least_squares", "--out", str(out), "--resume"]
    )
    assert resumed.exit_code == 0, resumed.output
    assert f"Resuming: {len(saved)} of {len(submissions)} submissions already graded" in resumed.output
    fresh = grade(*map(str, submissions))
    assert grades_only(json.loads((out / "grades.json").read_text())) == grades_only(fresh)
    assert [g["score"] for g in fresh][:2] == [FULL, BUGGY]


def children(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()


def templates_started(pid: int) -> bool:
    """Whether the grader has started its grading processes' templates: its grading has
    begun (the grading processes' fork server starts before, as the command starts)."""
    for child in children(pid):
        try:
            line = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if line.startswith(b"bwrap") or b"grader.isolation.forkserver" in line:
            return True
    return False


def test_ctrl_c_while_the_grading_processes_start_prints_no_traceback(submissions: list[Path], tmp_path: Path) -> None:
    """A terminal's Ctrl-C reaches the whole process group. Landing while the grading processes
    were still importing, it printed a traceback from each of them (found rerunning the review
    of issue 13); now they ignore it and the grader alone stops the run."""
    out = tmp_path / "out"
    command = [*MLGRADE, "grade", *map(str, submissions), "-e", "least_squares", "--jobs", "2", "--out", str(out)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while not templates_started(process.pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)  # the grading processes are importing the grader
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    # review #20: nothing was graded yet, so nothing is said to be saved; the line is ended
    assert "\nInterrupted.\n" in err and err.endswith("\n") and "--resume" not in err, err


def test_resume_reuses_only_unchanged_submissions(submissions: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = grade(*map(str, submissions[:2]), "--out", str(out))
    assert [g["score"] for g in first] == [FULL, BUGGY]
    # mark both saved results, then resubmit the second: only the first may be reused
    for name in ("student0", "student1"):
        path = out / "submissions" / f"{name}.json"
        data = json.loads(path.read_text())
        data["result"]["exercises"][0]["checks"][0]["message"] = "saved earlier"
        path.write_text(json.dumps(data))
    shutil.copy(REPO / "solutions" / "least_squares.py", submissions[1] / "least_squares.py")
    second = grade(*map(str, submissions[:2]), "--out", str(out), "--resume")
    assert second[0]["exercises"][0]["checks"][0]["message"] == "saved earlier"
    assert second[1]["exercises"][0]["checks"][0]["message"] == ""
    assert [g["score"] for g in second] == [FULL, FULL]
    # another time limit is another grading: nothing is reused
    third = grade(*map(str, submissions[:2]), "--out", str(out), "--resume", "--time-limit", "5")
    assert third[0]["exercises"][0]["checks"][0]["message"] == ""


def test_resume_needs_out() -> None:
    result = CliRunner().invoke(cli, ["grade", str(REPO / "solutions"), "--resume"])
    assert result.exit_code == 2 and "--out DIR" in result.output


def test_grading_processes_work_in_the_environment_of_the_moment(
    submissions: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--jobs forks its grading processes from multiprocessing's fork server, which keeps the
    environment it started with for as long as the grader's process lives (a server, a test
    session). Each submission is graded in the grader's environment as it is then: here, the
    examples of the second run go to the second cache folder, not the first."""
    for cache in ("first", "second"):
        monkeypatch.setenv("MLGRADE_CACHE", str(tmp_path / cache))
        results = batch.grade_all(submissions[:2], ["least_squares"], engine.Options(), jobs=2)
        assert [r.score for r in results] == [FULL, BUGGY]
        assert list((tmp_path / cache).rglob("least_squares*")), f"nothing cached in {cache}"


BROKEN_PRELOAD = """
import sys
from pathlib import Path
from grader import batch, engine

preloads = batch._grading_processes


def with_a_broken_module():
    context = preloads()
    context.set_forkserver_preload(["broken_at_import", "grader.batch"])
    return context


if __name__ == "__main__":
    batch._grading_processes = with_a_broken_module
    results = batch.grade_all([Path(p) for p in sys.argv[1:]], ["least_squares"], engine.Options(), jobs=2)
    print([r.score for r in results])
"""


def test_a_fork_server_that_cannot_start_leaves_the_grading_processes_spawned(
    submissions: list[Path], tmp_path: Path
) -> None:
    """A module the fork server preloads that fails with more than an ImportError ends the
    fork server: the grading processes are then spawned, as without one, and the class is
    graded, not lost to an EOFError."""
    (tmp_path / "broken_at_import.py").write_text("raise RuntimeError('broken')\n")
    (tmp_path / "grade_class.py").write_text(BROKEN_PRELOAD)
    command = [sys.executable, "grade_class.py", *map(str, submissions[:2])]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "RuntimeError: broken" in done.stderr  # the fork server's own report
    assert done.stdout.strip() == f"[{FULL}, {BUGGY}]"
