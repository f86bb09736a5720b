"""``mlgrade validate``: a student's check before hand-in, as ``nbgrader validate`` is.

It answers, for each exercise, the questions whose answer costs a whole exercise when it is
"no" and which no check reports in the student's terms: is the module found where grading
looks (with the nearest name for a misnamed one), is it free of syntax errors, does it import
in the worker, does it define every function under its right name; and for the submission,
does every file fit in what the worker gets a copy of. It runs no check and calls no student
function: importing is the only student code it runs, in the same worker as grading.
"""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass, field
from pathlib import Path

from grader import engine, isolation
from grader.exercise import Exercise, forbidden_patterns
from grader.i18n import _
from grader.isolation import Supervisor, WorkerLost


@dataclass
class ModuleCheck:
    """What validation found for one exercise's module: ``problems`` stop it from being
    graded as written; ``notes`` do not (an exercise not started is a choice, not a mistake)."""

    exercise: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Validation:
    """A submission's readiness: where its modules are (the folder to hand in), how its code
    was isolated, each module's findings, and the files the worker would not get."""

    folder: Path
    isolation: str
    modules: list[ModuleCheck]
    left_out: list[str]

    @property
    def ready(self) -> bool:
        return not self.left_out and not any(m.problems for m in self.modules)


def validate(folder: Path, exercises: list[Exercise], options: engine.Options) -> Validation:
    """Validate the submission in ``folder`` (looked through as grading does) for ``exercises``."""
    names = [e.name for e in exercises]
    module_dir = engine.find_modules(folder, names)
    level = isolation.choose(options.sandbox, options.portable)
    found = {e.name: ModuleCheck(e.name) for e in exercises}
    importable: list[Exercise] = []
    for exercise in exercises:
        path = module_dir / f"{exercise.name}.py"
        if not path.is_file():
            found[exercise.name].problems.append(engine.missing_module(module_dir, exercise.name))
            continue
        source = engine.read_source(path)
        problem = syntax_problem(source, f"{exercise.name}.py")
        if problem is not None:
            found[exercise.name].problems.append(problem)
            continue
        if not_started(source, exercise):
            found[exercise.name].notes.append(_("not started: its functions still raise NotImplementedError"))
        importable.append(exercise)
    if importable:
        patterns = forbidden_patterns(exercises)
        with Supervisor(
            str(module_dir), options.device, patterns, options.limits, level, options.keep_template
        ) as supervisor:
            for exercise in importable:
                found[exercise.name].problems += _import_problems(supervisor, exercise)
    return Validation(module_dir, level, list(found.values()), engine.left_out(module_dir))


def syntax_problem(source: str, filename: str) -> str | None:
    """Why ``source`` cannot be compiled, with the line and a caret; None if it can. Compiled,
    not only parsed, so that errors the compiler finds (``return`` outside a function) count."""
    try:
        compile(source, filename, "exec", dont_inherit=True)
    except SyntaxError as exc:
        if exc.lineno is None:
            return _("{filename} cannot be read as Python source: {error}").format(filename=filename, error=exc.msg)
        where = f"\n    {exc.text.rstrip()}\n    {' ' * max((exc.offset or 1) - 1, 0)}^" if exc.text else ""
        said = _("{filename} has a syntax error on line {line}: {error}").format(
            filename=filename, line=exc.lineno, error=exc.msg
        )
        return said + where
    except ValueError as exc:  # NUL bytes
        return _("{filename} cannot be read as Python source: {error}").format(filename=filename, error=exc)
    return None


def not_started(source: str, exercise: Exercise) -> bool:
    """Every function of the exercise is still the stub's: a docstring and a raise of
    NotImplementedError (read from the source; an installed stub may be the student's file)."""
    defs = {n.name: n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)}

    def stub(node: ast.FunctionDef) -> bool:
        body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
            return False
        raised = body[0].exc.func if isinstance(body[0].exc, ast.Call) else body[0].exc
        return isinstance(raised, ast.Name) and raised.id == "NotImplementedError"

    functions = [defs.get(f.name) for f in exercise.functions]
    return all(node is not None and stub(node) for node in functions)


def _import_problems(supervisor: Supervisor, exercise: Exercise) -> list[str]:
    """Import the module in the worker; why it cannot be, or which functions it lacks."""
    module = f"{exercise.name}.py"
    try:
        answer = supervisor.imports(exercise.name)
    except WorkerLost as exc:
        return [
            _("{module} could not be imported: {reason}").format(module=module, reason=engine.localized(exc.reason))
        ]
    if not answer.get("ok"):
        error = answer.get("error", {})
        traceback = str(error.get("traceback", "")).rstrip()
        return [_("{module} could not be imported:\n{traceback}").format(module=module, traceback=traceback)]
    defined = [str(n) for n in answer.get("functions", [])]
    problems = []
    for function in exercise.functions:
        if function.name not in defined:
            near = difflib.get_close_matches(function.name, defined, n=1, cutoff=0.6)
            if near:
                problem = _("{module} defines no function {function}; did you mean {near}? Rename it to {function}")
            else:
                problem = _("{module} defines no function {function}")
            problems.append(problem.format(module=module, function=function.name, near=near[0] if near else ""))
    return problems
