"""The checks inside a Jupyter notebook: what the grade cells of an nbgrader notebook call.

``check(exercise, function)`` runs the public checks of one function (with ``hidden=True``,
its hidden checks) on the function defined in the notebook, prints each result, and returns
the points earned, which nbgrader reads as the cell's partial credit (``grader.nbgrader``).

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
import types
import warnings
from collections.abc import Mapping
from typing import Any

from grader import bank, engine, forbidden, wire
from grader.checks import Context
from grader.exercise import Exercise
from grader.results import CheckResult, ExerciseResult
from grader.supervisor import Limits
from grader.worker import Worker

DEVICE = "cpu"


class _KernelWorker(Worker):
    """The worker's call handling, answering from the notebook's namespace in this process."""

    namespace: Mapping[str, Any] = {}

    def module(self, name: str) -> types.ModuleType | BaseException:
        module = types.ModuleType(name)
        module.__dict__.update(self.namespace)
        return module

    def call(self, request: dict[str, Any], blobs: list[bytes]) -> tuple[dict[str, Any], list[bytes]]:
        name = request["function"]
        if not callable(self.namespace.get(name)):
            missing = NameError(f"{name} is not defined in this notebook: run the cell with your code first")
            return self.error("missing", missing), []
        return super().call(request, blobs)


class _InKernel:
    """What ``engine.StudentCalls`` needs of a Supervisor, answered by a worker in this process."""

    def __init__(self, worker: _KernelWorker) -> None:
        self.worker = worker

    def call(
        self,
        module: str,
        function: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        keep: str | None = None,
        opaque: list[int] | None = None,
    ) -> tuple[dict[str, Any], list[bytes]]:
        return self.worker.call(*wire.call_request(module, function, args, kwargs, keep, opaque))


@functools.cache
def _worker() -> _KernelWorker:
    """One per kernel: a worker wraps the forbidden library functions once, for all exercises."""
    patterns = sorted({p for e in bank.load(hidden=False) for f in e.functions for p in f.forbidden})
    config = {
        "submission": os.getcwd(),
        "answer_bytes": Limits().answer_bytes,
        "device": DEVICE,
        "forbidden": patterns,
        "blocked_packages": [],  # the next cell imports grader.notebook again
    }
    return _KernelWorker(config)


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
    (ex,) = bank.load([exercise], hidden=hidden)
    visibility = "hidden" if hidden else "public"
    checks = [c for c in ex.checks if c.function == function and c.visibility == visibility]
    if not checks:
        raise ValueError(f"{exercise} has no {visibility} checks of a function named {function!r}")

    worker = _worker()
    source, files = _cell_sources(ex, namespace)
    worker.namespace = namespace
    worker.root = os.path.dirname(files[0]) if files else os.getcwd()  # tracebacks keep the cells' frames
    student = engine.StudentCalls(_InKernel(worker), ex, DEVICE, engine.parameter_names(ex))  # type: ignore[arg-type]
    reference = engine.ReferenceCalls(ex, DEVICE) if hidden else None
    ctx = Context(student=student, reference=reference, returns={f.name: f.returns for f in ex.functions})
    # nbgrader gives no credit to a cell that writes to stderr: warnings go to stdout
    with contextlib.redirect_stderr(sys.stdout), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outcome = ExerciseResult(ex.name, [engine.run_check(c, ctx) for c in checks])
    try:
        static = forbidden.scan(source, {f.name: f.forbidden + forbidden.TAMPERING for f in ex.functions})
    except (SyntaxError, ValueError):
        static = {}
    engine.apply_forbidden_rule(ex, outcome, static, student.used)
    score, max_score = round(outcome.score, 6), round(outcome.max_score, 6)
    print(report(function, outcome.checks, score, max_score, hidden))
    return score
