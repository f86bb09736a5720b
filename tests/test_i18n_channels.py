"""Chinese (zh) in the engine's messages and the three channels (issue 19): what the check kinds,
the engine and the isolation unit say, Gradescope's results and autograder, the nbgrader
notebooks, and the student bundle, each in the language in use, with the same grades as English."""

from __future__ import annotations

import importlib
import re
import shutil
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import REPO, chinese

from grader import bank, course, engine, i18n, isolation, numgrad, stub_docs
from grader.channels import gradescope, release
from grader.channels.nbgrader import notebook as nbnotebook
from grader.checks import Call, StopCheck, compare
from grader.outputs import Array, ContractViolation, Scalar, Tuple, conform
from grader.results import CheckResult

# the module (the package re-exports its build function under the same name)
nbbuild = importlib.import_module("grader.channels.nbgrader.build")


# -- the check kinds' and the engine's messages -----------------------------------------------


def test_comparisons_and_contracts_speak_chinese_with_the_same_values(zh: None) -> None:
    out, truth = np.array([1.0, 2.5]), np.array([1.0, 2.0])
    message = compare(out, truth, np.dtype("float64"), reveal=True)
    assert message == "result[1]是2.5，应为2（rtol 1e-05，适用于float64输入）"
    hidden = compare(out, truth, np.dtype("float32"), reveal=False)
    assert hidden is not None and hidden.startswith("result[1]有误（相对误差") and "float32" in hidden
    named = compare((np.array(2.6), np.array(0.4)), (np.array(2.0), np.array(1.0)), None, True, labels=("a", "b"))
    assert named is not None and named.startswith("a是2.6，应为2；b是0.4，应为1")
    with pytest.raises(ContractViolation, match=r"^结果的形状应为\(2,\)，实际是\(3,\)$"):
        conform(np.zeros(3), Array(lambda: (2,)), ())
    with pytest.raises(ContractViolation, match="应为含2个值的tuple"):
        conform(1.0, Tuple((Scalar(), Scalar())), ())
    described = numgrad.GradientMismatch("W", (0, 1), 2.0, 1.0).describe()
    assert described.startswith("dW[0, 1]：解析梯度2，数值梯度1（相对误差5.00e-01")


def test_english_messages_are_unchanged() -> None:
    assert i18n.language() == "en"
    assert compare(np.array([1.0, 2.5]), np.array([1.0, 2.0]), np.dtype("float64"), reveal=True) == (
        "result[1] is 2.5, expected 2 (rtol 1e-05 for float64 inputs)"
    )
    budget = engine.Budget.starting_now(60, "exercise")
    assert budget.not_run() == "not run: the exercise's time budget of 60 s was spent"
    lost = isolation.Message("timed out after {seconds:g} s {doing} (an endless loop?)", seconds=2.0, doing="x")
    assert engine.localized(lost) == lost == "timed out after 2 s x (an endless loop?)"


class _Lost:
    """A worker channel whose every call loses the worker as a timeout does."""

    def call(self, module: str, function: str, *args: Any, **kwargs: Any) -> tuple[dict[str, Any], list[bytes]]:
        doing = isolation.Message("calling {function}", function=function)
        reason = isolation.Message("timed out after {seconds:g} s {doing} (an endless loop?)", seconds=2.0, doing=doing)
        raise isolation.WorkerLost(reason)


class _Answers:
    """A worker channel answering every call with ``error``."""

    def __init__(self, error: dict[str, Any]) -> None:
        self.error = error

    def call(self, *args: Any, **kwargs: Any) -> tuple[dict[str, Any], list[bytes]]:
        return {"ok": False, "error": self.error, "used": []}, []


def _student(channel: Any) -> engine.StudentCalls:
    (exercise,) = bank.load(["least_squares"], hidden=False)
    return engine.StudentCalls(channel, exercise, "cpu", engine.parameter_names(exercise))


def test_a_lost_worker_and_the_workers_own_words_are_translated(zh: None) -> None:
    call = Call((np.zeros(3), np.zeros(3)))
    with pytest.raises(StopCheck) as lost:
        _student(_Lost())("fit_line", call)
    assert lost.value.message == "fit_line：调用fit_line时超时了，超过2秒（是不是死循环？）"

    said = isolation.Message("{module}.py defines no function {function}", module="least_squares", function="fit")
    missing = {"kind": "missing", "type": "AttributeError", "message": str(said), "said": said.to_json()}
    with pytest.raises(StopCheck) as stopped:
        _student(_Answers(missing))("fit_line", call)
    assert stopped.value.message == "least_squares.py里没有定义函数fit"

    # words the catalog does not know (the student's code raises what it likes) stay as they came
    forged = {"kind": "missing", "message": "as sent", "said": {"msgid": "{x.__class__}", "values": {"x": 1}}}
    with pytest.raises(StopCheck) as kept:
        _student(_Answers(forged))("fit_line", call)
    assert kept.value.message == "as sent"


def test_the_isolation_units_notes_are_translated_where_shown(zh: None, tmp_path: Path) -> None:
    (tmp_path / "least_squares.py").write_text("x = 1\n")
    (tmp_path / "data.bin").write_bytes(b"\0" * (65 * 2**20))
    (note,) = isolation.left_out(tmp_path)
    assert note == "data.bin (65 MiB) was not copied: submissions are limited to 64 MiB"  # English as a str
    assert engine.localized(note) == "data.bin（65 MiB）没有被复制：提交的作业最多64 MiB"


def test_grading_in_chinese_gives_the_english_grades(zh: None) -> None:
    exercises = bank.load(["least_squares", "metrics"])
    chinese_result = engine.grade(REPO / "samples" / "buggy_student", exercises, engine.Options(sandbox="off"))
    i18n.use("en")
    english_result = engine.grade(REPO / "samples" / "buggy_student", exercises, engine.Options(sandbox="off"))
    grades = [[(c.name, c.passed, c.points) for c in e.checks] for e in chinese_result.exercises]
    assert grades == [[(c.name, c.passed, c.points) for c in e.checks] for e in english_result.exercises]
    failed = [c for e in chinese_result.exercises for c in e.checks if not c.passed]
    assert failed
    # the engine's and the check kinds' words: each comparison with the reference, each known answer
    for c in failed:
        if c.name.endswith(("matches reference", "known answers")):
            assert chinese(c.message), (c.name, c.message)


# -- Gradescope --------------------------------------------------------------------------------


def test_gradescope_results_in_chinese_have_the_english_scores(zh: None) -> None:
    exercises = bank.load(["metrics"])
    result = engine.grade(REPO / "samples" / "buggy_student", exercises, engine.Options(sandbox="off"))
    chinese_results = gradescope.results(result)
    i18n.use("en")
    english_results = gradescope.results(engine.grade(REPO / "samples" / "buggy_student", exercises, engine.Options()))
    assert chinese_results["score"] == english_results["score"]
    for zh_test, en_test in zip(chinese_results["tests"], english_results["tests"], strict=True):
        assert (zh_test["score"], zh_test["status"], zh_test["tags"]) == (
            en_test["score"],
            en_test["status"],
            en_test["tags"],
        )
    i18n.use("zh")
    assert [t["name"] for t in chinese_results["tests"]] == [
        f"metrics: {i18n.title(c.name)}" for c in result.exercises[0].checks
    ]
    assert "由mlgrade评分" in chinese_results["output"]
    assert any("与参考实现不一致" in t["output"] for t in chinese_results["tests"])


def test_the_gradescope_zip_grades_in_the_language_it_was_built_in(zh: None, tmp_path: Path) -> None:
    gradescope.build(tmp_path / "autograder.zip", selection=release.whole_course())
    with zipfile.ZipFile(tmp_path / "autograder.zip") as archive:
        carried = archive.read(course.FILE)
        script = archive.read("run_autograder").decode()
    (tmp_path / course.FILE).write_bytes(carried)
    written = course.load(tmp_path / course.FILE)
    assert written.language == "zh" and written.assignments[course.ALL].exercises == tuple(bank.NAMES)
    assert '--course "$ROOT/source/mlgrade.toml" --assignment all' in script


def test_a_course_file_in_another_language_is_refused_not_rewritten(zh: None, tmp_path: Path) -> None:
    course_file = tmp_path / course.FILE
    course_file.write_text('[course]\nlanguage = "en"\n\n[assignments.week1]\nexercises = ["metrics"]\n')
    selection = course.select(course_file, "week1")
    with pytest.raises(gradescope.GradescopeError, match='language = "zh"'):
        gradescope.build(tmp_path / "autograder.zip", selection=selection)
    with pytest.raises(release.ReleaseError, match='language = "zh"'):
        release.build(tmp_path / "bundle", selection)
    course_file.write_text('[course]\nlanguage = "zh"\n\n[assignments.week1]\nexercises = ["metrics"]\n')
    release.build(tmp_path / "bundle", course.select(course_file, "week1"))
    assert (tmp_path / "bundle" / course.FILE).read_bytes() == course_file.read_bytes()


# -- the student bundle ----------------------------------------------------------------------


@pytest.fixture
def marked_docstrings(monkeypatch: pytest.MonkeyPatch) -> None:
    """stub_docs.localized, seen at work: it marks what it was given."""
    monkeypatch.setattr(stub_docs, "localized", lambda source: "# localized\n" + source)


def test_release_in_chinese(zh: None, tmp_path: Path, marked_docstrings: None) -> None:
    out = tmp_path / "bundle"
    selection = course.Selection(course.default(), course.everything(), ("least_squares", "metrics"))
    release.build(out, selection)
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# 机器学习练习\n") and "## 检查你的代码" in readme and "## Check your work" not in readme
    assert "| `exercises/least_squares.py` |" in readme and "    mlgrade check least_squares  # 一个练习" in readme
    # the stubs' docstrings in the bundle's language
    assert (out / "exercises" / "metrics.py").read_text().startswith("# localized\n")
    # the bundle remembers its language: mlgrade check there reads it from its course file
    carried = course.load(out / course.FILE)
    assert carried.language == "zh" and carried.assignments[course.ALL].exercises == ("least_squares", "metrics")
    assert i18n.choose(None, carried.language) == "zh"
    # and installs the compiled catalogs that let it speak it
    assert tomllib.loads((out / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"] == {
        "grader": ["locale/*/LC_MESSAGES/*.mo"]
    }


def test_release_in_english_writes_no_course_file(tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    release.build(out, course.Selection(course.default(), course.everything(), ("metrics",)))
    assert not (out / course.FILE).exists()
    assert (out / "README.md").read_text().startswith("# Machine-learning exercises\n")


# -- nbgrader -----------------------------------------------------------------------------------


def chinese_explanations(tmp_path: Path, names: tuple[str, ...]) -> Path:
    """The explanations folder, where a Chinese explanation of ``names`` not yet written is one
    made for the test (the real ones are used where they exist)."""
    folder = tmp_path / "explanations"
    real = REPO / "grader" / "explanations"
    (folder / "zh").mkdir(parents=True)
    for path in real.glob("*.md"):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    for name in names:
        written = real / "zh" / f"{name}.md"
        text = written.read_text(encoding="utf-8") if written.is_file() else f"## 数学\n\n{name}的讲解（测试用）。\n"
        (folder / "zh" / f"{name}.md").write_text(text, encoding="utf-8")
    return folder


def test_notebook_in_chinese(
    zh: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, marked_docstrings: None
) -> None:
    pytest.importorskip("nbformat")
    monkeypatch.setattr(nbbuild, "EXPLANATIONS", chinese_explanations(tmp_path, ("metrics",)))
    (exercise,) = bank.load(["metrics"])
    nb = nbbuild.notebook(exercise)
    intro = nb.cells[0].source
    expected = (nbbuild.EXPLANATIONS / "zh" / "metrics.md").read_text(encoding="utf-8").strip()
    assert expected in intro and "## 你的任务" in intro and "## Your task" not in intro
    assert nb.cells[1].source.startswith("# localized\n")  # the stub's docstrings, translated
    checks = [c.source for c in nb.cells[2:]]
    assert checks and all("lang='zh')" in source and chinese(source.splitlines()[0]) for source in checks)


def test_a_missing_explanation_is_an_error_never_english(
    zh: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("nbformat")
    folder = chinese_explanations(tmp_path, ())
    (folder / "zh" / "metrics.md").unlink(missing_ok=True)
    monkeypatch.setattr(nbbuild, "EXPLANATIONS", folder)
    with pytest.raises(nbbuild.NbgraderError, match="缺少metrics的讲解"):
        nbbuild.explanation("metrics")


def test_english_notebooks_are_unchanged(tmp_path: Path) -> None:
    pytest.importorskip("nbformat")
    (exercise,) = bank.load(["metrics"])
    nb = nbbuild.notebook(exercise)
    assert "## Your task" in nb.cells[0].source
    assert all("lang=" not in c.source for c in nb.cells[2:])
    assert nb.cells[2].source.startswith("# Public checks of confusion_counts (")


def test_check_cell_report_in_chinese(zh: None) -> None:
    results = [
        CheckResult("fit_line known answers", "fit_line", "public", True, 2.0, 2.0),
        CheckResult("fit_line matches reference", "fit_line", "public", False, 0.0, 1.0, "与参考实现不一致"),
    ]
    text = nbnotebook.report("fit_line", results, 2.0, 3.0, hidden=False)
    assert text.splitlines() == [
        "fit_line，公开检查：2/3分",
        f"  通过  {i18n.title('fit_line known answers')}（2/2分）",
        f"  失败  {i18n.title('fit_line matches reference')}（0/1分）",
        "        与参考实现不一致",
    ]


# -- the nbgrader round trip in Chinese ---------------------------------------------------------

ROUND_TRIP = ("least_squares", "metrics")


@pytest.mark.slow
def test_nbgrader_round_trip_in_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """tests/test_nbgrader.py's round trip on two exercises, built in Chinese: the notebooks'
    explanation and check output are Chinese, in nbgrader's kernel and in mlgrade's isolated
    autograde, and the grades are the English grades."""
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("nbgrader")
    import test_nbgrader as english

    from grader.channels import nbgrader

    monkeypatch.setattr(english, "ASSIGNMENT", "week1")
    monkeypatch.setattr(nbbuild, "EXPLANATIONS", chinese_explanations(tmp_path, ROUND_TRIP))
    buggy = REPO / "samples" / "buggy_student"
    expected = {
        "solved": pytest.approx(sum(e.max_score for e in bank.load(ROUND_TRIP))),
        "buggy": pytest.approx(engine.grade(buggy, bank.load(ROUND_TRIP), engine.Options()).score),
        "stubs": 0.0,
    }
    course_dir = tmp_path / "course"
    i18n.use("zh")
    try:
        nbgrader.build(course_dir, "week1", bank.load(ROUND_TRIP))
    finally:
        i18n.use("en")
    english.run(str(english.BIN / "nbgrader"), "generate_assignment", "week1", cwd=course_dir)
    solved = {}
    for path in sorted((course_dir / "source" / "week1").glob("*.ipynb")):
        solved[path.stem] = english.solution_cell(nbformat.read(str(path), as_version=4), path.stem).source
    english.submit(course_dir, "solved", solved)
    english.submit(course_dir, "buggy", {p.stem: p.read_text() for p in buggy.glob("*.py") if p.stem in ROUND_TRIP})
    english.submit(course_dir, "stubs", {})
    released = nbformat.read(str(course_dir / "release" / "week1" / "metrics.ipynb"), as_version=4)
    assert "## 你的任务" in released.cells[0].source and chinese(released.cells[0].source.split("## 你的任务")[0])

    isolated = tmp_path / "isolated"
    shutil.copytree(course_dir, isolated)
    english.run(str(english.BIN / "nbgrader"), "autograde", "week1", cwd=course_dir)
    assert english.exported(course_dir) == expected
    i18n.use("zh")
    try:
        nbgrader.autograde(isolated, "week1", engine.Options(language="zh"))
    finally:
        i18n.use("en")
    assert english.exported(isolated) == expected

    for folder in (course_dir, isolated):  # nbgrader's kernel, then mlgrade's isolated workers
        nb = nbformat.read(str(folder / "autograded" / "buggy" / "week1" / "metrics.ipynb"), as_version=4)
        outputs = ["".join(o.get("text", "") for o in c.get("outputs", [])) for c in nb.cells if c.cell_type == "code"]
        printed = [text for text in outputs if text.strip()]
        assert printed and all(re.match(r"\w+，(公开|隐藏)检查：", text) for text in printed), (folder, printed[:2])
        assert any("失败" in text and "应为" in text for text in printed), (folder, printed)
