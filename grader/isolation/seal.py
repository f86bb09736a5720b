"""Sealing a worker: what a process does to itself before any student code runs in it.

One sequence for both ways a worker starts, a cold one (``python -m grader.isolation.worker``)
and one forked by the warm template (grader/isolation/forkserver.py), so the two cannot drift
apart. In this order, each step for a reason:

1. take the worker's own uid (sandbox level, grader run as root): setuid clears every
   capability, and the process limit holds for it;
2. a worker forked at the sandbox level writes its private copy of the submission, as that
   uid, from the files the template was sent; then HOME and TMPDIR are its own folders (a
   cold worker was started with them, a forked one has the template's);
3. the worker loads (``load``): a cold one imports torch and wraps the forbidden library
   functions here, while ctypes is still allowed (no student code runs in it);
4. hard resource limits (soft = hard, so the student cannot raise them), after the copy (the
   file-size limit would cut it short) and after the load, so that the address space is the
   student's on top of what the worker has mapped by then: a CUDA build of torch maps
   gigabytes of libraries, used or not, which left a CPU worker under a plain 2 GiB limit too
   little for one oneDNN convolution. A cold worker and a forked one, under any build of
   torch, give the student the same room. None for the portable worker, whose system
   (Windows, macOS) lacks them: ``resource`` is imported only here, when they are set;
5. it works in its copy, forks are refused, the audit hook is installed for good, and the
   grader's own modules are forgotten, so nothing of the grader stays importable by name.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from grader.isolation.config import Folders, WorkerConfig
from grader.isolation.messages import N_, Message

W = TypeVar("W")


def seal(
    config: WorkerConfig,
    protected: Sequence[str],
    load: Callable[[WorkerConfig, str], W],
    files: Mapping[str, bytes] | None = None,
) -> W:
    """Seal this process as the worker ``config`` describes and return ``load(config, root)``,
    the worker serving from the submission folder ``root``.

    ``protected``: the folders no path may reach (``installed.secret_dirs()``, computed before
    the worker's import guard hides those packages); ``files``: the submission, by relative
    path, for a worker without folders (forked at the sandbox level).
    """
    if config.uid is not None:
        _switch_user(config.uid)
    folders = config.folders or _private_copy(files or {})
    os.environ["HOME"], os.environ["TMPDIR"] = folders.submission, folders.tmp
    tempfile.tempdir = None  # found again from TMPDIR: a forked worker's would be the template's
    worker = load(config, folders.submission)
    if config.sets_limits:
        _set_limits(config)
    sys.path.insert(0, folders.submission)
    os.chdir(folders.submission)
    _disable_unaudited_fork()
    writable = [os.path.realpath(p) for p in folders.writable]
    _install_audit_hook(list(protected), writable, (*config.blocked_packages, "_posixsubprocess"))
    for name in list(sys.modules):
        if name.partition(".")[0] in config.blocked_packages:
            del sys.modules[name]
    return worker


def _private_copy(files: Mapping[str, bytes]) -> Folders:
    """The submission written into a fresh folder of the sandbox's /tmp that only this uid can
    read (the fork server sets umask 077); paths that would leave it are skipped."""
    home = Path(tempfile.mkdtemp(prefix="mlgrade-worker-", dir="/tmp"))
    root = home / "submission"
    root.mkdir()
    (home / "tmp").mkdir()
    for rel, data in files.items():
        path = (root / rel).resolve()
        if not str(path).startswith(str(root) + os.sep):
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return Folders(submission=str(root), tmp=str(home / "tmp"), writable=(str(home),))


def _switch_user(uid: int) -> None:
    """Drop root for a uid of the worker's own (sandbox only, see grader/isolation/sandbox.py): setuid
    clears every capability, and the kernel exempts root, not other users, from RLIMIT_NPROC."""
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def _tasks_of_this_user() -> int:
    """Processes and threads running under this uid (what RLIMIT_NPROC counts)."""
    uid, count = os.getuid(), 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
        except OSError:
            continue
        if int(fields.get("Uid", "-1").split()[0]) == uid:
            count += int(fields.get("Threads", "1"))
    return count


def _mapped_bytes() -> int:
    """The address space this process has mapped (what RLIMIT_AS counts), 0 where /proc cannot say."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _set_limits(config: WorkerConfig) -> None:
    """Hard limits (soft = hard): the student cannot raise them again."""
    import resource  # Linux (and macOS) only: never imported by the portable worker

    def limit(which: int, value: int) -> None:
        resource.setrlimit(which, (value, value))

    room = config.memory_bytes  # the student's, on top of what the loaded worker has mapped
    limit(resource.RLIMIT_AS, room if room == resource.RLIM_INFINITY else _mapped_bytes() + room)
    limit(resource.RLIMIT_CPU, config.cpu_seconds)
    limit(resource.RLIMIT_FSIZE, config.output_bytes)
    limit(resource.RLIMIT_NOFILE, config.open_files)
    # RLIMIT_NPROC counts every task of the uid: leave room for what already runs under it
    limit(resource.RLIMIT_NPROC, _tasks_of_this_user() + config.processes)
    limit(resource.RLIMIT_CORE, 0)
    # CPython ignores SIGXFSZ; restore the default so a flood of output ends the worker at
    # once (the supervisor reports it) instead of failing every later print of the student.
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)


# Audit events (sys.addaudithook) by what they do; their arguments start with the paths.
_READ_EVENTS = frozenset({"open", "os.listdir", "os.scandir", "os.symlink", "os.link", "shutil.copyfile"})
_WRITE_EVENTS = frozenset(
    {
        "os.remove",
        "os.rmdir",
        "os.mkdir",
        "os.rename",
        "os.chmod",
        "os.chown",
        "os.truncate",
        "os.utime",
        "os.link",
        "os.symlink",
        "os.setxattr",
        "os.removexattr",
        "os.mknod",
        "os.mkfifo",
        "shutil.copyfile",
        "shutil.copytree",
        "shutil.move",
        "shutil.rmtree",
    }
)
NO_PROCESSES = Message(N_("starting processes is not allowed while grading"))
_PROCESS_EVENTS = frozenset(
    {
        "os.fork",
        "os.forkpty",
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "subprocess.Popen",
        "pty.spawn",
        "os.startfile",  # Windows
        "_winapi.CreateProcess",  # Windows: what subprocess calls there
    }
)
_SIGNAL_EVENTS = frozenset({"os.kill", "os.killpg", "signal.pthread_kill"})
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


def _install_audit_hook(protected: list[str], writable: list[str], blocked_imports: tuple[str, ...]) -> None:
    """From now on and for good (an audit hook cannot be removed), refuse: reading or listing
    the references and hidden checks by any path, or anything of another process under /proc
    (its cwd and root lead to files the paths above do not name); writing outside the worker's own folders;
    starting processes; signalling any process but itself; ctypes (a way around all of this);
    sockets; importing the grader's packages."""
    me = os.getpid()

    def under(path: Any, roots: list[str]) -> bool:
        full = os.path.realpath(os.fsdecode(path))
        return any(full == r or full.startswith(r + os.sep) for r in roots)

    def paths(args: tuple[Any, ...]) -> list[Any]:
        return [a for a in args[:2] if isinstance(a, (str, bytes, os.PathLike))]

    def writes(event: str, args: tuple[Any, ...]) -> bool:
        if event != "open":
            return event in _WRITE_EVENTS
        mode, flags = (*args, None, None)[1:3]
        return bool(isinstance(flags, int) and flags & _WRITE_FLAGS) or (
            isinstance(mode, str) and any(c in mode for c in "wax+")
        )

    def other_process(path: Any) -> bool:
        """/proc/PID/... of another process: its cwd, root, environment or memory."""
        parts = os.path.abspath(os.fsdecode(path)).split(os.sep)
        return len(parts) > 2 and parts[1] == "proc" and parts[2].isdigit() and int(parts[2]) != me

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event in _READ_EVENTS and any(under(p, protected) for p in paths(args)):
            path = os.fsdecode(paths(args)[0])
            text = N_("{path}: the reference solutions cannot be read while grading")
            raise PermissionError(Message(text, path=path))
        if event in _READ_EVENTS and any(other_process(p) for p in paths(args)):
            path = os.fsdecode(paths(args)[0])
            raise PermissionError(Message(N_("{path}: other processes cannot be inspected while grading"), path=path))
        if (event in _WRITE_EVENTS or event == "open") and writes(event, args):
            targets = paths(args)[-1:] if event in ("os.symlink", "os.link", "shutil.copyfile") else paths(args)
            if any(not under(p, writable) for p in targets):
                path = os.fsdecode(targets[0])
                text = N_("{path}: only the submission's own folder can be written to")
                raise PermissionError(Message(text, path=path))
        elif event in _PROCESS_EVENTS:
            raise PermissionError(NO_PROCESSES)
        elif event in _SIGNAL_EVENTS and not (event == "os.kill" and args[0] == me):
            raise PermissionError(Message(N_("signalling other processes is not allowed while grading")))
        elif event.startswith("ctypes."):
            raise PermissionError(Message(N_("ctypes is not allowed while grading")))
        elif event.startswith("socket."):
            raise PermissionError(Message(N_("network access is not allowed while grading")))
        elif event == "import" and str(args[0]).partition(".")[0] in blocked_imports:
            raise ImportError(Message(N_("'{module}' cannot be imported by a submission"), module=args[0]))

    sys.addaudithook(hook)


def _disable_unaudited_fork() -> None:
    """subprocess's fork_exec raises no audit event: replace it on the one module object
    every caller shares (a fresh import of it is refused by the audit hook). Windows has no
    such module: its CreateProcess is audited."""
    try:
        import _posixsubprocess
    except ImportError:
        return

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise PermissionError(NO_PROCESSES)

    _posixsubprocess.fork_exec = refuse  # type: ignore[assignment]
