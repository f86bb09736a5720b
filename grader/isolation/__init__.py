"""The trust boundary: everything on the path to the process that runs a student's code.

The rest of the grader reaches it through the names below, and nothing here imports another
part of ``grader`` (``tests/test_layers.py`` holds both rules). SECURITY.md describes the
guarantees; the modules:

- grader side: ``supervisor`` (one submission's worker: start, call, import, time out, kill),
  ``templates`` (the warm templates this grading process keeps), ``limits`` (what a worker
  may use, its environment), ``sandbox`` (bubblewrap's command line, the isolation level),
  ``installed`` (which installed packages are secret);
  the isolation levels: ``sandbox`` and ``process`` on Linux; ``portable`` (a plain
  subprocess without resource limits) where Linux's mechanisms are missing, for a student's
  own check only (``choose(mode, portable=True)``);
- worker side: ``seal`` (what a worker does to itself before any student code runs),
  ``worker`` (imports and calls the student's functions), ``forkserver`` (the warm template
  that forks workers);
- both: ``wire`` (the framed messages between them), ``config`` (what a worker is told);
- none: ``inprocess`` (a notebook kernel's worker in its own process, as nbgrader runs it).
"""

from grader.isolation.inprocess import InProcess
from grader.isolation.installed import SECRET, cache_dir, package_dir, secret_dirs
from grader.isolation.limits import Limits
from grader.isolation.messages import Message
from grader.isolation.sandbox import (
    PORTABLE,
    PROCESS,
    SANDBOX,
    CannotIsolate,
    SandboxUnavailable,
    choose,
    left_out,
    portable_reason,
    readable_size,
    sandbox_problem,
)
from grader.isolation.supervisor import Supervisor, WorkerLost
from grader.isolation.templates import kept_seconds, start_early
from grader.isolation.wire import Kept, WireError, array_digest, decode

__all__ = [
    "PORTABLE",
    "PROCESS",
    "SANDBOX",
    "SECRET",
    "CannotIsolate",
    "InProcess",
    "Kept",
    "Limits",
    "Message",
    "SandboxUnavailable",
    "Supervisor",
    "WireError",
    "WorkerLost",
    "array_digest",
    "cache_dir",
    "choose",
    "decode",
    "kept_seconds",
    "left_out",
    "package_dir",
    "portable_reason",
    "readable_size",
    "sandbox_problem",
    "secret_dirs",
    "start_early",
]
