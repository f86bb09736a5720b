"""Warm templates, the grader's side: the client of a template process
(``python -m grader.isolation.forkserver``) and the templates this grading process keeps.

A template has imported torch, NumPy and the worker, and forks a fresh worker for every
submission in milliseconds instead of starting Python and torch again. One is kept per
grading process and :class:`Setup`, started on first use (or started ahead by the process
that starts the grading processes, and adopted: ``adopt_template``), replaced once when lost,
and closed (killing its workers) when the process exits. The protocol is in forkserver.py.

A student's ``mlgrade check`` spends most of its time on its template's import of torch, and
is run again and again. Its template is kept between commands (``Setup.keep``): it listens on
a Unix socket in a folder only this user can open (``kept_place``), named by everything the
template fixes (its command line, which holds its sandbox and its worker's config, the
isolation code it runs, and the torch it imported), so that a later check with the same setup
connects to it instead of starting one. It serves one command at a time, kills that command's
workers when the command ends, and exits after ``Setup.keep`` seconds with no command, or when
a check with another setup starts its own (one kept per user).
How a command's kept template was started is noted beside it (``note_kept``), so that the
same command, run again after the template ended, starts it before loading the grader
(``start_noted``; grader/__main__.py). Grading never keeps a template.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import io
import json
import os
import select
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO

from grader.isolation import frames, installed, sandbox
from grader.isolation.config import WorkerConfig, hidden_dirs
from grader.isolation.limits import Limits, worker_env

# How long a kept template waits for the next ``mlgrade check`` (MLGRADE_TEMPLATE_MINUTES).
KEEP_MINUTES = 10.0


class ForkServerLost(Exception):
    """The template died or stopped answering; the caller starts workers cold instead."""


class ForkServer:
    """The grader's handle on one template: it spawns, waits for and kills workers."""

    def __init__(
        self,
        sock: socket.socket,
        log: BinaryIO,
        timeout: float,
        process: subprocess.Popen[bytes] | None = None,
        base_uid: int | None = None,
    ) -> None:
        """A template on the other end of ``sock``, not waited for yet: ``wait_started`` (and
        its first use) waits until it has imported everything. ``log`` is what it prints;
        ``process`` is the template where this process started it for itself alone (closed with
        it), None where it is kept between commands."""
        self.sock: socket.socket | None = sock
        self.log = log
        self.process = process
        self.base_uid = base_uid
        self.spawned = 0  # workers forked so far
        self.served = 0  # the commands a kept template served before this one
        self.reader = frames.FrameReader(self._read_exactly, 1 << 20)
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self.started = False
        self.launch: dict[str, Any] | None = None  # a kept template: how it is started (``note_kept``)

    @classmethod
    def start(
        cls,
        wrap: Callable[[list[str]], list[str]],
        python: str,
        isolation: str,
        config: WorkerConfig,
        env: dict[str, str],
        cwd: str,
        timeout: float,
        base_uid: int | None = None,
    ) -> ForkServer:
        """Start ``python -m grader.isolation.forkserver`` inside ``wrap`` (the sandbox's command line,
        or nothing) at the ``isolation`` level, its own worker set up by ``config``, for this
        process alone, without waiting for it."""
        ours, theirs = socket.socketpair()
        fd = str(theirs.fileno())
        command = [python, "-I", "-B", "-m", "grader.isolation.forkserver", fd, isolation, config.to_json()]
        log = tempfile.TemporaryFile(prefix="mlgrade-forkserver-")  # noqa: SIM115 - lives with it
        process = subprocess.Popen(
            wrap(command),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            pass_fds=(theirs.fileno(),),
            cwd=cwd,
            env=env,
            process_group=0,
        )
        theirs.close()
        return cls(ours, log, timeout, process, base_uid)

    def wait_started(self) -> None:
        """Wait until the template has imported everything; ForkServerLost (and it is closed)
        if it does not within the start's time limit."""
        if self.started:
            return
        problem = "no ready message"
        try:
            said = self.reader.read()[0]
            ready, served = said.get("ready"), said.get("served", 0)
        except (EOFError, OSError, TimeoutError, frames.WireError) as exc:
            ready, served, problem = False, 0, str(exc)
        if not ready:
            self.log.seek(0)
            tail = self.log.read()[-2000:].decode(errors="replace")
            self.close()
            raise ForkServerLost(f"the fork server did not start ({problem}): {tail}")
        self.served = served if isinstance(served, int) else 0
        self.started = True

    def _read_exactly(self, n: int) -> bytes:
        assert self.sock is not None
        return frames.read_exactly(self.sock.fileno(), n, self.deadline, "the fork server")

    def _ask(
        self, request: dict[str, Any], blobs: list[bytes] | None = None, fds: list[int] | None = None
    ) -> dict[str, Any]:
        if self.sock is None:
            raise ForkServerLost("the fork server is closed")
        self.wait_started()
        self.deadline = time.monotonic() + self.timeout
        try:
            socket.send_fds(self.sock, [b"R"], fds or [])
            frames.write_frame(self.sock.fileno(), request, blobs or [])
            answer, _ = self.reader.read()
        except (EOFError, OSError, TimeoutError, frames.WireError) as exc:
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

    def end(self) -> bool:
        """Tell a kept template to exit once this command is done with it, and close; whether
        it took the word (not one that is busy with another command, or lost)."""
        try:
            ended = bool(self._ask({"op": "end"}).get("ended"))
        except ForkServerLost:
            ended = False
        self.close()
        return ended

    def alive(self) -> bool:
        if self.process is not None:
            return self.process.poll() is None
        if self.sock is None:
            return False
        if not self.started:
            return True  # its ready message may be waiting: wait_started reads it, or finds it lost
        # a kept template that ended closed its end: nothing else is ever waiting to be read
        readable, _, _ = select.select([self.sock], [], [], 0)
        return not readable

    def close(self) -> None:
        """Close the connection; a template of this process alone is killed with its workers,
        a kept one kills this command's workers and waits for the next command."""
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()


@dataclass(frozen=True)
class Setup:
    """What the workers forked from one template share: everything the template fixes before
    it forks (its sandbox, the libraries it imported and wrapped, the worker's limits, the
    folders it hides)."""

    isolation: str
    device: str
    forbidden: tuple[str, ...]
    limits: Limits
    keep: float = 0.0  # seconds a template kept between commands waits for the next; 0: not kept
    # the folders no worker may read (WorkerConfig.hidden): the examples cache where
    # MLGRADE_CACHE puts it now, so that a template hiding another one is not used
    hidden: tuple[str, ...] = field(default_factory=hidden_dirs)


# One template per grading process and setup; None where warm workers cannot be had.
_TEMPLATES: dict[Setup, ForkServer | None] = {}


def templates() -> dict[Setup, ForkServer]:
    """The templates this process has started and not dropped (a lost one is dropped when its
    setup is next used), by setup."""
    return {setup: server for setup, server in _TEMPLATES.items() if server is not None}


def warm(isolation: str, device: str, forbidden: list[str], limits: Limits, keep: float = 0.0) -> ForkServer | None:
    """The warm template for this setup, started on first use, or a
    kept one connected to where ``keep`` says to keep it (seconds, for ``mlgrade check``). CUDA
    cannot be forked once initialised, so a CUDA worker always starts cold; so does one whose
    template failed, and every worker with MLGRADE_COLD_WORKERS set (SECURITY.md)."""
    key = Setup(isolation, device, tuple(forbidden), limits, keep)
    server = _template(key)
    if server is None:
        return None
    try:
        server.wait_started()
    except ForkServerLost:
        _TEMPLATES[key] = None
        return None
    return server


def kept_seconds() -> float:
    """How long a template kept between commands waits for the next one: MLGRADE_TEMPLATE_MINUTES
    (0: keep none), else ``KEEP_MINUTES`` (MLGRADE_COLD_WORKERS starts no template at all)."""
    given = os.environ.get("MLGRADE_TEMPLATE_MINUTES", "")
    try:
        minutes = float(given) if given else KEEP_MINUTES
    except ValueError:
        minutes = KEEP_MINUTES
    return max(0.0, minutes) * 60


def _template(key: Setup) -> ForkServer | None:
    """The template for ``key``, started (not waited for) where there is none yet."""
    if not warm_workers(key):
        return None
    known = _TEMPLATES.get(key)
    if known is not None and not known.alive():
        drop(known)
    if key not in _TEMPLATES:
        server = None
        if key.keep > 0:
            with contextlib.suppress(OSError):  # none can be kept here: one of this process's own
                server = _kept(key, *_launch(key))
        _TEMPLATES[key] = server if server is not None else start_template(key)
    return _TEMPLATES[key]


def warm_workers(key: Setup) -> bool:
    """Whether workers for ``key`` are forked from a template: not on CUDA (it cannot be
    forked once initialised), nor with MLGRADE_COLD_WORKERS set (SECURITY.md)."""
    return key.device == "cpu" and not os.environ.get("MLGRADE_COLD_WORKERS")


def start_template(key: Setup) -> ForkServer | None:
    """A template for ``key`` that is never kept (for this process, or for another one to
    adopt: ``adopt_template``), started without waiting for it; None where it cannot be."""
    wrap, config, env, cwd, base_uid = _launch(key)
    try:
        return ForkServer.start(
            wrap, sandbox.python(), key.isolation, config, env, cwd, key.limits.start_seconds, base_uid
        )
    except (ForkServerLost, OSError):
        return None


def _launch(
    key: Setup,
) -> tuple[Callable[[list[str]], list[str]], WorkerConfig, dict[str, str], str, int | None]:
    """How a template for ``key`` starts: what wraps its command line (its sandbox), its own
    worker's config, its environment and folder, and the base of its workers' uids."""
    sandboxed = key.isolation == sandbox.SANDBOX
    config = replace(WorkerConfig.of(key.device, list(key.forbidden), key.limits), hidden=key.hidden)
    home = "/tmp" if sandboxed else tempfile.gettempdir()
    base_uid = sandbox.worker_uid() if sandboxed else None

    def wrap(command: list[str]) -> list[str]:
        if not sandboxed:
            return command
        staged = sandbox.stage(None)[0]
        return sandbox.command(command, staged, key.device, base_uid, template=True, kept=key.keep > 0)

    return wrap, config, worker_env(home=home, tmp=home), "/" if sandboxed else home, base_uid


def adopt_template(key: Setup, sock: socket.socket, found: dict[str, object]) -> None:
    """Fork this process's workers for ``key`` from the template on the other end of ``sock``,
    which another process started for it (``grader.batch`` starts each grading process's
    template while its fork server imports, instead of after): as one this process started,
    but for its process, which the process that started it ends. Nothing changes where this
    process has a template for ``key`` already. ``found``: what that process found out about
    the sandbox on the way (``sandbox.findings``), which this one then need not find again."""
    sandbox.take_findings(found)
    if key in _TEMPLATES:
        sock.close()
        return
    base_uid = sandbox.worker_uid() if key.isolation == sandbox.SANDBOX else None  # this process's own
    _TEMPLATES[key] = ForkServer(sock, io.BytesIO(), key.limits.start_seconds, None, base_uid)


def kept_place() -> Path | None:
    """The folder of the templates kept between commands: ``$XDG_RUNTIME_DIR/mlgrade``, else
    ``mlgrade-UID`` in the temporary folder; made only this user's (0700). None where it is
    not (another's, or open to others): then no template is kept."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    place = Path(runtime, "mlgrade") if runtime else Path(tempfile.gettempdir(), f"mlgrade-{os.getuid()}")
    with contextlib.suppress(OSError):  # there already, or not to be made (then lstat says so)
        place.mkdir(mode=0o700)
    try:
        found = os.lstat(place)
    except OSError:
        return None
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid() or found.st_mode & 0o077:
        return None
    return place


def _kept(
    key: Setup,
    wrap: Callable[[list[str]], list[str]],
    config: WorkerConfig,
    env: dict[str, str],
    cwd: str,
    base_uid: int | None,
) -> ForkServer | None:
    """The template kept for ``key``: connected to where one listens, else started there
    (detached: it outlives this command) and connected to. None where none can be kept."""
    place = kept_place()
    if place is None:
        return None
    # The name covers all the template fixes: the command that starts it (sandbox, interpreter,
    # worker config, idle time; the descriptor's number left out), the environment it runs
    # in, the isolation code it runs, and the torch it imports.
    command = wrap([sandbox.python(), "-I", "-B", "-m", "grader.isolation.forkserver", "{fd}", key.isolation])
    command += [config.to_json(), repr(key.keep)]
    digest = hashlib.sha256(repr((command, sorted(env.items()), cwd, sys.version)).encode())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    torch = installed.package_dir("torch")
    with contextlib.suppress(OSError):
        version = os.stat(torch / "version.py") if torch is not None else None
        digest.update(repr(version and (str(torch), version.st_mtime_ns, version.st_size)).encode())
    name = digest.hexdigest()[:16]
    path, log = place / f"{name}.sock", place / f"{name}.log"
    if len(os.fsencode(path)) > 100:  # past what a Unix socket's address holds
        return None
    with _locked(place / f"{name}.lock"):
        sock = _connect(path)
        if sock is None:
            _listen_and_start(path, command, env, cwd, log)
            sock = _connect(path)
            if sock is None:
                return None
    try:
        printed: BinaryIO = open(log, "rb")  # noqa: SIM115 - lives with the connection
    except OSError:
        printed = io.BytesIO()
    server = ForkServer(sock, printed, key.limits.start_seconds, None, base_uid)
    server.launch = {"name": name, "command": command, "env": env, "cwd": cwd}
    return server


def _listen_and_start(path: Path, command: list[str], env: dict[str, str], cwd: str, log: Path) -> None:
    """Start the kept template ``command`` listening at ``path`` (the caller holds its lock),
    and end the others."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(str(path))
        listener.listen(8)
        fd = listener.fileno()
        _detach([str(fd) if part == "{fd}" else part for part in command], env, cwd, log, fd)
    # One kept template per user (each holds torch, a few hundred MB): the others end,
    # while this one imports torch. A student checks one exercise after another.
    end_kept(keeping=path, timeout=1.0)


# The file in ``kept_place`` noting how each command's kept template was started, and how many
# commands it notes at most (the least recently noted go first).
NOTED = "started.json"
NOTED_COMMANDS = 64


# The kept templates this process started first (``start_noted``), by socket.
_STARTED_FIRST: list[Path] = []


def note_kept(command: str) -> None:
    """Note how the kept template this process used was started, under ``command`` (what
    grader/__main__.py reads off the command line: ``check least_squares``), for
    ``start_noted``; and end the one it started first where its grading did not use it."""
    launches = [s.launch for s in templates().values() if s.launch is not None]
    used = {f"{launch['name']}.sock" for launch in launches}
    for path in _STARTED_FIRST:
        if path.name not in used:  # still importing torch when the grading ended the others
            sock = _connect(path)
            if sock is not None:
                with contextlib.suppress(OSError), open(path.with_suffix(".log"), "rb") as printed:
                    ForkServer(sock, printed, Limits.start_seconds).end()
    _STARTED_FIRST.clear()
    place = kept_place()
    if place is None or len(launches) != 1:
        return
    noted = _read_noted(place)
    if noted.get(command) == launches[0]:
        return
    noted.pop(command, None)
    noted[command] = launches[0]
    kept = dict(list(noted.items())[-NOTED_COMMANDS:])
    fd, temporary = tempfile.mkstemp(dir=place, prefix=".started-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(kept, out)
        os.replace(temporary, place / NOTED)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def start_noted(command: str) -> bool:
    """Start the kept template ``command`` used last time (``note_kept``), where none listens
    yet, without waiting for it: it imports torch while this process imports the grader, and
    the grading then connects to it (``_kept``), where its setup is still the same, which its
    name says. A template started for a setup that changed meanwhile is never used: the grading
    starts its own, which ends it. Whether one was started."""
    if os.environ.get("MLGRADE_COLD_WORKERS"):
        return False  # no template is used at all
    place = kept_place()
    launch = _read_noted(place).get(command) if place is not None else None
    if not _launch_is_plain(launch):
        return False
    assert place is not None and launch is not None
    name = launch["name"]
    path = place / f"{name}.sock"
    with _locked(place / f"{name}.lock"):
        sock = _connect(path)
        if sock is not None:
            sock.close()
            return False
        _listen_and_start(path, launch["command"], launch["env"], launch["cwd"], place / f"{name}.log")
    _STARTED_FIRST.append(path)
    return True


def _read_noted(place: Path) -> dict[str, Any]:
    """What ``note_kept`` noted in ``place``; nothing where the file is not this user's alone."""
    try:
        fd = os.open(place / NOTED, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return {}
    with os.fdopen(fd, "rb") as file:
        found = os.fstat(file.fileno())
        if found.st_uid != os.getuid() or found.st_mode & 0o022:
            return {}
        try:
            noted = json.loads(file.read())
        except ValueError:
            return {}
    return noted if isinstance(noted, dict) else {}


def _launch_is_plain(launch: Any) -> bool:
    """Whether ``launch`` has the shape ``_kept`` notes: a name, a command, an environment."""
    if not isinstance(launch, dict):
        return False
    name, command, env, cwd = (launch.get(k) for k in ("name", "command", "env", "cwd"))
    return (
        isinstance(name, str)
        and name.isalnum()
        and isinstance(command, list)
        and bool(command)
        and all(isinstance(part, str) for part in command)
        and isinstance(env, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in env.items())
        and isinstance(cwd, str)
    )


def end_kept(keeping: Path | None = None, timeout: float = Limits.start_seconds) -> int:
    """End every template kept in ``kept_place`` but the one listening at ``keeping``, where it
    answers within ``timeout`` and serves no command now: how many ended."""
    place = kept_place()
    ended = 0
    for path in sorted(place.glob("*.sock")) if place is not None else []:
        sock = _connect(path) if path != keeping else None
        if sock is None:
            continue
        with contextlib.suppress(OSError), open(path.with_suffix(".log"), "rb") as printed:
            ended += ForkServer(sock, printed, timeout).end()
    return ended


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path``: two checks at once start one template, not two."""
    import fcntl  # POSIX only, as kept templates are: the portable level (Windows) has none

    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _connect(path: Path) -> socket.socket | None:
    """A connection to the template listening at ``path``; None where none listens there."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(path))
    except OSError:
        sock.close()
        return None
    return sock


def _detach(command: list[str], env: dict[str, str], cwd: str, log: Path, fd: int) -> None:
    """Start ``command`` with descriptor ``fd``, in a session of its own, as a child of neither
    this process nor its group: it outlives this command, and nothing of it waits for it."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - a child that only starts the template
        try:
            os.setsid()
            with open(log, "wb") as out:
                subprocess.Popen(
                    command, stdin=subprocess.DEVNULL, stdout=out, stderr=out, pass_fds=(fd,), cwd=cwd, env=env
                )
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


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
