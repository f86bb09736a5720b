"""Which code of a student's notebook is graded: the one rule both nbgrader ways obey.

The graded code is every code cell the student can edit (all but the locked explanation and
grade cells), in notebook order, as one module. ``mlgrade nbgrader autograde`` grades that module
in an isolated worker; a grade cell's ``check()`` (``notebook``) grades the same module, built
from the saved notebook, in the kernel. Students put imports and helpers in cells of their own
(review #2), and ``nbgrader autograde`` runs them, so the isolated way must take them too.

A notebook is not a module: IPython runs ``%matplotlib inline``, ``!pip install x`` or a
``%%time`` cell that Python cannot parse. Those lines are left out (a ``pass`` keeps the line
numbers and any block they sit in), and a cell magic's cell is commented out: its body need not
be Python at all. IPython's own input transformer decides what is IPython syntax, so a ``%`` in a
string or a comment is left alone.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any


def nbgrader_meta(cell: Any) -> dict[str, Any]:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def is_students(cell: Any, locked: Collection[str] = ()) -> bool:
    """Whether ``cell`` is a code cell the student may edit: not locked, not a grade cell (a
    cell worth points that the student does not answer in), and not one the gradebook knows as
    locked (``locked``: grade_ids), whatever the submitted metadata claims."""
    if cell.get("cell_type") != "code":
        return False
    meta = nbgrader_meta(cell)
    if meta.get("locked") or (meta.get("grade") and not meta.get("solution")):
        return False
    return meta.get("grade_id") not in locked


def _python(source: str) -> str:
    """One cell's source with IPython's own syntax left out, line for line."""
    lines = source.splitlines()
    if source.lstrip().startswith("%%"):
        return "\n".join(f"# {line}" if line else "#" for line in lines)
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # no IPython here: neither are magics, outside a notebook
        return source
    try:
        transformed = TransformerManager().transform_cell(source).splitlines()
    except Exception:  # IPython cannot read it either: Python will say what is wrong
        return source
    if len(transformed) != len(lines):  # e.g. a magic continued over lines: keep what was written
        return source
    out = []
    for before, after in zip(lines, transformed, strict=True):
        if after != before and "get_ipython()" in after:
            indent = after[: len(after) - len(after.lstrip())]
            out.append(f"{indent}pass  # IPython only, not run when graded: {before.strip()}")
        else:
            out.append(after)
    return "\n".join(out)


def graded_source(nb: Any, locked: Collection[str] = ()) -> str:
    """The module graded for notebook ``nb``: its student cells (``is_students``) in order, each
    under a comment naming its position, so that a line number in a message can be found."""
    parts = []
    for number, cell in enumerate(nb.cells, start=1):
        source = cell.get("source", "")
        source = source if isinstance(source, str) else "".join(source)
        if is_students(cell, locked) and source.strip():
            parts.append(f"# ---- cell {number} of the notebook ----\n{_python(source)}")
    return "\n\n".join(parts) + "\n" if parts else ""
