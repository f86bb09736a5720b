"""The nbgrader channel: a course that nbgrader 0.9 accepts, and grading it in isolated workers.

``build`` writes ``nbgrader_config.py`` and one source notebook per exercise into a course
folder (nbgrader's layout: ``source/<assignment>/<exercise>.ipynb``). A notebook holds

- the exercise's explanation (``grader/explanations/<exercise>.md``), locked;
- one code cell, the solution cell ``grade_id=<exercise>``: the stub with the reference between
  ``### BEGIN SOLUTION`` / ``### END SOLUTION`` (``grader.solution_cell``);
- per function, a locked grade cell ``<exercise>__<function>__public`` whose points are those
  of the function's public checks, and one ``<exercise>__<function>__hidden`` for the hidden
  checks, inside ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``. Both call
  ``grader.notebook.check``, which returns the points earned: nbgrader's partial credit.

``nbgrader generate_assignment`` turns them into the students' notebooks, and ``nbgrader
autograde`` can grade them as it grades any notebook, running the student's code in its kernel.

``autograde`` is the isolated path instead: it takes each submitted notebook's solution cell by
its grade_id, grades it as ``mlgrade grade`` grades a module (a sandboxed worker, the same
checks), and records each grade cell's score in nbgrader's gradebook through nbgrader's API, so
that ``nbgrader export``, formgrader and ``nbgrader generate_feedback`` see them. It also writes
the autograded notebooks: the student's cells, the grade cells as released (hidden tests left
out) and their output, the checks' report. Nothing in a student's notebook but the solution cell
is run, so editing the grade cells changes nothing.
"""

from __future__ import annotations

import importlib.resources
import re
import shutil
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader import bank, batch, engine, solution_cell
from grader.exercise import Exercise
from grader.notebook import report
from grader.results import ExerciseResult, SubmissionResult

DEFAULT_ASSIGNMENT = "mlgrade"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
HIDDEN_TESTS = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?", re.M | re.S)
CONFIG = """\
# nbgrader's configuration for this course, written by `mlgrade nbgrader build`.
c = get_config()  # noqa: F821 (nbgrader defines it)

# One grade cell runs all the checks of one function (hypothesis examples, gradient
# comparisons) after the kernel has imported torch: allow more than nbgrader's 30 s.
c.ExecutePreprocessor.timeout = 300
"""


class NbgraderError(Exception):
    """The course or the gradebook cannot be used; the message says why and what to do."""


@dataclass
class Autograded:
    results: list[SubmissionResult]  # in the order of submitters()
    problems: dict[str, dict[str, str]]  # student -> exercise -> why its notebook gave no code


def _nbformat() -> Any:
    try:
        import nbformat
        from nbgrader.api import Gradebook  # noqa: F401 (present with nbgrader itself)
    except ImportError:
        raise NbgraderError("nbgrader is not installed: pip install 'mlgrade[nbgrader]'") from None
    return nbformat


def grade_id(exercise: str, function: str, visibility: str) -> str:
    return f"{exercise}__{function}__{visibility}"


def _points(exercise: Exercise, function: str, visibility: str) -> float:
    checks = [c for c in exercise.checks if c.function == function and c.visibility == visibility]
    return round(sum(c.points for c in checks), 6)


def grade_cells(exercise: Exercise) -> dict[str, float]:
    """The grade cells of an exercise's notebook, by grade_id, with their points."""
    cells = {}
    for f in exercise.functions:
        for visibility in ("public", "hidden"):
            points = _points(exercise, f.name, visibility)
            if points > 0:
                cells[grade_id(exercise.name, f.name, visibility)] = points
    return cells


def _nbgrader_metadata(
    cell_id: str, *, grade: bool = False, solution: bool = False, locked: bool = False, points: float = 0.0
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "grade": grade,
        "grade_id": cell_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
    }
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def explanation(name: str) -> str:
    return (importlib.resources.files("grader") / "explanations" / f"{name}.md").read_text(encoding="utf-8").strip()


def _points_text(points: float) -> str:
    return f"{points:g} point" + ("" if points == 1 else "s")


def _task(exercise: Exercise) -> str:
    public = sum(c.points for c in exercise.checks if c.visibility == "public")
    hidden = exercise.max_score - public
    return f"""## Your task

Write the functions in the next cell: replace each `raise NotImplementedError()` with your code,
and keep every function's name and arguments. Everything the functions need (imports, helper
functions) goes in that cell: it is the only cell that is graded.

Run the cell, then the check cells under it. Each runs the public checks of one function,
prints which pass and what is wrong with those that fail (with the smallest input that shows
it), and ends with the points you earned.

This notebook is worth {exercise.max_score:g} points: {public:g} from the public checks below, and
{hidden:g} from hidden checks that compare your functions with a reference solution when your
work is graded."""


def notebook(exercise: Exercise) -> Any:
    """The source notebook of one exercise (nbformat 4)."""
    nbformat = _nbformat()
    v4 = nbformat.v4
    intro = f"# {exercise.title}\n\n{explanation(exercise.name)}\n\n{_task(exercise)}\n"
    cells = [
        v4.new_markdown_cell(intro, metadata=_nbgrader_metadata(f"{exercise.name}__explanation", locked=True)),
        v4.new_code_cell(solution_cell.source(exercise), metadata=_nbgrader_metadata(exercise.name, solution=True)),
    ]
    for f in exercise.functions:
        public, hidden = _points(exercise, f.name, "public"), _points(exercise, f.name, "hidden")
        if public:
            source = (
                f"# Public checks of {f.name} ({_points_text(public)}). Run the cell with your code first.\n"
                "from grader.notebook import check\n\n"
                f'check("{exercise.name}", "{f.name}")'
            )
            meta = _nbgrader_metadata(grade_id(exercise.name, f.name, "public"), grade=True, locked=True, points=public)
            cells.append(v4.new_code_cell(source, metadata=meta))
        if hidden:
            source = (
                f"# Hidden checks of {f.name} ({_points_text(hidden)}): they run when your work is graded.\n"
                "### BEGIN HIDDEN TESTS\n"
                "from grader.notebook import check\n\n"
                f'check("{exercise.name}", "{f.name}", hidden=True)\n'
                "### END HIDDEN TESTS"
            )
            meta = _nbgrader_metadata(grade_id(exercise.name, f.name, "hidden"), grade=True, locked=True, points=hidden)
            cells.append(v4.new_code_cell(source, metadata=meta))
    metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    nb = v4.new_notebook(cells=cells, metadata=metadata)
    nbformat.validate(nb)
    return nb


def build(course: Path, assignment: str, exercises: list[Exercise]) -> list[Path]:
    """Write the course: nbgrader_config.py (kept if there is one) and the source notebooks
    of ``assignment``. Returns the files written."""
    nbformat = _nbformat()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", assignment):
        raise NbgraderError(f"assignment name {assignment!r}: use letters, digits, '_', '-' and '.'")
    if course.exists() and not course.is_dir():
        raise NbgraderError(f"{course} exists and is not a folder")
    written = []
    config = course / "nbgrader_config.py"
    if not config.exists():
        course.mkdir(parents=True, exist_ok=True)
        config.write_text(CONFIG, encoding="utf-8")
        written.append(config)
    folder = course / "source" / assignment
    folder.mkdir(parents=True, exist_ok=True)
    for exercise in exercises:
        path = folder / f"{exercise.name}.ipynb"
        nbformat.write(notebook(exercise), str(path))
        written.append(path)
    return written


# -- autograding in isolated workers -------------------------------------------------------


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
    cell by (notebook, grade_id). Refuses a gradebook whose grade cells differ from the bank's."""
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
        sources = {(nb.name, c.name): c.source for nb in found.notebooks for c in nb.source_cells}
    unknown = sorted(set(points) - set(bank.NAMES))
    if unknown:
        raise NbgraderError(f"notebook {unknown[0]}.ipynb of {assignment} is not an mlgrade exercise")
    exercises = bank.load([n for n in bank.NAMES if n in points])
    for exercise in exercises:
        expected, recorded = grade_cells(exercise), points[exercise.name]
        if {k: round(v, 6) for k, v in recorded.items()} != expected:
            raise NbgraderError(
                f"{exercise.name}.ipynb of {assignment} has other grade cells or points than this mlgrade's checks: "
                "rebuild it with `mlgrade nbgrader build` and run `nbgrader generate_assignment --force`"
            )
    return exercises, sources


def _extract(folder: Path, names: list[str], into: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Write each notebook's solution cell as ``<exercise>.py`` into ``into``; returns the
    notebooks read, and what could not be read, by exercise."""
    nbformat = _nbformat()
    notebooks, problems = {}, {}
    for name in names:
        path = folder / f"{name}.ipynb"
        if not path.is_file():
            problems[name] = f"{name}.ipynb is not in the submission"
            continue
        try:
            nb = nbformat.read(str(path), as_version=4)
        except Exception as exc:  # whatever a broken file raises: not JSON, not a notebook
            problems[name] = f"{name}.ipynb cannot be read as a notebook ({type(exc).__name__}: {exc})"
            continue
        notebooks[name] = nb
        cell = next((c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == name), None)
        if cell is None or cell.cell_type != "code":
            problems[name] = f"{name}.ipynb has no code cell with grade_id {name!r}: its solution cell was deleted"
            continue
        (into / f"{name}.py").write_text(cell.source, encoding="utf-8")
    return notebooks, problems


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
            for cell_id, (score, _) in results.items():
                grade = gradebook.find_grade(cell_id, exercise, assignment, student)
                grade.auto_score = score
                grade.needs_manual_grade = False
        gradebook.db.commit()


def _write_autograded(
    submitted: Path,
    autograded: Path,
    notebooks: dict[str, Any],
    cells: dict[str, dict[str, tuple[float, str]]],
    sources: dict[tuple[str, str], str],
) -> None:
    """The student's notebooks with the locked cells as released and the grade cells' output.
    A missing or unreadable notebook has none: its scores are in the gradebook, with the reason."""
    nbformat = _nbformat()
    autograded.mkdir(parents=True, exist_ok=True)
    if (submitted / "timestamp.txt").is_file():
        shutil.copyfile(submitted / "timestamp.txt", autograded / "timestamp.txt")
    for name, nb in notebooks.items():
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
    _nbformat()
    exercises, sources = _layout(course, assignment)
    names = [e.name for e in exercises]
    students = submitters(course, assignment)
    started(len(students))
    with tempfile.TemporaryDirectory(prefix="mlgrade-nbgrader-") as tmp:
        paths, notebooks, problems = [], {}, {}
        for student in students:
            folder = Path(tmp) / student
            folder.mkdir()
            notebooks[student], problems[student] = _extract(course / "submitted" / student / assignment, names, folder)
            paths.append(folder)
        results = batch.grade_all(paths, names, True, options, jobs, done)
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
        _write_autograded(submitted, course / "autograded" / student / assignment, notebooks[student], cells, sources)
    return Autograded(results, {s: p for s, p in problems.items() if p})
