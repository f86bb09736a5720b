"""The kinds of check, as data, and the one place that runs them.

An exercise declares its checks as instances of the classes below (see ``grader.bank``). Every
kind draws or lists inputs, calls the student's function through a :class:`Student` (which
runs it in the worker and enforces the output contract on every call), and judges the result
in the grader's own process:

- :class:`Contract`: shapes, kinds and unmodified inputs, on generated inputs (public);
- :class:`Property`: an invariant the outputs must satisfy (public when it needs no reference);
- :class:`KnownAnswers`: hand-computed answers, or the error that must be raised (public);
- :class:`ReferenceParity`: agreement with the reference solution on generated inputs (hidden),
  or with ``truth=``, a function the grader computes the truth with;
- :class:`Gradient`: the student's gradients against central differences of a forward.

To extend a kind, declare; never subclass a check per exercise. Two hooks, both data:

- ``via=``, an :class:`Adapter` on every check: the context the check runs in, changed in one
  place (:meth:`Check.run`), and the failure's explanation to match. :class:`Chain` runs a
  backward through its forward's kept cache; :class:`Item` takes one item of a tuple result.
- ``truth=`` on :class:`ReferenceParity`: where the truth is not the reference solution's.

Two rules hold for every kind, in :meth:`Check.run` and :func:`judging`, so that nothing a
submission returns can crash a grading or pay for itself:

- an exception while a check judges the student's output (a division by zero on counts that
  are all 0) is a failed check with a message, never a grader failure (:func:`judging`);
- a check of function A that calls another function B of the student's (f1_score through
  precision) is not lost to a B that raises, breaks its contract or is lost: where the
  reference is loaded, its B stands in; else the failure names B as the one to fix first
  (:class:`_Neighbours`). ``evidence=`` names checks against known truth of which one must
  pass for a check to count: what a check comparing two of the student's functions needs to
  show that at least one side is right (``grader.engine.apply_evidence``).

Hypothesis drives generated inputs, derandomized and without a database, so a regrade gives
the same result. A failing public check reports the smallest failing input hypothesis found;
a hidden one says what went wrong and never shows an input's values or the expected answer.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import math
import sys
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st

from grader import numgrad, tolerance
from grader.i18n import _, ngettext
from grader.isolation import Kept
from grader.outputs import List, Returns, Scalar, Tuple, as_argument, conform
from grader.tolerance import Tolerance

Visibility = Literal["public", "hidden"]


def _draw_from_the_strategies_alone() -> None:
    """Make what hypothesis draws depend on the bank's strategies alone.

    Hypothesis (6.131 and later) now and then draws a constant found in the source of the
    "local" modules imported in the process: mlgrade's own where it is installed editable,
    the reference solutions imported so far, a student's code in a notebook's kernel. The
    same check then asks different questions with ``-e attention`` than with the whole bank,
    installed than in a checkout, in a kernel than in ``mlgrade grade``, and of the second
    submission than of the first. Grading must ask every submission the same questions, so
    that pool is kept empty. (Private to hypothesis: where it is not there, nothing is done.)"""
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - an older hypothesis draws no local constants
        return
    if hasattr(providers, "_get_local_constants") and hasattr(providers, "Constants"):
        none = providers.Constants()
        providers._get_local_constants = lambda: none
        providers.CONSTANTS_CACHE.cache.clear()


_draw_from_the_strategies_alone()


@dataclass(frozen=True)
class Call:
    """The arguments of one call of an exercise function (NumPy arrays and plain values)."""

    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)

    def show(self, function: str) -> str:
        with np.printoptions(precision=4, suppress=True, threshold=60, edgeitems=4, linewidth=100):
            parts = [_show_value(a) for a in self.args] + [f"{k}={_show_value(v)}" for k, v in self.kwargs.items()]
        return f"{function}({', '.join(parts)})"

    def outline(self) -> str:
        """Shapes and dtypes only: what a hidden check may say about its input."""
        parts = [_outline_value(a) for a in self.args] + [f"{k}={_outline_value(v)}" for k, v in self.kwargs.items()]
        return ", ".join(parts)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """What hypothesis writes for a drawn call in its own report of a failing example,
        which the grader never shows (a failure shows ``show``): the outline, not every
        array's entries, which it would format on the last run of every failing check."""
        printer.text(f"Call({self.outline()})")

    def digest(self, context: str) -> bytes | None:
        """A digest of ``context`` and the call's content: equal for equal calls, whatever
        objects hold them; None where the call holds something other than plain data (a
        ``Kept`` handle, a stand-in)."""
        digest = hashlib.blake2b(context.encode(), digest_size=20)
        try:
            _feed(digest, self.args)
            _feed(digest, self.kwargs)
        except _NotPlainData:
            return None
        return digest.digest()


class _NotPlainData(Exception):
    pass


# Values that no judgement can change: a copy of plain data keeps them as they are.
_UNCHANGEABLE = frozenset({type(None), bool, int, float, complex, str, bytes})


def copied(value: Any) -> Any:
    """A deep copy, as ``copy.deepcopy`` makes it, of the plain data checks pass around (calls,
    answers, truths), made in a fraction of its time: each array copied in its own memory layout,
    one copy of an array held twice, immutable values kept. Anything else is deep-copied."""
    return _copied(value, {})


def _copied(value: Any, memo: dict[int, Any]) -> Any:
    kind = type(value)
    if kind is np.ndarray and not value.dtype.hasobject:
        found = memo.get(id(value))
        if found is None:
            found = memo[id(value)] = value.copy(order="K")  # what ndarray.__deepcopy__ does
        return found
    if kind in _UNCHANGEABLE or isinstance(value, np.generic):
        return value
    if kind is tuple:
        return tuple([_copied(item, memo) for item in value])
    if kind is list:
        return [_copied(item, memo) for item in value]
    if kind is dict and all(type(k) in _UNCHANGEABLE for k in value):
        return {k: _copied(item, memo) for k, item in value.items()}
    if kind is Call:
        return Call(_copied(value.args, memo), _copied(value.kwargs, memo))
    return copy.deepcopy(value, memo)  # the same memo: an array met before stays one copy


# What ``_feed`` writes before an array's bytes, by dtype and shape, and before a list's or
# tuple's items, by type and length: every call of every check is digested once per
# submission (its question), and formatting these took a third of it.
_HEADS: dict[tuple[Any, ...], bytes] = {}
HEADS_KEPT = 4096


def _head(key: tuple[Any, ...], text: str) -> bytes:
    head = text.encode()
    if len(_HEADS) < HEADS_KEPT:
        _HEADS[key] = head
    return head


def _feed(digest: Any, value: Any) -> None:
    if isinstance(value, np.ndarray):
        key = (value.dtype, value.shape)
        digest.update(_HEADS.get(key) or _head(key, f"a{value.dtype.str}{value.shape}"))
        digest.update(value.data if value.flags.c_contiguous else np.ascontiguousarray(value).data)  # C order
    elif isinstance(value, np.generic):
        digest.update(f"g{value.dtype.str}".encode())
        digest.update(value.tobytes())
    elif value is None or isinstance(value, (bool, int, float, str)):
        digest.update(f"{type(value).__name__}:{value!r};".encode())
    elif isinstance(value, (list, tuple)):
        key = (type(value), len(value))
        digest.update(_HEADS.get(key) or _head(key, f"{type(value).__name__}{len(value)}["))
        for item in value:
            _feed(digest, item)
        digest.update(b"]")
    elif isinstance(value, dict):
        key = (dict, len(value))
        digest.update(_HEADS.get(key) or _head(key, f"d{len(value)}{{"))
        for k, item in value.items():
            _feed(digest, k)
            _feed(digest, item)
        digest.update(b"}")
    else:
        raise _NotPlainData(type(value).__name__)


def _show_value(v: Any) -> str:
    if isinstance(v, np.ndarray):
        text = np.array2string(v, separator=", ")
        return f"tensor({text}, dtype={v.dtype.name})" if v.dtype.kind == "f" else f"tensor({text})"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k!r}: {_show_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        inner = ", ".join(_show_value(x) for x in v)
        return f"[{inner}]" if isinstance(v, list) else f"({inner})"
    return repr(v)


def _outline_value(v: Any) -> str:
    """Shapes and dtypes, never values: dicts, lists and tuples are outlined item by item."""
    if isinstance(v, np.ndarray):
        return f"{v.dtype.name}{list(v.shape)}"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k!r}: {_outline_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        inner = ", ".join(_outline_value(x) for x in v)
        return f"[{inner}]" if isinstance(v, list) else f"({inner})"
    return repr(v)


# -- failures ------------------------------------------------------------------------------


class CheckFailed(Exception):
    """The student's result is wrong; hypothesis may shrink the input that shows it."""


class StudentRaised(Exception):
    """The student's function raised an exception (a graded failure, shrinkable)."""

    def __init__(self, type_name: str, message: str, traceback: str) -> None:
        # NOTE: a clause that other messages end with: "fit(...) {raised}", "should raise ValueError here, but {raised}"
        super().__init__(_("raised {type}: {message}").format(type=type_name, message=message))
        self.type_name = type_name
        self.message = message
        self.traceback = traceback

    def by(self, function: str) -> str:
        """The failure with the function that raised it: "fit raised ValueError: ..."."""
        return _("{function} {raised}").format(function=function, raised=self)


class StopCheck(BaseException):
    """Ends a check at once, without shrinking: the function is missing, not implemented,
    its module does not import, or the worker was lost (hang, crash, exit, flood).

    A BaseException so that hypothesis passes it through instead of treating it as a
    failure to shrink, which would call a hanging function again and again.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BudgetSpent(StopCheck):
    """A time budget ran out (``grader.engine.Budget``): the check ends at once, and no
    function is blamed for it."""


@contextlib.contextmanager
def judging(what: str) -> Iterator[None]:
    """Where a check judges the student's output in the grader's own process. ``conform``
    holds an output only to its declared structure, shape and kind, so its values may still
    break the judgement (counts that are all 0 divide by zero, a nan becomes an int): such an
    exception is the output's fault, a failed check that says so, never a grader failure.
    The grader's own work (drawing inputs, the reference, the truth) stays outside."""
    try:
        yield
    except (CheckFailed, StudentRaised):
        raise
    except Exception as exc:
        raise CheckFailed(
            # NOTE: {what} is "precision's result", "fit's gradients", ...
            _(
                "{what} could not be checked: judging it raised {type}: {error} (a value this check "
                "cannot make sense of, such as counts that are all 0 or a nan where a number is needed)"
            ).format(what=what, type=type(exc).__name__, error=exc)
        ) from None


# -- what a check can call -----------------------------------------------------------------


class Student(Protocol):
    """Calls the student's functions of one exercise; returns conformed outputs.

    With ``keep``, the whole result stays where it was computed under that handle, and a
    later call's argument ``grader.isolation.Kept(handle, index)`` stands for one of its items
    (how a student's opaque forward cache reaches their backward)."""

    def __call__(self, function: str, call: Call, keep: str | None = None) -> Any: ...


class Reference(Protocol):
    """Calls the reference solution in float64; raises the reference's own exceptions."""

    def __call__(self, function: str, call: Call, keep: str | None = None) -> Any: ...


@dataclass
class Context:
    student: Student
    reference: Reference | None  # None where hidden checks are not available
    returns: dict[str, Returns]  # each function's declared output


# -- the check kinds -----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Check:
    name: str
    function: str
    points: float
    visibility: Visibility = "public"
    via: Adapter | None = None  # how the check reaches the functions (see Adapter)
    # Checks (by name, of the same exercise) of which at least one must pass for this one to
    # count. A check that compares two of the student's functions (or a gradient with the
    # student's own forward) is satisfied by two wrong answers that agree: it pays only with
    # evidence, from a check against known truth of either side, that one side is right.
    evidence: tuple[str, ...] = ()

    def run(self, ctx: Context) -> None:
        """Return when the check passes; raise CheckFailed, StudentRaised or StopCheck.

        The one place ``via`` applies: each kind's own ``_run`` sees the adapted context; and
        the one place the student's other functions are wrapped (:class:`_Neighbours`)."""
        ctx = self.via(ctx) if self.via is not None else ctx
        neighbours = _Neighbours(self.function, ctx.student, ctx.reference)
        try:
            self._run(replace(ctx, student=neighbours))
        except CheckFailed:
            if not neighbours.stood_in:
                raise
            # The message may show values computed with the reference's function: say only
            # which of the student's functions failed, and what to fix first.
            name, why = neighbours.stood_in[0]
            raise CheckFailed(
                _(
                    "{function} fails this check; where your {neighbour}, which it uses, failed ({why}), the "
                    "reference's {neighbour} stood in, so no value is shown: fix {neighbour} first, and this "
                    "check will show what is wrong"
                ).format(function=self.function, neighbour=name, why=why)
            ) from None

    def _run(self, ctx: Context) -> None:
        raise NotImplementedError

    def own_inputs(self) -> tuple[tuple[str, Call], ...]:
        """The calls this check makes the same for every submission, whatever it answers, by
        function: its inputs, and what it asks before it looks at an answer. One of them can be
        asked ahead of the check (``engine.StudentCalls``), which tells the student's code
        nothing of anyone's answers."""
        return ()


@dataclass(frozen=True, kw_only=True)
class Generated(Check):
    """A check over inputs drawn by hypothesis; ``judge`` decides each example."""

    inputs: st.SearchStrategy[Call]
    # The budget: how many inputs hypothesis draws. Budgets are half of what they were at
    # first: bench/catch_power.py showed every check still failing on every buggy variant
    # it failed on before (737 of 737), a quarter of the grading time saved; a third lost 13.
    examples: int = 13

    def judge(self, ctx: Context, call: Call) -> None:
        raise NotImplementedError

    def _run(self, ctx: Context) -> None:
        # Every submission of a class is asked the same questions: the examples hypothesis
        # draws while every one passes are recorded once per grading process, and a submission
        # is judged on them directly. Only a failure needs hypothesis again, to find the same
        # first failure and shrink it, as it would have without the record.
        first_failure = self._judge_recorded(ctx, self.recorded_examples())
        if first_failure is None:
            return
        judged = isinstance(first_failure[1], (CheckFailed, StudentRaised))
        if judged and self.visibility == "hidden":
            # nothing to shrink: hypothesis would ask the same questions again, the student's
            # function included, only to stop at this same first failure
            raise CheckFailed(self.explain(*first_failure))
        failure: list[tuple[Call, Exception]] = []
        try:
            _shrunk(self, ctx, failure)
        except StopCheck as exc:
            if exc.message:
                raise
        except Exception:
            if not failure:
                raise  # hypothesis itself failed: a grader error, never the student's
        if not failure and judged:
            failure.append(first_failure)  # code that failed once but not again: the failure stands
        if failure:
            call, last = failure[-1]  # the last failure seen is the smallest hypothesis found
            raise CheckFailed(self.explain(call, last))

    def own_inputs(self) -> tuple[tuple[str, Call], ...]:
        return tuple((self.function, call) for call in self.recorded_examples())

    def use_examples(self, calls: tuple[Call, ...]) -> None:
        """Take ``calls`` as this check's recorded examples in this process: as drawn by
        another process of the same bank (``grader.examples_cache``)."""
        _RECORDED[id(self)] = (self, calls)

    def recorded_examples(self) -> tuple[Call, ...]:
        """This check's examples as hypothesis draws them for a submission that passes every
        one, drawn on the first call in this process and kept for every later one."""
        kept = _RECORDED.get(id(self))
        if kept is None or kept[0] is not self:
            recording = _Recording(self.inputs, self.examples, self.visibility)
            Generated._hypothesis(recording, None, [])
            kept = _RECORDED[id(self)] = (self, tuple(recording.calls))
        return kept[1]

    def _judge_recorded(self, ctx: Context, recorded: tuple[Call, ...]) -> tuple[Call, Exception] | None:
        """Judge the recorded examples in order, up to the first failure (returned), as
        hypothesis would have asked them. A failure of the grader's own (not CheckFailed or
        StudentRaised) is returned too, for hypothesis to report as it always has."""
        for kept in recorded:
            call = copied(kept)  # nothing a judgement does to its input reaches the next submission
            try:
                self.judge(ctx, call)
            except Exception as exc:
                return call, exc
        return None

    @staticmethod
    def _hypothesis(self: _Judge, ctx: Any, failure: list[tuple[Call, Exception]]) -> None:
        """Judge the examples hypothesis draws (and, for a public check, shrinks after a
        failure), noting each failure in ``failure``. ``self`` is the check, or a
        :class:`_Recording` of its examples.

        Do not edit ``example`` below, not even a name in it: derandomized, hypothesis seeds
        its draws with a digest of that function's source, so that any change to it changes
        every example of every check in the bank, and with them what the checks catch
        (bench/catch_power.py chose the budgets on these examples)."""
        calls_after_failure = 0
        # A hidden check shows no input, so it has nothing to shrink for.
        shrink = (Phase.shrink,) if self.visibility == "public" else ()

        @settings(
            max_examples=self.examples,
            derandomize=True,
            database=None,
            deadline=None,
            verbosity=Verbosity.quiet,
            report_multiple_bugs=False,
            suppress_health_check=list(HealthCheck),
            phases=(Phase.explicit, Phase.generate, *shrink),
        )
        @given(self.inputs)
        def example(call: Call) -> None:
            nonlocal calls_after_failure
            if failure:
                calls_after_failure += 1
                if calls_after_failure > SHRINK_BUDGET:
                    raise StopCheck("")  # settle for the smallest failing input found so far
            try:
                self.judge(ctx, call)
            except (CheckFailed, StudentRaised) as exc:
                failure.append((call, exc))
                raise

        example()

    def explain(self, call: Call, exc: Exception) -> str:
        if self.via is not None:
            text = self.via.explain(self, call, exc)
            if text is not None:
                return text
        message = str(exc)
        if self.visibility == "hidden":
            return _on_generated(message, call)
        return _with_traceback(_smallest(message, call.show(self.function)), exc)


def _on_generated(message: str, call: Call) -> str:
    """A hidden check's failure, with its input's shapes and dtypes."""
    # NOTE: {outline} gives shapes and dtypes only: "float32[5, 2], float32[5]"
    return _("{message}\n  on a generated input of {outline}").format(message=message, outline=call.outline())


def _smallest(message: str, call: str) -> str:
    """A public check's failure, with the smallest input hypothesis found that shows it."""
    return _("{message}\n  smallest failing input: {call}").format(message=message, call=call)


def _result_of(function: str) -> str:
    """What a check judges, as ``judging`` names it: "fit's result", "fit(...)'s result"."""
    return _("{function}'s result").format(function=function)


def _with_traceback(text: str, exc: Exception) -> str:
    """A public failure's text, with the student's traceback when their code raised."""
    if isinstance(exc, StudentRaised) and exc.traceback:
        text += "\n" + exc.traceback.rstrip()
    return text


# Each generated check's examples, drawn once per process (Generated.recorded_examples): the
# check objects are the bank's, loaded once per process (grader.bank.load), so that every
# submission graded here meets the same ones.
class _Judge(Protocol):
    """What :meth:`Generated._hypothesis` needs of a check."""

    @property
    def inputs(self) -> st.SearchStrategy[Call]: ...
    @property
    def examples(self) -> int: ...
    @property
    def visibility(self) -> Visibility: ...

    def judge(self, ctx: Any, call: Call) -> None: ...


@dataclass
class _Recording:
    """A check's drawing without its judging: every example passes, and is kept (a copy: a
    judgement may not change what the next submission is asked)."""

    inputs: st.SearchStrategy[Call]
    examples: int
    visibility: Visibility
    calls: list[Call] = field(default_factory=list)

    def judge(self, ctx: Any, call: Call) -> None:
        self.calls.append(copied(call))


# Keyed by id, the check kept beside its examples (so that an id is never reused while its
# entry lives); checks compare by value, which hashing cannot afford on every run.
_RECORDED: dict[int, tuple[Generated, tuple[Call, ...]]] = {}

# Examples hypothesis may try after the first failure, while shrinking, before we settle for
# the smallest failing input found so far: enough to shrink a vector of labels to a few
# entries, bounded so that a failing check costs a fraction of a second.
SHRINK_BUDGET = 150


# -- a failure shrunk again, for the next submission that fails the same way ------------------
#
# Hypothesis shrinks a public check's failure by judging one candidate input after another, each
# chosen from what the ones before it did: passed, or failed with what exception raised where
# (its "interesting origin"). Derandomized, it chooses the same next candidate after the same
# outcomes, whoever's code it judges. So each path it took is kept (``_Shrink``, by outcome), and a
# later submission is judged along it directly, the same inputs in the same order, for as long
# as its outcomes match one taken before: the same failures noted, without hypothesis's own work
# (~25 ms a run, mostly drawing each candidate again). At the first outcome no submission had
# there, hypothesis runs as always, from the start (what it asks again is answered without the
# worker: engine.StudentCalls), and its path joins the others. A submission is thus asked only
# what hypothesis would ask it, after its own outcomes, and is graded as hypothesis alone grades
# it (bench/snapshot.py: every variant and sample; bench/shrinking.py: a class). The paths are
# kept on disk too (grader/examples_cache.py): the bugs a class shares are shrunk once.


@dataclass(eq=False)
class _Shrink:
    """A point of the paths hypothesis took shrinking a check's failure: the input it judged
    there and the point each outcome of judging it led to (by ``_outcome``: None for a pass),
    or ``ended``, where its run ended. A point with neither is not known (a path not kept whole)."""

    call: Call | None = None
    digest: bytes = b""
    after: dict[Hashable, _Shrink] = field(default_factory=dict)
    ended: bool = False


# Keyed by id as _RECORDED, with the number of inputs kept; at most SHRINK_CALLS_KEPT inputs in
# all (shrunk inputs are small: 726 kept for a class of 60 on 8 exercises, 77 KB of arrays; the
# cap is tens of MB). grader/examples_cache.py keeps them on disk for the next grading process.
_SHRINKS: dict[int, tuple[Generated, _Shrink, int]] = {}
SHRINK_CALLS_KEPT = 20_000
_shrink_calls_kept = 0


try:  # what hypothesis tells failures apart by: its own, never a copy that could tell fewer apart
    from hypothesis.internal.escalation import InterestingOrigin
except ImportError:  # pragma: no cover - a hypothesis without it: every failure is shrunk by hypothesis
    InterestingOrigin = None  # type: ignore[assignment,misc]


def _outcome(exc: BaseException) -> Hashable:
    """What hypothesis tells a failure by: the exception's type, where it was raised, and the
    same of the exception it was raised while handling (hypothesis's own ``InterestingOrigin``)."""
    return InterestingOrigin.from_exception(exc)


@dataclass
class _Shrinking:
    """A check judged by hypothesis (``Generated._hypothesis``), noting each input judged and
    its outcome; ``whole`` turns false where something else ended a judgement (the grader's
    own failure, a worker lost), whose path is not kept."""

    check: Generated
    steps: list[tuple[Call, Hashable]] = field(default_factory=list)
    whole: bool = True

    @property
    def inputs(self) -> st.SearchStrategy[Call]:
        return self.check.inputs

    @property
    def examples(self) -> int:
        return self.check.examples

    @property
    def visibility(self) -> Visibility:
        return self.check.visibility

    def judge(self, ctx: Context, call: Call) -> None:
        asked = copied(call)  # as drawn: the judgement may change its input
        try:
            self.check.judge(ctx, call)
        except (CheckFailed, StudentRaised) as exc:
            self.steps.append((asked, _outcome(exc)))
            raise
        except BaseException:
            self.whole = False
            raise
        self.steps.append((asked, None))


def _shrunk(check: Generated, ctx: Context, failure: list[tuple[Call, Exception]]) -> None:
    """What ``Generated._hypothesis`` does for ``check``'s failure, noting each failure in
    ``failure``: along a path kept from an earlier submission while the outcomes match it,
    else by hypothesis, whose path is then kept."""
    if InterestingOrigin is None:
        Generated._hypothesis(check, ctx, failure)
        return
    kept = _SHRINKS.get(id(check))
    if kept is not None and kept[0] is check:
        if _replayed(check, kept[1], ctx, failure):
            return
        failure.clear()  # hypothesis judges them all again, from the first
    shrinking = _Shrinking(check)
    try:
        Generated._hypothesis(shrinking, ctx, failure)
    except (StopCheck, Exception):  # SHRINK_BUDGET reached, or hypothesis raising what it shrank
        if shrinking.whole:  # a judgement's own stop (a lost worker, a spent budget) is not
            _keep(check, shrinking.steps)
        raise
    if shrinking.whole:
        _keep(check, shrinking.steps)


def _replayed(check: Generated, point: _Shrink, ctx: Context, failure: list[tuple[Call, Exception]]) -> bool:
    """Judge the inputs of the kept path whose outcomes this submission's match, noting its
    failures as hypothesis's run does; False at an outcome no kept path has (or the grader's
    own failure), where hypothesis takes over."""
    while not point.ended:
        if point.call is None:
            return False
        call = copied(point.call)
        try:
            check.judge(ctx, call)
            outcome = None
        except (CheckFailed, StudentRaised) as exc:
            failure.append((call, exc))
            outcome = _outcome(exc)
        except Exception:
            return False
        following = point.after.get(outcome)
        if following is None:
            return False
        point = following
    return True


def _keep(check: Generated, steps: list[tuple[Call, Hashable]]) -> None:
    """Add a run's path (each input judged, and its outcome) to those kept for ``check``: a run
    that met a failure (one that met none, or ended in hypothesis's own error before any, shows
    nothing to follow). Where it disagrees with a kept one (another input, or an end, after the
    same outcomes), none is kept for ``check``: that would be hypothesis not choosing by
    outcomes alone."""
    global _shrink_calls_kept
    if all(outcome is None for _, outcome in steps) or _shrink_calls_kept + len(steps) > SHRINK_CALLS_KEPT:
        return
    digests = [digest for call, _ in steps if (digest := call.digest("shrink")) is not None]
    if len(digests) < len(steps):
        return  # not plain data: nothing to tell two inputs apart by
    kept = _SHRINKS.get(id(check))
    root, size = (kept[1], kept[2]) if kept is not None and kept[0] is check else (_Shrink(), 0)
    point = root
    for (call, outcome), digest in zip(steps, digests, strict=True):
        if point.ended or (point.call is not None and point.digest != digest):
            _drop(check, size)
            return
        if point.call is None:
            point.call, point.digest = call, digest
            size += 1
            _shrink_calls_kept += 1
        point = point.after.setdefault(outcome, _Shrink())
    if point.call is not None:
        _drop(check, size)
        return
    point.ended = True
    _SHRINKS[id(check)] = (check, root, size)


def _drop(check: Generated, size: int) -> None:
    """Keep no path for ``check``, whose ``size`` inputs kept are freed."""
    global _shrink_calls_kept
    _SHRINKS.pop(id(check), None)
    _shrink_calls_kept -= size


def shrink_paths(check: Generated) -> list[list[tuple[Call, Hashable]]]:
    """The paths kept for ``check``, each as the run that took it: every input judged, and its
    outcome (what ``keep_shrink_paths`` takes back, in another process)."""
    kept = _SHRINKS.get(id(check))
    if kept is None or kept[0] is not check:
        return []
    paths: list[list[tuple[Call, Hashable]]] = []
    going: list[tuple[_Shrink, list[tuple[Call, Hashable]]]] = [(kept[1], [])]
    while going:
        point, steps = going.pop()
        if point.ended:
            paths.append(steps)
        elif point.call is not None:
            going += [(then, [*steps, (point.call, outcome)]) for outcome, then in point.after.items()]
    return paths


def keep_shrink_paths(check: Generated, paths: list[list[tuple[Call, Hashable]]]) -> None:
    """Keep ``paths`` (from ``shrink_paths``) for ``check`` beside those it has."""
    for steps in paths:
        _keep(check, steps)


def shrinks_kept(check: Generated) -> int:
    """How many inputs of shrinking paths are kept for ``check``."""
    kept = _SHRINKS.get(id(check))
    return kept[2] if kept is not None and kept[0] is check else 0


@dataclass(frozen=True, kw_only=True)
class Contract(Generated):
    """The function returns the declared structure, shape and kind, and leaves its inputs
    unchanged (both enforced on every call; this check makes them a graded item of their own)."""

    def judge(self, ctx: Context, call: Call) -> None:
        ctx.student(self.function, call)


@dataclass(frozen=True, kw_only=True)
class Property(Generated):
    """``holds(student, call, out)`` returns None when the property holds, else what is wrong.

    ``student`` calls any function of the exercise, for properties that relate two of them.
    ``holds`` is also run ahead of any submission with stand-in answers (``own_inputs``), so
    it keeps nothing between calls.
    """

    holds: Callable[[Student, Call, Any], str | None]

    def judge(self, ctx: Context, call: Call) -> None:
        out = ctx.student(self.function, call)
        with judging(_result_of(self.function)):
            problem = self.holds(ctx.student, call, out)
        if problem:
            raise CheckFailed(problem)

    def own_inputs(self) -> tuple[tuple[str, Call], ...]:
        examples = self.recorded_examples()
        asked = asked_unanswered(lambda student, call: self.holds(student, call, Unanswered()), examples)
        return (*super().own_inputs(), *asked)


@dataclass(frozen=True, kw_only=True)
class ReferenceParity(Generated):
    """The student's result equals the reference's (in float64) within ``grader.tolerance``;
    where the reference raises ValueError, the student must raise it too.

    With ``truth``, the truth is ``truth(call)`` instead, computed in the grader's own process
    (its result conformed to the function's declared output), and the failure says it
    disagrees with ``truth_name``. The truth may call what the exercise forbids (torch's own
    conv2d, an optimizer, ``nn.RNN``); the reference solution may not, since it is graded as a
    submission is. A ValueError of the truth asks the same of the student.
    """

    visibility: Visibility = "hidden"
    truth: Callable[[Call], Any] | None = None
    truth_name: str | None = None  # what the failure names as the truth: required with truth
    tolerance: Tolerance | None = None  # None: by the input dtype (tolerance.for_dtype)

    def __post_init__(self) -> None:
        if (self.truth is None) != (self.truth_name is None):
            raise ValueError(f"{self.name}: truth and truth_name go together (the message names the truth)")

    def judge(self, ctx: Context, call: Call) -> None:
        try:
            truth = self._truth(ctx, call)
        except ValueError:
            try:
                ctx.student(self.function, call)
            except StudentRaised as exc:
                if exc.type_name == "ValueError":
                    return
                raise CheckFailed(_("should raise ValueError here, but {raised}").format(raised=exc)) from None
            raise CheckFailed(_("should raise ValueError here, but returned a value")) from None
        out = ctx.student(self.function, call)
        labels = item_labels(ctx.returns[self.function])
        with judging(_result_of(self.function)):
            problem = compare(out, truth, input_dtype(call), reveal=False, labels=labels, tol=self.tolerance)
        if problem:
            truth_name = _(self.truth_name) if self.truth_name else _("the reference")
            # NOTE: {truth} is "the reference" or what the check takes as the truth, such as torch.nn.RNN
            raise CheckFailed(_("disagrees with {truth}: {problem}").format(truth=truth_name, problem=problem))

    def _truth(self, ctx: Context, call: Call) -> Any:
        if self.truth is None:
            assert ctx.reference is not None, "hidden checks need the reference solutions"
            return ctx.reference(self.function, call)
        # Every submission asks the same questions: the truth of each is computed once per
        # process (its ValueError too), as the reference's answers are (engine.ReferenceCalls).
        # Kept on disk too (grader/examples_cache.py): a grading whose truths are all kept
        # never imports torch.
        key = call.digest(self.function)
        kept = _TRUTHS.get((id(self), key)) if key is not None else None
        if kept is None or kept[0] is not self:
            truth_of, returns = self.truth, ctx.returns[self.function]
            try:
                truth: Any = conform(on_one_thread(lambda: truth_of(call)), returns, call.args, _(str(self.truth_name)))
            except ValueError as exc:
                truth = _TruthRaised(str(exc))
            if key is not None and len(_TRUTHS) < TRUTHS_KEPT:
                _TRUTHS[(id(self), key)] = kept = (self, copied(truth))
                _TRUTHS_FOUND.setdefault(id(self), (self, {}))[1][key] = kept[1]
        else:
            truth = copied(kept[1])
        if isinstance(truth, _TruthRaised):
            raise ValueError(truth.message)
        return truth


@dataclass(frozen=True)
class _TruthRaised:
    message: str  # the truth's ValueError


# The truths of ReferenceParity(truth=...) in this process, by check (kept beside, as _RECORDED
# does) and question: at most TRUTHS_KEPT of them, which the whole bank stays well below.
TRUTHS_KEPT = 50_000
_TRUTHS: dict[tuple[int, bytes], tuple[ReferenceParity, Any]] = {}
# Of each check (by id, kept beside): the truths computed in this process that no file gave it.
_TRUTHS_FOUND: dict[int, tuple[ReferenceParity, dict[bytes, Any]]] = {}


def truths_found(check: ReferenceParity) -> dict[bytes, Any]:
    """The truths ``check`` computed in this process since this was last asked, by question
    (for grader/examples_cache.py to keep)."""
    found = _TRUTHS_FOUND.pop(id(check), None)
    return found[1] if found is not None and found[0] is check else {}


def take_truths(check: ReferenceParity, truths: dict[bytes, Any]) -> None:
    """Take the truths of ``check`` another process computed (grader/examples_cache.py), by
    question: this one then asks its truth none of those questions."""
    for key, truth in truths.items():
        if len(_TRUTHS) >= TRUTHS_KEPT:
            return
        if isinstance(key, bytes) and _TRUTHS.get((id(check), key), (None,))[0] is not check:
            _TRUTHS[(id(check), key)] = (check, truth)


def on_one_thread(compute: Callable[[], Any]) -> Any:
    """``compute()``, with torch on one thread where it uses it (``torch_on_one_thread``): a
    computation that imported torch, which starts on every core, is made again."""
    imported = "torch" in sys.modules
    torch_on_one_thread()
    try:
        value = compute()
    except Exception:
        if imported or "torch" not in sys.modules:
            raise
        value = None
    if not imported and "torch" in sys.modules:
        torch_on_one_thread()
        value = compute()
    return value


def torch_on_one_thread() -> None:
    """The grader's own torch work (the reference's answers, a check's truth) on one thread,
    once torch is imported here: its tensors are small, grading is parallel across submissions
    (``--jobs``), and OpenMP's idle threads spin after each parallel operation, taking a core
    from the student's worker (on 2 cores, a tenth of a grading process's CPU time was theirs).
    One thread is also what the worker and a notebook's kernel compute on (``Worker``), so
    the reference's answers and the truths do not depend on the grading machine's cores (nor
    on which process computed those the examples cache keeps)."""
    torch = sys.modules.get("torch")
    if torch is not None and torch.get_num_threads() != 1:
        torch.set_num_threads(1)


@dataclass(frozen=True)
class Objective:
    """A scalar computed through one exercise function: ``reduce(out, call)`` where ``out`` is
    ``function`` applied to ``forward(call)``. For a layer, typically sum(dout · forward(x))."""

    function: str
    forward: Callable[[Call], Call]
    reduce: Callable[[Any, Call], float]
    # The size of the terms ``reduce`` adds up (Σ|dout · out| for a layer), which bounds the
    # round-off of a float32 forward (numgrad.float32_atol); None: the value's own size.
    magnitude: Callable[[Any, Call], float] | None = None

    def __call__(self, caller: Student | Reference, call: Call) -> float:
        return self.evaluate(caller, call)[0]

    def asks(self, call: Call) -> tuple[str, Call]:
        """The function's call that computes the objective at ``call``."""
        return self.function, self.forward(call)

    def evaluate(self, caller: Student | Reference, call: Call) -> tuple[float, float]:
        """(the objective, the size of its terms)."""
        out = caller(*self.asks(call))
        value = float(self.reduce(out, call))
        return value, abs(float(self.magnitude(out, call))) if self.magnitude else abs(value)


@dataclass(frozen=True, kw_only=True)
class Gradient(Generated):
    """The gradients the student's code returns (``analytic``: argument name -> array) agree,
    within ``grader.numgrad``'s tolerances, with central differences of ``objective`` with
    respect to the arguments in ``wrt`` (name -> position in the check's call).

    With ``of="student"`` the objective runs the student's own forward, so the check needs no
    reference and is public; with ``of="reference"`` it runs the reference's forward (hidden).
    Inputs must be float64 and away from kinks.
    """

    wrt: dict[str, int]
    analytic: Callable[[Student, Call], dict[str, Any]]
    objective: Objective
    of: Literal["student", "reference"] = "student"
    examples: int = 2  # each example costs 2 evaluations per input entry (central differences)

    def __post_init__(self) -> None:
        if (self.of == "reference") != (self.visibility == "hidden"):
            raise ValueError(f"{self.name}: a gradient of the reference's forward is hidden, of the student's public")

    def judge(self, ctx: Context, call: Call) -> None:
        with judging(_("{function}'s gradients").format(function=self.function)):
            analytic = self.analytic(ctx.student, call)
        caller = ctx.student if self.of == "student" else ctx.reference
        assert caller is not None, "hidden checks need the reference solutions"

        # The student's forward is judged too where it is the objective: its output's values
        # may break the objective as they may break a property.
        def judged() -> contextlib.AbstractContextManager[None]:
            if self.of == "student":
                return judging(_("{function}'s forward").format(function=self.function))
            return contextlib.nullcontext()

        for name, position in self.wrt.items():
            sizes: list[float] = []

            def objective_at(value: np.ndarray, position: int = position, sizes: list[float] = sizes) -> float:
                result, size = self.objective.evaluate(caller, _with_argument(call, position, value))
                sizes.append(size)
                return result

            with judged():
                numerical = numgrad.central_differences(objective_at, call.args[position])
            with judging(_("{function}'s gradients").format(function=self.function)):
                worst = numgrad.worst_gradient_mismatch(name, analytic[name], numerical)
                if worst is not None and self.of == "student":  # a float32 forward? see numgrad.EPS_FLOAT32
                    with judged():
                        coarse = numgrad.central_differences(objective_at, call.args[position], numgrad.EPS_FLOAT32)
                    atol = numgrad.float32_atol(sizes)
                    if numgrad.worst_gradient_mismatch(name, analytic[name], coarse, atol) is None:
                        worst = None
            if worst is not None:
                mismatch = worst.describe(reveal=self.visibility == "public")
                if self.of == "student":
                    text = _("the gradient disagrees with central differences of your forward pass: {mismatch}")
                else:
                    text = _(
                        "the gradient disagrees with central differences of the reference forward pass: {mismatch}"
                    )
                raise CheckFailed(text.format(mismatch=mismatch))

    def own_inputs(self) -> tuple[tuple[str, Call], ...]:
        """Its inputs, what ``analytic`` asks before it looks at an answer, and, where the
        objective is the student's forward, every point of the central differences (both step
        sizes): numgrad's own steps, from the input alone."""
        examples = self.recorded_examples()
        asked = asked_unanswered(self.analytic, examples)
        if self.of == "student":
            for call in examples:
                for position in self.wrt.values():

                    def objective_at(value: np.ndarray, call: Call = call, position: int = position) -> float:
                        asked.append(copied(self.objective.asks(_with_argument(call, position, value))))
                        return 0.0

                    for eps in (numgrad.EPS, numgrad.EPS_FLOAT32):
                        numgrad.central_differences(objective_at, call.args[position], eps)
        return (*super().own_inputs(), *asked)


def _with_argument(call: Call, position: int, value: Any) -> Call:
    """``call`` with argument ``position`` replaced by ``value``."""
    args = list(call.args)
    args[position] = value
    return Call(tuple(args), call.kwargs)


class _Looked(BaseException):
    """An ``Unanswered`` was looked at: what a check does next may depend on the answer.
    Not an Exception, so that no ``except Exception`` of a check's own can go on past it."""


class Unanswered:
    """Stands in for an answer while a check's calls are found ahead of any submission
    (``asked_unanswered``). Whatever is made of it (an item, an attribute, arithmetic, a
    NumPy function of it) is one too; looking at it (a number, a truth value, a length, an
    array, its text) raises ``_Looked``, so that nothing a check asks afterwards is known."""

    def _same(self, *args: Any, **kwargs: Any) -> Unanswered:
        return self

    def _looked(self, *args: Any, **kwargs: Any) -> Any:
        raise _Looked

    __getattr__ = __getitem__ = __call__ = _same
    __array_ufunc__ = __array_function__ = _same
    __neg__ = __pos__ = __abs__ = __invert__ = _same
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __matmul__ = __rmatmul__ = _same
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = __pow__ = __rpow__ = _same
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _same  # type: ignore[assignment]
    __bool__ = __float__ = __int__ = __index__ = __complex__ = __len__ = __iter__ = __contains__ = _looked
    __array__ = __hash__ = __str__ = __repr__ = __format__ = _looked


def asked_unanswered(ask: Callable[[Student, Call], Any], calls: tuple[Call, ...]) -> list[tuple[str, Call]]:
    """The calls (function, call) ``ask(student, call)`` makes of the student, for each of
    ``calls``, before it looks at an answer: every answer is an ``Unanswered``, so what it
    asks depends on the call alone, never on what any submission answered."""
    asked: list[tuple[str, Call]] = []

    def student(function: str, call: Call, keep: str | None = None) -> Unanswered:
        # a kept result stays in the worker: what is asked with it is not known ahead
        if keep is None and not holds([*call.args, *call.kwargs.values()], Unanswered):
            asked.append((function, copied(call)))
        return Unanswered()

    for call in calls:
        # until it looks at an answer (or cannot go on without one): the rest is not known ahead
        with contextlib.suppress(Exception, _Looked):
            ask(student, copied(call))
    return asked


def holds(value: Any, kinds: type | tuple[type, ...]) -> bool:
    """Whether ``value`` (a call's arguments), or any item of its lists, tuples and dicts, is
    one of ``kinds``."""
    if isinstance(value, kinds):
        return True
    if isinstance(value, (list, tuple)):
        return any(holds(v, kinds) for v in value)
    if isinstance(value, dict):
        return any(holds(v, kinds) for v in value.values())
    return False


@dataclass(frozen=True)
class Case:
    """One known answer: the call, and either the expected value or the error expected."""

    call: Call
    expected: Any = None
    raises: type[Exception] | None = None


@dataclass(frozen=True, kw_only=True)
class KnownAnswers(Check):
    cases: tuple[Case, ...]
    tolerance: Tolerance | None = None  # None: by the input dtype (tolerance.for_dtype)

    def own_inputs(self) -> tuple[tuple[str, Call], ...]:
        return tuple((self.function, case.call) for case in self.cases)

    def _run(self, ctx: Context) -> None:
        for case, shown in zip(self.cases, self._shown, strict=True):
            if case.raises is not None:
                expected = case.raises.__name__
                try:
                    ctx.student(self.function, case.call)
                except StudentRaised as exc:
                    if exc.type_name != expected:
                        raise CheckFailed(
                            _("{call} should raise {expected}, but {raised}").format(
                                call=shown, expected=expected, raised=exc
                            )
                        ) from None
                    continue
                raise CheckFailed(
                    _("{call} should raise {expected}, but returned a value").format(call=shown, expected=expected)
                )
            try:
                out = ctx.student(self.function, case.call)
            except StudentRaised as exc:
                raise CheckFailed(exc.by(shown)) from None
            truth = conform(case.expected, ctx.returns[self.function], case.call.args, _("the expected value"))
            labels = item_labels(ctx.returns[self.function])
            reveal = self.visibility == "public"
            with judging(_result_of(shown)):
                problem = compare(out, truth, input_dtype(case.call), reveal=reveal, labels=labels, tol=self.tolerance)
            if problem:
                raise CheckFailed(_("{call}: {problem}").format(call=shown, problem=problem))

    @functools.cached_property
    def _shown(self) -> tuple[str, ...]:
        """Each case's call as a message shows it, formatted once: the same for every
        submission, and formatting its arrays costs more than judging them."""
        return tuple(case.call.show(self.function) for case in self.cases)


# -- adapters: how a check reaches the functions (``via=``) -----------------------------------


class Adapter(Protocol):
    """Declared on a check as ``via=``: changes the functions the check calls, for a check
    kind to fit a function it cannot call as it is (a backward that needs its forward's cache).

    ``adapter(ctx)`` is the context the check runs in; ``explain`` may word a generated
    check's failure to match (None: the kind's own wording)."""

    def __call__(self, ctx: Context) -> Context: ...

    def explain(self, check: Check, call: Call, exc: Exception) -> str | None: ...


@dataclass(frozen=True)
class Chain:
    """A backward that takes its forward's cache, which is opaque: it never leaves the worker.

    A check of ``backward`` then takes the call (*the forward's arguments, *the backward's own
    ``takes`` arguments), with the forward's keyword arguments. Each side (the student in the
    worker, the reference in the grader) runs ``forward`` on the first part, keeping its result
    under the forward's name, then ``backward(*own, cache)``, the cache being item ``cache``
    of that result, passed as ``Kept``. Every other function is called as it is, so that a
    gradient's objective can still call the forward itself.
    """

    forward: str
    backward: str
    cache: int = 1  # the position of the cache in the forward's result
    takes: int = 1  # the backward's own arguments, before the cache: (dout,)
    result: tuple[str, ...] = ("out", "cache")  # the forward's result, as a failure names it

    def __call__(self, ctx: Context) -> Context:
        reference = _Chained(self, ctx.reference) if ctx.reference is not None else None
        return Context(student=_Chained(self, ctx.student), reference=reference, returns=ctx.returns)

    def split(self, call: Call) -> tuple[Call, Call]:
        """The backward check's call as (the forward's call, the backward's own arguments)."""
        cut = len(call.args) - self.takes
        return Call(call.args[:cut], call.kwargs), Call(call.args[cut:])

    def explain(self, check: Check, call: Call, exc: Exception) -> str:
        """The failing input as the two calls the student's code makes: the values where the
        check is public, only shapes and dtypes where it is hidden."""
        forward, own = self.split(call)
        cache, comma = self.result[self.cache], ", " if own.args else ""
        if check.visibility == "hidden":
            return _("{message}\n  on a generated input: {forward}, then {backward}").format(
                message=exc,
                forward=f"{self.forward}({forward.outline()})",
                backward=f"{self.backward}({own.outline()}{comma}{cache})",
            )
        # NOTE: {result} names the forward's outputs ("out, cache"), {forward} and {backward} are the two calls
        text = _("{message}\n  smallest failing input: {result} = {forward}\n  then {backward}").format(
            message=exc,
            result=", ".join(self.result),
            forward=forward.show(self.forward),
            backward=f"{own.show(self.backward)[:-1]}{comma}{cache})",
        )
        return _with_traceback(text, exc)


@dataclass(frozen=True)
class _Chained:
    """``caller`` with ``chain.backward`` called through the forward's kept cache."""

    chain: Chain
    caller: Student | Reference

    def __call__(self, function: str, call: Call, keep: str | None = None) -> Any:
        chain = self.chain
        if function != chain.backward:
            return self.caller(function, call, keep)
        forward, own = chain.split(call)
        try:
            self.caller(chain.forward, forward, keep=chain.forward)
        except StudentRaised as exc:
            raise CheckFailed(
                _("{forward}, which makes the cache for {backward}, {raised}").format(
                    forward=chain.forward, backward=chain.backward, raised=exc
                )
            ) from None
        return self.caller(chain.backward, Call((*own.args, Kept(chain.forward, chain.cache))), keep)


@dataclass(frozen=True)
class Item:
    """Of ``function``'s tuple result, item ``index`` alone, declared as that item: how a check
    compares a forward's out when the rest (its cache, ``Opaque``) is neither sent nor comparable."""

    function: str
    index: int = 0

    def __call__(self, ctx: Context) -> Context:
        declared = ctx.returns[self.function]
        assert isinstance(declared, Tuple), f"{self.function} is not declared to return a tuple"
        reference = _ItemOf(self, ctx.reference) if ctx.reference is not None else None
        returns = {**ctx.returns, self.function: declared.items[self.index]}
        return Context(student=_ItemOf(self, ctx.student), reference=reference, returns=returns)

    def explain(self, check: Check, call: Call, exc: Exception) -> None:
        return None


@dataclass(frozen=True)
class _ItemOf:
    item: Item
    caller: Student | Reference

    def __call__(self, function: str, call: Call, keep: str | None = None) -> Any:
        value = self.caller(function, call, keep)
        return value[self.item.index] if function == self.item.function else value


@dataclass(frozen=True)
class Steps:
    """``function`` called over several steps, each step's own outputs fed back as the next
    step's arguments, as a training loop calls an optimizer's step with its state.

    A check of ``function`` then takes the first step's call in which argument ``each`` is a
    list, one value per step (the gradients). After each step, item ``i`` of the result becomes
    argument ``feed[i]`` of the next call (``{0: 0, 1: 2}``: new_param -> param, new_state ->
    state), converted as SPEC says (``grader.outputs.as_argument``): an array comes back as one
    of the input dtype, a tensor in the worker, a number as a Python number, a dict as a dict.
    The adapted function returns every step's result, declared as ``List`` of its own result,
    so that a failure names the step; a truth (``ReferenceParity(truth=...)``) returns the same
    list. Both sides, the student in the worker and the reference, are stepped the same way;
    every step's call goes through the contract, so an input modified in place (a tensor inside
    a state dict) fails as in any other call.
    """

    function: str
    feed: dict[int, int]  # result item -> argument position it becomes in the next step
    each: int = 1  # the argument given as a list, one value per step
    fed: str = ""  # how a failure words the feeding: "new_param becomes param, new_buf becomes buf"

    def __call__(self, ctx: Context) -> Context:
        declared = ctx.returns[self.function]
        assert isinstance(declared, Tuple), f"{self.function} is not declared to return a tuple"
        reference = _Stepped(self, ctx.reference, declared) if ctx.reference is not None else None
        returns = {**ctx.returns, self.function: List(declared)}
        return Context(student=_Stepped(self, ctx.student, declared), reference=reference, returns=returns)

    def explain(self, check: Check, call: Call, exc: Exception) -> str:
        steps = len(call.args[self.each])
        if self.fed:
            head = ngettext(
                # NOTE: {fed} says how: "new_param becomes param, new_buf becomes buf"
                "{message}\n  over {steps} steps, each step's result fed back into the next ({fed}); "
                "result[k] is step k's, counted from 0",
                "{message}\n  over {steps} steps, each step's result fed back into the next ({fed}); "
                "result[k] is step k's, counted from 0",
                steps,
            ).format(message=exc, steps=steps, fed=_(self.fed))
        else:
            head = ngettext(
                "{message}\n  over {steps} steps, each step's result fed back into the next; "
                "result[k] is step k's, counted from 0",
                "{message}\n  over {steps} steps, each step's result fed back into the next; "
                "result[k] is step k's, counted from 0",
                steps,
            ).format(message=exc, steps=steps)
        if check.visibility == "hidden":
            return _on_generated(head, call)
        text = _("{message}\n  smallest failing input, with one value per step at argument {position}: {call}").format(
            message=head, position=self.each + 1, call=call.show(self.function)
        )
        return _with_traceback(text, exc)


@dataclass(frozen=True)
class _Stepped:
    steps: Steps
    caller: Student | Reference
    declared: Tuple

    def __call__(self, function: str, call: Call, keep: str | None = None) -> Any:
        if function != self.steps.function:
            return self.caller(function, call, keep)
        args, dtype, results = list(call.args), input_dtype(call), []
        for k, value in enumerate(call.args[self.steps.each]):
            args[self.steps.each] = value
            try:
                out = self.caller(function, Call(tuple(args), call.kwargs))
            except StudentRaised as exc:
                raise StudentRaised(exc.type_name, _at_step(exc.message, k), exc.traceback) from None
            except CheckFailed as exc:
                raise CheckFailed(_at_step(str(exc), k)) from None
            results.append(out)
            for item, position in self.steps.feed.items():
                args[position] = as_argument(out[item], self.declared.items[item], dtype)
        return results


def _at_step(message: str, step: int) -> str:
    return _("{message} (at step {step})").format(message=message, step=step)


@dataclass
class _Neighbours:
    """The student's functions as a check of ``function`` calls them (:meth:`Check.run`).

    A call of another function, a neighbour the check needs (f1_score's check calls precision),
    that raises, breaks its contract, is not implemented or loses the worker must not cost
    ``function`` its points: that neighbour is graded by its own checks. Where the reference is
    loaded (grading), the reference's neighbour stands in for that call, and ``function`` is
    judged on its own merit; the failures that stood in are recorded in ``stood_in`` (the
    message of a failure may then show no value). Without the reference (a student's own
    check), the check stops with a message that names the neighbour as the one to fix first.
    A call that hands on a kept result (``Kept``) cannot be answered by the reference.
    """

    function: str
    student: Student
    reference: Reference | None
    stood_in: list[tuple[str, str]] = field(default_factory=list)  # (neighbour, why it failed)

    def __call__(self, function: str, call: Call, keep: str | None = None) -> Any:
        if function == self.function:
            return self.student(function, call, keep)
        try:
            return self.student(function, call, keep)
        except BudgetSpent:
            raise
        except (StopCheck, StudentRaised, CheckFailed) as exc:
            if isinstance(exc, StudentRaised):
                why = exc.by(function)
            else:
                why = exc.message if isinstance(exc, StopCheck) else str(exc)
            kept = keep is not None or any(isinstance(a, Kept) for a in [*call.args, *call.kwargs.values()])
            if self.reference is None or kept:
                raise StopCheck(
                    _("{function}, which this check uses, failed: {why}; fix {function} first").format(
                        function=function, why=why
                    )
                ) from None
            self.stood_in.append((function, why))
            return self.reference(function, call)


# -- comparing results ---------------------------------------------------------------------


def input_dtype(call: Call) -> np.dtype | None:
    """The dtype that sets the tolerance: that of the first float array among the arguments
    (None when there is none, as for labels: float64's tolerance then)."""
    for value in [*call.args, *call.kwargs.values()]:
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            return value.dtype
    return None


def item_labels(returns: Returns) -> tuple[str, ...] | None:
    """The names of a tuple of numbers' items ("slope a", "intercept b"), where declared."""
    if isinstance(returns, Tuple) and all(isinstance(i, Scalar) and i.label != "value" for i in returns.items):
        return tuple(i.label for i in returns.items if isinstance(i, Scalar))
    return None


def compare(
    out: Any,
    truth: Any,
    dtype: np.dtype | None,
    reveal: bool,
    where: str = "result",
    labels: Sequence[str] | None = None,
    tol: Tolerance | None = None,
) -> str | None:
    """None when ``out`` (conformed) matches ``truth`` (conformed); else what differs.

    The tolerance is ``tol`` where a check declares one, else the input dtype's.

    With ``reveal`` False the message gives the position and size of the error, never values.
    A tuple of numbers with ``labels`` is described by them: every item that is off is named
    ("the slope a is 2.6, expected 2; the intercept b is 0.4, expected 1").
    """
    if truth is None:  # an Opaque item (a cache), or state not in use (NoneOr): nothing to compare
        return None
    if out is None:
        if np.ndim(truth) == 0:
            return _("{where} is None, expected a number").format(where=where)
        return _("{where} is None, expected a tensor").format(where=where)
    if isinstance(truth, list):  # a List: as many items, each compared as its kind
        if len(out) != len(truth):
            return ngettext(
                "{where} has {count} items, expected {expected}",
                "{where} has {count} items, expected {expected}",
                len(out),
            ).format(where=where, count=len(out), expected=len(truth))
        for i, (o, t) in enumerate(zip(out, truth, strict=True)):
            problem = compare(o, t, dtype, reveal, f"{where}[{i}]", tol=tol)
            if problem:
                return problem
        return None
    if (
        isinstance(truth, tuple)
        and truth
        and all(isinstance(t, np.ndarray) and t.ndim == 0 and t.dtype.kind == "f" for t in truth)
    ):
        # a tuple of numbers is one result, like a vector: (slope, intercept), (loss, ...)
        if labels is not None and len(labels) == len(truth):
            return _compare_named(np.stack(out), np.stack(truth), dtype, reveal, labels)
        return compare(np.stack(out), np.stack(truth), dtype, reveal, where, tol=tol)
    if isinstance(truth, tuple):
        for i, (o, t) in enumerate(zip(out, truth, strict=True)):
            problem = compare(o, t, dtype, reveal, f"{where}[{i}]", tol=tol)
            if problem:
                return problem
        return None
    if out.shape != truth.shape:  # a Vector's length is free, so it is compared here
        return _("{where} has shape {got}, expected {expected}").format(
            where=where, got=out.shape, expected=truth.shape
        )
    if truth.dtype.kind in "iub":
        if np.array_equal(out, truth):
            return None
        bad = tuple(int(i) for i in np.argwhere(out != truth)[0]) if truth.ndim else ()
        at = f"{where}{list(bad)}" if bad else where
        if reveal:
            got, want = _show(out[bad] if bad else out), _show(truth[bad] if bad else truth)
            return _("{where} is {got}, expected {expected}").format(where=at, got=got, expected=want)
        return _("{where} differs (integers must match exactly)").format(where=at)
    given = tol is not None
    if tol is None:
        tol = tolerance.for_dtype(dtype if dtype is not None else "float64")
    worst = tolerance.worst_mismatch(out, truth, tol)
    if worst is None:
        return None
    if given:
        allowed = f"atol {tol.atol:g}" if tol.rtol == 0 else f"rtol {tol.rtol:g}, atol {tol.atol:g}"
    else:
        allowed = _allowed(tol, dtype)
    at = f"{where}{list(worst.index)}" if worst.index else where
    if reveal:
        got, want = _show(out[worst.index]), _show(truth[worst.index])
        # NOTE: {allowed} is the tolerance: "rtol 1e-05 for float64 inputs", "atol 0.0001"
        return _("{where} is {got}, expected {expected} ({allowed})").format(
            where=at, got=got, expected=want, allowed=allowed
        )
    if not math.isfinite(worst.relative):
        return _("{where} is off (not a finite number; allowed {allowed})").format(where=at, allowed=allowed)
    return _("{where} is off (relative error {error:.3g}; allowed {allowed})").format(
        where=at, error=worst.relative, allowed=allowed
    )


def _allowed(tol: Tolerance, dtype: np.dtype | None) -> str:
    """The tolerance by the input dtype, as a failure states it."""
    if dtype is None:
        return f"rtol {tol.rtol:g}"
    return _("rtol {rtol:g} for {dtype} inputs").format(rtol=tol.rtol, dtype=dtype.name)


def _compare_named(
    out: np.ndarray, truth: np.ndarray, dtype: np.dtype | None, reveal: bool, labels: Sequence[str]
) -> str | None:
    tol = tolerance.for_dtype(dtype if dtype is not None else "float64")
    allowed = _allowed(tol, dtype)
    found = sorted(tolerance.mismatches(out, truth, tol), key=lambda m: m.index)
    if not found:
        return None
    parts = []
    for m in found:
        (i,) = m.index
        # NOTE: {label} names an item of the result: "slope a", "intercept b"
        label = _(labels[i])
        if reveal:
            got, want = _show(out[i]), _show(truth[i])
            parts.append(_("the {label} is {got}, expected {expected}").format(label=label, got=got, expected=want))
        elif not math.isfinite(m.relative):
            parts.append(_("the {label} is off (not a finite number)").format(label=label))
        else:
            parts.append(_("the {label} is off (relative error {error:.3g})").format(label=label, error=m.relative))
    listed = functools.reduce(lambda first, second: _("{first}; {second}").format(first=first, second=second), parts)
    if reveal:
        return _("{mismatches} ({allowed})").format(mismatches=listed, allowed=allowed)
    return _("{mismatches} (allowed {allowed})").format(mismatches=listed, allowed=allowed)


def _show(x: Any) -> str:
    x = np.asarray(x)
    if x.dtype.kind == "f":
        return f"{float(x):.6g}"
    return str(x.item())
