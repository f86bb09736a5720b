"""Finding forbidden library calls in a student's source, without running it.

The second line of detection, beside the worker's record of what a function really called
(``grader.worker``): this one runs in the grader's process on the submitted text, so nothing
the student's code does at run time can hide from it.

Names are resolved through imports and module-level aliases (``import numpy as np``,
``from torch.linalg import lstsq as solve``, ``L = np.linalg.lstsq``), so ``np.linalg.lstsq``
is seen as ``numpy.linalg.lstsq``. A method called on a value (``X.pinverse()``) is seen as
``torch.Tensor.pinverse``. A use counts against a function when it is in its body or in a
helper of the same module that the function refers to, directly or through other helpers.
"""

from __future__ import annotations

import ast
import fnmatch
from collections.abc import Iterable


def matches(name: str, patterns: Iterable[str]) -> list[str]:
    """The patterns that forbid ``name``: fnmatch patterns, and module names that cover it."""
    return [p for p in patterns if fnmatch.fnmatchcase(name, p) or name.startswith(p + ".")]


class _Resolver(ast.NodeVisitor):
    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}

    def visit_Import(self, node: ast.Import) -> None:
        for a in node.names:
            if a.asname:
                self.aliases[a.asname] = a.name
            else:
                top = a.name.partition(".")[0]
                self.aliases[top] = top

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and not node.level:
            for a in node.names:
                self.aliases[a.asname or a.name] = f"{node.module}.{a.name}"

    def dotted(self, node: ast.expr) -> str | None:
        """The library name an expression stands for, or None if it is not one."""
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.dotted(node.value)
            if base is not None and base.startswith("torch.Tensor."):
                return f"torch.Tensor.{node.attr}"  # a method on what a method returned
            if base is not None:
                return f"{base}.{node.attr}"
            return f"torch.Tensor.{node.attr}"  # a method on a value: assume a tensor
        return None


def scan(source: str, patterns: dict[str, tuple[str, ...]]) -> dict[str, set[str]]:
    """For each function named in ``patterns``, the forbidden library names it uses.

    Raises SyntaxError when the source does not parse.
    """
    tree = ast.parse(source)
    resolver = _Resolver()
    resolver.visit(tree)  # every import in the module, functions' own imports too
    for node in tree.body:  # module-level aliases: L = np.linalg.lstsq
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target = resolver.dotted(node.value) if isinstance(node.value, (ast.Name, ast.Attribute)) else None
            if target and not target.startswith("torch.Tensor."):
                resolver.aliases[node.targets[0].id] = target

    defs = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    uses: dict[str, set[str]] = {}
    refers: dict[str, set[str]] = {}
    for name, node in defs.items():
        uses[name] = set()
        refers[name] = set()
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and sub.id in defs and sub.id != name:
                refers[name].add(sub.id)
            if isinstance(sub, (ast.Name, ast.Attribute)):
                dotted = resolver.dotted(sub)
                if dotted:
                    uses[name].add(dotted)

    found: dict[str, set[str]] = {}
    for function, forbidden in patterns.items():
        reached, todo = set(), [function]
        while todo:
            current = todo.pop()
            if current in reached or current not in defs:
                continue
            reached.add(current)
            todo.extend(refers[current])
        names = {u for f in reached for u in uses[f] if matches(u, forbidden)}
        if names:
            found[function] = names
    return found
