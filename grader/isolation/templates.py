"""Warm templates, the grader's side: the client of a template process
(``python -m grader.isolation.forkserver``) and the templates this grading process keeps.

A template has imported torch, NumPy and the worker, and forks a fresh worker for every
submission in milliseconds instead of starting Python and torch again. One is kept per
grading process and :class:`Setup`, started on first use, replaced once when lost, and
closed (killing its workers) when the process exits. The protocol is in forkserver.py.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from grader.isolation import sandbox, wire
from grader.isolation.config import WorkerConfig
from grader.isolation.limits import Limits, worker_env


class ForkServerLost(Exception):
    """The template died or stopped answering; the caller starts workers cold instead."""


class ForkServer:
    """The grader's handle on one template: it spawns, waits for and kills workers."""

    def __init__(
        self,
        wrap: Callable[[list[str]], list[str]],
        python: str,
        isolation: str,
        config: WorkerConfig,
        env: dict[str, str],
        cwd: str,
        timeout: float,
        base_uid: int | None = None,
    ) -> None:
        """Start ``python -m grader.isolation.forkserver`` inside ``wrap`` (the sandbox's command line,
        or nothing) at the ``isolation`` level, its own worker set up by ``config``, without waiting
        for it: ``wait_started`` (and its first use) waits until it has imported everything."""
        ours, theirs = socket.socketpair()
        fd = str(theirs.fileno())
        command = [python, "-I", "-B", "-m", "grader.isolation.forkserver", fd, isolation, config.to_json()]
        self.log = tempfile.TemporaryFile(prefix="mlgrade-forkserver-")  # noqa: SIM115 - lives with it
        self.process = subprocess.Popen(
            wrap(command),
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=self.log,
            pass_fds=(theirs.fileno(),),
            cwd=cwd,
            env=env,
            process_group=0,
        )
        theirs.close()
        self.sock: socket.socket | None = ours
        self.base_uid = base_uid
        self.spawned = 0  # workers forked so far
        self.reader = wire.FrameReader(self._read_exactly, 1 << 20)
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self.started = False

    def wait_started(self) -> None:
        """Wait until the template has imported everything; ForkServerLost (and it is closed)
        if it does not within the start's time limit."""
        if self.started:
            return
        problem = "no ready message"
        try:
            ready = self.reader.read()[0].get("ready")
        except (EOFError, OSError, TimeoutError, wire.WireError) as exc:
            ready, problem = False, str(exc)
        if not ready:
            self.log.seek(0)
            tail = self.log.read()[-2000:].decode(errors="replace")
            self.close()
            raise ForkServerLost(f"the fork server did not start ({problem}): {tail}")
        self.started = True

    def _read_exactly(self, n: int) -> bytes:
        assert self.sock is not None
        return wire.read_exactly(self.sock.fileno(), n, self.deadline, "the fork server")

    def _ask(
        self, request: dict[str, Any], blobs: list[bytes] | None = None, fds: list[int] | None = None
    ) -> dict[str, Any]:
        if self.sock is None:
            raise ForkServerLost("the fork server is closed")
        self.wait_started()
        self.deadline = time.monotonic() + self.timeout
        try:
            socket.send_fds(self.sock, [b"R"], fds or [])
            wire.write_frame(self.sock.fileno(), request, blobs or [])
            answer, _ = self.reader.read()
        except (EOFError, OSError, TimeoutError, wire.WireError) as exc:
            raise ForkServerLost(str(exc)) from None
        return answer

    def next_uid(self) -> int | None:
        """A uid for the next sandboxed worker, never the previous one's (None: not root, every
        worker keeps the grader's uid inside bubblewrap's user namespace)."""
        if self.base_uid is None:
            return None
        return self.base_uid + (self.spawned + 1) % 1000

    def spawn(self, config: WorkerConfig, files: dict[str, bytes], fds: list[int]) -> int:
        """Fork a worker set up by ``config`` on the descriptors ``fds`` (its pipes and its
        output); ``files`` is its submission when it makes its own copy (sandbox level)."""
        request = {"op": "spawn", "config": config.to_json(), "files": list(files)}
        answer = self._ask(request, list(files.values()), fds)
        if not isinstance(answer.get("pid"), int):
            raise ForkServerLost(f"the fork server could not fork ({answer})")
        self.spawned += 1
        return int(answer["pid"])

    def wait(self, pid: int, timeout: float) -> int | None:
        code = self._ask({"op": "wait", "pid": pid, "timeout": timeout}).get("code")
        return code if isinstance(code, int) else None

    def kill(self, pid: int) -> int | None:
        code = self._ask({"op": "kill", "pid": pid}).get("code")
        return code if isinstance(code, int) else None

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.log.close()


@dataclass(frozen=True)
class Setup:
    """What the workers forked from one template share: everything the template fixes before
    it forks (its sandbox, the libraries it imported and wrapped, the worker's limits)."""

    isolation: str
    device: str
    forbidden: tuple[str, ...]
    limits: Limits


# One template per grading process and setup; None where warm workers cannot be had.
_TEMPLATES: dict[Setup, ForkServer | None] = {}


def templates() -> dict[Setup, ForkServer]:
    """The templates this process has started and not dropped (a lost one is dropped when its
    setup is next used), by setup."""
    return {setup: server for setup, server in _TEMPLATES.items() if server is not None}


def warm(isolation: str, device: str, forbidden: list[str], limits: Limits) -> ForkServer | None:
    """The warm template for this setup, started on first use (or by ``start_early``). CUDA
    cannot be forked once initialised, so a CUDA worker always starts cold; so does one whose
    template failed, and every worker with MLGRADE_COLD_WORKERS set (SECURITY.md)."""
    key = Setup(isolation, device, tuple(forbidden), limits)
    server = _template(key)
    if server is None:
        return None
    try:
        server.wait_started()
    except ForkServerLost:
        _TEMPLATES[key] = None
        return None
    return server


def start_early(isolation: str, device: str, forbidden: list[str], limits: Limits) -> None:
    """Start the template for this setup without waiting for it: it imports torch while this
    process imports the grader (``mlgrade check``: grader/__main__.py). ``warm`` waits for it."""
    _template(Setup(isolation, device, tuple(forbidden), limits))


def _template(key: Setup) -> ForkServer | None:
    """The template for ``key``, started (not waited for) where there is none yet."""
    isolation, device, limits = key.isolation, key.device, key.limits
    if device != "cpu" or os.environ.get("MLGRADE_COLD_WORKERS"):
        return None
    known = _TEMPLATES.get(key)
    if known is not None and not known.alive():
        drop(known)
    if key not in _TEMPLATES:
        sandboxed = isolation == sandbox.SANDBOX
        config = WorkerConfig.of(device, list(key.forbidden), limits)
        home = "/tmp" if sandboxed else tempfile.gettempdir()

        def wrap(command: list[str]) -> list[str]:
            if not sandboxed:
                return command
            return sandbox.command(command, sandbox.stage(None)[0], device, sandbox.worker_uid(), template=True)

        try:
            _TEMPLATES[key] = ForkServer(
                wrap,
                sandbox.python(),
                isolation,
                config,
                worker_env(home=home, tmp=home),
                "/" if sandboxed else home,
                limits.start_seconds,
                sandbox.worker_uid() if sandboxed else None,
            )
        except (ForkServerLost, OSError):
            _TEMPLATES[key] = None
    return _TEMPLATES[key]


def drop(server: ForkServer) -> None:
    """Forget a lost template: the next start makes a new one."""
    for key, known in list(_TEMPLATES.items()):
        if known is server:
            del _TEMPLATES[key]
    server.close()


@atexit.register
def _close_all() -> None:
    for server in _TEMPLATES.values():
        if server is not None:
            server.close()
    _TEMPLATES.clear()
