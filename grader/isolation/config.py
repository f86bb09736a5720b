"""What a worker is told when it starts: one typed message from the grader to the worker.

The grader builds a :class:`WorkerConfig` (grader/isolation/supervisor.py, templates.py,
inprocess.py) and sends it as JSON, on a cold worker's command line or in the fork server's
spawn request; the worker reads it back with ``from_json`` and nothing else. Frozen, so a
step of the start that needs another value makes a new config (``dataclasses.replace``)
instead of changing the one the others see.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass

from grader.isolation import installed
from grader.isolation.limits import Limits

# Imported by nobody from student code: the references, and the grader itself.
BLOCKED_PACKAGES = ("solutions", "grader", "tests")
REQUEST_BYTES = 1 << 30  # one request to the worker: the arguments of one call


@dataclass(frozen=True)
class Folders:
    """The worker's own folders: its private copy of the submission (its HOME and working
    folder), its TMPDIR, and the only places it may write to."""

    submission: str
    tmp: str
    writable: tuple[str, ...]


@dataclass(frozen=True)
class WorkerConfig:
    """One worker's setup. ``folders`` is None for a worker forked at the sandbox level: it
    makes its own, as its own uid, from the files the template was sent (seal.py). ``uid`` is
    the uid it switches to (sandbox level, grader run as root), None to keep the grader's."""

    device: str  # "cpu" or "cuda"
    forbidden: tuple[str, ...]  # the exercise's forbidden-call patterns (grader/forbidden.py)
    # the limits it sets on itself (Limits)
    memory_bytes: int
    cpu_seconds: int
    output_bytes: int
    processes: int
    open_files: int
    answer_bytes: int
    request_bytes: int = REQUEST_BYTES
    folders: Folders | None = None
    uid: int | None = None
    # False for the portable worker (sandbox.PORTABLE): the system has no such limits to set
    sets_limits: bool = True
    # what its import guard refuses; a notebook kernel (inprocess.py) imports the grader itself
    blocked_packages: tuple[str, ...] = BLOCKED_PACKAGES
    # folders of the grader's own that no path may reach, besides the installed secrets
    # (installed.secret_dirs): the cache of the checks' examples, hidden ones' included
    hidden: tuple[str, ...] = ()

    @classmethod
    def of(cls, device: str, forbidden: list[str], limits: Limits) -> WorkerConfig:
        """The config of a worker on ``device`` under ``limits``, before it has folders."""
        return cls(
            device=device,
            forbidden=tuple(forbidden),
            # CUDA reserves far more address space than it uses: no address-space limit there
            memory_bytes=_unlimited() if device == "cuda" else limits.memory_bytes,
            cpu_seconds=limits.cpu_seconds,
            output_bytes=limits.output_bytes,
            processes=limits.processes,
            open_files=limits.open_files,
            answer_bytes=limits.answer_bytes,
            hidden=hidden_dirs(),
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> WorkerConfig:
        data = json.loads(text)
        folders = data.pop("folders")
        return cls(
            **data
            | {
                "forbidden": tuple(data["forbidden"]),
                "blocked_packages": tuple(data["blocked_packages"]),
                "hidden": tuple(data.get("hidden", ())),
                "folders": None if folders is None else Folders(**folders | {"writable": tuple(folders["writable"])}),
            }
        )


def _unlimited() -> int:
    """``resource.RLIM_INFINITY``, imported only here: Windows has no ``resource`` module, and
    a worker that sets no limits (the portable one) never reads the value."""
    try:
        import resource
    except ImportError:
        return -1
    return resource.RLIM_INFINITY


def hidden_dirs() -> tuple[str, ...]:
    """The folders no worker may read, besides the installed secret packages: the examples
    cache (``installed.cache_dir``), where the environment puts it now."""
    return tuple(os.path.realpath(d) for d in [installed.cache_dir()] if d is not None)
