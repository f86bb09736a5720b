"""The worker: the only process that imports and runs a student's code.

Started by ``grader.isolation.supervisor`` as ``python -I -B -m grader.isolation.worker FD_IN FD_OUT CONFIG_JSON``,
one per submission, and reused for all of that submission's checks. It limits its own
resources before touching student code (hard limits: the student cannot raise them again),
refuses imports of the reference solutions and of the grader, records forbidden calls while
a student function runs, and answers each request with plain data (``grader.isolation.wire``).

Requests and answers:

    {"op": "call", "module": M, "function": F, "payload": {"args": [...], "kwargs": {...}}}
      -> {"ok": true, "value": V, "arg_digests": [...], "used": [names], "devices": [...]}
      -> {"ok": false, "error": {"kind": K, "type": T, "message": S, "traceback": S}, "used": [...]}

K is "import" (the module could not be imported), "missing" (no such function),
"raised" (the function raised), or "unsendable" (its result cannot cross the pipe).
"""

from __future__ import annotations

import fnmatch
import importlib
import importlib.abc
import importlib.util
import json
import os
import random
import resource
import signal
import sys
import traceback
import types
from typing import Any

import numpy as np

from grader.isolation import installed, wire

# Imported by nobody from student code: the references, and the grader itself.
BLOCKED_PACKAGES = ("solutions", "grader", "tests")


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


def _set_limits(config: dict[str, Any]) -> None:
    def limit(which: int, value: int) -> None:
        resource.setrlimit(which, (value, value))

    limit(resource.RLIMIT_AS, config["memory_bytes"])
    limit(resource.RLIMIT_CPU, config["cpu_seconds"])
    limit(resource.RLIMIT_FSIZE, config["output_bytes"])
    limit(resource.RLIMIT_NOFILE, config["open_files"])
    # RLIMIT_NPROC counts every task of the uid: leave room for what already runs under it
    limit(resource.RLIMIT_NPROC, _tasks_of_this_user() + config["processes"])
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
_PROCESS_EVENTS = frozenset(
    {"os.fork", "os.forkpty", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "subprocess.Popen", "pty.spawn"}
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
            raise PermissionError(f"{path}: the reference solutions cannot be read while grading")
        if event in _READ_EVENTS and any(other_process(p) for p in paths(args)):
            path = os.fsdecode(paths(args)[0])
            raise PermissionError(f"{path}: other processes cannot be inspected while grading")
        if (event in _WRITE_EVENTS or event == "open") and writes(event, args):
            targets = paths(args)[-1:] if event in ("os.symlink", "os.link", "shutil.copyfile") else paths(args)
            if any(not under(p, writable) for p in targets):
                raise PermissionError(f"{os.fsdecode(targets[0])}: only the submission's own folder can be written to")
        elif event in _PROCESS_EVENTS:
            raise PermissionError("starting processes is not allowed while grading")
        elif event in _SIGNAL_EVENTS and not (event == "os.kill" and args[0] == me):
            raise PermissionError("signalling other processes is not allowed while grading")
        elif event.startswith("ctypes."):
            raise PermissionError("ctypes is not allowed while grading")
        elif event.startswith("socket."):
            raise PermissionError("network access is not allowed while grading")
        elif event == "import" and str(args[0]).partition(".")[0] in blocked_imports:
            raise ImportError(f"'{args[0]}' cannot be imported by a submission")

    sys.addaudithook(hook)


def _disable_unaudited_fork() -> None:
    """subprocess's fork_exec raises no audit event: replace it on the one module object
    every caller shares (a fresh import of it is refused by the audit hook)."""
    import _posixsubprocess

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise PermissionError("starting processes is not allowed while grading")

    _posixsubprocess.fork_exec = refuse  # type: ignore[assignment]


class _ImportGuard(importlib.abc.MetaPathFinder):
    """Refuses the grader's own packages; records imports of forbidden libraries made while a
    student function runs. A forbidden import at the top of a module is allowed to proceed:
    the source scan charges it to the functions that use it, not to the whole exercise."""

    def __init__(self, forbidden_modules: list[str], worker: Worker, blocked: tuple[str, ...]) -> None:
        self.forbidden_modules = forbidden_modules
        self.worker = worker
        self.blocked = blocked

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        top = fullname.partition(".")[0]
        if top in self.blocked:
            raise ImportError(f"'{fullname}' cannot be imported by a submission")
        if self.worker.recording:
            for name in self.forbidden_modules:
                if fullname == name or fullname.startswith(name + "."):
                    self.worker.used.add(fullname)
        return None


class Worker:
    def __init__(self, config: dict[str, Any]) -> None:
        import torch
        from torch.overrides import TorchFunctionMode, resolve_name

        self.torch = torch
        torch.set_num_threads(1)
        self.root = config["submission"]
        self.answer_bytes = config["answer_bytes"]
        self.device = torch.device(config["device"])
        if self.device.type == "cuda":
            torch.zeros(1, device=self.device)  # CUDA starts now, before the audit hook refuses ctypes
        self.modules: dict[str, types.ModuleType | BaseException] = {}
        self.kept: dict[str, Any] = {}  # results kept for a later call (opaque caches)
        self.received: list[Any] = []  # the tensors of this call's arguments, in wire order
        self.used: set[str] = set()
        patterns: list[str] = config["forbidden"]
        torch_patterns = [p for p in patterns if p.startswith("torch.") or p.startswith("*")]
        self.recording = False
        worker = self

        def forbidden_names(func: Any) -> tuple[str | None, str | None]:
            """The name under which calling ``func`` is forbidden, if it is, and the one for a
            call with requires_grad=True."""
            name = resolve_name(func) or f"{getattr(func, '__module__', '')}.{getattr(func, '__qualname__', '')}"
            with_grad = f"{name}(requires_grad=True)"
            return (
                name if any(fnmatch.fnmatchcase(name, p) for p in torch_patterns) else None,
                with_grad if any(fnmatch.fnmatchcase(with_grad, p) for p in torch_patterns) else None,
            )

        decided: dict[Any, tuple[str | None, str | None]] = {}  # every torch op goes through here: once each

        class ForbiddenCallRecorder(TorchFunctionMode):
            def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
                kwargs = kwargs or {}
                if worker.recording:
                    try:
                        plain, with_grad = decided[func]
                    except KeyError:
                        plain, with_grad = decided[func] = forbidden_names(func)
                    except TypeError:  # an unhashable callable
                        plain, with_grad = forbidden_names(func)
                    if plain is not None:
                        worker.used.add(plain)
                    if with_grad is not None and kwargs.get("requires_grad"):
                        worker.used.add(with_grad)
                return func(*args, **kwargs)

        self.recorder = ForbiddenCallRecorder
        # module functions by their exact name (numpy.linalg.lstsq, torch.autograd.grad); torch's
        # own functions and Tensor methods are also seen by the recorder above
        self._wrap_library_functions([p for p in patterns if "*" not in p and "." in p])
        module_patterns = [p for p in patterns if "." not in p]
        # a notebook kernel (grader.channels.nbgrader.notebook) imports the grader itself between calls
        blocked = tuple(config.get("blocked_packages", BLOCKED_PACKAGES))
        sys.meta_path.insert(0, _ImportGuard(module_patterns, self, blocked))

    def _wrap_library_functions(self, names: list[str]) -> None:
        """Replace e.g. numpy.linalg.lstsq by a wrapper that records its use."""
        for name in names:
            module_name, _, attr = name.rpartition(".")
            if not module_name or importlib.util.find_spec(module_name.partition(".")[0]) is None:
                continue  # not installed here: a submission cannot call it anyway
            try:
                module = importlib.import_module(module_name)
                original = getattr(module, attr)
            except (ImportError, AttributeError):
                continue
            if isinstance(original, types.ModuleType) or not callable(original):
                continue
            wrapper = self._recording(name, original)
            setattr(module, attr, wrapper)
            # also where it is defined (numpy.linalg._linalg.pinv), a second way to reach it
            home = sys.modules.get(getattr(original, "__module__", None) or "")
            if home is not None and getattr(home, attr, None) is original:
                setattr(home, attr, wrapper)

    def _recording(self, name: str, original: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if self.recording:
                self.used.add(name)
            return original(*args, **kwargs)

        wrapper.__name__ = getattr(original, "__name__", name)
        wrapper.__doc__ = getattr(original, "__doc__", None)
        return wrapper

    # -- conversions ---------------------------------------------------------------------

    def to_tensor(self, a: np.ndarray) -> Any:
        tensor = self.torch.from_numpy(a).to(self.device)
        self.received.append(tensor)
        return tensor

    def to_numpy(self, v: Any) -> np.ndarray | None:
        torch = self.torch
        if isinstance(v, torch.Tensor):
            t = torch.Tensor.detach(v)
            if t.dtype == torch.bfloat16:
                t = t.float()
            return np.asarray(torch.Tensor.numpy(t.cpu().contiguous()).copy())
        return None

    def devices(self, value: Any) -> set[str]:
        torch = self.torch
        if isinstance(value, torch.Tensor):
            return {value.device.type}
        if isinstance(value, (list, tuple)):
            return set().union(*(self.devices(v) for v in value)) if value else set()
        if isinstance(value, dict):
            return set().union(*(self.devices(v) for v in value.values())) if value else set()
        return set()

    # -- requests ------------------------------------------------------------------------

    def resolve(self, kept: wire.Kept) -> Any:
        value = self.kept[kept.handle]
        return value[kept.index] if isinstance(value, (tuple, list)) else value

    def module(self, name: str) -> types.ModuleType | BaseException:
        if name not in self.modules:
            path = os.path.join(self.root, name + ".py")
            try:
                spec = importlib.util.spec_from_file_location(name, path)
                if spec is None or spec.loader is None or not os.path.isfile(path):
                    raise FileNotFoundError(f"{name}.py is not in the submission")
                module = importlib.util.module_from_spec(spec)
                sys.modules[name] = module
                spec.loader.exec_module(module)
                self.modules[name] = module
            except BaseException as exc:
                sys.modules.pop(name, None)
                self.modules[name] = exc
        return self.modules[name]

    def error(self, kind: str, exc: BaseException) -> dict[str, Any]:
        return {
            "ok": False,
            "error": {
                "kind": kind,
                "type": type(exc).__name__,
                "message": str(exc)[:2000],
                "traceback": self.student_traceback(exc),
            },
            "used": sorted(self.used),
        }

    def student_traceback(self, exc: BaseException) -> str:
        """The traceback restricted to the submission's own files, with relative paths."""
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(self.root + os.sep)]
        for f in frames:
            f.filename = os.path.relpath(f.filename, self.root)
        lines = traceback.format_list(frames)
        lines += traceback.format_exception_only(type(exc), exc)
        return "".join(lines)[-4000:]

    def call(self, request: dict[str, Any], blobs: list[bytes]) -> tuple[dict[str, Any], list[bytes]]:
        module = self.module(request["module"])
        self.used.clear()
        if isinstance(module, BaseException):
            return self.error("import", module), []
        function = getattr(module, request["function"], None)
        if not callable(function):
            missing = AttributeError(f"{request['module']}.py defines no function {request['function']}")
            return self.error("missing", missing), []
        self.received = []
        try:
            payload = wire.decode(request["payload"], blobs, self.to_tensor, self.resolve)
        except (KeyError, IndexError, TypeError) as exc:
            return self.error("raised", exc), []
        args, kwargs = payload["args"], payload["kwargs"]
        random.seed(0)
        np.random.seed(0)
        # torch.manual_seed also seeds CUDA, XPU and MTIA lazily, formatting a stack trace for
        # each: a third of a call's overhead. Seed the generators this device uses.
        self.torch.default_generator.manual_seed(0)
        if self.device.type == "cuda":
            self.torch.cuda.manual_seed_all(0)
        try:
            self.recording = True
            with self.recorder():
                value = function(*args, **kwargs)
        except Exception as exc:
            self.recording = False
            return self.error("raised", exc), []
        finally:
            self.recording = False
        keep, opaque = request.get("keep"), set(request.get("opaque", []))
        if keep is not None:
            self.kept = {keep: value}  # only the latest: a cache is used by the next call
        if opaque and isinstance(value, (tuple, list)):
            value = tuple(None if i in opaque else v for i, v in enumerate(value))
        try:
            tree, out_blobs = wire.encode(value, self.to_numpy)
        except wire.WireError as exc:
            return self.error("unsendable", exc), []
        except MemoryError:
            return self.error("unsendable", MemoryError("the result is too large to copy for sending")), []
        size = sum(len(b) for b in out_blobs)
        if size > self.answer_bytes:
            too_large = ValueError(f"{size / 2**20:.0f} MiB of arrays, more than an answer may hold")
            return self.error("unsendable", too_large), []
        answer = {
            "ok": True,
            "value": tree,
            "arg_digests": [wire.array_digest(t.detach().cpu().numpy()) for t in self.received],
            "used": sorted(self.used),
            "devices": sorted(self.devices(value)),
        }
        return answer, out_blobs


def main() -> None:
    fd_in, fd_out = int(sys.argv[1]), int(sys.argv[2])
    config = json.loads(sys.argv[3])
    if config.get("uid") is not None:
        _switch_user(config["uid"])
    _set_limits(config)
    protected = installed.secret_dirs()
    serve(Worker(config), config, fd_in, fd_out, protected)


def serve(worker: Worker, config: dict[str, Any], fd_in: int, fd_out: int, protected: list[str]) -> None:
    """Seal the worker, say it is ready, and answer calls until the grader closes the pipe.

    From here on student code may run: forks are refused, the audit hook is installed (it
    cannot be removed), and nothing of the grader stays importable by name.
    """
    sys.path.insert(0, worker.root)
    os.chdir(worker.root)
    _disable_unaudited_fork()
    writable = [os.path.realpath(p) for p in config["writable"]]
    _install_audit_hook(protected, writable, (*BLOCKED_PACKAGES, "_posixsubprocess"))
    reader = wire.FrameReader(wire.read_exactly_blocking(fd_in), config["request_bytes"])
    for name in list(sys.modules):
        if name.partition(".")[0] in BLOCKED_PACKAGES:
            del sys.modules[name]
    wire.write_frame(fd_out, {"ok": True, "ready": True})
    while True:
        try:
            request, blobs = reader.read()
        except EOFError:
            return
        if request.get("op") == "call":
            answer, out_blobs = worker.call(request, blobs)
        else:
            answer, out_blobs = {"ok": True}, []
        wire.write_frame(fd_out, answer, out_blobs)


if __name__ == "__main__":
    main()
