"""The layers of grader/, read from the source with ``ast`` (nothing is imported, so it is fast).

- The trust boundary is one unit: nothing under grader/isolation/ imports another part of the
  grader, so no change elsewhere can reach into the worker (SECURITY.md).
- The rest of the grader enters it through its facade only: ``grader.isolation`` and the
  names in its ``__all__``, never a submodule (``grader.isolation.wire``).
- The core never imports a channel: only grader/channels/ itself and the CLI import
  ``grader.channels``.
- The modules of grader/ import each other without a cycle, counting the imports inside
  functions too (a lazy import hides a cycle, it does not remove it).

Tests are exempt: they may open the unit to look inside.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GRADER = REPO / "grader"
ISOLATION = "grader.isolation"
CHANNELS = "grader.channels"
MAY_IMPORT_CHANNELS = ("grader.channels", "grader.cli")  # and what is under them


@dataclass(frozen=True)
class Import:
    """One imported module (or one name of a package's ``__init__``), and where."""

    source: str  # the importing module
    file: str  # its path, relative to the repository
    line: int
    target: str  # the module imported
    name: str | None  # the name taken from ``target`` when it is not a module itself
    text: str  # the statement as written

    def where(self) -> str:
        return f"{self.file}:{self.line}: `{self.text}`"


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def grader_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(GRADER.rglob("*.py"))}


def under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def imports_of(path: Path, modules: Iterable[str]) -> list[Import]:
    """Every import of a grader module in ``path``, at any depth (inside functions too)."""
    known = set(modules)
    source = module_name(path)
    package = source if path.name == "__init__.py" else source.rpartition(".")[0]
    text = path.read_text()
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            targets = [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up level - 1
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            # a submodule (from grader import engine), or a name of the package (from grader.isolation import Limits)
            targets = [
                (f"{base}.{a.name}", None) if f"{base}.{a.name}" in known else (base, a.name) for a in node.names
            ]
        else:
            continue
        rel, written = str(path.relative_to(REPO)), ast.get_source_segment(text, node) or ""
        found += [Import(source, rel, node.lineno, t, n, written) for t, n in targets if under(t, "grader")]
    return found


def facade_names() -> set[str]:
    """The names in ``grader/isolation/__init__.py``'s ``__all__``, read from its source."""
    tree = ast.parse((GRADER / "isolation" / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return set(ast.literal_eval(node.value))
    raise AssertionError("grader/isolation/__init__.py has no __all__")


def broken_rules(imports: Iterable[Import], facade: set[str]) -> list[str]:
    """One line per import that breaks a layering rule: where it is, and which rule."""
    broken = []
    for imp in imports:
        inside = under(imp.source, ISOLATION)
        if inside and not under(imp.target, ISOLATION):
            broken.append(f"{imp.where()} imports {imp.target}: grader/isolation/ imports nothing else of grader")
        if not inside and under(imp.target, ISOLATION) and imp.target != ISOLATION:
            broken.append(f"{imp.where()} imports the submodule {imp.target}: use the facade, grader.isolation")
        if not inside and imp.target == ISOLATION and imp.name is not None and imp.name not in facade:
            broken.append(f"{imp.where()} imports {imp.name}, which is not in grader.isolation's __all__")
        core = not any(under(imp.source, p) for p in MAY_IMPORT_CHANNELS)
        if core and under(imp.target, CHANNELS):
            broken.append(f"{imp.where()} imports {imp.target}: the core never imports a channel")
    return broken


def cycle(imports: Iterable[Import]) -> list[Import]:
    """The imports that close one cycle among the modules, or [] if there is none."""
    edges: dict[str, list[Import]] = {}
    for imp in imports:
        if imp.target != imp.source:
            edges.setdefault(imp.source, []).append(imp)
    done: set[str] = set()
    path: list[Import] = []
    on_path: set[str] = set()

    def visit(module: str) -> list[Import]:
        on_path.add(module)
        for imp in edges.get(module, []):
            if imp.target in on_path:
                start = next((i for i, p in enumerate(path) if p.source == imp.target), len(path))
                return [*path[start:], imp]
            if imp.target not in done:
                path.append(imp)
                found = visit(imp.target)
                if found:
                    return found
                path.pop()
        on_path.discard(module)
        done.add(module)
        return []

    for module in sorted(edges):
        if module not in done:
            found = visit(module)
            if found:
                return found
    return []


def all_imports() -> list[Import]:
    modules = grader_modules()
    return [imp for path in modules.values() for imp in imports_of(path, modules)]


def test_the_layers_hold() -> None:
    imports = all_imports()
    assert len({i.source for i in imports}) > 20, "the import scan found almost nothing"
    assert any(i.source == "grader.engine" and i.target == ISOLATION for i in imports)
    broken = broken_rules(imports, facade_names())
    assert not broken, "\n".join(broken)


def test_the_grader_imports_no_cycle() -> None:
    found = cycle(all_imports())
    assert not found, "an import cycle:\n" + "\n".join(f"{i.source} -> {i.target} at {i.where()}" for i in found)


def test_the_rules_catch_what_they_name() -> None:
    """Each rule on a made-up import that breaks it, so that a scan finding nothing means something."""

    def imp(source: str, target: str, name: str | None = None) -> Import:
        return Import(source, source.replace(".", "/") + ".py", 1, target, name, f"import {target}")

    facade = facade_names()
    assert broken_rules([imp("grader.isolation.worker", "grader.checks")], facade)
    assert broken_rules([imp("grader.engine", "grader.isolation.wire")], facade)
    assert broken_rules([imp("grader.engine", ISOLATION, "not_in_the_facade")], facade)
    assert broken_rules([imp("grader.engine", "grader.channels.gradescope")], facade)
    assert not broken_rules([imp("grader.engine", ISOLATION, "Supervisor"), imp("grader.cli", CHANNELS)], facade)
    assert cycle([imp("grader.a", "grader.b"), imp("grader.b", "grader.c"), imp("grader.c", "grader.a")])
    assert not cycle([imp("grader.a", "grader.b"), imp("grader.b", "grader.c"), imp("grader.a", "grader.c")])
