"""Which cells of a student's notebook are graded, and what the student gets back.

The rule (``grader.channels.nbgrader.cells``): every code cell the student can edit, in notebook
order, as one module. The end-to-end tests use one exercise and two students, so that they stay
short: dora, who put ``import torch`` (and IPython magics) in a cell of her own above the solution
cell and a helper in a new cell below it (review #2), and carol, whose notebook is not JSON
(review #17). They check that the real ``nbgrader autograde``, ``mlgrade nbgrader autograde`` and
the notebook's own check cells give the same points; that the autograded notebook keeps dora's
code (review #1); and that carol's feedback says why she has no points.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO

from grader import bank, engine
from grader.channels.nbgrader import grade_cells
from grader.channels.nbgrader.cells import graded_source

nbformat = pytest.importorskip("nbformat", reason="nbgrader is not installed: pip install -e '.[nbgrader]'")
pytest.importorskip("nbgrader", reason="nbgrader is not installed: pip install -e '.[nbgrader]'")

from test_nbgrader import ASSIGNMENT, BIN, TIMESTAMP, exported, run, solution_cell  # noqa: E402

EXERCISE = "least_squares"
BUGGY = (REPO / "samples" / "buggy_student" / f"{EXERCISE}.py").read_text()
# dora's cells: the buggy sample's code, its import in a cell above, predict's body in a helper below
ABOVE = "%env MLGRADE_TEST_CELL=1\nimport torch\n!echo ready"
SOLUTION = BUGGY.replace("import torch\n", "").replace("return X @ w[1:]", "return my_helper(X, w)")
BELOW = "def my_helper(X, w):\n    return X @ w[1:]\n"


def test_graded_source_takes_every_unlocked_code_cell_in_order() -> None:
    v4 = nbformat.v4
    locked = {"nbgrader": {"grade_id": "x__explanation", "locked": True}}
    grade = {"nbgrader": {"grade_id": "x__f__public", "grade": True, "locked": False, "points": 1}}
    nb = v4.new_notebook(
        cells=[
            v4.new_markdown_cell("# x", metadata=locked),
            v4.new_code_cell("%matplotlib inline\nimport torch\n!pip install x\nfiles = !ls"),
            v4.new_code_cell("def f():\n    %time 1\n    return g()", metadata={"nbgrader": {"grade_id": "x"}}),
            v4.new_code_cell("check('x', 'f')", metadata=grade),  # a grade cell, even unlocked
            v4.new_code_cell("'forged'", metadata={"nbgrader": {"grade_id": "x__f__hidden"}}),
            v4.new_code_cell("%%bash\necho not python"),
            v4.new_code_cell("def g():\n    return '%d items'"),
        ]
    )
    source = graded_source(nb, locked={"x__f__hidden"})
    compile(source, "x.py", "exec")  # no IPython syntax left
    assert source.index("import torch") < source.index("def f():") < source.index("def g():")
    assert "check(" not in source and "forged" not in source
    assert "# %%bash" in source and "'%d items'" in source
    assert "pass  # IPython only, not run when graded: %matplotlib inline" in source
    assert "    pass  # IPython only, not run when graded: %time 1" in source
    assert "# ---- cell 2 of the notebook ----" in source


def _submit(course: Path, student: str, cells: list[str] | None = None, text: str | None = None) -> Path:
    """submitted/STUDENT/week1/least_squares.ipynb: the released notebook, with the solution cell
    replaced by ``cells[1]`` and ``cells[0]``, ``cells[2]`` as new cells around it; or ``text``."""
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / "timestamp.txt").write_text(TIMESTAMP)
    path = folder / f"{EXERCISE}.ipynb"
    if text is not None:
        path.write_text(text)
        return path
    assert cells is not None
    nb = nbformat.read(str(course / "release" / ASSIGNMENT / f"{EXERCISE}.ipynb"), as_version=4)
    cell = solution_cell(nb, EXERCISE)
    cell.source = cells[1]
    at = nb.cells.index(cell)
    nb.cells[at + 1 : at + 1] = [nbformat.v4.new_code_cell(cells[2])]
    nb.cells[at:at] = [nbformat.v4.new_code_cell(cells[0])]
    nbformat.write(nb, str(path))
    return path


def _cell_points(nb: nbformat.NotebookNode) -> dict[str, float]:
    """Each grade cell's points, as its execute_result shows them (in a student's copy, the
    hidden checks' cells are empty and show none)."""
    points = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        results = [o for o in cell.get("outputs", []) if o.output_type == "execute_result"]
        if meta.get("grade") and results:
            points[meta["grade_id"]] = float(results[0]["data"]["text/plain"])
    return points


def _text(page: Path) -> str:
    """An HTML page's text, as a reader sees it (the code highlighted in tags of its own)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    course = tmp_path_factory.mktemp("nbgrader-cells") / "course"
    course_file = course.parent / "mlgrade.toml"  # week1: the one exercise, at the bank's points
    course_file.write_text(f'[assignments.{ASSIGNMENT}]\nexercises = ["{EXERCISE}"]\n')
    build = ("nbgrader", "build", str(course), "--course", str(course_file), "--assignment", ASSIGNMENT)
    run(str(BIN / "mlgrade"), *build, cwd=REPO)
    run(str(BIN / "nbgrader"), "generate_assignment", ASSIGNMENT, cwd=course)
    _submit(course, "dora", [ABOVE, SOLUTION, BELOW])
    return course


@pytest.mark.slow
def test_every_way_gives_the_same_points_for_code_outside_the_solution_cell(course: Path) -> None:
    """nbgrader's kernel, mlgrade's isolated worker and the student's own check cells agree, and
    agree with the same code graded as a module file (review #2). The autograded notebook keeps
    dora's cells, not the released stub (review #1)."""
    as_file = course.parent / "as-file"
    as_file.mkdir()
    (as_file / f"{EXERCISE}.py").write_text(BUGGY)
    expected = engine.grade(as_file, bank.load([EXERCISE]), engine.Options()).score
    assert 0 < expected < 12

    isolated = course.parent / "isolated"
    shutil.copytree(course, isolated)
    run(str(BIN / "nbgrader"), "autograde", ASSIGNMENT, cwd=course)
    run(str(BIN / "mlgrade"), "nbgrader", "autograde", str(isolated), ASSIGNMENT, cwd=REPO)
    assert exported(course) == exported(isolated) == {"dora": pytest.approx(expected)}

    # the check cells as dora runs them, in her folder
    from nbclient import NotebookClient

    submitted = course / "submitted" / "dora" / ASSIGNMENT / f"{EXERCISE}.ipynb"
    executed = nbformat.read(str(submitted), as_version=4)
    NotebookClient(executed, timeout=600, resources={"metadata": {"path": str(submitted.parent)}}).execute()
    mine = _cell_points(executed)
    said = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert "public checks" in said and "Note:" not in said  # the saved notebook was found and is current
    by_nbgrader = _cell_points(nbformat.read(str(course / "autograded" / "dora" / ASSIGNMENT / submitted.name), 4))
    autograded = nbformat.read(str(isolated / "autograded" / "dora" / ASSIGNMENT / submitted.name), as_version=4)
    by_mlgrade = _cell_points(autograded)
    assert set(by_mlgrade) == set(grade_cells(*bank.load([EXERCISE])))
    assert mine == {k: v for k, v in by_mlgrade.items() if k.endswith("__public")}
    assert by_nbgrader == by_mlgrade
    assert sum(by_mlgrade.values()) == pytest.approx(expected)

    # review #1: the student's cells as submitted, the locked ones as released
    assert solution_cell(autograded, EXERCISE).source == SOLUTION
    assert [c.source for c in autograded.cells if c.source in (ABOVE, BELOW)] == [ABOVE, BELOW]
    run(str(BIN / "nbgrader"), "generate_feedback", ASSIGNMENT, cwd=isolated)
    page = _text(isolated / "feedback" / "dora" / ASSIGNMENT / f"{EXERCISE}.html")
    assert "return my_helper(X, w)" in page and "def my_helper(X, w):" in page
    assert page.count("raise NotImplementedError()") == 1  # in "Your task" only: no stub


@pytest.mark.slow
def test_an_unreadable_notebook_gets_feedback_that_says_why(course: Path) -> None:
    """carol's notebook is not JSON: she gets 0 and a feedback page stating the reason (review #17)."""
    alone = course.parent / "unreadable"
    shutil.copytree(course, alone, ignore=shutil.ignore_patterns("dora", "autograded", "feedback", "gradebook.db"))
    run(str(BIN / "nbgrader"), "generate_assignment", ASSIGNMENT, "--force", cwd=alone)
    _submit(alone, "carol", text='{"not": "a notebook"')
    done = run(str(BIN / "mlgrade"), "nbgrader", "autograde", str(alone), ASSIGNMENT, cwd=REPO)
    assert "carol: least_squares.ipynb cannot be read as a notebook" in done.stdout
    assert exported(alone) == {"carol": 0.0}

    placeholder = nbformat.read(str(alone / "autograded" / "carol" / ASSIGNMENT / f"{EXERCISE}.ipynb"), 4)
    assert placeholder.cells[0].cell_type == "markdown"
    assert "cannot be read as a notebook" in placeholder.cells[0].source
    assert set(_cell_points(placeholder).values()) == {0.0}
    run(str(BIN / "nbgrader"), "generate_feedback", ASSIGNMENT, cwd=alone)
    page = _text(alone / "feedback" / "carol" / ASSIGNMENT / f"{EXERCISE}.html")
    assert "This notebook was not graded: least_squares.ipynb cannot be read as a notebook" in page


def _kernel(code: str, filename: str) -> dict[str, object]:
    """A namespace as a kernel's cell leaves it: ``code`` run with its source in linecache."""
    import linecache

    linecache.cache[filename] = (len(code), None, code.splitlines(keepends=True), filename)
    namespace: dict[str, object] = {"__name__": "__main__"}
    exec(compile(code, filename, "exec"), namespace)
    return namespace


FIT_LINE = BUGGY[: BUGGY.index("\n\n\ndef fit(")] + "\n"


@pytest.mark.slow
def test_check_grades_the_saved_notebook_and_says_when_it_is_not_what_ran(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The grade cell's check() grades the saved notebook's cells, as the autograder does; where
    the kernel ran other code it says to save, and where there is no notebook it says what it checked."""
    from grader.channels.nbgrader.notebook import check

    monkeypatch.chdir(tmp_path)
    wrong = FIT_LINE.replace("return a, y_mean - a * x_mean", "return a, y_mean")
    namespace = _kernel(wrong, str(tmp_path / "cell-1.py"))
    namespace["check"] = check
    run_cell = "points = check('least_squares', 'fit_line')"

    (exercise,) = bank.load([EXERCISE], hidden=False)
    public = sum(c.points for c in exercise.checks if c.function == "fit_line" and c.visibility == "public")

    exec(run_cell, namespace)  # no notebook here: the kernel's (wrong) function, and a note
    assert "least_squares.ipynb was not found" in capsys.readouterr().out
    assert namespace["points"] < public

    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(FIT_LINE, metadata={"nbgrader": {"grade_id": EXERCISE, "solution": True}})]
    )
    nbformat.write(nb, str(tmp_path / f"{EXERCISE}.ipynb"))
    exec(run_cell, namespace)  # the saved, right one, and a note to save
    assert "Note: fit_line in the saved least_squares.ipynb differ from what you ran" in capsys.readouterr().out
    assert namespace["points"] == pytest.approx(public)
