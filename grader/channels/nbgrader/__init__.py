"""The nbgrader channel: a course that nbgrader 0.9 accepts (``build``), and grading it in
isolated workers (``autograde``). ``notebook`` is the kernel side: what the notebooks' grade
cells call. ``solution_cell`` writes the cell a student fills in."""

from grader.channels.nbgrader.autograde import Autograded, autograde, db_url, submitters
from grader.channels.nbgrader.build import NbgraderError, build, grade_cells, grade_id

__all__ = [
    "Autograded",
    "NbgraderError",
    "autograde",
    "build",
    "db_url",
    "grade_cells",
    "grade_id",
    "submitters",
]
