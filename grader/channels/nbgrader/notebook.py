"""The checks inside a Jupyter notebook: what the grade cells of an nbgrader notebook call.

``check(exercise, function)`` runs the public checks of one function (with ``hidden=True``,
its hidden checks) on the function defined in the notebook, prints each result, and returns
the points earned, which nbgrader reads as the cell's partial credit (``grader.channels.nbgrader``).

The calls go through the worker's own code (the same conversions, seeds, forbidden-call
recorder and input checks as ``mlgrade grade``) but in the notebook's kernel, not in an
isolated process: that is how ``nbgrader autograde`` runs a notebook. ``mlgrade nbgrader
autograde`` grades the same functions in isolated workers instead.
"""

from __future__ import annotations

import contextlib
import functools
import linecache
import os
import sys
import warnings
from collections.abc import Mapping
from typing import Any

from grader import bank, engine, isolation
from grader.exercise import Exercise
from grader.results import CheckResult

DEVICE = "cpu"


@functools.cache
def _worker() -> isolation.InProcess:
    """One per kernel: a worker wraps the forbidden library functions once, for all exercises."""
    patterns = sorted({p for e in bank.load(hidden=False) for f in e.functions for p in f.forbidden})
    return isolation.InProcess(DEVICE, patterns)


def _cell_sources(exercise: Exercise, namespace: Mapping[str, Any]) -> tuple[str, list[str]]:
    """The source of the cells that define the exercise's functions, and those cells' files."""
    files: list[str] = []
    for f in exercise.functions:
        code = getattr(namespace.get(f.name), "__code__", None)
        if code is not None and code.co_filename not in files:
            files.append(code.co_filename)
    return "\n".join("".join(linecache.getlines(path)) for path in files), files


def report(function: str, results: list[CheckResult], score: float, max_score: float, hidden: bool) -> str:
    """What a grade cell prints: its points, then each check with what failed."""
    kind = "hidden" if hidden else "public"
    lines = [f"{function}, {kind} checks: {score:g} of {max_score:g} points"]
    for r in results:
        mark = "PASS" if r.passed else "FAIL"
        lines.append(f"  {mark}  {r.name} ({r.points:g} of {r.max_points:g})")
        if r.message:
            lines.extend("        " + line for line in r.message.splitlines())
    return "\n".join(lines)


def check(exercise: str, function: str, hidden: bool = False) -> float:
    """Run the public (or hidden) checks of ``exercise.function`` on the function defined in
    the calling notebook; print what passed and what failed; return the points earned."""
    namespace = sys._getframe(1).f_globals
    if exercise not in bank.NAMES:
        raise ValueError(f"unknown exercise {exercise!r}; the exercises are: {', '.join(bank.NAMES)}")
    if hidden and not bank.hidden_checks_installed():
        raise RuntimeError("the hidden checks are not installed here: they run when your work is graded")
    # With the hidden checks wherever installed: a public check may require one (Check.evidence)
    (ex,) = bank.load([exercise], hidden=hidden or bank.hidden_checks_installed())
    visibility = "hidden" if hidden else "public"
    checks = [c for c in ex.checks if c.function == function and c.visibility == visibility]
    if not checks:
        raise ValueError(f"{exercise} has no {visibility} checks of a function named {function!r}")

    worker = _worker()
    source, files = _cell_sources(ex, namespace)
    worker.use(namespace, root=os.path.dirname(files[0]) if files else os.getcwd())  # tracebacks keep the cells' frames
    # nbgrader gives no credit to a cell that writes to stderr: warnings go to stdout
    with contextlib.redirect_stderr(sys.stdout), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outcome = engine.grade_exercise(source, ex, worker, DEVICE, only=lambda c: c in checks)
    score, max_score = round(outcome.score, 6), round(outcome.max_score, 6)
    print(report(function, outcome.checks, score, max_score, hidden))
    return score
