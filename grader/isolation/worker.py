"""The worker: the only process that imports and runs a student's code.

Started by ``grader.isolation.supervisor`` as ``python -I -B -m grader.isolation.worker FD_IN FD_OUT CONFIG_JSON``
(a :class:`~grader.isolation.config.WorkerConfig`); the portable worker as ``... worker stdio
CONFIG_JSON``, its requests on its standard input and its answers on its standard output
(the only pipes a plain subprocess has on Windows), which it moves aside before any student
code runs, so that what the student prints goes where its standard error goes. Or forked by the warm template
(``grader.isolation.forkserver``), one per submission, and reused for all of that submission's
checks. It seals itself before touching student code (``grader.isolation.seal``: its own uid,
hard limits, the audit hook), refuses imports of the reference solutions and of the grader,
records forbidden calls while a student function runs (but where its source shows it needs
no recording: ``grader.isolation.unrecorded``), and answers each request with plain data
(``grader.isolation.wire``).

Requests and answers:

    {"op": "call", "module": M, "function": F, "payload": {"args": [...], "kwargs": {...}}}
      -> {"ok": true, "value": V, "arg_digests": [...], "used": [names], "devices": [...]}
      -> {"ok": false, "error": {"kind": K, "type": T, "message": S, "traceback": S,
                                 "unwritten": true (where it is)}, "used": [...]}
    {"op": "import", "module": M}
      -> {"ok": true, "functions": [names]}  (what M defines that can be called)
      -> {"ok": false, "error": {"kind": "import", ...}, "used": [...]}
    {"op": "calls", "module": M, "calls": [{"function": F, "payload": P, "opaque": [...]}, ...]}
      -> one answer per call, as for "call", each as soon as its call returns
    {"op": "stop"}  (between the answers of "calls": make no more of its calls)
      -> {"ok": true, "stopped": true}

Every answer also says where what the student's code printed meanwhile ends: "printed_to",
the size of the output file after it.

On a GPU, a call that raises is made again with its inputs on the CPU (a correct function
passes whatever its style: NumPy inside, tensors made on the CPU); its answer is that call's,
and says what the first one raised, on one line: "ran_on_cpu": S.

K is "import" (the module could not be imported), "missing" (no such function),
"raised" (the function raised), or "unsendable" (its result cannot cross the pipe).
Every path in a message or traceback is relative to the submission's folder: the student
never sees where the worker's private copy lives.
"""

from __future__ import annotations

import ast
import fnmatch
import functools
import importlib
import importlib.abc
import importlib.util
import os
import random
import sys
import traceback
import types
from collections.abc import Iterator
from contextlib import ExitStack, nullcontext, suppress
from typing import Any

import numpy as np

from grader.isolation import frames, installed, unrecorded, wire
from grader.isolation.config import WorkerConfig
from grader.isolation.messages import N_, Message
from grader.isolation.seal import seal


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
            raise ImportError(Message(N_("'{module}' cannot be imported by a submission"), module=fullname))
        # Once the submission's code is being imported, a module imported for the first time
        # may be a file of the submission's under a library's name (sympy.py, which
        # torch.sym_not imports): code no analysis judged
        if self.worker.modules:
            self.worker.watch_from_now()
        if self.worker.recording:
            for name in self.forbidden_modules:
                if fullname == name or fullname.startswith(name + "."):
                    self.worker.used.add(fullname)
        return None


@functools.cache
def _library_dirs() -> tuple[str, ...]:
    """The folders Python's standard library and installed packages live in."""
    import site
    import sysconfig

    paths = sysconfig.get_paths()
    found = [paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths]
    found += site.getsitepackages() if hasattr(site, "getsitepackages") else []
    found += [site.getusersitepackages()]  # a notebook kernel's own, where it reads them
    return tuple({os.path.join(q, "") for p in found for q in (p, os.path.realpath(p))})


def recorder_names(func: Any, torch_patterns: list[str]) -> tuple[str | None, str | None]:
    """The name under which the recorder records a call of ``func`` where ``torch_patterns``
    are forbidden, if it does, and the one it records for a call with requires_grad=True."""
    from torch.overrides import resolve_name

    name = resolve_name(func) or f"{getattr(func, '__module__', '')}.{getattr(func, '__qualname__', '')}"
    with_grad = f"{name}(requires_grad=True)"
    return (
        name if any(fnmatch.fnmatchcase(name, p) for p in torch_patterns) else None,
        with_grad if any(fnmatch.fnmatchcase(with_grad, p) for p in torch_patterns) else None,
    )


class Worker:
    """Calls a student's functions, converting arguments and results, and records the
    forbidden calls they make. ``root`` is the submission's folder: modules load from it, and
    tracebacks show paths relative to it."""

    def __init__(self, config: WorkerConfig, root: str) -> None:
        import torch
        from torch.overrides import TorchFunctionMode, resolve_name

        self.torch = torch
        torch.set_num_threads(1)
        _library_dirs()  # known before the worker is sealed
        self.root = root
        self.answer_bytes = config.answer_bytes
        self.device = torch.device(config.device)
        if self.device.type == "cuda":
            torch.zeros(1, device=self.device)  # CUDA starts now, before the audit hook refuses ctypes
        self.modules: dict[str, types.ModuleType | BaseException] = {}
        self.kept: dict[str, Any] = {}  # results kept for a later call (opaque caches)
        self.received: list[Any] = []  # the tensors of this call's arguments, in wire order
        self.used: set[str] = set()
        patterns = config.forbidden
        self.torch_patterns = [p for p in patterns if p.startswith("torch.") or p.startswith("*")]
        self.recording = False
        self.decided: dict[Any, tuple[str | None, str | None]] = {}  # every torch op goes through here: once each
        self.wrappers: set[Any] = set()  # the forbidden library functions' wrappers (_recording)
        worker = self

        class ForbiddenCallRecorder(TorchFunctionMode):
            def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
                kwargs = kwargs or {}
                if worker.recording:
                    plain, with_grad = worker.recorded(func)
                    if plain is not None:
                        worker.used.add(plain)
                    if with_grad is not None and kwargs.get("requires_grad"):
                        worker.used.add(with_grad)
                return func(*args, **kwargs)

        # an exercise that forbids no torch name has nothing for it to record: no mode, whose
        # dispatch costs every torch operation of the student's code a Python call
        self.recorder = ForbiddenCallRecorder if self.torch_patterns else nullcontext
        resolve_name(torch.add)  # its table of torch's names, built once here: a forked worker finds it built
        np.random.seed(0)  # numpy.random imported here, not by a call: an import then ends unrecorded calls
        # torch's functions that hand themselves to a mode first (its table has others' names too)
        self.overridable = unrecorded.dispatching()
        # Calls that may run without the recorder (grader.isolation.unrecorded): those of
        # functions that reach nothing it would record, until the first call of one that may
        # reach what its source does not show, or the import of a module that runs code.
        self.verdicts: dict[str, dict[str, str]] = {}  # module -> function -> verdict
        self.unwatched: ExitStack | None = None  # the call running without the recorder, if one is
        self.unrecorded_calls = bool(self.torch_patterns) and not any(
            unrecorded.walk_tensor_dunders(self.recorded, self.dispatches)
        )
        # module functions by their exact name (numpy.linalg.lstsq, torch.autograd.grad); torch's
        # own functions and Tensor methods are also seen by the recorder above
        self._wrap_library_functions([p for p in patterns if "*" not in p and "." in p])
        module_patterns = [p for p in patterns if "." not in p]
        sys.meta_path.insert(0, _ImportGuard(module_patterns, self, config.blocked_packages))

    def recorded(self, func: Any) -> tuple[str | None, str | None]:
        """The name under which the recorder records a call of ``func``, if it does, and the
        one it records for a call with requires_grad=True."""
        try:
            return self.decided[func]
        except KeyError:
            decided = self.decided[func] = recorder_names(func, self.torch_patterns)
            return decided
        except TypeError:  # an unhashable callable
            return recorder_names(func, self.torch_patterns)

    def dispatches(self, func: Any) -> bool:
        """Whether ``func``, a function written in Python, is seen by the recorder before it
        does anything: a torch function that hands itself to it (one torch says a mode may
        override), or the worker's own wrapper of a forbidden library function, which records
        it by name (``_recording``)."""
        try:
            return func in self.wrappers or func in self.overridable
        except TypeError:  # unhashable
            return False

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
        self.wrappers.add(wrapper)
        self.decided[wrapper] = (name, None)  # what the recorder would record: never handed it, it records itself
        return wrapper

    # -- conversions ---------------------------------------------------------------------

    def to_tensor(self, a: np.ndarray, device: Any) -> Any:
        tensor = self.torch.from_numpy(a).to(device)
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

    def resolve(self, kept: wire.Kept, device: Any) -> Any:
        """The result a call kept that ``kept`` names, its tensors on ``device``."""
        value = self.kept[kept.handle]
        value = value[kept.index] if isinstance(value, (tuple, list)) else value
        return value if device == self.device else self.moved(value, device)

    def moved(self, value: Any, device: Any) -> Any:
        """``value`` with the tensors it holds (in tuples, lists and dicts) on ``device``."""
        if isinstance(value, self.torch.Tensor):
            return value.to(device)
        if type(value) in (tuple, list):
            return type(value)(self.moved(v, device) for v in value)
        if type(value) is dict:
            return {k: self.moved(v, device) for k, v in value.items()}
        return value  # anything else stays as it is

    def module(self, name: str) -> types.ModuleType | BaseException:
        if name not in self.modules:
            self.modules[name] = ImportError(name)  # being imported: from now on, see _ImportGuard
            path = os.path.join(self.root, name + ".py")
            try:
                spec = importlib.util.spec_from_file_location(name, path)
                if spec is None or spec.loader is None or not os.path.isfile(path):
                    raise FileNotFoundError(Message(N_("{exercise}.py is not in the submission"), exercise=name))
                module = importlib.util.module_from_spec(spec)
                inert = self._inert_source(path) if self.unrecorded_calls else None
                if inert is None:
                    self.unrecorded_calls = False  # its import runs code of the student's: see _judged
                sys.modules[name] = module
                if inert is None:
                    spec.loader.exec_module(module)
                else:  # what runs is what was judged: the source read, not bytecode found beside it
                    exec(compile(inert[1], path, "exec", dont_inherit=True), vars(module))
                self.modules[name] = module
            except BaseException as exc:
                sys.modules.pop(name, None)
                self.modules[name] = exc
                return exc
            if inert is not None and self.unrecorded_calls:
                try:
                    analysis = unrecorded.Analysis(*inert, module, self.recorded, self.dispatches)
                    self.verdicts[name] = analysis.verdicts()
                except Exception:  # not judged: its functions are recorded
                    self.unrecorded_calls = False
        return self.modules[name]

    def _inert_source(self, path: str) -> tuple[str, ast.Module] | None:
        """The module's source and syntax tree, where importing it runs no code of the
        student's (``unrecorded.inert``). Read before it is imported, by the only code that
        runs in the worker then: no student code has run that could rewrite it meanwhile."""
        try:
            with open(path, "rb") as f:
                source = importlib.util.decode_source(f.read())  # as the import reads it: its coding line
            tree = ast.parse(source)
            return (source, tree) if unrecorded.inert(tree) else None
        except Exception:  # unreadable, not Python, nested too deeply: its import will say
            return None

    def watch_from_now(self) -> None:
        """Record every call from now on, and the rest of the one running unrecorded, if one
        is: a module is being imported for the first time (``_ImportGuard``)."""
        self.unrecorded_calls = False
        if self.unwatched is not None:
            watching, self.unwatched = self.unwatched, None
            watching.enter_context(self.recorder())

    def _judged(self, module: str, function: str) -> bool:
        """Whether this call of ``function`` may run without the recorder: while all the
        student code run in this worker was of functions whose source shows all they reach
        and imports that ran none (``unrecorded``), a function that reaches nothing the
        recorder records. A call of one that may reach what its source does not show ends it:
        that call and every later one are recorded."""
        if not self.unrecorded_calls:
            return False
        verdict = self.verdicts.get(module, {}).get(function, unrecorded.OPEN)
        if verdict == unrecorded.OPEN:
            self.unrecorded_calls = False
        return verdict == unrecorded.UNRECORDED

    def error(self, kind: str, exc: BaseException) -> dict[str, Any]:
        error: dict[str, Any] = {
            "kind": kind,
            "type": type(exc).__name__,
            "message": self.relative(str(exc))[:2000],
            "traceback": self.student_traceback(exc),
        }
        if isinstance(exc, NotImplementedError) and self.raised_by_submission(exc):
            error["unwritten"] = True  # the function is not written yet: a stub says so
        said = exc.args[0] if len(exc.args) == 1 else None
        if isinstance(said, Message):  # the worker's own words: the grader may translate them
            values = {k: self.relative(v) if isinstance(v, str) else v for k, v in said.values.items()}
            error["said"] = Message(said.msgid, **values).to_json()
        return {"ok": False, "error": error, "used": sorted(self.used)}

    def raised_by_submission(self, exc: BaseException) -> bool:
        """Whether ``exc`` came from a ``raise`` statement of the student's own code (a stub's
        ``raise NotImplementedError``, in a module or a notebook's cell), not from a library it
        called: torch raises NotImplementedError for an operation that a dtype or a device
        lacks ("addmm_cuda" not implemented for 'Long'), which is no unwritten function."""
        stack = traceback.extract_tb(exc.__traceback__)  # not ``frames``: that is the wire's module
        if not stack or stack[-1].filename.startswith(_library_dirs()):
            return False
        line = stack[-1].line
        return not line or line.lstrip().startswith("raise")

    def relative(self, text: str) -> str:
        """``text`` with the paths of the worker's copy made relative to the submission
        (``/tmp/mlgrade-worker-x/submission/data.csv`` reads ``data.csv``)."""
        if not os.path.isabs(self.root) or self.root == os.sep:  # a notebook's folder, the template's /
            return text
        return text.replace(self.root + os.sep, "")

    def student_traceback(self, exc: BaseException) -> str:
        """The traceback restricted to the submission's own files, with relative paths; a
        syntax error's own line (``File "least_squares.py", line 4``) too."""
        own = self.root + os.sep
        # Only the submission's frames are extracted: extracting one works out its line and
        # columns from its code, which for the worker's own frame and a library's took longer
        # than the student's whole call. The same frames, with the same positions (tb_lasti).
        chain = None
        kept = [tb for tb in _tracebacks(exc.__traceback__) if tb.tb_frame.f_code.co_filename.startswith(own)]
        for tb in reversed(kept):
            chain = types.TracebackType(chain, tb.tb_frame, tb.tb_lasti, tb.tb_lineno)
        frames = traceback.extract_tb(chain)
        for f in frames:
            f.filename = os.path.relpath(f.filename, self.root)
        lines = traceback.format_list(frames)
        if isinstance(exc, SyntaxError) and isinstance(exc.filename, str) and exc.filename.startswith(self.root):
            exc.filename = os.path.relpath(exc.filename, self.root)
        lines += traceback.format_exception_only(type(exc), exc)
        return self.relative("".join(lines))[-4000:]

    def imports(self, request: dict[str, Any]) -> dict[str, Any]:
        """Import the module (once, as a call would) and name what it defines that can be
        called: ``mlgrade validate``'s question, asked without calling anything."""
        module = self.module(request["module"])
        self.used.clear()
        if isinstance(module, BaseException):
            return self.error("import", module)
        names = [n for n, v in vars(module).items() if isinstance(n, str) and not n.startswith("_") and callable(v)]
        return {"ok": True, "functions": sorted(names)}

    def call(self, request: dict[str, Any], blobs: list[bytes]) -> tuple[dict[str, Any], list[bytes]]:
        module = self.module(request["module"])
        self.used.clear()
        if isinstance(module, BaseException):
            return self.error("import", module), []
        function = getattr(module, request["function"], None)
        if not callable(function):
            missing = AttributeError(
                Message(
                    N_("{module}.py defines no function {function}"),
                    module=request["module"],
                    function=request["function"],
                )
            )
            return self.error("missing", missing), []
        try:
            args, kwargs = self._arguments(request, blobs, self.device)
        except (KeyError, IndexError, TypeError) as exc:
            return self.error("raised", exc), []
        value, raised = self._run(function, args, kwargs, request)
        fell_back = None
        if raised is not None and self.device.type != "cpu":
            # SPEC: a correct function passes whatever its style, NumPy inside included, and
            # code written on a laptop often makes its tensors on the CPU: a call that raises
            # on the grading device is answered by the same call with its inputs on the CPU
            try:
                args, kwargs = self._arguments(request, blobs, self.torch.device("cpu"))
            except Exception:  # a kept result that cannot leave the device (its context failed)
                pass
            else:
                fell_back = _one_line(raised)
                value, raised = self._run(function, args, kwargs, request)
        if raised is not None:
            failed = self.error("raised", raised)
            if fell_back is not None:
                failed["ran_on_cpu"] = fell_back
            return failed, []
        keep, opaque = request.get("keep"), set(request.get("opaque", []))
        if keep is not None:
            self.kept = {keep: value}  # only the latest: a cache is used by the next call
        if opaque and isinstance(value, (tuple, list)):
            value = tuple(None if i in opaque else v for i, v in enumerate(value))
        try:
            tree, out_blobs = wire.encode(value, self.to_numpy)
        except frames.WireError as exc:
            return self.error("unsendable", exc), []
        except MemoryError:
            unsendable = MemoryError(Message(N_("the result is too large to copy for sending")))
            return self.error("unsendable", unsendable), []
        size = sum(len(b) for b in out_blobs)
        if size > self.answer_bytes:
            text = N_("{mib:.0f} MiB of arrays, more than an answer may hold")
            too_large = ValueError(Message(text, mib=size / 2**20))
            return self.error("unsendable", too_large), []
        answer = {
            "ok": True,
            "value": tree,
            "arg_digests": [wire.array_digest(t.detach().cpu().numpy()) for t in self.received],
            "used": sorted(self.used),
            "devices": sorted(self.devices(value)),
        }
        if fell_back is not None:
            answer["ran_on_cpu"] = fell_back
        return answer, out_blobs

    def _arguments(self, request: dict[str, Any], blobs: list[bytes], device: Any) -> tuple[tuple, dict]:
        """The request's arguments, their tensors on ``device`` (and the results kept from
        earlier calls that they name moved there)."""
        self.received = []
        to_tensor = functools.partial(self.to_tensor, device=device)
        payload = wire.decode(request["payload"], blobs, to_tensor, functools.partial(self.resolve, device=device))
        return payload["args"], payload["kwargs"]

    def _run(
        self, function: Any, args: tuple, kwargs: dict[str, Any], request: dict[str, Any]
    ) -> tuple[Any, Exception | None]:
        """Call ``function``, recording the forbidden calls it makes (where it must be
        watched): its value, or what it raised."""
        random.seed(0)
        np.random.seed(0)
        # torch.manual_seed also seeds CUDA, XPU and MTIA lazily, formatting a stack trace for
        # each: a third of a call's overhead. Seed the generators this device uses.
        self.torch.default_generator.manual_seed(0)
        if self.device.type == "cuda":
            self.torch.cuda.manual_seed_all(0)
        try:
            with ExitStack() as watching:
                if self._judged(request["module"], request["function"]):
                    self.unwatched = watching  # where the recorder goes if the call must be watched after all
                else:
                    watching.enter_context(self.recorder())
                self.recording = True
                return function(*args, **kwargs), None
        except Exception as exc:
            return None, exc
        finally:
            self.recording = False
            self.unwatched = None


def _one_line(exc: BaseException) -> str:
    """What ``exc`` says, on one line, for a note: its type and the start of its message."""
    said = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {said[0][:200]}" if said else type(exc).__name__


def _tracebacks(tb: types.TracebackType | None) -> Iterator[types.TracebackType]:
    """A traceback's entries, outermost first."""
    while tb is not None:
        yield tb
        tb = tb.tb_next


def main() -> None:
    if sys.argv[1] == "stdio":  # the portable worker: python -m grader.isolation.worker stdio CONFIG
        fd_in, fd_out = _protocol_off_stdio()
        config = WorkerConfig.from_json(sys.argv[2])
    else:
        fd_in, fd_out = int(sys.argv[1]), int(sys.argv[2])
        config = WorkerConfig.from_json(sys.argv[3])
    protected = [*installed.secret_dirs(), *config.hidden]  # before the worker's import guard hides the packages
    worker = seal(config, protected, Worker)
    serve(worker, config.request_bytes, fd_in, fd_out)


def _protocol_off_stdio() -> tuple[int, int]:
    """Move the protocol off the standard streams, where the portable worker receives it:
    the requests (standard input) and the answers (standard output) to descriptors of their
    own, then standard input from the null device and standard output to where standard
    error goes (the grader's output file), so that the student's prints cannot reach the
    answers. Works the same on Windows, whose C runtime has dup and dup2 too."""
    fd_in, fd_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    return fd_in, fd_out


def _flush_printed() -> None:
    """Push what the student's code printed to the output file before answering, so that the
    grader finds it there (standard output to a file is block-buffered)."""
    for stream in (sys.stdout, sys.stderr):
        with suppress(Exception):  # the student may have replaced or closed them
            stream.flush()


def serve(worker: Worker, request_bytes: int, fd_in: int, fd_out: int) -> None:
    """Say the worker is ready, and answer calls until the grader closes the pipe. The
    worker is sealed (``grader.isolation.seal``): from here on student code may run."""
    requests = frames.BufferedPipe(fd_in, "the grader")
    reader = frames.FrameReader(requests.read_exactly, request_bytes)
    with suppress(Exception):  # printed lines reach the output file in the order they were printed
        sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    frames.write_frame(fd_out, {"ok": True, "ready": True})
    while True:
        try:
            request, blobs = reader.read()
        except EOFError:
            return
        if request.get("op") == "calls":
            _stream(worker, request, blobs, reader, requests, fd_out)
        else:
            _answer(worker, request, blobs, fd_out)


def _answer(worker: Worker, request: dict[str, Any], blobs: list[bytes], fd_out: int) -> None:
    """Answer one request, saying where what the student's code printed meanwhile ends."""
    if request.get("op") == "call":
        answer, out_blobs = worker.call(request, blobs)
    elif request.get("op") == "import":
        answer, out_blobs = worker.imports(request), []
    elif request.get("op") == "stop":  # a stream that had ended before the grader stopped it
        answer, out_blobs = {"ok": True, "stopped": True}, []
    else:
        answer, out_blobs = {"ok": True}, []
    _flush_printed()
    with suppress(OSError):
        answer["printed_to"] = os.fstat(1).st_size
    frames.write_frame(fd_out, answer, out_blobs)


def _stream(
    worker: Worker,
    request: dict[str, Any],
    blobs: list[bytes],
    reader: frames.FrameReader,
    requests: frames.BufferedPipe,
    fd_out: int,
) -> None:
    """Make the calls of a "calls" request one after another, writing each answer as its
    call returns, until they are all made or the grader says stop (looked for between calls:
    the grader stops a stream once its check has what it needs)."""
    for i, item in enumerate(request.get("calls", [])):
        if i and requests.waiting():
            try:
                reader.read()  # the grader's stop: nothing else comes while a stream runs
            except EOFError:
                return
            frames.write_frame(fd_out, {"ok": True, "stopped": True})
            return
        _answer(worker, {"op": "call", "module": request.get("module"), "keep": None, **item}, blobs, fd_out)


if __name__ == "__main__":
    main()
