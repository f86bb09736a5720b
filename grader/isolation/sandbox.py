"""How a worker process is confined: the isolation levels and bubblewrap's command line.

``sandbox``: the worker runs under bubblewrap (``bwrap``) in its own mount, pid, network, IPC
and UTS namespaces. It sees a read-only Python environment in which the reference solutions
and the hidden checks are not mounted, its private copy of the submission at /submission, a
small private /tmp, and nothing else of the machine: no network, no other process, no home
directory, no grades. It dies with its parent. When the grader runs as root, the worker drops
to a uid of its own, so that the process limit holds.

``process``: without bubblewrap, the worker is a plain process with the same resource limits,
import guard and audit hook (grader/isolation/seal.py); see SECURITY.md for what that does not stop.

``portable``: where Linux's mechanisms are missing (Windows, macOS: no ``resource`` limits as
the worker sets them, no /proc, no safe fork after torch), a plain subprocess with the import
guard and audit hook, and the grader's per-call time limit, output limit and answer limit,
but no memory, CPU, process or file limits. Good enough for a student checking their own
code (``mlgrade check``, ``mlgrade validate``), never for grading: ``choose`` refuses it
unless asked. ``MLGRADE_PORTABLE=1`` selects it on Linux too, so that the tests exercise it.

The level is chosen once per grading process (``choose``), recorded in every result, and
``--require-sandbox`` turns a missing sandbox into an error instead of a fallback.
"""

from __future__ import annotations

import functools
import glob
import json
import os
import shutil
import site
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

from grader.isolation import installed
from grader.isolation.messages import N_, Message

SANDBOX = "sandbox"
PROCESS = "process"
PORTABLE = "portable"

SUBMISSION = "/submission"  # where the worker finds the submission inside the sandbox
TMP_BYTES = 64 * 2**20  # the sandbox's private /tmp
SUBMISSION_BYTES = 64 * 2**20  # the most of a submission's files copied for the worker
SUBMISSION_FILES = 256  # the most files of a submission copied for the worker
LEFT_OUT_NAMED = 10  # the files left out of the copy that a result names one by one

T = TypeVar("T")


class SandboxUnavailable(Exception):
    """The sandbox was required and cannot be had here; the message says why and what to do."""


class CannotIsolate(Exception):
    """Grading was asked for where only the portable worker runs; the message says why and
    what to do instead."""


def choose(mode: str, portable: bool = False) -> str:
    """The isolation level for ``mode``: "auto" (the sandbox where it works), "require"
    (the sandbox or SandboxUnavailable), "off" (process level). Where Linux's mechanisms are
    missing (``portable_reason``), the portable level if ``portable`` allows it (a student's
    own check), else CannotIsolate (grading)."""
    reason = portable_reason()
    if reason is not None:
        if not portable:  # no level of isolation grades here, the sandbox's or any other
            if reason == PORTABLE_ASKED:
                what = Message(N_("unset MLGRADE_PORTABLE to grade"))
            else:
                what = Message(N_("grade on Linux (or WSL 2)"))
            raise CannotIsolate(
                Message(
                    N_(
                        "student code cannot be isolated for grading here: {reason}. Grading needs Linux's "
                        "resource limits, /proc and fork server; {what}. mlgrade check and mlgrade validate work here."
                    ),
                    reason=reason,
                    what=what,
                )
            )
        if mode == "require":
            raise SandboxUnavailable(Message(N_("{reason}; the sandbox needs Linux"), reason=reason))
        return PORTABLE
    if mode == "off":
        return PROCESS
    problem = sandbox_problem()
    if problem is None:
        return SANDBOX
    if mode == "require":
        raise SandboxUnavailable(problem)
    return PROCESS


PORTABLE_ASKED = Message(N_("MLGRADE_PORTABLE is set"))


def portable_reason() -> str | None:
    """Why only the portable worker can run here, or None where Linux's mechanisms all are:
    the ``resource`` module (the worker's limits), /proc (counting the user's processes) and
    Linux itself (forking a process that has imported torch). ``MLGRADE_PORTABLE`` (not
    empty, not 0) asks for the portable worker anyway."""
    if os.environ.get("MLGRADE_PORTABLE", "") not in ("", "0"):
        return PORTABLE_ASKED
    if not sys.platform.startswith("linux"):
        system = {"win32": "Windows", "darwin": "macOS"}.get(sys.platform, sys.platform)
        return Message(N_("this system is {system}, not Linux"), system=system)
    try:
        import resource  # noqa: F401 - Linux only: imported here, never where a portable worker runs
    except ImportError:
        return Message(N_("Python has no resource module here"))
    if not os.path.isdir("/proc/self"):
        return Message(N_("this system has no /proc"))
    return None


def python() -> str:
    """This interpreter's path without ``..`` (the sandbox lacks the folders it would cross);
    not resolved further, since a virtual environment is found through its own path."""
    return os.path.normpath(os.path.abspath(sys.executable))


def worker_uid() -> int | None:
    """The uid a sandboxed worker switches to: its own, when the grader is root (the kernel
    exempts root from the process limit); None to keep the grader's own uid."""
    if os.geteuid() != 0:
        return None
    return 100_000 + os.getpid() % 60_000  # one per grading process: one live worker each


# What this process found by running a program (``sandbox_problem``, ``_worker_sys_path``),
# by the function's name; a process it starts may take them (``take_findings``).
_FOUND: dict[str, object] = {}


def findings() -> dict[str, object]:
    """What this process has found by running a program so far, for a process it starts on
    this machine, with this environment, to take (``take_findings``) instead of running the
    same programs again: the grading processes, each of which otherwise starts bubblewrap
    and Python twice before its first submission, while its template is ready."""
    return dict(_FOUND)


def take_findings(found: dict[str, object]) -> None:
    """Take what the process that started this one found (``findings``)."""
    _FOUND.update(found)


def forget_findings() -> None:
    """Find everything again from now on (tests that change what is installed)."""
    _FOUND.clear()


def _found(function: Callable[[], T]) -> Callable[[], T]:
    """Run ``function`` once per process, or take what the starting process found."""

    @functools.wraps(function)
    def once() -> T:
        name = function.__name__
        if name not in _FOUND:
            _FOUND[name] = function()
        return cast(T, _FOUND[name])

    return once


@_found
def sandbox_problem() -> str | None:
    """None when bubblewrap can sandbox a worker here, else why not (once per process)."""
    if shutil.which("bwrap") is None:
        return Message(N_("bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"))
    probe = [python(), "-I", "-B", "-c", "import grader"]  # python runs, the grader is there
    try:
        done = subprocess.run(
            command(probe, stage(None)[0], "cpu", worker_uid()),
            capture_output=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Message(N_("bubblewrap could not be started: {error}"), error=str(exc))
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines() or [f"exit status {done.returncode}"]
        return Message(N_("bubblewrap is installed but cannot sandbox here ({error})"), error=lines[-1])
    return None


@dataclass(frozen=True)
class Copy:
    """What of a submission its worker gets: the files copied (paths relative to it), and
    the files left out because they did not fit: each with its size and the limit it broke
    ("64 MiB", "256 files")."""

    files: list[Path]
    left_out: list[tuple[Path, int, str]]


def plan_copy(submission: Path, max_bytes: int = SUBMISSION_BYTES, max_files: int = SUBMISSION_FILES) -> Copy:
    """The submission's regular files for its worker's copy. Symbolic links are never copied
    (they could point at the references), nor __pycache__. Python modules come first, so
    that a large data file can never push an exercise module out; then the other files,
    each where it still fits in ``max_bytes`` and ``max_files``. What does not fit is left
    out (``left_out`` names it for the student)."""
    found: list[tuple[Path, int]] = []
    for root, dirs, files in os.walk(submission):
        dirs[:] = sorted(d for d in dirs if not os.path.islink(os.path.join(root, d)) and d != "__pycache__")
        for name in sorted(files):
            path = Path(root) / name
            if path.is_symlink() or not path.is_file():
                continue
            found.append((path.relative_to(submission), path.stat().st_size))
    modules = [f for f in found if f[0].suffix == ".py"]
    copied: list[Path] = []
    left_out: list[tuple[Path, int, str]] = []
    budget = max_bytes
    for rel, size in modules + [f for f in found if f[0].suffix != ".py"]:
        if len(copied) >= max_files:
            left_out.append((rel, size, Message(N_("{count} files"), count=max_files)))
        elif size > budget:
            left_out.append((rel, size, Message(N_("{mib} MiB"), mib=max_bytes // 2**20)))
        else:
            copied.append(rel)
            budget -= size
    return Copy(copied, left_out)


def submission_files(submission: Path) -> list[Path]:
    """The files of the submission its worker gets a copy of (``plan_copy``)."""
    return plan_copy(submission).files


def left_out(submission: Path) -> list[str]:
    """One sentence per file of ``submission`` that its worker will not get, saying why: what
    the student reads in their result (and in ``mlgrade validate``). Past LEFT_OUT_NAMED files
    (a handed-in .git folder, a dataset as thousands of images), one sentence counts the rest."""
    missing = plan_copy(submission).left_out
    notes: list[str] = [
        Message(
            N_("{file} ({size}) was not copied: submissions are limited to {limit}"),
            file=rel.as_posix(),
            size=readable_size(size),
            limit=limit,
        )
        for rel, size, limit in missing[:LEFT_OUT_NAMED]
    ]
    rest = missing[LEFT_OUT_NAMED:]
    if rest:
        first, *others = sorted({limit for _, _, limit in rest})
        limits = Message(N_("{first} and {second}"), first=first, second=others[0]) if others else first
        notes.append(
            Message(
                N_("{count} more files ({size}) were not copied: submissions are limited to {limit}"),
                count=len(rest),
                size=readable_size(sum(size for _, size, _ in rest)),
                limit=limits,
            )
        )
    return notes


def readable_size(size: int) -> str:
    """A file size as a student reads it: 70 MiB, 300 KiB, 12 bytes."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= scale:
            return f"{size / scale:.0f} {unit}"
    return Message(N_("{count} bytes"), count=size)


def prepare_home(home: Path, submission: Path) -> Path:
    """The process level's private copy of the submission under ``home``, next to a private
    tmp folder; returns the copy's folder."""
    target = home / "submission"
    target.mkdir()
    (home / "tmp").mkdir()
    for rel in submission_files(submission):
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(submission / rel, target / rel)
    return target


def stage(submission: Path | None) -> tuple[list[str], list[int]]:
    """bwrap arguments that build the sandbox's /submission: a private tmpfs holding a copy
    of the submission's files, read-only to the worker, which may add files of its own.
    Returns the arguments and the open descriptors bwrap copies from (to pass, then close)."""
    args = ["--size", str(SUBMISSION_BYTES), "--perms", "1777", "--tmpfs", SUBMISSION]
    fds: list[int] = []
    made: set[Path] = {Path(".")}
    for rel in submission_files(submission) if submission is not None else []:
        for parent in reversed(rel.parents):
            if parent not in made:
                made.add(parent)
                args += ["--perms", "0755", "--dir", f"{SUBMISSION}/{parent}"]
        fd = os.open(Path(submission or "", rel), os.O_RDONLY | os.O_NOFOLLOW)
        fds.append(fd)
        args += ["--perms", "0644", "--file", str(fd), f"{SUBMISSION}/{rel}"]
    return args, fds


@_found
def _worker_sys_path() -> tuple[str, ...]:
    """sys.path as the worker's interpreter (``python -I``) has it, folders that .pth files
    add included; empty if that interpreter cannot say."""
    try:
        done = subprocess.run(
            [python(), "-I", "-c", "import json, sys; print(json.dumps(sys.path))"],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        return tuple(json.loads(done.stdout)) if done.returncode == 0 else ()
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return ()


def _python_paths() -> list[str]:
    """What the worker's interpreter reads: the (base) installation, the environment's
    site-packages, whatever else is on its sys.path, and the grader package itself."""
    grader_dir = Path(__file__).resolve().parent.parent  # grader/, above isolation/
    candidates = [
        sys.prefix,
        sys.exec_prefix,
        sys.base_prefix,
        sys.base_exec_prefix,
        os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))),
        os.path.dirname(os.path.dirname(python())),
        *site.getsitepackages(),
        *_worker_sys_path(),
        str(grader_dir),
    ]
    paths = sorted({os.path.realpath(p) for p in candidates if os.path.isdir(p)} | {os.path.abspath(sys.prefix)})
    # the outermost of nested paths: binding a parent after its child would hide the child
    return [p for p in paths if not any(p != q and p.startswith(q + os.sep) for q in paths)]


def command(
    worker: list[str], staged: list[str], device: str, uid: int | None, template: bool = False, kept: bool = False
) -> list[str]:
    """bwrap's command line running ``worker``, with /submission built by ``staged`` (from
    ``stage``). The worker itself switches to ``uid`` (see seal.py). A ``template`` (the fork
    server, grader/isolation/forkserver.py) forks the workers, which switch uid, and kills them;
    a ``kept`` one outlives the command that starts it (grader/isolation/templates.py)."""
    # mounts first: a Python environment under /tmp, or a GPU's device node, goes on top of them
    args = ["bwrap", "--perms", "1777", "--size", str(TMP_BYTES), "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/usr"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for etc in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime"):
        if os.path.exists(etc):
            args += ["--ro-bind", etc, etc]
    binds = [p for p in _python_paths() if not p.startswith("/usr/")]
    made: set[str] = {"/", "/tmp"}
    for path in binds:  # parents world-traversable, or a worker with its own uid cannot reach them
        for parent in reversed(Path(path).parents):
            if str(parent) not in made:
                made.add(str(parent))
                args += ["--perms", "0755", "--dir", str(parent)]
        args += ["--ro-bind", path, path]
    for path in installed.secret_dirs():  # mounted over with an empty folder
        if any(path == b or path.startswith(b + os.sep) for b in [*binds, "/usr"]):
            args += ["--tmpfs", path]
    if device == "cuda":
        for node in sorted(glob.glob("/dev/nvidia*")):
            args += ["--dev-bind", node, node]
        args += ["--ro-bind", "/sys", "/sys"]
    args += staged
    args += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if not kept:
        args += ["--die-with-parent"]
    args += ["--new-session", "--chdir", SUBMISSION]
    if uid is not None:  # only to drop to ``uid``: setuid clears every capability
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        if template:  # signalling a worker that runs under another uid takes CAP_KILL
            args += ["--cap-add", "CAP_KILL"]
    return [*args, *worker]
