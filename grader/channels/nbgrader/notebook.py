"""The checks inside a Jupyter notebook: what the grade cells of an nbgrader notebook call.

``check(exercise, function)`` runs the public checks of one function (with ``hidden=True``,
its hidden checks) on the function defined in the notebook, prints each result, and returns
the points earned, which nbgrader reads as the cell's partial credit (``grader.channels.nbgrader``).

What is checked is what is graded (``cells``): every code cell the student can edit in the
saved notebook, in order, as one module, run afresh in the kernel (once per saved version).
That is the module ``mlgrade nbgrader autograde`` grades in its isolated worker, so both ways
give the same points, wherever in the notebook a student put an import or a helper (review #2).
Where the notebook cannot be found (renamed, not saved anywhere the kernel can see), ``check``
falls back to the functions the kernel defines now, and says so; where the saved notebook
differs from what the student ran, it says to save.

The calls go through the worker's own code (the same conversions, seeds, forbidden-call
recorder and input checks as ``mlgrade grade``) but in the notebook's kernel, not in an
isolated process: that is how ``nbgrader autograde`` runs a notebook.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import io
import linecache
import os
import sys
import traceback
import types
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from grader import bank, engine, i18n, isolation
from grader.channels.nbgrader.cells import graded_source, nbgrader_meta
from grader.exercise import Exercise, forbidden_patterns
from grader.i18n import _
from grader.results import CheckResult

DEVICE = "cpu"


@functools.cache
def _worker() -> isolation.InProcess:
    """One per kernel: a worker wraps the forbidden library functions once, for all exercises."""
    patterns = forbidden_patterns(bank.load(hidden=False))
    return isolation.InProcess(DEVICE, patterns)


def _cell_sources(exercise: Exercise, namespace: Mapping[str, Any]) -> tuple[str, list[str]]:
    """The source of the cells that define the exercise's functions, and those cells' files."""
    files: list[str] = []
    for f in exercise.functions:
        code = getattr(namespace.get(f.name), "__code__", None)
        if code is not None and code.co_filename not in files:
            files.append(code.co_filename)
    return "\n".join("".join(linecache.getlines(path)) for path in files), files


def _saved_notebook(exercise: str, namespace: Mapping[str, Any]) -> tuple[Path, str] | None:
    """The saved notebook of ``exercise`` and its graded source, or None where there is none.

    Where the kernel was told its notebook (Jupyter's ``__session__``, VS Code's
    ``__vsc_ipynb_file__``), that one; else ``<exercise>.ipynb`` in the kernel's folder, where
    Jupyter and ``nbgrader autograde`` both start it. Only a notebook of this exercise counts."""
    try:
        import nbformat
    except ImportError:  # a kernel without Jupyter's notebook format: no notebook to read
        return None
    candidates = [namespace.get("__session__"), namespace.get("__vsc_ipynb_file__"), f"{exercise}.ipynb"]
    for candidate in candidates:
        if not isinstance(candidate, str) or not candidate.endswith(".ipynb") or not os.path.isfile(candidate):
            continue
        try:
            nb = nbformat.read(candidate, as_version=4)
        except Exception:  # unreadable: try the next one, else the kernel's functions
            continue
        ids = {nbgrader_meta(c).get("grade_id") for c in nb.cells}
        if any(isinstance(i, str) and (i == exercise or i.startswith(f"{exercise}__")) for i in ids):
            return Path(candidate).resolve(), graded_source(nb)
    return None


@functools.cache
def _module(path: Path, source: str, exercise: str) -> dict[str, Any] | BaseException:
    """The namespace of the graded source run as module ``exercise`` (as the isolated worker
    imports it), or what running it raised. Cached: a grade cell reruns it only once saved again.
    Its lines are given to linecache under ``<notebook's folder>/<exercise>.py``, so that
    tracebacks show them as the worker's do."""
    filename = str(path.parent / f"{exercise}.py")
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    namespace: dict[str, Any] = {"__name__": exercise, "__file__": filename, "__builtins__": __builtins__}
    try:  # the student's code, as the kernel ran it; what it prints was shown when it ran
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, filename, "exec"), namespace)
    except BaseException as exc:  # whatever the student's module raises is an import error
        if isinstance(exc, KeyboardInterrupt):
            raise
        return exc
    return namespace


class _ImportFailed:
    """A worker channel for a module that raised when run: every call answers as the isolated
    worker answers for a module that cannot be imported."""

    def __init__(self, exc: BaseException, root: str) -> None:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(root + os.sep)]
        for f in frames:
            f.filename = os.path.relpath(f.filename, root)
        text = "".join(traceback.format_list(frames) + traceback.format_exception_only(type(exc), exc))
        self.error = {"kind": "import", "type": type(exc).__name__, "message": str(exc), "traceback": text[-4000:]}

    def call(self, *args: Any, **kwargs: Any) -> tuple[dict[str, Any], list[bytes]]:
        return {"ok": False, "error": self.error, "used": []}, []


def _differs(saved: Mapping[str, Any], kernel: Mapping[str, Any], filename: str) -> list[str]:
    """The functions of the saved notebook that the kernel defines otherwise: edited and run, not saved."""
    names = []
    for name, value in saved.items():
        other = kernel.get(name)
        if not isinstance(value, types.FunctionType) or value.__code__.co_filename != filename:
            continue
        if not isinstance(other, types.FunctionType):
            continue
        try:
            if inspect.getsource(value).strip() != inspect.getsource(other).strip():
                names.append(name)
        except (OSError, TypeError):  # no source to compare: say nothing
            continue
    return sorted(names)


def report(function: str, results: list[CheckResult], score: float, max_score: float, hidden: bool) -> str:
    """What a grade cell prints: its points, then each check with what failed."""
    if hidden:
        head = _("{function}, hidden checks: {score:g} of {max_score:g} points")
    else:
        head = _("{function}, public checks: {score:g} of {max_score:g} points")
    lines = [head.format(function=function, score=score, max_score=max_score)]
    for r in results:
        # NOTE: the mark of a check in a notebook's check cell, as wide as its translation allows
        mark = _("PASS") if r.passed else _("FAIL")
        lines.append(
            _("  {mark}  {check} ({points:g} of {max_points:g})").format(
                mark=mark, check=i18n.title(r.name), points=r.points, max_points=r.max_points
            )
        )
        if r.message:
            lines.extend("        " + line for line in r.message.splitlines())
    return "\n".join(lines)


def check(
    exercise: str, function: str, hidden: bool = False, worth: float | None = None, lang: str | None = None
) -> float:
    """Run the public (or hidden) checks of ``exercise.function`` on what will be graded: the
    saved notebook's graded module (``cells``), else the calling kernel's function, with a note;
    print what passed and what failed; return the points earned. With ``worth`` (an
    assignment's points for the exercise), the checks are scaled to it. With ``lang``, the
    notebook's language (``build`` writes it into the cells of a notebook not in English), the
    kernel speaks it from now on."""
    namespace = sys._getframe(1).f_globals
    if lang is not None:
        i18n.use(lang)
    if exercise not in bank.NAMES:
        raise ValueError(f"unknown exercise {exercise!r}; the exercises are: {', '.join(bank.NAMES)}")
    if hidden and not bank.hidden_checks_installed():
        raise RuntimeError(_("the hidden checks are not installed here: they run when your work is graded"))
    # With the hidden checks wherever installed: a public check may require one (Check.evidence)
    points = {exercise: worth} if worth is not None else None
    (ex,) = bank.load([exercise], hidden=hidden or bank.hidden_checks_installed(), points=points)
    visibility = "hidden" if hidden else "public"
    checks = [c for c in ex.checks if c.function == function and c.visibility == visibility]
    if not checks:
        raise ValueError(f"{exercise} has no {visibility} checks of a function named {function!r}")

    worker = _worker()  # first: its import guard also watches the module's own imports
    notes = []
    channel: engine.WorkerChannel = worker
    # nbgrader gives no credit to a cell that writes to stderr: warnings go to stdout
    with contextlib.redirect_stderr(sys.stdout), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        saved = _saved_notebook(exercise, namespace)
        if saved is None:
            source, files = _cell_sources(ex, namespace)
            worker.use(namespace, root=os.path.dirname(files[0]) if files else os.getcwd())
            notes.append(
                _(
                    "Note: {notebook} was not found in {folder}, so these checks ran on the functions "
                    "your kernel defines now. When your work is graded, every code cell you can edit in the saved "
                    "notebook runs, top to bottom, as one module."
                ).format(notebook=f"{exercise}.ipynb", folder=os.getcwd())
            )
        else:
            path, source = saved
            module = _module(path, source, exercise)
            root = str(path.parent)
            if isinstance(module, BaseException):
                channel = _ImportFailed(module, root)
            else:
                worker.use(module, root=root)
                stale = _differs(module, namespace, os.path.join(root, f"{exercise}.py"))
                if stale:
                    notes.append(
                        _(
                            "Note: {functions} in the saved {notebook} differ from what you ran. These checks, "
                            "like grading, use the saved notebook: save it (Ctrl+S) and run this cell again."
                        ).format(functions=", ".join(stale), notebook=path.name)
                    )
        outcome = engine.grade_exercise(source, ex, channel, DEVICE, only=lambda c: c in checks)
    score, max_score = round(outcome.score, 6), round(outcome.max_score, 6)
    print("\n".join([*notes, report(function, outcome.checks, score, max_score, hidden)]))
    return score
