"""What of a submission its worker gets (issue 13 item 3, review #3): the exercise modules
always, whatever data sits beside them; other files where they fit; and a note naming every
file left out, in the student's result, grades.json and feedback.

Large files are sparse (``truncate``): 70 MiB that take no disk and no time to write."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, max_score

from grader import bank, engine, report
from grader.cli import cli
from grader.isolation import left_out, sandbox
from grader.results import SubmissionResult

MIB = 2**20


def big(path: Path, mib: int) -> None:
    with path.open("wb") as f:
        f.truncate(mib * MIB)


def test_modules_are_copied_before_any_data_file(tmp_path: Path) -> None:
    """Review #3: aaa.bin sorts before least_squares.py; it used to spend the byte budget and
    push the module out."""
    (tmp_path / "least_squares.py").write_text("x = 1\n")
    (tmp_path / "zz_helper.py").write_text("y = 2\n")
    big(tmp_path / "aaa.bin", 70)
    big(tmp_path / "notes.txt", 1)
    copy = sandbox.plan_copy(tmp_path)
    assert copy.files == [Path("least_squares.py"), Path("zz_helper.py"), Path("notes.txt")]
    assert left_out(tmp_path) == ["aaa.bin (70 MiB) was not copied: submissions are limited to 64 MiB"]


def test_a_file_too_large_leaves_room_for_the_smaller_ones_after_it(tmp_path: Path) -> None:
    big(tmp_path / "a_checkpoint.pt", 40)
    big(tmp_path / "b_dataset.pt", 40)
    (tmp_path / "c_labels.csv").write_text("0,1\n")
    copy = sandbox.plan_copy(tmp_path)
    assert copy.files == [Path("a_checkpoint.pt"), Path("c_labels.csv")]
    assert [rel for rel, _, _ in copy.left_out] == [Path("b_dataset.pt")]


def test_the_file_count_limit_names_what_it_leaves_out(tmp_path: Path) -> None:
    (tmp_path / "least_squares.py").write_text("x = 1\n")
    for i in range(3):
        (tmp_path / f"data{i}.csv").write_text("1\n")
    copy = sandbox.plan_copy(tmp_path, max_files=2)
    assert copy.files == [Path("least_squares.py"), Path("data0.csv")]
    assert [(str(rel), limit) for rel, _, limit in copy.left_out] == [
        ("data1.csv", "2 files"),
        ("data2.csv", "2 files"),
    ]


def test_nothing_left_out_means_no_note(tmp_path: Path) -> None:
    shutil.copy(REPO / "solutions" / "least_squares.py", tmp_path)
    assert left_out(tmp_path) == []
    assert "notes" not in SubmissionResult("s").to_json()


@pytest.mark.slow
def test_a_large_data_file_costs_nothing_and_is_named_in_the_result(tmp_path: Path) -> None:
    """The review's reproduction: a 70 MiB aaa.bin beside a correct least_squares.py scored 0;
    now full marks, and the student is told the file was not copied."""
    submission = tmp_path / "big"
    submission.mkdir()
    shutil.copy(REPO / "solutions" / "least_squares.py", submission)
    big(submission / "aaa.bin", 70)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["grade", str(submission), "-e", "least_squares", "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    (graded,) = json.loads((out / "grades.json").read_text())
    assert graded["score"] == max_score(["least_squares"])
    note = "aaa.bin (70 MiB) was not copied: submissions are limited to 64 MiB"
    assert graded["notes"] == [note]
    assert note in (out / "feedback" / "big.txt").read_text()
    assert SubmissionResult.from_json(graded).notes == [note]  # kept across --resume and merges


@pytest.mark.slow
def test_a_zip_over_the_unpacking_limit_is_graded_on_its_modules(tmp_path: Path) -> None:
    """The same for a zip (review #3, "the same goes for a zip over 50 MiB"): it used to be
    refused whole; its modules are graded and the dataset left packed is named."""
    archive = tmp_path / "dave.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("dave/data/dataset.bin", bytes(60 * MIB))
        z.write(REPO / "solutions" / "least_squares.py", "dave/least_squares.py")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["grade", str(archive), "-e", "least_squares", "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    (graded,) = json.loads((out / "grades.json").read_text())
    assert graded["score"] == max_score(["least_squares"])
    assert graded["notes"] == [
        "dave/data/dataset.bin (60 MiB) was not unpacked from dave.zip: a zip is unpacked up to 50 MiB"
    ]
    assert graded["notes"][0] in (out / "feedback" / "dave.txt").read_text()


def test_check_shows_the_note(tmp_path: Path) -> None:
    shutil.copy(REPO / "solutions" / "least_squares.py", tmp_path)
    big(tmp_path / "dataset.bin", 70)
    result = engine.grade(tmp_path, bank.load(["least_squares"], hidden=False), engine.Options(portable=True))
    assert result.score == result.max_score
    console = report.Console(width=200, record=True)
    report.render_check(console, result, {"least_squares": 12})
    assert "Note: dataset.bin (70 MiB) was not copied: submissions are limited to 64 MiB" in console.export_text()


def test_many_files_left_out_are_counted_not_listed(tmp_path: Path) -> None:
    (tmp_path / "least_squares.py").write_text("x = 1\n")
    for i in range(300):
        (tmp_path / f"img{i:03}.png").write_bytes(b"1234")
    notes = left_out(tmp_path)
    assert len(notes) == sandbox.LEFT_OUT_NAMED + 1
    assert notes[0] == "img255.png (4 bytes) was not copied: submissions are limited to 256 files"
    assert notes[-1] == "35 more files (140 bytes) were not copied: submissions are limited to 256 files"
