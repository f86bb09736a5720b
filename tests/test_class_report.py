"""mlgrade report: the class's statistics, the page's content and escaping, and the page as a
real browser (headless Chromium) renders it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO

from grader import class_report
from grader.cli import cli
from grader.results import CheckResult, ExerciseResult, SubmissionResult

pytest.importorskip("matplotlib", reason="the report's figures need matplotlib: pip install -e '.[report]'")

STABLE = "softmax is stable for |z| up to 1e4"
NOT_STARTED = "softmax is not implemented yet (it raises NotImplementedError)"
# CI sets MLGRADE_TEST_BROWSER=require: there a missing Chromium fails the browser tests.
BROWSER_REQUIRED = os.environ.get("MLGRADE_TEST_BROWSER") == "require"


def check(name: str, function: str, passed: bool, message: str = "", points: float = 1.0) -> CheckResult:
    return CheckResult(name, function, "public", passed, points if passed else 0.0, points, message)


def student(name: str, softmax: str, grade: bool = True) -> SubmissionResult:
    """A submission of one exercise, softmax_regression: ``softmax`` is "right", "overflow"
    (fails the stability check), or "stub"."""
    if softmax == "stub":
        checks = [check("rows sum to one", "softmax", False, NOT_STARTED), check(STABLE, "softmax", False, NOT_STARTED)]
    else:
        checks = [
            check("rows sum to one", "softmax", True),
            check(STABLE, "softmax", softmax == "right", "" if softmax == "right" else f"overflow: got nan ({name})"),
        ]
    checks.append(check("predict picks the argmax", "predict", grade, "" if grade else "predict returned argmin"))
    return SubmissionResult(
        name,
        [ExerciseResult("softmax_regression", checks)],
        isolation="sandbox",
        path=f"/subs/{name}",
        graded_at="2027-03-15T08:00:00+00:00",
        grader={"version": "0.1.0", "assignment": "week3", "course": {"name": "ML", "sha256": "ab" * 32}},
    )


def a_class() -> list[SubmissionResult]:
    """Seven submissions: 3 of the 5 who wrote softmax fail its stability check (60%), 2 left it a stub."""
    kinds = ["right", "right", "overflow", "overflow", "overflow", "stub", "stub"]
    results = [student(f"s{i}", kind, grade=i != 0) for i, kind in enumerate(kinds)]
    results.append(SubmissionResult("broken", error="the grader itself failed", grader_failed=True))
    return results


def write_grades(folder: Path, results: list[SubmissionResult]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "grades.json").write_text(json.dumps([r.to_json() for r in results]))
    return folder


def test_failure_rates_count_those_who_wrote_the_function_from_the_most_failed() -> None:
    stats = class_report.statistics_of(a_class())
    worst = stats.checks[0]
    assert (worst.name, worst.wrote, worst.failed, worst.not_started) == (STABLE, 5, 3, 2)
    assert worst.rate == pytest.approx(0.6)
    assert [c.rate for c in stats.checks] == sorted((c.rate for c in stats.checks), reverse=True)
    assert stats.grader_failed == ["broken"] and len(stats.results) == 7


def test_the_most_frequent_message_is_counted_on_its_whole_line() -> None:
    results = a_class()
    for r in results[2:4]:  # two of the three overflow with the same message
        r.exercises[0].checks[1].message = "overflow:\n   got   nan"
    stats = class_report.statistics_of(results)
    assert stats.checks[0].message == ("overflow: got nan", 2)


def test_exercise_and_function_statistics() -> None:
    stats = class_report.statistics_of(a_class())
    (exercise,) = stats.exercises
    assert exercise.not_started == 0  # predict was written: only softmax is a stub
    assert exercise.full_marks == 1 and exercise.max_score == 3
    means = {f.function: f.mean for f in stats.functions}
    assert means["predict"] == pytest.approx(6 / 7) and means["softmax"] == pytest.approx((2 * 2 + 3) / 7)


def test_the_page_is_self_contained_and_escapes_what_submissions_wrote(tmp_path: Path) -> None:
    results = a_class()
    results[2].submission = "<script>alert('x')</script>"
    results[3].exercises[0].checks[1].message = "<img src=x onerror=alert(1)>"
    results[4].exercises[0].checks[1].message = "<img src=x onerror=alert(1)>"
    grades = write_grades(tmp_path / "grades", results)
    code = CliRunner().invoke(cli, ["report", str(grades)])
    assert code.exit_code == 0, code.output
    page = (grades / "report.html").read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert page.count("<svg") == 3  # the class's scores, each exercise's, each function's mean
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing to fetch
    assert "<style>" in page and 'id="submissions"' in page and 'id="checks"' in page
    assert f"60%</div></td><td class=n data-v=3>3 of 5</td><td><code>{STABLE}</code>" in page
    assert "sandbox" in page and "mlgrade 0.1.0" in page


def test_the_terminal_summary_names_the_most_failed_checks(tmp_path: Path) -> None:
    grades = write_grades(tmp_path / "grades", a_class())
    done = CliRunner().invoke(cli, ["report", str(grades), "--out", str(tmp_path / "r" / "class.html")])
    assert done.exit_code == 0, done.output
    said = " ".join(done.output.split())
    assert f"60% fail '{STABLE}' (softmax_regression.softmax)" in said
    assert "7 submissions" in said and "grader failed on 1 submission" in said
    assert (tmp_path / "r" / "class.html").is_file()


def test_a_folder_without_grades_is_a_usage_error(tmp_path: Path) -> None:
    done = CliRunner().invoke(cli, ["report", str(tmp_path)])
    assert done.exit_code == 2 and "no grades.json there" in done.output
    (tmp_path / "grades.json").write_text("{not json")
    done = CliRunner().invoke(cli, ["report", str(tmp_path)])
    assert done.exit_code == 2 and "is not a grades.json mlgrade wrote" in done.output


# -- in a real browser ----------------------------------------------------------------------------


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if BROWSER_REQUIRED:
            pytest.fail("MLGRADE_TEST_BROWSER=require, but chromium is not installed", pytrace=False)
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


def render_in_chromium(page: Path, tmp_path: Path) -> tuple[str, Path]:
    """The DOM after the page's scripts ran, and a screenshot of it, from headless Chromium
    (kept in MLGRADE_SCREENSHOTS=DIR too, where set)."""
    browser = chromium()
    common = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
    ]
    url = page.resolve().as_uri()
    dom = subprocess.run(
        [*common, f"--user-data-dir={tmp_path / 'profile-dom'}", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    shot = tmp_path / f"{page.stem}.png"
    size = "--window-size=1200,2400"
    subprocess.run(
        [*common, f"--user-data-dir={tmp_path / 'profile-shot'}", size, f"--screenshot={shot}", url],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.is_file() and shot.stat().st_size > 10_000
    keep = os.environ.get("MLGRADE_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)
    return dom, shot


def assert_rendered(dom: str) -> None:
    """The page's scripts ran to their end with no error, and the figures and tables are there."""
    assert 'data-ready="yes"' in dom  # the sorting script ran to its last line
    assert 'data-js-errors="yes"' not in dom and '<div id="js-errors"></div>' in dom
    assert dom.count("<svg") == 3
    for table in ("exercises", "checks", "submissions"):
        assert f'id="{table}"' in dom


@pytest.mark.slow
def test_the_page_renders_in_chromium_without_a_script_error(tmp_path: Path) -> None:
    grades = write_grades(tmp_path / "grades", a_class())
    assert CliRunner().invoke(cli, ["report", str(grades)]).exit_code == 0
    dom, _ = render_in_chromium(grades / "report.html", tmp_path)
    assert_rendered(dom)
    # a page whose script fails is caught: the check above is not vacuous
    failing = tmp_path / "failing.html"
    failing.write_text(
        (grades / "report.html").read_text().replace("document.querySelectorAll(", "document.querySelectorAl(", 1)
    )
    failing_dom, _ = render_in_chromium(failing, tmp_path)
    assert 'data-js-errors="yes"' in failing_dom and "querySelectorAl is not a function" in failing_dom


@pytest.mark.slow
def test_the_demo_class_report_renders_in_chromium(tmp_path: Path) -> None:
    """What make demo does: grade the references and samples/buggy_student for week3 of the
    example course file, write the report, and render it."""
    course = ["--course", str(REPO / "examples" / "mlgrade.toml"), "--assignment", "week3"]
    grades = tmp_path / "demo"
    subjects = [str(REPO / "solutions"), str(REPO / "samples" / "buggy_student")]
    done = CliRunner().invoke(cli, ["grade", *subjects, *course, "--out", str(grades), "-q"])
    assert done.exit_code == 0, done.output
    done = CliRunner().invoke(cli, ["report", str(grades), *course])
    assert done.exit_code == 0, done.output
    dom, _ = render_in_chromium(grades / "report.html", tmp_path)
    assert_rendered(dom)
    assert "Regression and classification (week3)" in dom and "buggy_student" in dom
    assert "<code>softmax_regression</code>" in dom and "<code>conv</code>" not in dom


def test_without_matplotlib_the_report_says_which_extra_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises ImportError
    grades = write_grades(tmp_path / "grades", a_class())
    done = CliRunner().invoke(cli, ["report", str(grades)])
    assert done.exit_code == 2 and "pip install 'mlgrade[report]'" in done.output
