"""The trust boundary: everything on the path to the process that runs a student's code.

The rest of the grader reaches it through the names below, and nothing here imports another
part of ``grader`` (``tests/test_layers.py`` holds both rules). A name is loaded from its
module when it is first used: ``mlgrade check`` starts its template before the grader, or
NumPy, is loaded (grader/__main__.py), and a template imports only what it runs.
SECURITY.md describes the guarantees; the modules:

- grader side: ``supervisor`` (one submission's worker: start, call, import, time out, kill),
  ``templates`` (the warm templates this grading process keeps, or adopts), ``limits`` (what a worker
  may use, its environment), ``sandbox`` (bubblewrap's command line, the isolation level),
  ``installed`` (which installed packages are secret);
  the isolation levels: ``sandbox`` and ``process`` on Linux; ``portable`` (a plain
  subprocess without resource limits) where Linux's mechanisms are missing, for a student's
  own check only (``choose(mode, portable=True)``);
- worker side: ``seal`` (what a worker does to itself before any student code runs),
  ``worker`` (imports and calls the student's functions), ``unrecorded`` (which of them may
  run without its forbidden-call recorder), ``forkserver`` (the warm template that forks
  workers);
- both: ``frames`` (the messages between them, and with a template), ``wire`` (the values
  in them), ``config`` (what a worker is told);
- none: ``inprocess`` (a notebook kernel's worker in its own process, as nbgrader runs it).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.isolation.frames import WireError
    from grader.isolation.inprocess import InProcess
    from grader.isolation.installed import SECRET, cache_dir, grading_modules, package_dir, secret_dirs
    from grader.isolation.limits import Limits
    from grader.isolation.messages import Message
    from grader.isolation.sandbox import (
        PORTABLE,
        PROCESS,
        SANDBOX,
        CannotIsolate,
        SandboxUnavailable,
        choose,
        findings,
        left_out,
        portable_reason,
        readable_size,
        sandbox_problem,
    )
    from grader.isolation.supervisor import Supervisor, WorkerLost
    from grader.isolation.templates import (
        ForkServer,
        Setup,
        adopt_template,
        kept_seconds,
        note_kept,
        start_noted,
        start_template,
        warm_workers,
    )
    from grader.isolation.wire import Kept, array_digest, decode

# The module each name of the facade lives in.
_HOMES = {
    "InProcess": "inprocess",
    "SECRET": "installed",
    "cache_dir": "installed",
    "grading_modules": "installed",
    "package_dir": "installed",
    "secret_dirs": "installed",
    "Limits": "limits",
    "Message": "messages",
    "PORTABLE": "sandbox",
    "PROCESS": "sandbox",
    "SANDBOX": "sandbox",
    "CannotIsolate": "sandbox",
    "SandboxUnavailable": "sandbox",
    "choose": "sandbox",
    "findings": "sandbox",
    "left_out": "sandbox",
    "portable_reason": "sandbox",
    "readable_size": "sandbox",
    "sandbox_problem": "sandbox",
    "Supervisor": "supervisor",
    "WorkerLost": "supervisor",
    "ForkServer": "templates",
    "Setup": "templates",
    "adopt_template": "templates",
    "start_template": "templates",
    "warm_workers": "templates",
    "kept_seconds": "templates",
    "note_kept": "templates",
    "start_noted": "templates",
    "WireError": "frames",
    "Kept": "wire",
    "array_digest": "wire",
    "decode": "wire",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # found directly from now on
    return value


__all__ = [
    "PORTABLE",
    "PROCESS",
    "SANDBOX",
    "SECRET",
    "CannotIsolate",
    "ForkServer",
    "InProcess",
    "Kept",
    "Limits",
    "Message",
    "SandboxUnavailable",
    "Setup",
    "Supervisor",
    "WireError",
    "WorkerLost",
    "adopt_template",
    "array_digest",
    "cache_dir",
    "choose",
    "decode",
    "findings",
    "grading_modules",
    "kept_seconds",
    "left_out",
    "note_kept",
    "package_dir",
    "portable_reason",
    "readable_size",
    "sandbox_problem",
    "secret_dirs",
    "start_noted",
    "start_template",
    "warm_workers",
]
