"""Runs a submission's worker process and talks to it; kills and replaces it when it misbehaves.

The grader side of the isolation contract (SPEC, last section; SECURITY.md): one worker per
submission, reused for all its checks, each start on a fresh private copy of the submission,
under bubblewrap at the sandbox level (grader/isolation/sandbox.py); a per-call time limit enforced here
with a deadline on every read; memory, CPU, process, file and output limits set by the worker
on itself before any student code runs; a worker that hangs, dies, exits or floods its output
is killed, its process group (and at the sandbox level, its pid namespace) with it, and the
call fails with a :class:`WorkerLost` that says what happened. The next call starts a fresh
worker.

The portable level (Windows, macOS, or ``MLGRADE_PORTABLE=1``) starts a plain subprocess
that talks on its standard input and output, reads its answers in a thread (``select``
cannot wait on a pipe on Windows), and enforces the output limit here, by watching the
output file while it waits; it has no fork server, no resource limits and no process group.

What the student's code prints goes to one output file per worker; each answer carries the
start of what was printed during its request (``printed``), for the student's own display.

A stream (``stream``, then ``answer`` for each call) asks for many calls in one request: the
worker answers each as it returns, while the grader judges the ones before, so that a check's
calls cost one exchange instead of one each. Reading an answer has the per-call deadline from
the moment the grader asks for it, as a call's does. A stream the grader leaves before its end
is stopped (``end_stream``), and what it still sends is read and dropped before the next
request; a worker that does not stop within ``SETTLE_SECONDS`` (a call it was making when told
to stop runs long) is killed, and the next request starts a fresh one.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Hashable
from dataclasses import replace
from pathlib import Path
from typing import Any

from grader.isolation import frames, sandbox, templates, wire
from grader.isolation.config import Folders, WorkerConfig
from grader.isolation.limits import Limits, worker_env
from grader.isolation.messages import N_, Message

# What of a request's printed output comes back with its answer: enough to debug with, one screen.
PRINTED_LINES = 20
PRINTED_CHARS = 2000
PRINTED_LINE_CHARS = 200
# What the worker was doing when it was lost, as a reason says it ("timed out after 2 s starting")
STARTING = Message(N_("starting"))
# How long a stopped stream's call may still run before the worker is killed instead of waited for.
SETTLE_SECONDS = 0.5
# Streams' requests, encoded, by the key their caller gives (Supervisor.stream), up to this many
# bytes in a process: a class's streams are the same for every submission.
STREAMS_KEPT_BYTES = 64 * 2**20
_STREAMS: dict[Hashable, bytes] = {}


# The worker's private copy of the submission, as a path prints (a warning's file name): removed
# from what the student is shown, so that paths read relative to their submission. A cold
# sandboxed worker's copy is /submission; the others' are mlgrade-worker-*/submission in a tmp.
_WORKER_COPY = re.compile(r"(?:[^\s'\"]*mlgrade-worker-[^/\\\s]+[/\\]|(?<![\w./])/)submission[/\\]")


class WorkerLost(Exception):
    """The worker hung, died or broke the protocol; ``reason`` says which, for the student,
    and ``printed`` what the student's code printed during the request, if anything."""

    def __init__(self, reason: str, printed: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.printed = printed


class _Flooded(Exception):
    """The portable worker printed past the output limit while the grader waited for it."""


class Supervisor:
    """One submission's worker. Use as a context manager so the worker never outlives it."""

    def __init__(
        self,
        submission: str,
        device: str,
        forbidden: list[str],
        limits: Limits,
        isolation: str = sandbox.PROCESS,
        keep_template: float = 0.0,
    ) -> None:
        """``keep_template``: seconds the warm template may wait for the next command after this
        one (``mlgrade check``: grader/isolation/templates.py); 0, one of this process alone."""
        self.submission = os.path.abspath(submission)
        self.keep_template = keep_template
        self.device = device
        self.forbidden = forbidden
        self.limits = limits
        self.isolation = isolation  # sandbox.SANDBOX, sandbox.PROCESS or sandbox.PORTABLE
        self.process: _Process | None = None
        self.output: Any = None
        self.home: str | None = None  # the worker's private folder: its copy of the submission, its tmp
        self.pipe_reader: frames.PipeReader | None = None  # the portable level's reading thread
        self.printed_from = 0  # the output file's size when the current request was sent
        self.pending = 0  # answers of the current stream not read yet
        self.stopping = False  # the current stream was told to stop

    def __enter__(self) -> Supervisor:
        self.start()  # the worker imports torch while the grader prepares its checks
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- process lifecycle -----------------------------------------------------------------

    def start(self) -> None:
        """A fresh worker on a fresh private copy of the submission: forked from the warm
        template (``grader.isolation.templates``) where one runs, else started cold; on the sandbox's
        tmpfs, or at the process and portable levels in a private temporary folder."""
        sandboxed = self.isolation == sandbox.SANDBOX
        portable = self.isolation == sandbox.PORTABLE
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        self.output = tempfile.TemporaryFile(prefix="mlgrade-worker-output-")  # noqa: SIM115 - lives with the worker
        config = WorkerConfig.of(self.device, self.forbidden, self.limits)
        if not sandboxed:
            self.home = tempfile.mkdtemp(prefix="mlgrade-worker-")
            inside = str(sandbox.prepare_home(Path(self.home), Path(self.submission)))
            tmp = os.path.join(self.home, "tmp")
            config = replace(config, folders=Folders(inside, tmp, (inside, tmp)))
        try:
            for _ in range(0 if portable else 2):  # a lost template is replaced once; then the worker starts cold
                server = templates.warm(self.isolation, self.device, self.forbidden, self.limits, self.keep_template)
                if server is None:
                    break
                self.process = self._fork(server, config, [to_worker_r, from_worker_w, self.output.fileno()])
                if self.process is not None:
                    break
            if portable:
                self.process = self._start_portable(replace(config, sets_limits=False), to_worker_r, from_worker_w)
            elif self.process is None:
                self.process = self._start_cold(config, to_worker_r, from_worker_w)
        finally:
            os.close(to_worker_r)
            os.close(from_worker_w)
        self.to_worker, self.from_worker = to_worker_w, from_worker_r
        if portable:
            self.pipe_reader = frames.PipeReader(from_worker_r, "the worker")
        self.answers = frames.BufferedPipe(from_worker_r, "the worker")
        self.reader = frames.FrameReader(self._read_exactly, self.limits.answer_bytes)
        self.ready = False
        self.start_deadline = time.monotonic() + self.limits.start_seconds

    def _fork(self, server: templates.ForkServer, config: WorkerConfig, fds: list[int]) -> _Process | None:
        """A worker forked by the template; None if the template is lost (it is then replaced)."""
        files: dict[str, bytes] = {}
        if self.isolation == sandbox.SANDBOX:  # the worker writes its own copy, as its own uid
            for rel in sandbox.submission_files(Path(self.submission)):
                fd = os.open(Path(self.submission, rel), os.O_RDONLY | os.O_NOFOLLOW)
                with os.fdopen(fd, "rb") as f:
                    files[str(rel)] = f.read()
            config = replace(config, uid=server.next_uid())  # no folders: it makes its own
        try:
            return _Forked(server, server.spawn(config, files, fds))
        except templates.ForkServerLost:
            templates.drop(server)
            return None

    def _start_cold(self, config: WorkerConfig, to_worker_r: int, from_worker_w: int) -> _Process:
        """A worker started as a new Python: ``python -m grader.isolation.worker``, under bwrap at the
        sandbox level."""
        sandboxed = self.isolation == sandbox.SANDBOX
        uid = sandbox.worker_uid() if sandboxed else None
        files: list[int] = []
        if sandboxed:  # the copy goes on the sandbox's own tmpfs
            staged, files = sandbox.stage(Path(self.submission))
            inside, tmp = sandbox.SUBMISSION, "/tmp"
            config = replace(config, folders=Folders(inside, tmp, (inside, tmp)), uid=uid)
        assert config.folders is not None  # the process level's were made by start
        inside, tmp = config.folders.submission, config.folders.tmp
        worker = [sandbox.python(), "-I", "-B", "-m", "grader.isolation.worker", str(to_worker_r), str(from_worker_w)]
        worker.append(config.to_json())
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

    def _start_portable(self, config: WorkerConfig, to_worker_r: int, from_worker_w: int) -> _Process:
        """The portable worker: a plain subprocess (no fork server, no process group, no
        descriptors passed but its standard streams, which Windows has too); its requests on
        its standard input, its answers on its standard output, which it moves aside before
        any student code runs (worker.py)."""
        assert config.folders is not None  # made by start
        inside, tmp = config.folders.submission, config.folders.tmp
        worker = [sandbox.python(), "-I", "-B", "-m", "grader.isolation.worker", "stdio", config.to_json()]
        process = subprocess.Popen(
            worker,
            stdin=to_worker_r,
            stdout=from_worker_w,
            stderr=self.output,
            cwd=inside,
            env=worker_env(home=inside, tmp=tmp),
        )
        return _Plain(process)

    def _wait_ready(self) -> None:
        self.deadline = self.start_deadline
        header, _ = self._receive(STARTING)
        if not header.get("ready"):
            raise self._lost(STARTING, broken="no ready message")
        self.ready = True

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.kill()
        if self.pipe_reader is not None:  # it ends at the pipe's end, now that the worker is gone
            self.pipe_reader.close()
            self.pipe_reader = None
        for fd in (self.to_worker, self.from_worker):
            os.close(fd)
        self.output.close()
        self.process = None
        self.pending, self.stopping = 0, False
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
        self._settle()
        if self.process is None:
            self.start()
        if not self.ready:
            self._wait_ready()
        request, blobs = wire.call_request(module, function, args, kwargs, keep, opaque)
        seconds = min(self.limits.call_seconds, timeout or self.limits.call_seconds)
        return self._ask(request, blobs, Message(N_("calling {function}"), function=function), seconds)

    def imports(self, module: str) -> dict[str, Any]:
        """Import ``module`` in the worker without calling anything: the answer says which
        callables it defines (``{"ok": true, "functions": [...]}``) or why it could not be
        imported (``{"ok": false, "error": {...}}``), with what it printed (``printed``).
        Raises WorkerLost as ``call`` does (an import that exits, hangs or crashes)."""
        self._settle()
        if self.process is None:
            self.start()
        if not self.ready:
            self._wait_ready()
        doing = Message(N_("importing {module}"), module=module)
        return self._ask({"op": "import", "module": module}, [], doing, self.limits.call_seconds)[0]

    # The student's code runs in the worker, a process of its own (engine.WorkerChannel).
    runs_apart = True

    @property
    def streams(self) -> bool:
        """Whether this worker answers streams: not the portable one, which cannot look for
        the grader's stop between calls on every system."""
        return self.isolation != sandbox.PORTABLE

    def stream(
        self,
        module: str,
        calls: list[tuple[str, tuple[Any, ...], dict[str, Any], list[int]]],
        key: Hashable | None = None,
    ) -> None:
        """Ask for ``calls`` (each ``(function, args, kwargs, opaque)``) of ``module`` in one
        request; ``answer`` reads their answers in order. Raises WorkerLost as ``call`` does
        where the worker does not start. ``key``, where given, stands for the request's
        content (equal keys: equal modules and calls, to the byte): every submission of a
        class is sent the same streams, encoded once per process and kept under it."""
        self._settle()
        if self.process is None:
            self.start()
        if not self.ready:
            self._wait_ready()
        data = _STREAMS.get(key) if key is not None else None
        if data is None:
            data = frames.frame(*wire.calls_request(module, calls))
            if key is not None and sum(map(len, _STREAMS.values())) + len(data) <= STREAMS_KEPT_BYTES:
                _STREAMS[key] = data
        self.printed_from = self._output_size()
        try:
            frames.write_bytes(self.to_worker, data)
        except OSError:
            self.stop()  # the next request starts a fresh worker, and says what became of it
            return
        self.pending = len(calls)

    def answer(self, function: str, timeout: float | None = None) -> tuple[dict[str, Any], list[bytes]]:
        """The next answer of the stream, to the call of ``function``, within the per-call
        limit (or ``timeout``, where shorter) from now; as ``call`` returns it."""
        assert self.pending and not self.stopping, "no stream to read"
        doing = Message(N_("calling {function}"), function=function)
        self.deadline = time.monotonic() + min(self.limits.call_seconds, timeout or self.limits.call_seconds)
        answer = self._received(doing)
        self.pending -= 1
        return answer

    def end_stream(self) -> None:
        """Tell the worker to make no more of the current stream's calls (without waiting)."""
        if not self.pending or self.stopping:
            return
        try:
            frames.write_frame(self.to_worker, {"op": "stop"})
        except OSError:
            self.stop()
            return
        self.stopping = True

    def _settle(self) -> None:
        """Read and drop what a stream still sends, up to the worker's word that it stopped;
        kill a worker that does not stop within SETTLE_SECONDS."""
        if not self.pending:
            return
        self.end_stream()
        if self.process is None:
            return
        self.deadline = time.monotonic() + SETTLE_SECONDS
        try:
            while not self.reader.read()[0].get("stopped"):
                pass
        except Exception:  # timed out, the worker gone, a broken frame: a fresh worker serves the next request
            self.stop()
            return
        self.pending, self.stopping = 0, False

    def _ask(
        self, request: dict[str, Any], blobs: list[bytes], doing: str, seconds: float
    ) -> tuple[dict[str, Any], list[bytes]]:
        """Send one request; its answer within ``seconds``, with what the student's code
        printed meanwhile as its ``printed`` (only where it printed something)."""
        self.printed_from = self._output_size()
        try:
            frames.write_frame(self.to_worker, request, blobs)
        except OSError:
            raise self._lost(doing) from None
        self.deadline = time.monotonic() + seconds
        return self._received(doing)

    def _received(self, doing: str) -> tuple[dict[str, Any], list[bytes]]:
        """The next answer, with what the student's code printed while the worker made it as
        its ``printed`` (only where it printed something): from where the answer before
        ended, up to where the worker says this one's ends."""
        answer, blobs = self._receive(doing)
        answer.pop("printed", None)  # the grader's to say, never the worker's
        until = answer.pop("printed_to", None)
        until = max(until, self.printed_from) if isinstance(until, int) else None
        printed = self._printed(until)
        if printed:
            answer["printed"] = printed
        self.printed_from = until if until is not None else self._output_size()
        return answer, blobs

    def _receive(self, doing: str) -> tuple[dict[str, Any], list[bytes]]:
        try:
            header, blobs = self.reader.read()
        except TimeoutError:
            raise self._lost(doing, timed_out=True) from None
        except _Flooded:
            raise self._lost(doing, flooded=True) from None
        except (EOFError, OSError, ValueError, frames.WireError) as exc:
            raise self._lost(doing, broken=str(exc)) from None
        if not isinstance(header, dict):
            raise self._lost(doing, broken="malformed answer")
        return header, blobs

    def _read_exactly(self, n: int) -> bytes:
        if self.pipe_reader is not None:
            return self.pipe_reader.read_exactly(n, self.deadline, self._check_output)
        return self.answers.read_exactly(n, self.deadline)

    def _check_output(self) -> None:
        """The output limit where the worker cannot set it on itself (portable level)."""
        if self._output_size() >= self.limits.output_bytes:
            raise _Flooded

    def _lost(self, doing: str, timed_out: bool = False, broken: str = "", flooded: bool = False) -> WorkerLost:
        """Kill the worker and say, in the student's terms, what happened to it."""
        assert self.process is not None
        printed = self._printed()
        if timed_out:
            reason: str = Message(
                # NOTE: {doing} is what the worker was doing: "calling fit", "importing least_squares", "starting"
                N_("timed out after {seconds:g} s {doing} (an endless loop?)"),
                seconds=self.limits.call_seconds,
                doing=doing,
            )
            if doing is STARTING:
                reason = Message(N_("the worker did not start within {seconds:g} s"), seconds=self.limits.start_seconds)
        elif flooded:
            reason = _flood(self.limits, doing)
        else:
            code = self.process.wait(timeout=2)
            reason = _describe_exit(code, doing, broken, self._output_size(), self.limits)
        self.stop()
        return WorkerLost(reason, printed)

    def _printed(self, until: int | None = None) -> str:
        """The start of what was printed since the current request was sent (up to the
        output file's offset ``until``): its first PRINTED_LINES lines, at most PRINTED_CHARS
        characters, and a line saying when more followed. Read without moving the file's
        offset, which the worker writes at."""
        size = self._output_size() if until is None else min(until, self._output_size())
        if size <= self.printed_from:
            return ""
        want = min(size - self.printed_from, 4 * PRINTED_CHARS + 4)
        try:
            data = _read_at(self.output, want, self.printed_from)
        except (OSError, ValueError):
            return ""
        lines = _WORKER_COPY.sub("", data.decode("utf-8", errors="replace")).splitlines()
        cut = len(lines) > PRINTED_LINES or size - self.printed_from > want
        long = PRINTED_LINE_CHARS
        text = "\n".join(x if len(x) <= long else x[:long] + " [...]" for x in lines[:PRINTED_LINES])
        if len(text) > PRINTED_CHARS:
            text, cut = text[:PRINTED_CHARS], True
        return Message(N_("{printed}\n[... more was printed]"), printed=text) if cut else text

    def _output_size(self) -> int:
        try:
            return os.fstat(self.output.fileno()).st_size
        except (OSError, ValueError):
            return 0


def _read_at(output: Any, n: int, offset: int) -> bytes:
    """Up to ``n`` bytes of the output file from ``offset``. POSIX reads them without moving
    the offset the worker shares (os.pread); Windows has no pread, and its worker's handle
    shares the offset too, so it is put back at the end, where the worker writes next."""
    if hasattr(os, "pread"):
        return os.pread(output.fileno(), n, offset)
    output.seek(offset)
    try:
        return bytes(output.read(n))
    finally:
        output.seek(0, os.SEEK_END)


def _flood(limits: Limits, doing: str) -> str:
    return Message(
        N_("the code printed or wrote more than {mib} MiB {doing}; it was stopped"),
        mib=limits.output_bytes // 2**20,
        doing=doing,
    )


def _signal_name(code: int) -> str | None:
    """The name of the signal that ended a worker with exit code ``code`` (negative), or None
    for an exit; by name, since Windows lacks most of these signals."""
    if code >= 0:
        return None
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


def _describe_exit(code: int | None, doing: str, broken: str, printed: int, limits: Limits) -> str:
    if code is None:
        return Message(N_("the worker broke the protocol {doing} ({problem})"), doing=doing, problem=broken)
    signalled = _signal_name(code)
    if signalled == "SIGXFSZ" or printed >= limits.output_bytes:
        return _flood(limits, doing)
    if signalled == "SIGXCPU":
        return Message(
            N_("the code used more than {seconds} s of CPU time {doing}"), seconds=limits.cpu_seconds, doing=doing
        )
    if signalled == "SIGKILL":
        return Message(N_("the worker was killed {doing} (out of memory?)"), doing=doing)
    if signalled is not None:
        return Message(N_("the worker crashed {doing} (signal {signal})"), doing=doing, signal=signalled)
    if code in (137, 139) or code >= 0xC0000000:  # the last: a Windows exception (0xC0000005, access violation)
        return Message(N_("the worker crashed {doing} (exit status {code})"), doing=doing, code=code)
    if broken.startswith("message larger"):
        return Message(N_("the value returned {doing} is too large ({problem})"), doing=doing, problem=broken)
    return Message(
        N_(
            "the code exited the process {doing} (exit status {code}: sys.exit, exit() or os._exit, "
            "or it broke Python itself, e.g. by replacing builtins)"
        ),
        doing=doing,
        code=code,
    )


# -- worker processes, warm or cold -------------------------------------------------------------


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


class _Plain(_Process):
    """The portable worker: a plain subprocess, killed alone (TerminateProcess on Windows)."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process

    def wait(self, timeout: float) -> int | None:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()
        self.process.wait()


class _Forked(_Process):
    def __init__(self, server: templates.ForkServer, pid: int) -> None:
        self.server = server
        self.pid = pid
        self.code: int | None = None

    def wait(self, timeout: float) -> int | None:
        if self.code is None:
            try:
                self.code = self.server.wait(self.pid, timeout)
            except templates.ForkServerLost:
                templates.drop(self.server)  # its workers died with it
        return self.code

    def kill(self) -> None:
        try:
            self.server.kill(self.pid)
        except templates.ForkServerLost:
            templates.drop(self.server)
