"""Warm workers: a template process that has imported torch, NumPy and the worker, and forks a
fresh worker for every submission in milliseconds instead of starting Python and torch again.

The template (the fork server) never runs student code, so every fork starts clean: nothing
of one student's code or data is in the next one's worker. It runs exactly where a cold
worker would: in its own bubblewrap sandbox at the sandbox level (one per grading process),
as a plain process at the process level. A forked worker then seals itself as a cold one
does (``grader.isolation.worker.serve``): at the sandbox level it first takes a uid of its own and
writes its private copy of the submission, sent over the control socket, into a fresh
folder only that uid can read; then its limits, the audit hook, and the grader made
unimportable. When a worker ends, the template kills its process group and, at the sandbox
level, removes every file its uid left in /tmp before the next worker starts.

The grader talks to the template over a socket pair; each request is one byte (carrying the
worker's three descriptors, for a spawn) followed by a ``grader.isolation.wire`` frame:

    {"op": "spawn", "config": {...}, "files": [paths]} + file blobs  -> {"pid": P}
    {"op": "wait", "pid": P, "timeout": S}                           -> {"code": C or null}
    {"op": "kill", "pid": P}                                         -> {"code": C}

Started as ``python -I -B -m grader.isolation.forkserver SOCKET_FD CONFIG_JSON``. The template exits,
killing its workers, when the grader closes the socket.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader.isolation import installed, wire

# -- the template (runs in its own process) -------------------------------------------------


def _reap(pid: int, timeout: float | None) -> int | None:
    """Wait for child ``pid``; its exit code (negative: the signal), or None at the timeout."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if deadline is not None and time.monotonic() >= deadline:
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


def _child(worker: Any, config: dict[str, Any], files: list[str], blobs: list[bytes], fds: list[int]) -> None:
    """In the forked child: become the worker of one submission, then serve it."""
    from grader.isolation import worker as worker_module

    to_worker, from_worker, output = fds
    os.setsid()  # a process group of its own: the template kills the whole group
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(output)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    if config.get("uid") is not None:
        worker_module._switch_user(config["uid"])
    os.umask(0o077)
    if config.get("submission") is None:  # the sandbox: write the private copy, as the worker's uid
        home = Path(tempfile.mkdtemp(prefix="mlgrade-worker-", dir="/tmp"))
        root = home / "submission"
        root.mkdir()
        (home / "tmp").mkdir()
        for rel, data in zip(files, blobs, strict=True):
            path = (root / rel).resolve()
            if not str(path).startswith(str(root) + os.sep):
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        config = {**config, "submission": str(root), "writable": [str(home)]}
        os.environ["HOME"], os.environ["TMPDIR"] = str(root), str(home / "tmp")
    else:
        os.environ["HOME"], os.environ["TMPDIR"] = config["submission"], config["tmp"]
    tempfile.tempdir = None
    worker_module._set_limits(config)
    worker.root = config["submission"]
    worker_module.serve(worker, config, to_worker, from_worker, config["protected"])


def main() -> None:
    sock = socket.socket(fileno=int(sys.argv[1]))
    config = json.loads(sys.argv[2])
    protected = installed.secret_dirs()  # before the worker's import guard hides the packages
    from grader.isolation.worker import Worker

    template = Worker({**config, "submission": "/"})  # imports torch; wraps forbidden library functions
    reader = wire.FrameReader(wire.read_exactly_blocking(sock.fileno()), 1 << 30)
    children: dict[int, int | None] = {}  # pid -> its uid, until it is killed
    reaped: set[int] = set()  # children already waited for: their pid may be reused, never signal it
    wire.write_frame(sock.fileno(), {"ready": True})
    try:
        while True:
            data, fds, _, _ = socket.recv_fds(sock, 1, 3)
            if not data:
                return  # the grader is gone
            request, blobs = reader.read()
            op = request.get("op")
            if op == "spawn":
                child_config = {**request["config"], "protected": protected}
                pid = os.fork()
                if pid == 0:
                    try:
                        sock.close()  # the worker must never talk to the template
                        _child(template, child_config, request["files"], blobs, fds)
                    finally:
                        os._exit(70)
                for fd in fds:
                    os.close(fd)
                children[pid] = child_config.get("uid")
                answer: dict[str, Any] = {"pid": pid}
            elif op == "wait":
                pid = request["pid"]
                code = _reap(pid, request["timeout"]) if pid in children and pid not in reaped else None
                if code is not None:
                    reaped.add(pid)
                answer = {"code": code}
            elif op == "kill":
                pid, code = request["pid"], None
                if pid in children and pid not in reaped:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(pid, signal.SIGKILL)
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(pid, signal.SIGKILL)
                    code = _reap(pid, None)
                reaped.discard(pid)
                uid = children.pop(pid, None)
                if uid is not None:
                    _clean(uid)
                elif config.get("sandboxed"):  # workers keep the template's uid: empty the sandbox's /tmp
                    _clean_all()
                answer = {"code": code}
            else:
                answer = {"error": f"unknown op {op!r}"}
            wire.write_frame(sock.fileno(), answer)
    except (EOFError, OSError):
        return
    finally:
        for pid in set(children) - reaped:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)


# -- the grader's side -----------------------------------------------------------------------


class ForkServerLost(Exception):
    """The template died or stopped answering; the caller starts workers cold instead."""


class ForkServer:
    """The grader's handle on one template: it spawns, waits for and kills workers."""

    def __init__(
        self,
        wrap: Callable[[list[str]], list[str]],
        python: str,
        config: dict[str, Any],
        env: dict[str, str],
        cwd: str,
        timeout: float,
        base_uid: int | None = None,
    ) -> None:
        """Start ``python -m grader.isolation.forkserver`` inside ``wrap`` (the sandbox's command line,
        or nothing) and wait until it has imported everything; ForkServerLost if it cannot."""
        ours, theirs = socket.socketpair()
        command = [python, "-I", "-B", "-m", "grader.isolation.forkserver", str(theirs.fileno()), json.dumps(config)]
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

    def _read_exactly(self, n: int) -> bytes:
        assert self.sock is not None
        chunks = []
        while n:
            left = self.deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                raise TimeoutError("the fork server did not answer")
            chunk = self.sock.recv(min(n, 1 << 20))
            if not chunk:
                raise EOFError("the fork server closed its socket")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def _ask(
        self, request: dict[str, Any], blobs: list[bytes] | None = None, fds: list[int] | None = None
    ) -> dict[str, Any]:
        if self.sock is None:
            raise ForkServerLost("the fork server is closed")
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

    def spawn(self, config: dict[str, Any], files: dict[str, bytes], fds: list[int]) -> int:
        answer = self._ask({"op": "spawn", "config": config, "files": list(files)}, list(files.values()), fds)
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


if __name__ == "__main__":
    main()
