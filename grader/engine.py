"""Grades one submission: finds its modules, runs every check of every exercise against a
worker (``grader.isolation``), and applies the forbidden-call rule.

The three kinds of failure stay apart (STYLE.md): the student's code is wrong (a failed check
with a message); the submission is unusable (a missing module, a syntax error: zero for what
it breaks, with the error); the grader itself failed (an exception out of ``grade_exercise``,
never a score). ``grade`` contains a grader failure to its exercise: that exercise's checks get
0 with a message that says the grader failed there, the result is marked ``grader_failed`` (the
command line exits 1 and names it), and the other exercises keep their grades.

Time is budgeted (SECURITY.md): each call of a student function has its limit
(``Limits.call_seconds``), each exercise and each submission a total (``Options``); a call never
runs past the budget left, and once a budget is spent the checks left say so and score 0.

A submission is asked each question once (``StudentCalls.answered``): checks of one function
often ask the same call (a contract, a parity and a property on the same examples), and the
worker seeds every generator before each call, so the answer is the same; it is judged again
wherever it is asked. About a third of a submission's calls, measured on the references.
"""

from __future__ import annotations

import ast
import difflib
import functools
import importlib
import importlib.util
import itertools
import os
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from grader import examples_cache, forbidden, isolation
from grader.checks import (
    BudgetSpent,
    Call,
    Check,
    CheckFailed,
    Context,
    ReferenceParity,
    StopCheck,
    StudentRaised,
    copied,
    holds,
    take_truths,
    torch_on_one_thread,
    truths_found,
)
from grader.exercise import Exercise, forbidden_patterns
from grader.i18n import _, ngettext
from grader.isolation import Limits, Supervisor, WorkerLost
from grader.outputs import ContractViolation, Returns, conform, opaque_items
from grader.results import CheckResult, ExerciseResult, SubmissionResult

ZIP_MAX_BYTES = 50 * 2**20


class SubmissionError(Exception):
    """The submission cannot be read at all (not a directory or zip, a bad zip)."""


# -- the language of what the isolation unit says -------------------------------------------

# What a worker's error may carry as its words (``said``): the values ``isolation.Message`` formats.
_SAID_VALUES = (str, int, float)


def localized(text: str) -> str:
    """``text`` in the language in use: an ``isolation.Message`` (the isolation unit's words:
    a worker lost, a file left out, why grading cannot be isolated here) is translated with its
    values, themselves translated where they are messages; any other text is returned as it is."""
    if not isinstance(text, isolation.Message):
        return text
    values = {k: localized(v) if isinstance(v, str) else v for k, v in text.values.items()}
    return _(text.msgid).format(**values)


def localized_error(exc: BaseException) -> str:
    """What an exception of the isolation unit or a usage problem says, in the language in
    use (its first argument is an ``isolation.Message`` where it has one)."""
    return localized(exc.args[0]) if exc.args and isinstance(exc.args[0], str) else str(exc)


def _said(error: dict[str, Any], english: str) -> str:
    """What a worker's error says (``english``), in the language in use: its ``said``, the
    msgid and values of an ``isolation.Message`` the worker raised, where the catalog knows
    that msgid. Anything else, or anything malformed (the student's code can raise what it
    likes), is the English as it came."""
    said = error.get("said")
    if not isinstance(said, dict):
        return english
    msgid, values = said.get("msgid"), said.get("values")
    if not isinstance(msgid, str) or not isinstance(values, dict) or _(msgid) == msgid:
        return english  # English, or a msgid that is not ours: used as a format, it could be anything
    if not all(isinstance(v, _SAID_VALUES) and not isinstance(v, bool) for v in values.values()):
        return english
    try:
        return _(msgid).format(**values)[:2000]
    except (KeyError, IndexError, ValueError, AttributeError):
        return english


# The time budgets' defaults. Measured with bench/budgets.py on a 2-core machine loaded four
# times over (the variants' tests and other work running): the references take at most
# 7.4 s for an exercise (conv; metrics 6.4 s, the others 2-6 s) and 42 s for the whole course,
# worker start included; the buggy sample, whose failures are shrunk, 7.0 s and 31 s. The
# budgets leave eight and seven times that, so that only a submission that stalls meets them;
# one that does costs at most 60 s an exercise and 300 s in all.
EXERCISE_SECONDS = 60.0
SUBMISSION_SECONDS = 300.0


@dataclass(frozen=True)
class Options:
    device: str = "cpu"
    limits: Limits = field(default_factory=Limits)
    sandbox: str = "auto"  # the mode for isolation.choose: "auto", "require" or "off"
    # the portable worker will do where Linux's mechanisms are missing: a student's own check
    # (mlgrade check, validate), never grading, which then refuses (isolation.CannotIsolate)
    portable: bool = False
    exercise_seconds: float = EXERCISE_SECONDS  # the time budget of one exercise's checks
    submission_seconds: float = SUBMISSION_SECONDS  # the time budget of a whole submission
    # the language of titles and messages (grader.i18n); the grading processes batch starts use it
    language: str = "en"
    # seconds the worker's warm template may wait for the next command: a student's own check,
    # run again and again (isolation.kept_seconds); 0 for grading, whose template is its own
    keep_template: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The options a grade depends on, as grades.json records them."""
        return {
            "device": self.device,
            "time_limit": self.limits.call_seconds,
            "exercise_budget": self.exercise_seconds,
            "submission_budget": self.submission_seconds,
            "sandbox": self.sandbox,
            "language": self.language,
        }


@dataclass(frozen=True)
class Budget:
    """A total time budget: a deadline on ``time.monotonic()``, and its name for the checks
    it leaves unrun ("the exercise's time budget of 60 s")."""

    deadline: float
    name: str

    @classmethod
    def starting_now(cls, seconds: float, owner: str) -> Budget:
        """``owner``: "exercise" or "submission"."""
        if owner == "exercise":
            name = _("the exercise's time budget of {seconds:g} s").format(seconds=seconds)
        else:
            name = _("the submission's time budget of {seconds:g} s").format(seconds=seconds)
        return cls(time.monotonic() + seconds, name)

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def not_run(self) -> str:
        """The message of a check the budget left no time for."""
        # NOTE: {budget} is "the exercise's time budget of 60 s" or the submission's
        return _("not run: {budget} was spent").format(budget=self.name)

    def stopped(self) -> str:
        """The message of a check the budget ran out in."""
        return _("stopped: {budget} was spent while this check ran").format(budget=self.name)


# -- finding the modules -------------------------------------------------------------------


@dataclass(frozen=True)
class Opened:
    """A submission opened for grading: the folder holding its modules, and one sentence per
    file its worker will not get, saying why (a zip's members left packed, files over the
    copy's limits): what the student reads in their result."""

    folder: Path
    left_out: list[str]


@contextmanager
def opened(submission: Path, exercise_names: list[str]) -> Iterator[Opened]:
    """The submission, opened: the folder holding its modules (see ``find_modules``).

    A .zip is extracted to a private temporary directory first, refusing paths that would
    leave it and unpacking at most ZIP_MAX_BYTES: Python modules first, then the other
    members in order while they fit, so that a dataset inside the zip never costs an exercise
    (the members left packed are named in ``left_out``). A single .py file is a submission of
    that one module.
    """
    if submission.is_dir():
        inner_zip = _lone_zip(submission, exercise_names)
        if inner_zip is None:
            folder = find_modules(submission, exercise_names)
            yield Opened(folder, left_out(folder))
            return
        submission = inner_zip  # a folder holding only the zip that was handed in (Gradescope)
    suffix = submission.suffix.lower()
    if suffix not in (".zip", ".py") or not submission.is_file():
        raise SubmissionError(
            _("{submission} is neither a directory, a .zip file nor a .py module").format(submission=submission)
        )
    with tempfile.TemporaryDirectory(prefix="mlgrade-zip-") as tmp:
        packed: list[str] = []
        if suffix == ".py":
            shutil.copyfile(submission, Path(tmp) / submission.name)
        else:
            packed = _extract(submission, tmp)
        folder = find_modules(Path(tmp), exercise_names)
        yield Opened(folder, packed + left_out(folder))


def left_out(folder: Path) -> list[str]:
    """One sentence, in the language in use, for each file of ``folder`` its worker will not
    get (``isolation.left_out``)."""
    return [localized(note) for note in isolation.left_out(folder)]


def _extract(submission: Path, into: str) -> list[str]:
    """Unpack the zip ``submission`` into ``into``, at most ZIP_MAX_BYTES of it (modules
    first); one sentence for each member left packed."""
    try:
        with zipfile.ZipFile(submission) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            for m in archive.infolist():
                target = os.path.realpath(os.path.join(into, m.filename))
                if not target.startswith(os.path.realpath(into) + os.sep):
                    raise SubmissionError(
                        _("{submission} holds a path outside the archive: {path}").format(
                            submission=submission, path=m.filename
                        )
                    )
            modules = [m for m in members if m.filename.endswith(".py")]
            budget = ZIP_MAX_BYTES
            unpacked, packed = [], []
            # the sizes a zip declares bound what zipfile writes: it stops at a member's file_size
            for m in modules + [m for m in members if not m.filename.endswith(".py")]:
                if m.file_size > budget:
                    packed.append(m)
                else:
                    unpacked.append(m)
                    budget -= m.file_size
            archive.extractall(into, unpacked)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SubmissionError(
            _("{submission} is not a readable zip file ({error})").format(submission=submission, error=exc)
        ) from None
    return [
        _("{file} ({size}) was not unpacked from {submission}: a zip is unpacked up to {mib} MiB").format(
            file=m.filename,
            size=localized(isolation.readable_size(m.file_size)),
            submission=submission.name,
            mib=ZIP_MAX_BYTES // 2**20,
        )
        for m in packed
    ]


# Folders that hold no student work: a Mac's zip metadata, caches, version control.
_NOT_WORK = {"__MACOSX", "__pycache__", ".git", ".ipynb_checkpoints"}


def _holds_modules(folder: Path, exercise_names: list[str]) -> bool:
    return any((folder / f"{n}.py").is_file() for n in exercise_names)


def find_modules(root: Path, exercise_names: list[str]) -> Path:
    """The folder of a submission that holds its exercise modules: the root, its exercises/
    folder, or, where the root holds neither, its one subfolder (a zipped or downloaded
    folder: Gradescope unpacks ``hw1.zip`` to ``submission/hw1/``), looked through the same
    way. Without any, the root: every module is then reported missing, with a hint."""
    folder = root
    for _depth in range(3):  # root, its one subfolder, and that one's
        if _holds_modules(folder, exercise_names):
            return folder
        if _holds_modules(folder / "exercises", exercise_names):
            return folder / "exercises"
        entries = [p for p in folder.iterdir() if p.name not in _NOT_WORK and not p.name.startswith(".")]
        subfolders = [p for p in entries if p.is_dir()]
        if len(subfolders) != 1 or any(p.suffix == ".py" for p in entries):
            break
        folder = subfolders[0]
    return root


def _lone_zip(folder: Path, exercise_names: list[str]) -> Path | None:
    """The one .zip of a folder that holds no exercise module anywhere else."""
    if find_modules(folder, exercise_names) != folder or _holds_modules(folder, exercise_names):
        return None
    entries = [p for p in folder.iterdir() if p.name not in _NOT_WORK and not p.name.startswith(".")]
    zips = [p for p in entries if p.is_file() and p.suffix.lower() == ".zip"]
    return zips[0] if len(zips) == 1 and not any(p.is_dir() for p in entries) else None


def missing_module(module_dir: Path, exercise: str) -> str:
    """Why ``exercise``'s module was not found, naming what was found and the nearest name."""
    message = _("{exercise}.py is not in the submission").format(exercise=exercise)
    try:
        entries = sorted(p for p in module_dir.iterdir() if p.name not in _NOT_WORK and not p.name.startswith("."))
    except OSError:
        return message
    shown = [p.name + ("/" if p.is_dir() else "") for p in entries]
    if not shown:
        return _("{exercise}.py is not in the submission (the submission is empty)").format(exercise=exercise)

    def plain(name: str) -> str:  # LeastSquares.py, least_squares (1).py, least-squares.py
        stem = re.sub(r"\s*\(\d+\)$", "", Path(name).stem)
        return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", stem).replace("-", "_").replace(" ", "_").lower()

    near = [p.name for p in entries if p.is_file() and p.suffix.lower() in (".py", ".ipynb", ".txt", "")]
    near = [n for n in near if plain(n) == exercise] or difflib.get_close_matches(
        exercise, [n for n in near if n.endswith(".py")], n=1, cutoff=0.75
    )
    listed = ", ".join(shown[:8])
    if len(shown) > 8:
        more = len(shown) - 8
        listed = ngettext("{names} and {count} more", "{names} and {count} more", more).format(names=listed, count=more)
    if near:
        return _(
            "{exercise}.py is not in the submission; found {found}. Did you mean {near}? Rename it to {exercise}.py"
        ).format(exercise=exercise, found=listed, near=near[0])
    return _("{exercise}.py is not in the submission; found {found}").format(exercise=exercise, found=listed)


def read_source(path: Path) -> str:
    """A module's text as Python's import reads it: a UTF-8 byte-order mark or a coding line
    is honoured, so that a file Python imports is never a syntax error to the grader. Bytes
    that are not text are replaced: whether the module imports is the worker's to find out."""
    data = path.read_bytes()
    try:
        return importlib.util.decode_source(data)
    except (UnicodeDecodeError, SyntaxError, LookupError):  # an unknown or wrong coding line
        return data.decode("utf-8", errors="replace")


# -- calling the student's and the reference's functions --------------------------------


class WorkerChannel(Protocol):
    """Where the student's functions run: an isolated worker (``isolation.Supervisor``) or a
    notebook kernel's own process (``isolation.InProcess``). Returns the worker's answer and
    its array blobs (``grader.isolation.wire``); raises ``WorkerLost`` when the worker is gone.

    A channel whose ``streams`` is true also takes many calls in one request (``stream``) and
    gives their answers one by one (``answer``), as ``isolation.Supervisor`` does. One whose
    ``runs_apart`` is true runs the student's code in a process of its own, never in this one
    (``isolation.Supervisor``): what this process computes may then be kept for others."""

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
        """``timeout``: the most seconds this call may take, where less than the per-call limit
        (what is left of a time budget); a channel that cannot stop a call may ignore it."""
        ...


class StudentCalls:
    """Calls one exercise's functions in the worker, enforcing the contract on every call:
    the declared output and the inputs unchanged; and the time budget: no call runs past it,
    and none starts once it is spent. What costs no points but the student should know (a
    function that did not follow its inputs to the grading device) goes to ``notes``."""

    def __init__(
        self,
        channel: WorkerChannel,
        exercise: Exercise,
        device: str,
        params: dict[str, list[str]],
        budget: Budget | None = None,
    ) -> None:
        self.channel = channel
        self.exercise = exercise
        self.device = device
        self.params = params
        self.budget = budget
        self.lost: dict[str, str] = {}  # function -> what broke the worker; its checks fail fast
        self.used: dict[str, set[str]] = {}  # function -> forbidden names it called
        # function -> what its student should know that costs no points: it did not follow its
        # inputs to the grading device (the first time it did not)
        self.notes: dict[str, str] = {}
        self.printed = ""  # what the student's code printed during the latest call (the start of it)
        self.streams = bool(getattr(channel, "streams", False))
        self.planned: list[_Planned] | None = None  # the calls of the stream in flight; None: no stream
        self.later: list[tuple[_Planned, ...]] = []  # the running check's later runs, not streamed yet
        self.learning: _Learning | None = None  # the running check's plan, while it is learned
        self.answered: dict[bytes, tuple[dict[str, Any], list[bytes]]] = {}  # the worker's answers, by question
        self.answered_bytes = 0

    # -- a check's calls in one exchange ----------------------------------------------------

    def begin(self, check: Check) -> None:
        """Before ``check`` runs. Every submission of a class is asked the same questions: the
        calls a check made of a submission that passed it that are the check's own inputs
        (``Check.own_inputs``: a call built from an answer would show one submission's answers
        to another), in runs between the calls that are not, are its plan, learned once in this
        process. Where one is known, ask the worker for all of the calls of a run in one
        stream: the first run now, where the check starts with it, each later one when the
        check asks that run's first call. Each call the check then makes is answered from the
        stream while it is the next planned one, to the byte, and the stream stops at the first
        that is not (a check that fails asks no more)."""
        self.planned, self.learning, self.later = None, None, []
        if not self.streams:
            return
        kept = _PLANS.get((id(check), self.device))
        if kept is None or kept[0] is not check:
            self.learning = _Learning(self._own_questions(check))
            return
        first, *self.later = kept[1] or ((),)
        self._stream(first)

    def _stream(self, run: tuple[_Planned, ...]) -> bool:
        """Ask the worker for the calls of ``run`` in one stream, but for those answered
        already or asked earlier in it, up to the first of a function whose worker was lost;
        whether a stream was asked for."""
        planned = list(itertools.takewhile(lambda p: p.function not in self.lost, run))
        unasked, seen = [], set()  # answered already, or earlier in the plan: not asked again
        for p in planned:
            if p.question not in self.answered and p.question not in seen:
                unasked.append(p)
                seen.add(p.question)
        planned = unasked
        if not planned:
            return False
        opaque = {p.function: opaque_items(self.exercise.function(p.function).returns) for p in planned}
        calls = [(p.function, p.call.args, p.call.kwargs, opaque[p.function]) for p in planned]
        try:
            # the request's content: the questions name each call's exercise, function, device
            # and arguments; beside them, what the worker keeps back of each function's result
            key = (tuple(p.question for p in planned), tuple((f, tuple(o)) for f, o in sorted(opaque.items())))
            self.channel.stream(self.exercise.name, calls, key)  # type: ignore[attr-defined]
        except WorkerLost:
            return False  # the check's next call starts a fresh worker, and says what became of this one
        self.planned = planned[::-1]  # popped from the end
        return True

    def _own_questions(self, check: Check) -> dict[bytes, Call]:
        """``check``'s own inputs by question, found once per process (until a submission
        passes the check, each one learns its plan from them)."""
        known = _OWN.get((id(check), self.device))
        if known is None or known[0] is not check:
            own = ((_question(self.exercise.name, f, self.device, c), c) for f, c in check.own_inputs())
            known = _OWN[(id(check), self.device)] = (check, {q: c for q, c in own if q is not None})
        return known[1]

    def end(self, check: Check, passed: bool) -> None:
        """After ``check``: stop what is left of its stream; where its plan was being learned
        and it passed, keep the plan (``_Learning.plan``)."""
        if self.planned:
            self.channel.end_stream()  # type: ignore[attr-defined]
        self.planned, self.later = None, []
        if passed and self.learning is not None:
            _PLANS[(id(check), self.device)] = (check, self.learning.plan())
        self.learning = None

    def _streamed(self, question: bytes | None) -> bool:
        """Whether this call is the stream's next one (then it is taken off the plan);
        otherwise stop the stream, and start the one of the plan's later run that this call
        begins, if one does."""
        if self.planned and question is not None and self.planned[-1].question == question:  # function included
            self.planned.pop()
            return True
        if self.planned:
            self.channel.end_stream()  # type: ignore[attr-defined]
            self.planned = None
        if question is None or not self.later:
            return False
        starts = [i for i, run in enumerate(self.later) if run and run[0].question == question]
        if not starts:
            return False
        run, self.later = self.later[starts[0]], self.later[starts[0] + 1 :]
        if not self._stream(run):
            return False
        return self._streamed(question)

    def _learn(self, function: str, question: bytes | None) -> None:
        """Note the call where the running check's plan is being learned."""
        learning = self.learning
        if learning is None or learning.ended:
            return
        own = learning.own.get(question) if question is not None else None
        if sum(map(len, learning.runs)) >= PLANNED_CALLS:
            learning.ended = True  # the plan ends before this call
        elif question is None or own is None:
            if learning.runs[-1] or len(learning.runs) == 1:
                learning.runs.append([])  # a run ends before this call (the first, even empty); the next after it
        else:
            learning.runs[-1].append(_Planned(function, question, own))

    def _exchange(
        self,
        function: str,
        call: Call,
        keep: str | None,
        question: bytes | None,
        returns: Returns,
        timeout: float | None,
    ) -> tuple[dict[str, Any], list[bytes]]:
        """The worker's answer to the call: asked once per submission and question. The worker
        seeds every generator before each call, so a function asked the same question again
        answers the same (an answer that depends on what an earlier call left behind is not
        one to grade twice); the answer is then judged again as a fresh one, its failures,
        prints and forbidden calls included (the answer is only read). Calls that keep or hand
        on a result are asked each time, and answers stop being kept past ANSWERED_BYTES."""
        answered = self.answered.get(question) if question is not None else None
        if answered is not None:
            return answered
        try:
            if self._streamed(question):
                answer, blobs = self.channel.answer(function, timeout=timeout)  # type: ignore[attr-defined]
            else:
                answer, blobs = self.channel.call(
                    self.exercise.name, function, call.args, call.kwargs, keep, opaque_items(returns), timeout=timeout
                )
        except WorkerLost:
            self.planned = None  # the stream went with the worker
            raise
        size = sum(len(b) for b in blobs)
        if question is not None and self.answered_bytes + size <= ANSWERED_BYTES:
            self.answered[question] = (answer, blobs)
            self.answered_bytes += size
        return answer, blobs

    def __call__(self, function: str, call: Call, keep: str | None = None) -> Any:
        if function in self.lost:
            raise StopCheck(_("{reason} (in an earlier check; not run again)").format(reason=self.lost[function]))
        returns = self.exercise.function(function).returns
        self.printed = ""
        timeout = None
        if self.budget is not None:
            timeout = self.budget.left()
            if timeout <= 0:
                raise BudgetSpent(self.budget.stopped())
        question = _question(self.exercise.name, function, self.device, call) if keep is None else None
        self._learn(function, question)
        try:
            answer, blobs = self._exchange(function, call, keep, question, returns, timeout)
        except WorkerLost as exc:
            self.printed = localized(exc.printed)
            if self.budget is not None and self.budget.left() <= 0:
                raise BudgetSpent(self.budget.stopped()) from None  # cut short by the budget, not its own limit
            # NOTE: {reason} says what happened to the worker: "timed out after 2 s calling fit (an endless loop?)"
            self.lost[function] = _("{function}: {reason}").format(function=function, reason=localized(exc.reason))
            raise StopCheck(self.lost[function]) from None
        self.printed = localized(answer.get("printed", ""))
        self.used.setdefault(function, set()).update(answer.get("used", []))
        if "ran_on_cpu" in answer and function not in self.notes:
            # NOTE: {error} is what the call raised on the GPU, on one line ("TypeError: can't convert cuda:0 ...")
            self.notes[function] = _(
                "{function} was graded on the CPU: with its inputs on {device} it raised {error}"
            ).format(function=function, device=self.device, error=answer["ran_on_cpu"])
        if not answer.get("ok"):
            raise self._failure(function, answer.get("error", {}))
        try:
            value = isolation.decode(answer.get("value"), blobs)
        except isolation.WireError as exc:
            problem = localized_error(exc)
            raise CheckFailed(
                _("{function} returned a value the grader cannot read ({problem})").format(
                    function=function, problem=problem
                )
            ) from None
        self._check_inputs_unchanged(function, call, question, answer.get("arg_digests"))
        devices = set(answer.get("devices", [])) - {self.device}
        # a tensor on another device is read as a NumPy array is (SPEC: a correct function passes
        # whatever its style), and noted; a call that sends no tensor (an array, or a result the
        # worker kept), such as a gate's name or a length, has no device its function could follow
        if (
            devices
            and function not in self.notes
            and holds((call.args, call.kwargs), (np.ndarray, np.generic, isolation.Kept))
        ):
            self.notes[function] = _(
                "{function} returned a tensor on {device} for inputs on {expected} (graded all the same)"
            ).format(function=function, device=sorted(devices)[0], expected=self.device)
        try:
            return conform(value, returns, call.args, _("{function}'s result").format(function=function))
        except ContractViolation as exc:
            raise CheckFailed(str(exc)) from None

    def _failure(self, function: str, error: dict[str, Any]) -> BaseException:
        kind, type_name = error.get("kind"), error.get("type", "Exception")
        message, tb = _said(error, error.get("message", "")), error.get("traceback", "")
        if kind == "import":
            return StopCheck(
                _("{exercise}.py could not be imported:\n{traceback}").format(
                    exercise=self.exercise.name, traceback=tb.rstrip()
                )
            )
        if kind == "missing":
            return StopCheck(message)
        if kind == "unsendable":
            return CheckFailed(
                _("{function} returned something the grader cannot read: {problem}").format(
                    function=function, problem=message
                )
            )
        if error.get("unwritten"):
            return StopCheck(
                _("{function} is not implemented yet (it raises NotImplementedError)").format(function=function)
            )
        return StudentRaised(type_name, message, tb)

    def _check_inputs_unchanged(self, function: str, call: Call, question: bytes | None, digests: Any) -> None:
        """That the worker's digests of the call's arrays after the call are those of the
        arrays sent. Those are digested once per process and question (_SENT): an equal
        question has equal arrays."""
        sent = _SENT.get(question) if question is not None else None
        if sent is None:
            sent = [
                (label, isolation.array_digest(a)) for label, a in _array_leaves(call, self.params.get(function, []))
            ]
            if question is not None and len(_SENT) < ANSWERS_KEPT:
                _SENT[question] = sent
        if not isinstance(digests, list) or len(digests) != len(sent):
            raise CheckFailed(
                _("{function}: the worker did not report its inputs after the call").format(function=function)
            )
        for (label, before), after in zip(sent, digests, strict=True):
            if before != after:
                raise CheckFailed(
                    _("{function} modified its input {argument} in place; inputs must be left unchanged").format(
                        function=function, argument=label
                    )
                )


def _array_leaves(call: Call, names: list[str]) -> Iterator[tuple[str, np.ndarray]]:
    labelled = [(names[i] if i < len(names) else f"#{i + 1}", a) for i, a in enumerate(call.args)]
    labelled += list(call.kwargs.items())

    def walk(label: str, v: Any) -> Iterator[tuple[str, np.ndarray]]:
        if isinstance(v, np.ndarray):
            yield label, v
        elif isinstance(v, (list, tuple)):
            for i, x in enumerate(v):
                yield from walk(f"{label}[{i}]", x)
        elif isinstance(v, dict):
            for k, x in v.items():
                yield from walk(f"{label}[{k!r}]", x)

    for label, v in labelled:
        yield from walk(label, v)


class ReferenceCalls:
    """Calls the reference solution in the grader's process, in float64, on the device.

    Every submission asks the reference the same questions: its answers are kept per process
    (``_ANSWERS``) and on disk for the next (``examples_cache.read_answers``), so that a grading
    whose answers are all kept never imports the reference, nor torch: the module is imported
    at the first question no kept answer has."""

    def __init__(self, exercise: Exercise, device: str) -> None:
        self.exercise = exercise
        self.device = device
        self._module: Any = None  # the reference, and torch, once a question needs them
        self.torch: Any = None
        # The result the latest call that kept one kept (``keep``), by handle: the question it
        # answered, the call, and the value where it was computed (an answer that was kept is
        # computed again only where a call without a kept answer takes it as an argument).
        self.kept: dict[str, tuple[bytes | None, str, Call, Any]] = {}

    def __call__(self, function: str, call: Call, keep: str | None = None) -> Any:
        key = self._question(function, call)
        if keep is not None:  # its answer is the same, kept or not; the value is computed when taken
            self.kept = {keep: (key, function, call, _NOT_COMPUTED)}
        if key is not None and key in _ANSWERS:
            answer = _ANSWERS[key]
            if isinstance(answer, _Raised):
                raise ValueError(answer.message)
            return copied(answer)
        try:
            value = self._computed(function, call)
        except ValueError as exc:
            self._found(key, _Raised(str(exc)))
            raise
        if keep is not None:
            self.kept = {keep: (key, function, call, value)}
        returns = self.exercise.function(function).returns
        answer = conform(self._to_numpy(value), returns, call.args, _("the reference"))
        self._found(key, answer)
        return answer

    def _question(self, function: str, call: Call) -> bytes | None:
        """The question ``call`` asks, as ``_question`` digests it; a kept result among its
        arguments stands as the question that made it (None where that one is not known)."""
        plain = _question(self.exercise.name, function, self.device, call)
        if plain is not None or not any(isinstance(a, isolation.Kept) for a in call.args):
            return plain  # None: not plain data, and no kept result in it
        makers = []
        for a in call.args:
            if isinstance(a, isolation.Kept):
                made = self.kept.get(a.handle)
                if made is None or made[0] is None:
                    return None
                makers.append(f"{made[0].hex()}[{a.index}]")
        standing = Call(tuple(None if isinstance(a, isolation.Kept) else a for a in call.args), call.kwargs)
        return _question(self.exercise.name, f"{function}<-{','.join(makers)}", self.device, standing)

    def _found(self, key: bytes | None, answer: Any) -> None:
        if key is not None and len(_ANSWERS) < ANSWERS_KEPT:
            _ANSWERS[key] = copied(answer)
            _ANSWERS_FOUND.setdefault((self.exercise.name, self.device), {})[key] = _ANSWERS[key]

    def _computed(self, function: str, call: Call) -> Any:
        """What the reference's ``function`` returns for ``call``, computed here."""
        module = self._imported()
        args = tuple(self._to_torch(a) for a in call.args)
        kwargs = {k: self._to_torch(v) for k, v in call.kwargs.items()}
        return getattr(module, function)(*args, **kwargs)

    def _imported(self) -> Any:
        if self._module is None:
            import torch

            self.torch = torch
            torch_on_one_thread()
            self._module = importlib.import_module(f"solutions.{self.exercise.name}")
        return self._module

    def _to_torch(self, v: Any) -> Any:
        if isinstance(v, isolation.Kept):
            key, function, call, value = self.kept[v.handle]
            if value is _NOT_COMPUTED:  # its answer was kept: compute the value it stands for
                value = self._computed(function, call)
                self.kept[v.handle] = (key, function, call, value)
            return value[v.index]
        if isinstance(v, np.ndarray):
            t = self.torch.from_numpy(v.copy())
            return (t.double() if t.is_floating_point() else t).to(self.device)
        if isinstance(v, dict):
            return {k: self._to_torch(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):  # a list of batches or of tensors, as the worker sends them
            return type(v)(self._to_torch(x) for x in v)
        return v

    def _to_numpy(self, v: Any) -> Any:
        if isinstance(v, self.torch.Tensor):
            return v.detach().cpu().numpy()
        if isinstance(v, (tuple, list)):
            return type(v)(self._to_numpy(x) for x in v)
        if isinstance(v, dict):
            return {k: self._to_numpy(x) for k, x in v.items()}
        return v


_NOT_COMPUTED = object()  # a kept result whose answer was kept, its value not computed here


@dataclass(frozen=True)
class _Raised:
    message: str  # the reference's ValueError


@dataclass(frozen=True)
class _Planned:
    """A call of a check's plan (StudentCalls.begin): the function, the question's digest
    (``_question``), and the call itself, to send."""

    function: str
    question: bytes
    call: Call


@dataclass
class _Learning:
    """A check's plan while it is learned: its own inputs by question, and its calls so far
    that are among them, in runs between those that are not."""

    own: dict[bytes, Call]
    runs: list[list[_Planned]] = field(default_factory=lambda: [[]])
    ended: bool = False  # PLANNED_CALLS were planned: the plan ends there

    def plan(self) -> Plan:
        """The plan learned: the first run (empty where the check starts with another call, or
        makes a single one), then the later runs of more than one call."""
        first, *later = self.runs
        return (tuple(first) if len(first) > 1 else (), *(tuple(run) for run in later if len(run) > 1))


# A check's plan (StudentCalls.begin): runs of its own inputs, the first asked as the check
# starts (empty where it starts with another call), each later one when its first is asked.
Plan = tuple[tuple[_Planned, ...], ...]
# Each check's plan, by check and device: the calls it made of a submission that passed it,
# learned once per process (the check kept beside it, as checks._RECORDED does). A plan holds
# at most PLANNED_CALLS calls: a stream is one request, held in memory.
PLANNED_CALLS = 2000
ANSWERED_BYTES = 64 * 2**20  # of one submission's answers to one exercise, kept to answer a question again
_PLANS: dict[tuple[int, str], tuple[Check, Plan]] = {}
_OWN: dict[tuple[int, str], tuple[Check, dict[bytes, Call]]] = {}  # StudentCalls._own_questions


# Of each exercise and device (by id, the exercise kept beside it): the checks whose plans the
# examples cache holds, as this process last read or wrote it.
_PLANS_KEPT: dict[tuple[int, str], tuple[Exercise, set[tuple[str, str, str, str]]]] = {}


def _take_kept_answers(exercise: Exercise, device: str) -> None:
    """Take the reference's answers and the checks' truths for ``exercise`` on ``device`` that
    another process computed (grader/examples_cache.py), once per process."""
    if _ANSWERS_READ.get((id(exercise), device)) is exercise:
        return
    answers, truths = examples_cache.read_answers(exercise, device)
    for key, answer in answers.items():
        if len(_ANSWERS) >= ANSWERS_KEPT:
            break
        _ANSWERS.setdefault(key, answer)
    for check in _with_truths(exercise):
        take_truths(check, truths.get(examples_cache.plan_key(check), {}))
    _ANSWERS_READ[(id(exercise), device)] = exercise


def _keep_answers(exercise: Exercise, device: str, write: bool) -> None:
    """Write the answers and truths this process computed for ``exercise`` on ``device`` that
    the examples cache does not hold yet, for the next grading process; where not ``write``,
    forget them: a channel that runs the student's code in this process (a notebook's kernel)
    leaves it free to change what the reference answers, which no other grading may take."""
    answers = _ANSWERS_FOUND.pop((exercise.name, device), {})
    found = {examples_cache.plan_key(check): truths_found(check) for check in _with_truths(exercise)}
    truths = {key: taken for key, taken in found.items() if taken}
    if write and (answers or truths):
        examples_cache.keep_answers(exercise, device, answers, truths)


def _with_truths(exercise: Exercise) -> Iterator[ReferenceParity]:
    """``exercise``'s checks that take their truth from elsewhere than the reference (torch)."""
    return (c for c in exercise.checks if isinstance(c, ReferenceParity) and c.truth is not None)


def _take_kept_plans(exercise: Exercise, device: str) -> None:
    """Take the plans of ``exercise``'s checks on ``device`` that another process learned
    (grader/examples_cache.py), once per process: its first submission is asked in streams
    too, without learning them again. A plan only says which of a check's own inputs to ask
    ahead: a stream is answered from while the check asks those same questions, to the byte."""
    seen = _PLANS_KEPT.get((id(exercise), device))
    if seen is not None and seen[0] is exercise:
        return
    kept = examples_cache.read_plans(exercise, device)
    taken = set()  # a plan not as written is learned again, and written over
    for check in exercise.checks:
        key = examples_cache.plan_key(check)
        plan = _plan_as_written(kept.get(key))
        known = _PLANS.get((id(check), device))
        if plan is not None:
            taken.add(key)
            if known is None or known[0] is not check:
                _PLANS[(id(check), device)] = (check, plan)
    _PLANS_KEPT[(id(exercise), device)] = (exercise, taken)


def _plan_as_written(plan: Any) -> Plan | None:
    """A plan read from the examples cache, where it is one as ``_keep_plans`` writes them:
    runs of (function, question, call); None for anything else (then the check learns its
    plan again)."""
    if not isinstance(plan, tuple) or not all(isinstance(run, tuple) for run in plan):
        return None
    if sum(map(len, plan)) > PLANNED_CALLS:
        return None
    runs = []
    for run in plan:
        planned = []
        for item in run:
            if not (isinstance(item, tuple) and len(item) == 3):
                return None
            function, question, call = item
            if not (isinstance(function, str) and isinstance(question, bytes) and isinstance(call, Call)):
                return None
            planned.append(_Planned(function, question, call))
        runs.append(tuple(planned))
    return tuple(runs)


def _keep_plans(exercise: Exercise, device: str) -> None:
    """Write the plans this process learned for ``exercise`` on ``device`` that the examples
    cache does not hold yet, for the next grading process."""
    seen = _PLANS_KEPT.get((id(exercise), device))
    written = seen[1] if seen is not None and seen[0] is exercise else set()
    learned = {}
    for check in exercise.checks:
        known = _PLANS.get((id(check), device))
        key = examples_cache.plan_key(check)
        if known is not None and known[0] is check and key not in written:
            learned[key] = tuple(tuple((p.function, p.question, p.call) for p in run) for run in known[1])
    if learned:
        examples_cache.keep_plans(exercise, device, learned)
        _PLANS_KEPT[(id(exercise), device)] = (exercise, written | set(learned))


# The reference's answers in this process, by question (_question): at most ANSWERS_KEPT of
# them, which the whole bank's generated and known inputs stay well below; questions made of
# one student's answers (the neighbours' stand-ins) are rare, and past the bound not kept.
ANSWERS_KEPT = 50_000
_ANSWERS: dict[bytes, Any] = {}
# Of each exercise and device (by name): the answers computed in this process that the examples
# cache does not hold yet (``_keep_answers``).
_ANSWERS_FOUND: dict[tuple[str, str], dict[bytes, Any]] = {}
# The exercises and devices (by id, the exercise kept beside it) whose kept answers and truths
# this process has read.
_ANSWERS_READ: dict[tuple[int, str], Exercise] = {}
# The digests of each question's arrays as sent (StudentCalls._check_inputs_unchanged), by
# question, at most ANSWERS_KEPT of them.
_SENT: dict[bytes, list[tuple[str, str]]] = {}


def _question(exercise: str, function: str, device: Any, call: Call) -> bytes | None:
    """A digest of a call's content and where it goes: equal for equal questions, whatever
    objects hold them; None where the call holds something other than plain data."""
    return call.digest(f"{exercise}.{function}@{device}")


def parameter_names(exercise: Exercise) -> dict[str, list[str]]:
    """Each function's parameter names, read from the stub's source (shipped with every
    install) without importing it, so that checking needs no torch in the grader."""
    spec = importlib.util.find_spec(f"exercises.{exercise.name}")
    assert spec is not None and spec.origin is not None, f"the stub of {exercise.name} is not installed"
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    defs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    return {f.name: [a.arg for a in defs[f.name].args.args] for f in exercise.functions if f.name in defs}


# -- grading ---------------------------------------------------------------------------------


def worker_setup(exercises: list[Exercise], options: Options) -> isolation.Setup:
    """What every worker grading ``exercises`` under ``options`` shares, its template's setup:
    the isolation level (``isolation.choose``, which raises where grading cannot be isolated),
    the device, the exercises' forbidden calls and the limits."""
    level = isolation.choose(options.sandbox, options.portable)
    patterns = tuple(forbidden_patterns(exercises))
    return isolation.Setup(level, options.device, patterns, options.limits, options.keep_template)


def grade(submission: Path, exercises: list[Exercise], options: Options, name: str | None = None) -> SubmissionResult:
    """Grade one submission on ``exercises``. A broken submission is a graded result; a
    failure of the grader itself in one exercise is contained to it (see the module doc);
    only a failure outside the exercises (the worker cannot start at all) raises."""
    setup = worker_setup(exercises, options)
    result = SubmissionResult(submission=name or submission.stem, isolation=setup.isolation)
    submission_budget = Budget.starting_now(options.submission_seconds, "submission")
    failures: list[str] = []
    try:
        with opened(submission, [e.name for e in exercises]) as found:
            module_dir, result.notes = found.folder, found.left_out
            with Supervisor(
                str(module_dir), setup.device, list(setup.forbidden), setup.limits, setup.isolation, setup.keep
            ) as supervisor:
                for exercise in exercises:
                    path = module_dir / f"{exercise.name}.py"
                    if not path.is_file():
                        result.exercises.append(_all_failed(exercise, missing_module(module_dir, exercise.name)))
                        continue
                    budget = min(
                        Budget.starting_now(options.exercise_seconds, "exercise"),
                        submission_budget,
                        key=lambda b: b.deadline,
                    )
                    try:
                        graded = grade_exercise(read_source(path), exercise, supervisor, options.device, budget=budget)
                    except Exception as exc:  # the grader's own failure: contained to this exercise
                        supervisor.stop()  # a call it broke off may have left an answer unread: start afresh
                        failures.append(f"{exercise.name} ({exc!r})")
                        message = _(
                            "not graded: the grader itself failed on {exercise}, not your code ({error}); "
                            "it will be graded again once the grader is fixed"
                        ).format(exercise=exercise.name, error=repr(exc))
                        graded = _all_failed(exercise, message)
                    result.exercises.append(graded)
    except SubmissionError as exc:
        result.error = str(exc)
        result.exercises = [_all_failed(e, str(exc)) for e in exercises]
    if failures:
        result.grader_failed = True
        result.error = _("the grader itself failed on {exercises}; the other exercises are graded").format(
            exercises=", ".join(failures)
        )
    return result


def grade_exercise(
    source: str | None,
    exercise: Exercise,
    channel: WorkerChannel,
    device: str,
    only: Callable[[Check], bool] | None = None,
    budget: Budget | None = None,
) -> ExerciseResult:
    """Run ``exercise``'s checks (those ``only`` selects) on the student's functions, called
    through ``channel``, within ``budget``, and apply the evidence rule (``Check.evidence``)
    and the forbidden-call rule to them. ``source`` is the text the functions were defined in
    (None: the module is missing), scanned for forbidden calls. A check another one names as
    evidence runs even where ``only`` leaves it out, and is not reported.

    The one grading pipeline: ``mlgrade grade`` calls it with an isolated worker, a notebook's
    grade cell (``grader.channels.nbgrader.notebook``) with the kernel's own process."""
    checks = [c for c in exercise.checks if only is None or only(c)]
    if source is None:
        return _all_failed(exercise, _("{exercise}.py is not in the submission").format(exercise=exercise.name), checks)
    try:
        static = forbidden.scan(source, {f.name: f.forbidden + forbidden.TAMPERING for f in exercise.functions})
    except SyntaxError as exc:
        if exc.lineno is None:  # NUL bytes, on the Pythons that raise SyntaxError for them
            return _all_failed(exercise, _unreadable(exercise, exc.msg), checks)
        where = f"\n    {exc.text.rstrip()}\n    {' ' * max((exc.offset or 1) - 1, 0)}^" if exc.text else ""
        # NOTE: {error} is Python's own message ("invalid syntax"); {where} the line, with a caret under the error
        message = _("{exercise}.py has a syntax error on line {line}: {error}{where}").format(
            exercise=exercise.name, line=exc.lineno, error=exc.msg, where=where
        )
        return _all_failed(exercise, message, checks)
    except ValueError as exc:  # source with NUL bytes
        return _all_failed(exercise, _unreadable(exercise, str(exc)), checks)

    examples_cache.prepare([exercise])  # drawn once per bank version, not per grading process
    student = StudentCalls(channel, exercise, device, parameter_names(exercise), budget)
    if student.streams:
        _take_kept_plans(exercise, device)
    required = {name for c in checks for name in c.evidence}
    also = [c for c in exercise.checks if c.name in required and c not in checks]
    # The reference is loaded where hidden checks are (grading): it also stands in for a
    # function that fails where a check of another needs it (checks._Neighbours).
    needs_reference = any(c.visibility == "hidden" for c in exercise.checks)
    reference = ReferenceCalls(exercise, device) if needs_reference else None
    if needs_reference:
        _take_kept_answers(exercise, device)
    torch_on_one_thread()
    ctx = Context(student=student, reference=reference, returns={f.name: f.returns for f in exercise.functions})
    results = [_run_within(check, ctx, budget, student) for check in [*checks, *also]]
    examples_cache.keep_shrinks(exercise)  # for the next grading process (or a regrade)
    if needs_reference:
        _keep_answers(exercise, device, write=bool(getattr(channel, "runs_apart", False)))
    if student.streams:
        _keep_plans(exercise, device)
    outcome = ExerciseResult(exercise.name, results[: len(checks)], notes=list(student.notes.values()))
    apply_evidence(checks, outcome, {r.name: r.passed for r in results})
    apply_forbidden_rule(exercise, outcome, static, student.used)
    return outcome


def _unreadable(exercise: Exercise, error: str) -> str:
    return _("{exercise}.py cannot be read as Python source: {error}").format(exercise=exercise.name, error=error)


def _run_within(check: Check, ctx: Context, budget: Budget | None, student: StudentCalls) -> CheckResult:
    if budget is not None and budget.left() <= 0:
        return CheckResult(check.name, check.function, check.visibility, False, 0.0, check.points, budget.not_run())
    passed = False
    student.begin(check)  # its calls in one exchange, where it has a plan
    try:
        result = _run_noting_prints(check, ctx, student)
        passed = result.passed
    finally:
        student.end(check, passed)
    return result


def apply_evidence(checks: list[Check], outcome: ExerciseResult, passed: dict[str, bool]) -> None:
    """Zero a passing check none of whose evidence (``Check.evidence``) passed, saying so.
    Evidence the exercise does not have (a student's install, without the hidden checks) is
    left out, and a check with none left counts: no grade is given there."""
    for check, result in zip(checks, outcome.checks, strict=True):
        known = [name for name in check.evidence if name in passed]
        if result.passed and known and not any(passed[name] for name in known):
            result.passed, result.points = False, 0.0
            names = functools.reduce(
                lambda first, second: _("{first} or {second}").format(first=first, second=second),
                [repr(n) for n in known],
            )
            result.message = ngettext(
                # NOTE: {checks} names the other checks, "'fit known answers'" or "'a' or 'b'"; none of them passed
                "holds, but counts only when {checks} passes too, and it did not: this check compares your functions "
                "with each other, which two wrong answers can satisfy together",
                "holds, but counts only when {checks} passes too, and neither did: this check compares your "
                "functions with each other, which two wrong answers can satisfy together",
                len(known),
            ).format(checks=names)


def run_check(check: Check, ctx: Context) -> CheckResult:
    """Run one check; its result with the points earned, or the message saying what failed."""
    start = time.perf_counter()
    try:
        check.run(ctx)
        passed, message = True, ""
    except CheckFailed as exc:
        passed, message = False, str(exc)
    except StopCheck as exc:
        passed, message = False, exc.message
    except StudentRaised as exc:  # raised outside hypothesis (a property's helper call)
        passed, message = False, exc.by(check.function)
    points = check.points if passed else 0.0
    seconds = time.perf_counter() - start
    return CheckResult(check.name, check.function, check.visibility, passed, points, check.points, message, seconds)


def _run_noting_prints(check: Check, ctx: Context, student: StudentCalls) -> CheckResult:
    """``run_check``, and for a failed check what the student's code printed during its last
    call (the failing one: hypothesis replays the smallest failing input last). It is kept
    beside the message, not in it: ``mlgrade check`` shows it, while grades.json and the
    feedback stay as reproducible as before, and show nothing of a hidden check's inputs."""
    student.printed = ""
    result = run_check(check, ctx)
    if not result.passed:
        result.printed = student.printed
    return result


def apply_forbidden_rule(
    exercise: Exercise, outcome: ExerciseResult, static: dict[str, set[str]], used: dict[str, set[str]]
) -> None:
    """Zero every check of a function that uses a forbidden call, found in its source
    (``static``) or recorded while it ran (``used``), with a note naming the calls."""
    for function in exercise.functions:
        runtime = {n for n in used.get(function.name, set()) if forbidden.matches(n, function.forbidden)}
        names = sorted(static.get(function.name, set()) | runtime)
        if names:
            note = _("{function} uses {names}, which this exercise forbids: 0 points for {function}").format(
                function=function.name, names=", ".join(names)
            )
            for r in outcome.checks:
                if r.function == function.name:
                    r.passed, r.points = False, 0.0
                    r.message = note + (f"\n{r.message}" if r.message else "")


def _all_failed(exercise: Exercise, message: str, checks: list[Check] | None = None) -> ExerciseResult:
    return ExerciseResult(
        exercise.name,
        [
            CheckResult(c.name, c.function, c.visibility, False, 0.0, c.points, message)
            for c in (exercise.checks if checks is None else checks)
        ],
    )
