"""The code cell of an exercise's source notebook: the stub, with the reference inside
nbgrader's solution markers.

Each function keeps the stub's signature and docstring; its body becomes

    ### BEGIN SOLUTION
    <the reference's body, with the private helpers and imports it needs nested inside>
    ### END SOLUTION

which ``nbgrader generate_assignment`` replaces by ``raise NotImplementedError()``, giving back
the stub. Helpers are nested in each function that needs them, never at the top of the cell:
a top-level solution region would become a top-level ``raise`` that stops the student's cell.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

from grader import stub_docs
from grader.exercise import Exercise

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def _source(module: str) -> str:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise FileNotFoundError(f"{module} is not installed here")
    return Path(spec.origin).read_text(encoding="utf-8")


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _bound(statement: ast.stmt) -> set[str]:
    """The names a top-level import or assignment binds."""
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).partition(".")[0] for a in statement.names}
    if isinstance(statement, ast.Assign):
        return {t.id for t in statement.targets if isinstance(t, ast.Name)}
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return {statement.target.id}
    if isinstance(statement, ast.FunctionDef):
        return {statement.name}
    return set()


def _body_lines(lines: list[str], function: ast.FunctionDef) -> list[str]:
    """The lines of a function's body after its docstring, dedented."""
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    assert body, f"the reference's {function.name} has no body"
    start, end = body[0].lineno - 1, function.end_lineno or body[-1].end_lineno or body[0].lineno
    indent = body[0].col_offset
    return [line[indent:] if line.strip() else "" for line in lines[start:end]]


def _statement_lines(lines: list[str], statement: ast.stmt) -> list[str]:
    first = min([statement.lineno, *(d.lineno for d in getattr(statement, "decorator_list", []))])
    return lines[first - 1 : statement.end_lineno]


def source(exercise: Exercise) -> str:
    """The stub module of ``exercise`` with every function's body replaced by the reference's,
    between the solution markers."""
    # the stub's docstrings in the language in use: they are the student's specification
    stub, reference = stub_docs.localized(_source(f"exercises.{exercise.name}")), _source(f"solutions.{exercise.name}")
    stub_lines, ref_lines = stub.splitlines(), reference.splitlines()
    stub_tree, ref_tree = ast.parse(stub), ast.parse(reference)
    functions = {f.name for f in exercise.functions}
    stub_has = set().union(*(_bound(s) for s in stub_tree.body))
    ref_defs = {s.name: s for s in ref_tree.body if isinstance(s, ast.FunctionDef)}
    # what a function's solution may need: the reference's helpers, aliases and imports
    # that the stub does not already have
    supplies: dict[str, ast.stmt] = {}
    for statement in ref_tree.body:
        if isinstance(statement, ast.ImportFrom) and statement.module == "__future__":
            continue
        for name in _bound(statement) - stub_has - functions:
            supplies[name] = statement

    out = list(stub_lines)
    stub_defs = [s for s in stub_tree.body if isinstance(s, ast.FunctionDef) and s.name in functions]
    for stub_def in sorted(stub_defs, key=lambda s: s.lineno, reverse=True):  # bottom up: line numbers hold
        if stub_def.name not in ref_defs:
            raise ValueError(f"the reference of {exercise.name} has no function {stub_def.name}")
        ref_def = ref_defs[stub_def.name]
        needed: list[ast.stmt] = []
        pending = _names(ref_def)
        while pending:
            name = pending.pop()
            supplied = supplies.get(name)
            if supplied is not None and supplied not in needed:
                needed.append(supplied)
                pending |= _names(supplied)
        needed.sort(key=lambda s: (not isinstance(s, (ast.Import, ast.ImportFrom)), s.lineno))
        indent = " " * stub_def.body[-1].col_offset
        region = [BEGIN]
        for statement in needed:
            region += _statement_lines(ref_lines, statement)
            if isinstance(statement, ast.FunctionDef):
                region.append("")
        region += _body_lines(ref_lines, ref_def)
        region.append(END)
        body = stub_def.body
        has_docstring = isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
        start = (body[1].lineno if has_docstring and len(body) > 1 else body[0].lineno) - 1
        if has_docstring and len(body) == 1:
            start = body[0].end_lineno or body[0].lineno
        end = stub_def.end_lineno or start
        out[start:end] = [indent + line if line else "" for line in region]
    return "\n".join(out) + "\n"
