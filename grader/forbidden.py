"""Finding forbidden library calls in a student's source, without running it.

The second line of detection, beside the worker's record of what a function really called
(``grader.isolation.worker``): this one runs in the grader's process on the submitted text, so nothing
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
import functools
import re
from collections.abc import Iterable

from grader.i18n import _


def matches(name: str, patterns: Iterable[str]) -> list[str]:
    """The patterns that forbid ``name``: fnmatch patterns, and module names that cover it."""
    patterns = tuple(patterns)
    if not _any_of(patterns).match(name):  # most names are allowed: one match, not one per pattern
        return []
    return [p for p in patterns if fnmatch.fnmatchcase(name, p) or name.startswith(p + ".")]


@functools.lru_cache(maxsize=256)
def _any_of(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One expression matching what any of ``patterns`` forbids (``matches``)."""
    either = [fnmatch.translate(p) for p in patterns] + [re.escape(p) + r"\." for p in patterns]
    return re.compile("|".join(f"(?:{e})" for e in either) or r"(?!)")


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


def _imports(nodes: list[ast.stmt], resolver: _Resolver) -> None:
    """Record the imports among ``nodes`` and their nested blocks, but not inside functions or
    classes, which have scopes of their own."""
    for node in nodes:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            resolver.visit(node)
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for field in ("body", "orelse", "finalbody", "handlers"):
                _imports(getattr(node, field, []), resolver)


def scan(source: str, patterns: dict[str, tuple[str, ...]]) -> dict[str, set[str]]:
    """For each function named in ``patterns``, the forbidden library names it uses.

    Raises SyntaxError when the source does not parse.
    """
    tree = ast.parse(source)
    defs = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    module = _Resolver()
    _imports(tree.body, module)  # module-level imports, also those under if/try
    for node in tree.body:  # module-level aliases: L = np.linalg.lstsq
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target = module.dotted(node.value) if isinstance(node.value, (ast.Name, ast.Attribute)) else None
            if target and not target.startswith("torch.Tensor."):
                module.aliases[node.targets[0].id] = target
    for name in defs:  # a function of the module's own shadows an import of the same name
        module.aliases.pop(name, None)

    uses: dict[str, set[str]] = {}
    refers: dict[str, set[str]] = {}
    for name, node in defs.items():
        local = _Resolver()
        local.aliases = dict(module.aliases)
        nodes = list(ast.walk(node))
        for sub in nodes:  # the function's own imports, in its own scope
            if isinstance(sub, (ast.Import, ast.ImportFrom)):
                local.visit(sub)
        uses[name] = set()
        refers[name] = set()
        for sub in nodes:
            if isinstance(sub, ast.Name) and sub.id in defs and sub.id != name and sub.id not in local.aliases:
                refers[name].add(sub.id)
            if isinstance(sub, (ast.Name, ast.Attribute)):
                dotted = local.dotted(sub)
                if dotted:
                    stored = isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Store)
                    uses[name].add(f"{dotted}.__set__" if stored else dotted)  # x.requires_grad = True
            if isinstance(sub, ast.Call) and any(
                k.arg == "requires_grad" and not (isinstance(k.value, ast.Constant) and k.value.value is False)
                for k in sub.keywords
            ):
                callee = local.dotted(sub.func) if isinstance(sub.func, (ast.Name, ast.Attribute)) else None
                # NOTE: what calls with requires_grad=True where it is not a library name
                caller = callee or _("a call")
                uses[name].add(f"{caller}(requires_grad=True)")
            if isinstance(sub, ast.ImportFrom) and sub.module and not sub.level:
                uses[name].add(sub.module)  # importing from a forbidden module is a use
            if isinstance(sub, ast.Import):
                uses[name].update(a.name for a in sub.names)

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


# Autograd, forbidden wherever a gradient is the thing asked for (SPEC): every spelling the
# worker's recorder or the source scan can see.
AUTOGRAD = (
    "torch.Tensor.backward",
    "torch.autograd",
    "torch.autograd.*",
    "torch.func",
    "torch.func.*",
    "torch.Tensor.requires_grad_",
    "torch.Tensor.requires_grad.__set__",
    "torch.Tensor.retain_grad",
    "*(requires_grad=True)",
)

# Reaching into the worker's own machinery: the way to hide a forbidden call from the worker's
# recorder (pop torch's function-mode stack, find the recorder through gc or a frame). No
# exercise needs any of it, so the source scan treats every one as forbidden in every
# function; the scan runs in the grader's process, where student code cannot reach it.
TAMPERING = (
    "torch.overrides",
    "torch.overrides.*",
    "torch._C._pop_torch_function_stack",
    "torch._C._push_on_torch_function_stack",
    "torch._C.DisableTorchFunction*",
    "torch._C._disable_torch_function*",
    "gc",
    "gc.*",
    "sys._getframe",
    "sys.modules",
    "inspect",
    "inspect.*",
    "__main__",
    "__main__.*",
    "builtins",
    "builtins.*",
)
