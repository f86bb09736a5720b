"""Where this install keeps mlgrade's packages, and which of them are secret.

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


def secret_dirs() -> list[str]:
    """The installed references and hidden checks, as resolved paths (none in a student bundle)."""
    return [os.path.realpath(d) for d in map(package_dir, SECRET) if d is not None]
