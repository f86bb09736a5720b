"""Where this install keeps mlgrade's packages, and which of them are secret; where the grader
keeps the examples its checks draw (``grader.examples_cache``).

One place for the lookups that the sandbox (what not to mount), the worker (what not to
open), the student bundle (what not to copy) and the Gradescope zip (what to ship) share.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

SECRET = ("solutions", "grader.hidden")  # the reference solutions and the hidden checks


def package_dir(name: str) -> Path | None:
    """The folder of package ``name`` as installed (editable or not), or None."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def grading_modules() -> list[str]:
    """What every grading process runs on, which the fork server of ``mlgrade grade --jobs``
    imports once for all of them (``grader.batch``): the grader, and each installed exercise's
    checks and hidden checks (found by their files: none is imported here). Not torch, nor the
    references: a grading process imports them at the first question whose answer the examples
    cache does not keep (``engine.ReferenceCalls``), which on a bank graded before is none, and
    a fork server that imported torch for all of them made the others wait a second or more."""
    found = []
    for package in ("grader.bank", "grader.hidden"):
        folder = package_dir(package)
        names = sorted(p.stem for p in folder.glob("*.py") if p.stem != "__init__") if folder else []
        found += [f"{package}.{name}" for name in names]
    return ["__main__", "grader.batch", *found]


def secret_dirs() -> list[str]:
    """The installed references and hidden checks, as resolved paths (none in a student bundle)."""
    return [os.path.realpath(d) for d in map(package_dir, SECRET) if d is not None]


def cache_dir() -> Path | None:
    """The grader's cache of drawn examples (``grader.examples_cache``): ``$MLGRADE_CACHE``,
    else ``$XDG_CACHE_HOME/mlgrade``, else ``~/.cache/mlgrade``; None where
    ``MLGRADE_CACHE=off``. It holds the hidden checks' inputs: no worker may read it
    (``config.WorkerConfig.hidden``)."""
    given = os.environ.get("MLGRADE_CACHE", "")
    if given.lower() == "off":
        return None
    if given:
        return Path(os.path.abspath(given))
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(os.path.abspath(base)) / "mlgrade"
