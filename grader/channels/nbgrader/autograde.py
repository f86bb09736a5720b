"""The nbgrader channel's isolated autograder.

``autograde`` takes from each submitted notebook the code the student wrote, every unlocked code
cell in order as one module (``cells``: the rule the notebook's own ``check()`` obeys too), grades
it as ``mlgrade grade`` grades a module (a sandboxed worker, the same checks), and records each
grade cell's score in nbgrader's gradebook through nbgrader's API, so that ``nbgrader export``,
formgrader and ``nbgrader generate_feedback`` see them. It also writes the autograded notebooks:
the student's cells as submitted, the locked cells as released (hidden tests left out) with the
checks' report as the grade cells' output. Nothing of a locked cell the student edited is run.
A notebook that gives no code (missing, unreadable) still gets an autograded notebook: the
released one under a cell that says why, so the feedback tells the student (review #17).
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader import bank, batch, engine
from grader.channels.nbgrader.build import HIDDEN_TESTS, NbgraderError, grade_cells, grade_id, nbformat_module
from grader.channels.nbgrader.cells import graded_source
from grader.channels.nbgrader.notebook import report
from grader.exercise import Exercise
from grader.i18n import _
from grader.results import ExerciseResult, SubmissionResult


@dataclass
class Autograded:
    results: list[SubmissionResult]  # in the order of submitters()
    problems: dict[str, dict[str, str]]  # student -> exercise -> why its notebook gave no code
    missing: dict[str, list[str]]  # student -> the exercises whose notebook was not handed in (among the problems)


def db_url(course: Path) -> str:
    """The gradebook nbgrader uses for this course: CourseDirectory.db_url where the course's
    nbgrader_config.py sets it, else nbgrader's default, gradebook.db in the course folder."""
    from traitlets.config.loader import PyFileConfigLoader

    config_file = course / "nbgrader_config.py"
    if config_file.is_file():
        config = PyFileConfigLoader(config_file.name, path=str(course)).load_config()
        url = config.get("CourseDirectory", {}).get("db_url")
        if url:
            return str(url)
    return f"sqlite:///{(course / 'gradebook.db').resolve()}"


def _layout(course: Path, assignment: str) -> tuple[list[Exercise], dict[tuple[str, str], str]]:
    """The exercises of ``assignment`` as the gradebook has them, and the source of each locked
    cell by (notebook, grade_id), each exercise scaled to the points its notebook was built with.
    Refuses a gradebook whose grade cells differ from the bank's checks.

    Only locked cells: the gradebook's source cells also hold the solution cell, as released (the
    stub), and restoring that would show the stub in place of the student's work (review #1)."""
    from nbgrader.api import Gradebook, MissingEntry

    url = db_url(course)
    with Gradebook(url) as gradebook:
        try:
            found = gradebook.find_assignment(assignment)
        except MissingEntry:
            raise NbgraderError(
                f"the gradebook {url} has no assignment {assignment!r}: "
                f"run `nbgrader generate_assignment {assignment}` in {course} first"
            ) from None
        points = {nb.name: {c.name: c.max_score for c in nb.grade_cells} for nb in found.notebooks}
        sources = {(nb.name, c.name): c.source for nb in found.notebooks for c in nb.source_cells if c.locked}
    unknown = sorted(set(points) - set(bank.NAMES))
    if unknown:
        raise NbgraderError(f"notebook {unknown[0]}.ipynb of {assignment} is not an mlgrade exercise")
    # notebooks built for an assignment carry its points: grade each at its notebook's total
    totals = {name: round(sum(cells.values()), 6) for name, cells in points.items()}
    exercises = bank.load([n for n in bank.NAMES if n in points], points=totals)
    for exercise in exercises:
        expected, recorded = grade_cells(exercise), points[exercise.name]
        if {k: round(v, 6) for k, v in recorded.items()} != expected:
            raise NbgraderError(
                f"{exercise.name}.ipynb of {assignment} has other grade cells or points than this mlgrade's checks: "
                "rebuild it with `mlgrade nbgrader build` and run `nbgrader generate_assignment --force`"
            )
    return exercises, sources


def _extract(
    folder: Path, names: list[str], into: Path, locked: dict[str, set[str]]
) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    """Write each notebook's graded code (``cells.graded_source``; ``locked``: the grade_ids the
    gradebook knows as locked, by notebook) as ``<exercise>.py`` into ``into``; returns the
    notebooks read, what could not be read, by exercise, and which of those were not handed in."""
    nbformat = nbformat_module()
    notebooks, problems, missing = {}, {}, []
    for name in names:
        path = folder / f"{name}.ipynb"
        if not path.is_file():
            problems[name] = _("{notebook} is not in the submission").format(notebook=f"{name}.ipynb")
            missing.append(name)
            continue
        try:
            nb = nbformat.read(str(path), as_version=4)
        except Exception as exc:  # whatever a broken file raises: not JSON, not a notebook
            problems[name] = _("{notebook} cannot be read as a notebook ({type}: {error})").format(
                notebook=f"{name}.ipynb", type=type(exc).__name__, error=exc
            )
            continue
        if not isinstance(nb.get("cells"), list):
            problems[name] = _("{notebook} cannot be read as a notebook (it has no list of cells)").format(
                notebook=f"{name}.ipynb"
            )
            continue
        notebooks[name] = nb
        # no solution cell is needed: code the student moved to a cell of their own is graded,
        # as nbgrader's kernel would run it; without any, the checks say what is not defined
        (into / f"{name}.py").write_text(graded_source(nb, locked.get(name, set())), encoding="utf-8")
    return notebooks, problems, missing


def _cell_results(result: ExerciseResult) -> dict[str, tuple[float, str]]:
    """Each grade cell's points and its output text (the checks' report)."""
    cells = {}
    for function, visibility in dict.fromkeys((c.function, c.visibility) for c in result.checks):
        checks = [c for c in result.checks if c.function == function and c.visibility == visibility]
        score = round(sum(c.points for c in checks), 6)
        max_score = round(sum(c.max_points for c in checks), 6)
        cells[grade_id(result.name, function, visibility)] = (
            score,
            report(function, checks, score, max_score, visibility == "hidden"),
        )
    return cells


def _record(
    url: str, assignment: str, student: str, cells: dict[str, dict[str, tuple[float, str]]], timestamp: str | None
) -> None:
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    # nbgrader's add_submission trips SQLAlchemy 2's autoflush warnings; the rows are written
    with Gradebook(url) as gradebook, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        gradebook.update_or_create_student(student)
        gradebook.update_or_create_submission(assignment, student, **({"timestamp": timestamp} if timestamp else {}))
        for exercise, results in cells.items():
            for cell_id, (score, _text) in results.items():
                grade = gradebook.find_grade(cell_id, exercise, assignment, student)
                grade.auto_score = score
                grade.needs_manual_grade = False
        gradebook.db.commit()


def _placeholder(released: Path, reason: str) -> Any:
    """The notebook written for one that gave no code: the released notebook (or, without one,
    an empty notebook) under a markdown cell stating ``reason``. ``nbgrader generate_feedback``
    reads only autograded/, so without it the student would get no feedback and no reason."""
    nbformat = nbformat_module()
    try:
        nb = nbformat.read(str(released), as_version=4)
    except Exception:  # no release folder (an LMS course), or one edited by hand: the reason alone
        nb = nbformat.v4.new_notebook()
    text = _(
        "**This notebook was not graded: {reason}.** None of its checks could run, so it earns "
        "0 points. The checks below show what they would have tested."
    ).format(reason=reason)
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(text))
    return nb


def _write_autograded(
    submitted: Path,
    autograded: Path,
    released: Path,
    notebooks: dict[str, Any],
    problems: dict[str, str],
    cells: dict[str, dict[str, tuple[float, str]]],
    sources: dict[tuple[str, str], str],
) -> None:
    """The student's notebooks: their own cells as submitted, the locked cells as released
    (``sources``) and the grade cells' output. A notebook that gave no code (``problems``) gets
    the placeholder that says why (``_placeholder``), with the same grade cells' output."""
    nbformat = nbformat_module()
    autograded.mkdir(parents=True, exist_ok=True)
    if (submitted / "timestamp.txt").is_file():
        shutil.copyfile(submitted / "timestamp.txt", autograded / "timestamp.txt")
    written = dict(notebooks)
    for name, reason in problems.items():
        written[name] = _placeholder(released / f"{name}.ipynb", reason)
    for name, nb in written.items():
        outputs = cells[name]
        for cell in nb.cells:
            cell_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if (name, cell_id) in sources:
                cell.source = HIDDEN_TESTS.sub("", sources[(name, cell_id)])
            if cell_id in outputs and cell.cell_type == "code":
                score, text = outputs[cell_id]
                cell.outputs = [
                    nbformat.v4.new_output("stream", name="stdout", text=text + "\n"),
                    nbformat.v4.new_output("execute_result", data={"text/plain": f"{score:g}"}, execution_count=None),
                ]
        nbformat.write(nb, str(autograded / f"{name}.ipynb"))


def _timestamp(path: Path) -> str | None:
    """The submission time nbgrader's collect wrote, where it is one nbgrader can read."""
    from nbgrader.utils import parse_utc

    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8", errors="replace").strip()
    try:
        parse_utc(text)
    except (ValueError, OverflowError, TypeError):
        return None
    return text


def submitters(course: Path, assignment: str) -> list[str]:
    """The students with a submission of ``assignment``: nbgrader's submitted/STUDENT/ASSIGNMENT/."""
    students = sorted(p.parent.name for p in (course / "submitted").glob(f"*/{assignment}") if p.is_dir())
    if not students:
        raise NbgraderError(
            f"no submissions of {assignment} in {course / 'submitted'} (expected submitted/STUDENT/{assignment}/)"
        )
    return students


def autograde(
    course: Path,
    assignment: str,
    options: engine.Options,
    jobs: int = 1,
    started: Callable[[int], None] = lambda n: None,
    done: Callable[[SubmissionResult], None] = lambda r: None,
) -> Autograded:
    """Grade every student's submission of ``assignment`` under ``course/submitted`` in
    isolated workers, and record the scores in the course's gradebook."""
    nbformat_module()
    exercises, sources = _layout(course, assignment)
    names = [e.name for e in exercises]
    locked = {e.name: {i for n, i in sources if n == e.name} | set(grade_cells(e)) for e in exercises}
    students = submitters(course, assignment)
    started(len(students))
    with tempfile.TemporaryDirectory(prefix="mlgrade-nbgrader-") as tmp:
        paths, notebooks, problems, missing = [], {}, {}, {}
        for student in students:
            folder = Path(tmp) / student
            folder.mkdir()
            notebooks[student], problems[student], missing[student] = _extract(
                course / "submitted" / student / assignment, names, folder, locked
            )
            paths.append(folder)
        worth = {e.name: e.worth for e in exercises}
        results = batch.grade_all(paths, names, options, jobs=jobs, done=done, points=worth)
    url = db_url(course)
    for student, result in zip(students, results, strict=True):
        result.submission = student
        for exercise in result.exercises:
            if exercise.name in problems[student]:
                for c in exercise.checks:
                    c.message = problems[student][exercise.name]
        if result.grader_failed:
            continue  # no score is recorded: the grades stay to be given, never a wrong zero
        submitted = course / "submitted" / student / assignment
        cells = {e.name: _cell_results(e) for e in result.exercises}
        _record(url, assignment, student, cells, _timestamp(submitted / "timestamp.txt"))
        autograded = course / "autograded" / student / assignment
        released = course / "release" / assignment
        _write_autograded(submitted, autograded, released, notebooks[student], problems[student], cells, sources)
    return Autograded(results, {s: p for s, p in problems.items() if p}, {s: m for s, m in missing.items() if m})
