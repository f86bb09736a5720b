"""Runs a submission's worker process and talks to it; kills and replaces it when it misbehaves.

The grader side of the isolation contract (SPEC, last section; SECURITY.md): one worker per
submission, reused for all its checks, each start on a fresh private copy of the submission,
under bubblewrap at the sandbox level (grader/isolation/sandbox.py); a per-call time limit enforced here
with a deadline on every read; memory, CPU, process, file and output limits set by the worker
on itself before any student code runs; a worker that hangs, dies, exits or floods its output
is killed, its process group (and at the sandbox level, its pid namespace) with it, and the
call fails with a :class:`WorkerLost` that says what happened. The next call starts a fresh
worker.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import resource
import select
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.isolation import forkserver, sandbox, wire


@dataclass(frozen=True)
class Limits:
    """Resource limits for one worker. The defaults suit every exercise of the course."""

    call_seconds: float = 10.0  # wall time of one call of a student function
    start_seconds: float = 60.0  # starting the worker: importing torch on a loaded machine
    memory_bytes: int = 2 * 2**30  # address space of the worker
    cpu_seconds: int = 600  # CPU time of the worker over its whole life
    output_bytes: int = 8 * 2**20  # what the student's code may print, and any file it writes
    processes: int = 32  # processes and threads beyond the worker's first
    open_files: int = 256
    answer_bytes: int = 64 * 2**20  # one answer over the pipe


class WorkerLost(Exception):
    """The worker hung, died or broke the protocol; ``reason`` says which, for the student."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Supervisor:
    """One submission's worker. Use as a context manager so the worker never outlives it."""

    def __init__(
        self, submission: str, device: str, forbidden: list[str], limits: Limits, isolation: str = sandbox.PROCESS
    ) -> None:
        self.submission = os.path.abspath(submission)
        self.device = device
        self.forbidden = forbidden
        self.limits = limits
        self.isolation = isolation  # sandbox.SANDBOX or sandbox.PROCESS
        self.process: _Process | None = None
        self.output: Any = None
        self.home: str | None = None  # the worker's private folder: its copy of the submission, its tmp

    def __enter__(self) -> Supervisor:
        self.start()  # the worker imports torch while the grader prepares its checks
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- process lifecycle -----------------------------------------------------------------

    def start(self) -> None:
        """A fresh worker on a fresh private copy of the submission: forked from the warm
        template (``grader.isolation.forkserver``) where one runs, else started cold; on the sandbox's
        tmpfs, or at the process level in a private temporary folder."""
        sandboxed = self.isolation == sandbox.SANDBOX
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        self.output = tempfile.TemporaryFile(prefix="mlgrade-worker-output-")  # noqa: SIM115 - lives with the worker
        config: dict[str, Any] = {
            "device": self.device,
            "forbidden": self.forbidden,
            # CUDA reserves far more address space than it uses: no address-space limit there
            "memory_bytes": resource.RLIM_INFINITY if self.device == "cuda" else self.limits.memory_bytes,
            "cpu_seconds": self.limits.cpu_seconds,
            "output_bytes": self.limits.output_bytes,
            "processes": self.limits.processes,
            "open_files": self.limits.open_files,
            "request_bytes": 1 << 30,
            "answer_bytes": self.limits.answer_bytes,
        }
        if not sandboxed:
            self.home = tempfile.mkdtemp(prefix="mlgrade-worker-")
            inside = str(sandbox.prepare_home(Path(self.home), Path(self.submission)))
            tmp = os.path.join(self.home, "tmp")
            config |= {"submission": inside, "tmp": tmp, "writable": [inside, tmp], "uid": None}
        try:
            for _ in range(2):  # a lost template is replaced once; then the worker starts cold
                server = _fork_server(self.isolation, self.device, self.forbidden, self.limits)
                if server is None:
                    break
                self.process = self._fork(server, config, [to_worker_r, from_worker_w, self.output.fileno()])
                if self.process is not None:
                    break
            if self.process is None:
                self.process = self._start_cold(config, to_worker_r, from_worker_w)
        finally:
            os.close(to_worker_r)
            os.close(from_worker_w)
        self.to_worker, self.from_worker = to_worker_w, from_worker_r
        self.reader = wire.FrameReader(self._read_exactly, self.limits.answer_bytes)
        self.ready = False
        self.start_deadline = time.monotonic() + self.limits.start_seconds

    def _fork(self, server: forkserver.ForkServer, config: dict[str, Any], fds: list[int]) -> _Process | None:
        """A worker forked by the template; None if the template is lost (it is then replaced)."""
        files: dict[str, bytes] = {}
        if self.isolation == sandbox.SANDBOX:  # the worker writes its own copy, as its own uid
            for rel in sandbox.submission_files(Path(self.submission)):
                fd = os.open(Path(self.submission, rel), os.O_RDONLY | os.O_NOFOLLOW)
                with os.fdopen(fd, "rb") as f:
                    files[str(rel)] = f.read()
            config = {**config, "submission": None, "uid": server.next_uid()}
        try:
            return _Forked(server, server.spawn(config, files, fds))
        except forkserver.ForkServerLost:
            _drop_fork_server(server)
            return None

    def _start_cold(self, config: dict[str, Any], to_worker_r: int, from_worker_w: int) -> _Process:
        """A worker started as a new Python: ``python -m grader.isolation.worker``, under bwrap at the
        sandbox level."""
        sandboxed = self.isolation == sandbox.SANDBOX
        uid = sandbox.worker_uid() if sandboxed else None
        files: list[int] = []
        if sandboxed:  # the copy goes on the sandbox's own tmpfs
            staged, files = sandbox.stage(Path(self.submission))
            inside, tmp = sandbox.SUBMISSION, "/tmp"
            config = {**config, "submission": inside, "writable": [inside, tmp], "uid": uid}
        else:
            inside, tmp = config["submission"], config["tmp"]
        worker = [sandbox.python(), "-I", "-B", "-m", "grader.isolation.worker", str(to_worker_r), str(from_worker_w)]
        worker.append(json.dumps(config))
        try:
            process = subprocess.Popen(
                sandbox.command(worker, staged, self.device, uid) if sandboxed else worker,
                stdin=subprocess.DEVNULL,
                stdout=self.output,
                stderr=self.output,
                pass_fds=(to_worker_r, from_worker_w, *files),
                cwd="/" if sandboxed else inside,
                env=worker_env(home=inside, tmp=tmp),
                process_group=0,
            )
        finally:
            for fd in files:
                os.close(fd)
        return _Cold(process, bwrap=sandboxed)

    def _wait_ready(self) -> None:
        self.deadline = self.start_deadline
        header, _ = self._receive("starting")
        if not header.get("ready"):
            raise self._lost("starting", broken="no ready message")
        self.ready = True

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.kill()
        for fd in (self.to_worker, self.from_worker):
            os.close(fd)
        self.output.close()
        self.process = None
        if self.home is not None:
            shutil.rmtree(self.home, ignore_errors=True)
            self.home = None

    # -- calls ---------------------------------------------------------------------------

    def call(
        self,
        module: str,
        function: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        keep: str | None = None,
        opaque: list[int] | None = None,
        timeout: float | None = None,
    ) -> tuple[dict[str, Any], list[bytes]]:
        """Call ``module.function(*args, **kwargs)`` in the worker; return (answer, blobs).

        ``keep`` names a handle under which the worker keeps the whole result, for a later
        call's ``wire.Kept``; the positions in ``opaque`` are not sent back. ``timeout``, where
        shorter than the per-call limit, is the time the call may take (what a budget has left).
        Raises WorkerLost when the worker hangs, dies or breaks the protocol; the worker is
        then gone and the next call starts a new one.
        """
        if self.process is None:
            self.start()
        if not self.ready:
            self._wait_ready()
        request, blobs = wire.call_request(module, function, args, kwargs, keep, opaque)
        try:
            wire.write_frame(self.to_worker, request, blobs)
        except OSError:
            raise self._lost(f"calling {function}") from None
        self.deadline = time.monotonic() + min(self.limits.call_seconds, timeout or self.limits.call_seconds)
        return self._receive(f"calling {function}")

    def _receive(self, doing: str) -> tuple[dict[str, Any], list[bytes]]:
        try:
            header, blobs = self.reader.read()
        except TimeoutError:
            raise self._lost(doing, timed_out=True) from None
        except (EOFError, OSError, ValueError, wire.WireError) as exc:
            raise self._lost(doing, broken=str(exc)) from None
        if not isinstance(header, dict):
            raise self._lost(doing, broken="malformed answer")
        return header, blobs

    def _read_exactly(self, n: int) -> bytes:
        chunks = []
        while n:
            left = self.deadline - time.monotonic()
            if left <= 0 or not select.select([self.from_worker], [], [], left)[0]:
                raise TimeoutError
            chunk = os.read(self.from_worker, min(n, 1 << 20))
            if not chunk:
                raise EOFError("the worker closed the pipe")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def _lost(self, doing: str, timed_out: bool = False, broken: str = "") -> WorkerLost:
        """Kill the worker and say, in the student's terms, what happened to it."""
        assert self.process is not None
        if timed_out:
            reason = f"timed out after {self.limits.call_seconds:g} s {doing} (an endless loop?)"
            if doing == "starting":
                reason = f"the worker did not start within {self.limits.start_seconds:g} s"
        else:
            code = self.process.wait(timeout=2)
            reason = _describe_exit(code, doing, broken, self._output_size(), self.limits)
        self.stop()
        return WorkerLost(reason)

    def _output_size(self) -> int:
        try:
            return os.fstat(self.output.fileno()).st_size
        except (OSError, ValueError):
            return 0


def _describe_exit(code: int | None, doing: str, broken: str, printed: int, limits: Limits) -> str:
    if code is None:
        return f"the worker broke the protocol {doing} ({broken})"
    if code == -signal.SIGXFSZ or printed >= limits.output_bytes:
        return f"the code printed or wrote more than {limits.output_bytes // 2**20} MiB {doing}; it was stopped"
    if code == -signal.SIGXCPU:
        return f"the code used more than {limits.cpu_seconds} s of CPU time {doing}"
    if code == -signal.SIGKILL:
        return f"the worker was killed {doing} (out of memory?)"
    if code < 0:
        return f"the worker crashed {doing} (signal {signal.Signals(-code).name})"
    if code in (137, 139):
        return f"the worker crashed {doing} (exit status {code})"
    if broken.startswith("message larger"):
        return f"the value returned {doing} is too large ({broken})"
    return (
        f"the code exited the process {doing} (exit status {code}: sys.exit, exit() or os._exit, "
        "or it broke Python itself, e.g. by replacing builtins)"
    )


# -- worker processes, warm or cold -------------------------------------------------------------


def worker_env(home: str, tmp: str) -> dict[str, str]:
    """A worker's whole environment: nothing of the grader's but PATH and a few library knobs."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TMPDIR": tmp,
        "HOME": home,
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "PYTHONHASHSEED": "0",
        "LANG": "C.UTF-8",
    }
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "CUDA_VISIBLE_DEVICES"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


class _Process:
    """A running worker: what the supervisor needs of it."""

    def wait(self, timeout: float) -> int | None:
        """Its exit code (negative: killed by that signal), or None if still running."""
        raise NotImplementedError

    def kill(self) -> None:
        """Kill it with its whole process group, and reap it."""
        raise NotImplementedError


class _Cold(_Process):
    def __init__(self, process: subprocess.Popen[bytes], bwrap: bool) -> None:
        self.process = process
        self.bwrap = bwrap

    def wait(self, timeout: float) -> int | None:
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        if code > 128 and self.bwrap:
            code = -(code - 128)  # bwrap, the sandbox's first process, exits 128 + the worker's signal
        return code

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


class _Forked(_Process):
    def __init__(self, server: forkserver.ForkServer, pid: int) -> None:
        self.server = server
        self.pid = pid
        self.code: int | None = None

    def wait(self, timeout: float) -> int | None:
        if self.code is None:
            try:
                self.code = self.server.wait(self.pid, timeout)
            except forkserver.ForkServerLost:
                _drop_fork_server(self.server)  # its workers died with it
        return self.code

    def kill(self) -> None:
        try:
            self.server.kill(self.pid)
        except forkserver.ForkServerLost:
            _drop_fork_server(self.server)


# One template per grading process and worker setup; None where warm workers cannot be had.
_FORK_SERVERS: dict[tuple[str, str, tuple[str, ...], Limits], forkserver.ForkServer | None] = {}


def _fork_server(isolation: str, device: str, forbidden: list[str], limits: Limits) -> forkserver.ForkServer | None:
    """The warm template for this setup, started on first use. CUDA cannot be forked once
    initialised, so a CUDA worker always starts cold; so does one whose template failed."""
    if device != "cpu" or os.environ.get("MLGRADE_COLD_WORKERS"):
        return None
    key = (isolation, device, tuple(forbidden), limits)
    known = _FORK_SERVERS.get(key)
    if known is not None and not known.alive():
        _drop_fork_server(known)
    if key not in _FORK_SERVERS:
        sandboxed = isolation == sandbox.SANDBOX
        config = {"device": device, "forbidden": forbidden, "answer_bytes": limits.answer_bytes, "sandboxed": sandboxed}
        home = "/tmp" if sandboxed else tempfile.gettempdir()

        def wrap(command: list[str]) -> list[str]:
            if not sandboxed:
                return command
            return sandbox.command(command, sandbox.stage(None)[0], device, sandbox.worker_uid(), template=True)

        try:
            _FORK_SERVERS[key] = forkserver.ForkServer(
                wrap,
                sandbox.python(),
                config,
                worker_env(home=home, tmp=home),
                "/" if sandboxed else home,
                limits.start_seconds,
                sandbox.worker_uid() if sandboxed else None,
            )
        except (forkserver.ForkServerLost, OSError):
            _FORK_SERVERS[key] = None
    return _FORK_SERVERS[key]


def _drop_fork_server(server: forkserver.ForkServer) -> None:
    """Forget a lost template: the next start makes a new one."""
    for key, known in list(_FORK_SERVERS.items()):
        if known is server:
            del _FORK_SERVERS[key]
    server.close()


@atexit.register
def _close_fork_servers() -> None:
    for server in _FORK_SERVERS.values():
        if server is not None:
            server.close()
    _FORK_SERVERS.clear()
