"""The kinds of check, as data, and the one place that runs them.

An exercise declares its checks as instances of the classes below (see ``grader.bank``). Every
kind draws or lists inputs, calls the student's function through a :class:`Student` (which
runs it in the worker and enforces the output contract on every call), and judges the result
in the grader's own process:

- :class:`Contract`: shapes, kinds and unmodified inputs, on generated inputs (public);
- :class:`Property`: an invariant the outputs must satisfy (public when it needs no reference);
- :class:`KnownAnswers`: hand-computed answers, or the error that must be raised (public);
- :class:`ReferenceParity`: agreement with the reference solution on generated inputs (hidden).

Hypothesis drives generated inputs, derandomized and without a database, so a regrade gives
the same result. A failing public check reports the smallest failing input hypothesis found;
a hidden one says what went wrong and never shows an input's values or the expected answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st

from grader import numgrad, tolerance
from grader.outputs import Returns, conform

Visibility = Literal["public", "hidden"]


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
        super().__init__(f"raised {type_name}: {message}")
        self.type_name = type_name
        self.traceback = traceback


class StopCheck(BaseException):
    """Ends a check at once, without shrinking: the function is missing, not implemented,
    its module does not import, or the worker was lost (hang, crash, exit, flood).

    A BaseException so that hypothesis passes it through instead of treating it as a
    failure to shrink, which would call a hanging function again and again.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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

    def run(self, ctx: Context) -> None:
        """Return when the check passes; raise CheckFailed, StudentRaised or StopCheck."""
        raise NotImplementedError


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

    def run(self, ctx: Context) -> None:
        failure: list[tuple[Call, Exception]] = []
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

        try:
            example()
        except StopCheck as exc:
            if exc.message:
                raise
        except Exception:
            if not failure:
                raise  # hypothesis itself failed: a grader error, never the student's
        if failure:
            call, last = failure[-1]  # the last failure seen is the smallest hypothesis found
            raise CheckFailed(self.explain(call, last))

    def explain(self, call: Call, exc: Exception) -> str:
        message = str(exc)
        if self.visibility == "hidden":
            return f"{message}\n  on a generated input of {call.outline()}"
        text = f"{message}\n  smallest failing input: {call.show(self.function)}"
        if isinstance(exc, StudentRaised) and exc.traceback:
            text += "\n" + exc.traceback.rstrip()
        return text


# Examples hypothesis may try after the first failure, while shrinking, before we settle for
# the smallest failing input found so far: enough to shrink a vector of labels to a few
# entries, bounded so that a failing check costs a fraction of a second.
SHRINK_BUDGET = 150


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
    """

    holds: Callable[[Student, Call, Any], str | None]

    def judge(self, ctx: Context, call: Call) -> None:
        out = ctx.student(self.function, call)
        problem = self.holds(ctx.student, call, out)
        if problem:
            raise CheckFailed(problem)


@dataclass(frozen=True, kw_only=True)
class ReferenceParity(Generated):
    """The student's result equals the reference's (in float64) within ``grader.tolerance``;
    where the reference raises ValueError, the student must raise it too."""

    visibility: Visibility = "hidden"

    def judge(self, ctx: Context, call: Call) -> None:
        assert ctx.reference is not None, "hidden checks need the reference solutions"
        try:
            truth = ctx.reference(self.function, call)
        except ValueError:
            try:
                ctx.student(self.function, call)
            except StudentRaised as exc:
                if exc.type_name == "ValueError":
                    return
                raise CheckFailed(f"should raise ValueError here, but {exc}") from None
            raise CheckFailed("should raise ValueError here, but returned a value") from None
        out = ctx.student(self.function, call)
        problem = compare(out, truth, input_dtype(call), reveal=False)
        if problem:
            raise CheckFailed(f"disagrees with the reference: {problem}")


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

    def evaluate(self, caller: Student | Reference, call: Call) -> tuple[float, float]:
        """(the objective, the size of its terms)."""
        out = caller(self.function, self.forward(call))
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
        analytic = self.analytic(ctx.student, call)
        caller = ctx.student if self.of == "student" else ctx.reference
        assert caller is not None, "hidden checks need the reference solutions"
        for name, position in self.wrt.items():
            sizes: list[float] = []

            def objective_at(value: np.ndarray, position: int = position, sizes: list[float] = sizes) -> float:
                args = list(call.args)
                args[position] = value
                result, size = self.objective.evaluate(caller, Call(tuple(args), call.kwargs))
                sizes.append(size)
                return result

            numerical = numgrad.central_differences(objective_at, call.args[position])
            worst = numgrad.worst_gradient_mismatch(name, analytic[name], numerical)
            if worst is not None and self.of == "student":  # a float32 forward? see numgrad.EPS_FLOAT32
                coarse = numgrad.central_differences(objective_at, call.args[position], numgrad.EPS_FLOAT32)
                if numgrad.worst_gradient_mismatch(name, analytic[name], coarse, numgrad.float32_atol(sizes)) is None:
                    worst = None
            if worst is not None:
                source = "your forward pass" if self.of == "student" else "the reference forward pass"
                raise CheckFailed(
                    f"the gradient disagrees with central differences of {source}: "
                    f"{worst.describe(reveal=self.visibility == 'public')}"
                )


@dataclass(frozen=True)
class Case:
    """One known answer: the call, and either the expected value or the error expected."""

    call: Call
    expected: Any = None
    raises: type[Exception] | None = None


@dataclass(frozen=True, kw_only=True)
class KnownAnswers(Check):
    cases: tuple[Case, ...]

    def run(self, ctx: Context) -> None:
        for case in self.cases:
            shown = case.call.show(self.function)
            if case.raises is not None:
                expected = case.raises.__name__
                try:
                    ctx.student(self.function, case.call)
                except StudentRaised as exc:
                    if exc.type_name != expected:
                        raise CheckFailed(f"{shown} should raise {expected}, but {exc}") from None
                    continue
                raise CheckFailed(f"{shown} should raise {expected}, but returned a value")
            try:
                out = ctx.student(self.function, case.call)
            except StudentRaised as exc:
                raise CheckFailed(f"{shown} {exc}") from None
            truth = conform(case.expected, ctx.returns[self.function], case.call.args, "the expected value")
            problem = compare(out, truth, input_dtype(case.call), reveal=self.visibility == "public")
            if problem:
                raise CheckFailed(f"{shown}: {problem}")


# -- comparing results ---------------------------------------------------------------------


def input_dtype(call: Call) -> np.dtype | None:
    """The dtype that sets the tolerance: that of the first float array among the arguments
    (None when there is none, as for labels: float64's tolerance then)."""
    for value in [*call.args, *call.kwargs.values()]:
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            return value.dtype
    return None


def compare(out: Any, truth: Any, dtype: np.dtype | None, reveal: bool, where: str = "result") -> str | None:
    """None when ``out`` (conformed) matches ``truth`` (conformed); else what differs.

    With ``reveal`` False the message gives the position and size of the error, never values.
    """
    if truth is None:  # an Opaque item (a cache) on both sides: nothing to compare
        return None
    if (
        isinstance(truth, tuple)
        and truth
        and all(isinstance(t, np.ndarray) and t.ndim == 0 and t.dtype.kind == "f" for t in truth)
    ):
        # a tuple of numbers is one result, like a vector: (slope, intercept), (loss, ...)
        return compare(np.stack(out), np.stack(truth), dtype, reveal, where)
    if isinstance(truth, tuple):
        for i, (o, t) in enumerate(zip(out, truth, strict=True)):
            problem = compare(o, t, dtype, reveal, f"{where}[{i}]")
            if problem:
                return problem
        return None
    if truth.dtype.kind in "iub":
        if np.array_equal(out, truth):
            return None
        bad = tuple(int(i) for i in np.argwhere(out != truth)[0]) if truth.ndim else ()
        at = f"{where}{list(bad)}" if bad else where
        if reveal:
            return f"{at} is {_show(out[bad] if bad else out)}, expected {_show(truth[bad] if bad else truth)}"
        return f"{at} differs (integers must match exactly)"
    tol = tolerance.for_dtype(dtype if dtype is not None else "float64")
    allowed = f"rtol {tol.rtol:g}" + (f" for {dtype.name} inputs" if dtype is not None else "")
    worst = tolerance.worst_mismatch(out, truth, tol)
    if worst is None:
        return None
    at = f"{where}{list(worst.index)}" if worst.index else where
    if reveal:
        got, want = _show(out[worst.index]), _show(truth[worst.index])
        return f"{at} is {got}, expected {want} ({allowed})"
    size = "not a finite number" if not math.isfinite(worst.relative) else f"relative error {worst.relative:.3g}"
    return f"{at} is off ({size}; allowed {allowed})"


def _show(x: Any) -> str:
    x = np.asarray(x)
    if x.dtype.kind == "f":
        return f"{float(x):.6g}"
    return str(x.item())
