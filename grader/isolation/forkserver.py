"""Warm workers, the template's side: a process that has imported torch, NumPy and the worker,
and forks a fresh worker for every submission in milliseconds instead of starting Python and
torch again. The grader starts and talks to it through ``grader.isolation.templates``.

The template (the fork server) never runs student code, so every fork starts clean: nothing
of one student's code or data is in the next one's worker. It runs exactly where a cold
worker would: in its own bubblewrap sandbox at the sandbox level (one per grading process),
as a plain process at the process level. A forked worker then seals itself as a cold one
does, with the same ``grader.isolation.seal``: at the sandbox level it first takes a uid of
its own and writes its private copy of the submission, sent over the control socket, into a
fresh folder only that uid can read; then its limits, the audit hook, and the grader made
unimportable. When a worker ends, the template kills its process group and, at the sandbox
level, removes every file its uid left in /tmp before the next worker starts.

The grader talks to the template over a socket; the template first says it is ready
(``{"ready": true, "served": N}``, N the commands that asked it something before), then each request is one
byte (carrying the worker's three descriptors, for a spawn) followed by a
``grader.isolation.frames`` frame:

    {"op": "spawn", "config": WorkerConfig JSON, "files": [paths]} + file blobs  -> {"pid": P}
    {"op": "wait", "pid": P, "timeout": S}                           -> {"code": C or null}
    {"op": "kill", "pid": P}                                         -> {"code": C}
    {"op": "end"}                       -> {"ended": true}, and no command is served after this one

Started as ``python -I -B -m grader.isolation.forkserver SOCKET_FD LEVEL CONFIG_JSON [IDLE]``:
the isolation level it runs at, and the config of its own worker (a
:class:`~grader.isolation.config.WorkerConfig`). Without IDLE, SOCKET_FD is one end of a socket
pair, and the template exits, killing its workers, when the grader closes it. With IDLE, the
template is kept between commands (``mlgrade check``: grader/isolation/templates.py):
SOCKET_FD is a listening Unix socket, and it serves one command's connection at a time (any
other is told ``{"ready": false, "busy": true}`` and closed); when that command closes it, the
template kills that command's workers and waits for the next connection, and exits after IDLE
seconds without one.
"""

from __future__ import annotations

import contextlib
import gc
import os
import select
import shutil
import signal
import socket
import sys
import time
from typing import Any

from grader.isolation import frames, installed, sandbox
from grader.isolation.config import WorkerConfig
from grader.isolation.seal import seal
from grader.isolation.worker import Worker, serve


def _reap(pid: int, timeout: float | None) -> int | None:
    """Wait for child ``pid``; its exit code (negative: the signal), or None at the timeout."""
    if timeout is None:  # woken the moment it exits, not at the next poll
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.002)


def _clean(uid: int) -> None:
    """Remove what ``uid`` left in /tmp, as that uid (root without CAP_DAC_OVERRIDE cannot
    enter its folders), in a short-lived child."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            with os.scandir("/tmp") as entries:
                for entry in entries:
                    with contextlib.suppress(OSError):
                        if entry.stat(follow_symlinks=False).st_uid == uid:
                            if entry.is_dir(follow_symlinks=False):
                                shutil.rmtree(entry.path, ignore_errors=True)
                            else:
                                os.unlink(entry.path)
        finally:
            os._exit(0)
    _reap(pid, None)


def _clean_all() -> None:
    """Empty the sandbox's private /tmp (workers that share the template's uid)."""
    with os.scandir("/tmp") as entries:
        for entry in entries:
            with contextlib.suppress(OSError):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)


def _child(
    template: Worker, config: WorkerConfig, protected: list[str], names: list[str], blobs: list[bytes], fds: list[int]
) -> None:
    """In the forked child: become the worker of one submission, sealed as a cold one is, then
    serve it. ``names`` and ``blobs`` are its files, for a worker that makes its own copy."""
    to_worker, from_worker, output = fds
    os.setsid()  # a process group of its own: the template kills the whole group
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(output)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.umask(0o077)  # what the worker writes, its private copy first, only its own uid reads

    def become(config: WorkerConfig, root: str) -> Worker:
        template.root = root
        return template

    worker = seal(config, protected, become, dict(zip(names, blobs, strict=True)))
    serve(worker, config.request_bytes, to_worker, from_worker)


def _serve(
    sock: socket.socket,
    listener: socket.socket | None,
    template: Worker,
    sandboxed: bool,
    protected: list[str],
    served: int,
) -> tuple[bool, bool]:
    """Serve one grader's connection until it closes it: whether to go on (not if it asked for
    the end), and whether it asked anything (a command that only looked whether a template
    listens here asked nothing: ``templates.start_noted``)."""
    reader = frames.FrameReader(frames.read_exactly_blocking(sock.fileno()), 1 << 30)
    children: dict[int, int | None] = {}  # pid -> its uid, until it is killed
    reaped: set[int] = set()  # children already waited for: their pid may be reused, never signal it
    asked = False
    try:
        frames.write_frame(sock.fileno(), {"ready": True, "served": served})  # it may have gone already
        while True:
            if listener is not None:
                _turn_away(sock, listener)
            data, fds, _, _ = socket.recv_fds(sock, 1, 3)
            if not data:
                return True, asked  # the grader is gone
            asked = True
            request, blobs = reader.read()
            op = request.get("op")
            if op == "spawn":
                child_config = WorkerConfig.from_json(request["config"])
                # What the template made, torch's hundreds of thousands of objects, is never
                # garbage: a worker's full collections skip it (one took 0.1 s, and copied
                # every page it touched), as Python's gc documentation advises before a fork.
                gc.freeze()
                pid = os.fork()
                if pid == 0:
                    try:
                        sock.close()  # the worker must never talk to the template
                        if listener is not None:
                            listener.close()  # nor be reached by the next command
                        _child(template, child_config, protected, request["files"], blobs, fds)
                    finally:
                        os._exit(70)
                for fd in fds:
                    os.close(fd)
                children[pid] = child_config.uid
                answer: dict[str, Any] = {"pid": pid}
            elif op == "wait":
                pid = request["pid"]
                code = _reap(pid, request["timeout"]) if pid in children and pid not in reaped else None
                if code is not None:
                    reaped.add(pid)
                answer = {"code": code}
            elif op == "kill":
                pid = request["pid"]
                code = _end_child(pid, children, reaped, sandboxed)
                answer = {"code": code}
            elif op == "end":
                if listener is not None:  # no command reaches it from now on: one that asks finds none
                    listener.close()
                frames.write_frame(sock.fileno(), {"ended": True})
                return False, asked
            else:
                answer = {"error": f"unknown op {op!r}"}
            frames.write_frame(sock.fileno(), answer)
    except (EOFError, OSError):
        return True, asked
    finally:
        if listener is None:  # the template exits with its grader: its workers go with it
            for pid in set(children) - reaped:
                with contextlib.suppress(OSError):
                    os.killpg(pid, signal.SIGKILL)
        else:  # kept for the next command, which meets nothing this one's workers left
            for pid in list(children):
                _end_child(pid, children, reaped, sandboxed)


def _turn_away(sock: socket.socket, listener: socket.socket) -> None:
    """Until the grader being served asks something, tell every other command that connects
    that this template is busy (it starts a worker of its own instead of waiting)."""
    while True:
        readable, _, _ = select.select([sock, listener], [], [])
        if sock in readable:
            return
        with contextlib.suppress(OSError):
            other, _ = listener.accept()
            with other:
                other.setblocking(True)
                frames.write_frame(other.fileno(), {"ready": False, "busy": True})


def _end_child(pid: int, children: dict[int, int | None], reaped: set[int], sandboxed: bool) -> int | None:
    """Kill worker ``pid`` and its process group, and remove what it left in the sandbox's /tmp;
    its exit code (None if it was not one of ours, or already killed)."""
    code = None
    if pid in children and pid not in reaped:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
        code = _reap(pid, None)
    reaped.discard(pid)
    if pid not in children:
        return code
    uid = children.pop(pid)
    if uid is not None:
        _clean(uid)
    elif sandboxed:  # workers keep the template's uid: empty the sandbox's /tmp
        _clean_all()
    return code


def main() -> None:
    sock = socket.socket(fileno=int(sys.argv[1]))
    sandboxed = sys.argv[2] == sandbox.SANDBOX
    config = WorkerConfig.from_json(sys.argv[3])
    idle = float(sys.argv[4]) if len(sys.argv) > 4 else None
    protected = [*installed.secret_dirs(), *config.hidden]  # before the worker's import guard hides the packages
    template = Worker(config, "/")  # imports torch; wraps forbidden library functions
    if idle is None:
        _serve(sock, None, template, sandboxed, protected, 0)
        return
    served = 0
    deadline = time.monotonic() + idle  # a connection that asks nothing does not keep it longer
    while True:
        sock.settimeout(max(deadline - time.monotonic(), 0.0))
        try:
            connection, _ = sock.accept()
        except TimeoutError:
            return  # nobody came: a kept template ends after its idle time
        connection.setblocking(True)
        with connection:
            going_on, asked = _serve(connection, sock, template, sandboxed, protected, served)
        if asked:
            served += 1
            deadline = time.monotonic() + idle
        if not going_on:
            return


if __name__ == "__main__":
    main()
