"""The nbgrader channel's course: a folder that nbgrader 0.9 accepts.

``build`` writes ``nbgrader_config.py`` and one source notebook per exercise into a course
folder (nbgrader's layout: ``source/<assignment>/<exercise>.ipynb``). A notebook holds

- the exercise's explanation (``grader/explanations/<exercise>.md``; in another language,
  ``grader/explanations/<language>/<exercise>.md``), locked;
- one code cell, the solution cell ``grade_id=<exercise>``: the stub with the reference between
  ``### BEGIN SOLUTION`` / ``### END SOLUTION`` (``solution_cell``);
- per function, a locked grade cell ``<exercise>__<function>__public`` whose points are those
  of the function's public checks, and one ``<exercise>__<function>__hidden`` for the hidden
  checks, inside ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``. Both call
  ``grader.channels.nbgrader.notebook.check``, which returns the points earned: nbgrader's
  partial credit.

``nbgrader generate_assignment`` turns them into the students' notebooks, and ``nbgrader
autograde`` can grade them as it grades any notebook, running the student's code in its kernel;
``autograde.py`` beside this module is the isolated path instead.
"""

from __future__ import annotations

import importlib.resources
import re
from pathlib import Path
from typing import Any

from grader import bank, i18n
from grader.channels.nbgrader import solution_cell
from grader.errors import UsageProblem
from grader.exercise import Exercise
from grader.i18n import _, ngettext

# The explanations: <exercise>.md in English, <language>/<exercise>.md in another language
EXPLANATIONS = importlib.resources.files("grader") / "explanations"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
HIDDEN_TESTS = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?", re.M | re.S)
CONFIG = """\
# nbgrader's configuration for this course, written by `mlgrade nbgrader build`.
c = get_config()  # noqa: F821 (nbgrader defines it)

# One grade cell runs all the checks of one function (hypothesis examples, gradient
# comparisons) after the kernel has imported torch: allow more than nbgrader's 30 s.
c.ExecutePreprocessor.timeout = 300
"""


class NbgraderError(UsageProblem):
    """The course or the gradebook cannot be used; the message says why and what to do."""


def nbformat_module() -> Any:
    try:
        import nbformat
        from nbgrader.api import Gradebook  # noqa: F401 (present with nbgrader itself)
    except ImportError:
        raise NbgraderError("nbgrader is not installed: pip install 'mlgrade[nbgrader]'") from None
    return nbformat


def bank_worth(name: str) -> float:
    """What the bank says the exercise is worth, before an assignment's points."""
    (exercise,) = bank.load([name], hidden=False)
    return exercise.worth


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
    """The explanation of exercise ``name`` in the language in use; one that is missing is the
    build's error, never English in its place."""
    language = i18n.language()
    resource = EXPLANATIONS / f"{name}.md" if language == i18n.ENGLISH else EXPLANATIONS / language / f"{name}.md"
    try:
        return resource.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise NbgraderError(
            _("the explanation of {exercise} in {language} is missing ({path})").format(
                exercise=name, language=language, path=resource
            )
        ) from None


def _points_text(points: float) -> str:
    return ngettext("{points:g} point", "{points:g} points", 1 if points == 1 else 2).format(points=points)


def _task(exercise: Exercise) -> str:
    public = sum(c.points for c in exercise.checks if c.visibility == "public")
    hidden = exercise.max_score - public
    # NOTE: Markdown, the heading of the notebook's task and what it says about grading
    return _(
        """## Your task

Write the functions in the next cell: replace each `raise NotImplementedError()` with your code,
and keep every function's name and arguments. What is graded is every code cell you can edit,
this one and any you add (imports, helper functions), run from top to bottom as one module;
the locked cells are not part of it. Lines for IPython only (`%matplotlib inline`,
`!pip install ...`) are left out, and so is a cell that starts with `%%`.

Save the notebook, then run the check cells: like grading, they check the saved notebook (and
say so if it differs from what you ran). Each runs the public checks of one function, prints
which pass and what is wrong with those that fail (with the smallest input that shows it), and
ends with the points you earned.

This notebook is worth {total:g} points: {public:g} from the public checks below, and
{hidden:g} from hidden checks that compare your functions with a reference solution when your
work is graded."""
    ).format(total=exercise.max_score, public=public, hidden=hidden)


def notebook(exercise: Exercise) -> Any:
    """The source notebook of one exercise (nbformat 4)."""
    nbformat = nbformat_module()
    v4 = nbformat.v4
    intro = f"# {_(exercise.title)}\n\n{explanation(exercise.name)}\n\n{_task(exercise)}\n"
    # the cells grade at the bank's points unless the assignment gives the exercise others
    worth = "" if exercise.worth == bank_worth(exercise.name) else f", worth={exercise.worth!r}"
    # and report in English unless the notebook is in another language (nbgrader's kernel reads it here)
    if i18n.language() != i18n.ENGLISH:
        worth += f", lang={i18n.language()!r}"
    cells = [
        v4.new_markdown_cell(intro, metadata=_nbgrader_metadata(f"{exercise.name}__explanation", locked=True)),
        v4.new_code_cell(solution_cell.source(exercise), metadata=_nbgrader_metadata(exercise.name, solution=True)),
    ]
    for f in exercise.functions:
        public, hidden = _points(exercise, f.name, "public"), _points(exercise, f.name, "hidden")
        if public:
            comment = _("Public checks of {function} ({points}). Run the cell with your code first.").format(
                function=f.name, points=_points_text(public)
            )
            source = (
                f"# {comment}\n"
                "from grader.channels.nbgrader.notebook import check\n\n"
                f'check("{exercise.name}", "{f.name}"{worth})'
            )
            meta = _nbgrader_metadata(grade_id(exercise.name, f.name, "public"), grade=True, locked=True, points=public)
            cells.append(v4.new_code_cell(source, metadata=meta))
        if hidden:
            comment = _("Hidden checks of {function} ({points}): they run when your work is graded.").format(
                function=f.name, points=_points_text(hidden)
            )
            source = (
                f"# {comment}\n"
                "### BEGIN HIDDEN TESTS\n"
                "from grader.channels.nbgrader.notebook import check\n\n"
                f'check("{exercise.name}", "{f.name}", hidden=True{worth})\n'
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
    nbformat = nbformat_module()
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
