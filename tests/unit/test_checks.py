"""grader.checks: comparing results, the check kinds run against fake students (plain
callables, no worker), the shrink budget, Gradient's float32 retry, and how a call is shown."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader import checks, tolerance
from grader.checks import (
    Call,
    Case,
    CheckFailed,
    Context,
    Gradient,
    KnownAnswers,
    Objective,
    Property,
    ReferenceParity,
    StopCheck,
    StudentRaised,
    compare,
)
from grader.outputs import Array, Scalar

F64 = np.dtype("float64")
F32 = np.dtype("float32")


class FakeStudent:
    """A Student: ``functions`` by name, each called with the call's arguments; every call recorded."""

    def __init__(self, **functions: Any) -> None:
        self.functions = functions
        self.calls: list[tuple[str, Call]] = []

    def __call__(self, function: str, call: Call, keep: str | None = None) -> Any:
        self.calls.append((function, call))
        return self.functions[function](*call.args, **call.kwargs)


def context(student: Any, reference: Any = None, **returns: Any) -> Context:
    return Context(student=student, reference=reference, returns=returns)


VECTORS = st.lists(st.floats(-100, 100), min_size=1, max_size=20).map(lambda xs: Call((np.array(xs),)))
SAME = Array(lambda x: x.shape)


# -- compare ---------------------------------------------------------------------------------


def test_equal_results_compare_as_none() -> None:
    assert compare(np.array([1.0, 2.0]), np.array([1.0, 2.0]), F64, reveal=True) is None
    assert compare(None, None, F64, reveal=True) is None  # an opaque cache on both sides


def test_a_tuple_of_numbers_is_compared_as_one_vector() -> None:
    out, truth = (np.array(1.0), np.array(2.0)), (np.array(1.0), np.array(2.5))
    assert compare(out, truth, None, reveal=True) == "result[1] is 2, expected 2.5 (rtol 1e-05)"


def test_a_tuple_of_arrays_names_the_item_and_the_entry() -> None:
    out = (np.zeros(2), np.array([1.0, 3.0]))
    truth = (np.zeros(2), np.array([1.0, 2.0]))
    assert compare(out, truth, None, reveal=True) == "result[1][1] is 3, expected 2 (rtol 1e-05)"


def test_integers_must_match_exactly() -> None:
    out, truth = np.array([1, 5, 3]), np.array([1, 4, 3])
    assert compare(out, truth, None, reveal=True) == "result[1] is 5, expected 4"
    assert compare(out, truth, None, reveal=False) == "result[1] differs (integers must match exactly)"
    assert compare(np.array(3), np.array(4), None, reveal=True) == "result is 3, expected 4"


def test_floats_are_held_to_the_tolerance_of_the_input_dtype() -> None:
    truth = np.array([1.0, 1.0])
    out = truth * (1 + 5e-5)  # within float32's rtol 1e-4, outside float64's 1e-5
    assert compare(out, truth, F32, reveal=True) is None
    assert compare(out, truth, F64, reveal=True) == "result[0] is 1.00005, expected 1 (rtol 1e-05 for float64 inputs)"


def test_a_declared_tolerance_replaces_the_dtype_s_own() -> None:
    """An absolute tolerance (tolerance.ABSOLUTE_1E_4) for a result with no float input: an
    entry near zero may be off by 9e-5, which every relative tolerance refuses, but not 2e-4."""
    truth = np.array([0.0, 1.0])
    assert compare(np.array([9e-5, 1.0]), truth, None, reveal=True) is not None
    assert compare(np.array([9e-5, 1.0]), truth, None, reveal=True, tol=tolerance.ABSOLUTE_1E_4) is None
    message = compare(np.array([2e-4, 1.0]), truth, None, reveal=True, tol=tolerance.ABSOLUTE_1E_4)
    assert message == "result[0] is 0.0002, expected 0 (atol 0.0001)"
    cases = (Case(Call((3,)), expected=np.array([0.0, 1.0])),)
    check = KnownAnswers(name="near", function="f", points=1, cases=cases, tolerance=tolerance.ABSOLUTE_1E_4)
    check.run(context(FakeStudent(f=lambda n: np.array([5e-5, 1.0])), f=Array(lambda n: (2,))))


def test_without_reveal_a_mismatch_shows_its_size_never_the_values() -> None:
    # relative to |truth| + mean|truth| (grader.tolerance): 1 / (2 + 1.5)
    message = compare(np.array([1.0, 3.0]), np.array([1.0, 2.0]), F64, reveal=False)
    assert message == "result[1] is off (relative error 0.286; allowed rtol 1e-05 for float64 inputs)"
    assert "expected" not in message
    nan = compare(np.array([np.nan]), np.array([1.0]), None, reveal=False)
    assert nan == "result[0] is off (not a finite number; allowed rtol 1e-05)"


# -- generated checks and the shrink budget --------------------------------------------------


def test_a_passing_property_draws_its_budget_of_examples() -> None:
    student = FakeStudent(f=lambda x: x)
    check = Property(name="p", function="f", points=1, inputs=VECTORS, holds=lambda s, c, out: None, examples=7)
    check.run(context(student, f=SAME))
    assert len(student.calls) == 7


def test_a_public_failure_reports_the_shrunk_input_and_the_traceback() -> None:
    def f(x: np.ndarray) -> np.ndarray:
        if np.any(np.abs(x) > 1):
            raise StudentRaised("ValueError", "too big", "Traceback: line 3 in f")
        return x

    check = Property(name="p", function="f", points=1, inputs=VECTORS, holds=lambda s, c, out: None)
    with pytest.raises(CheckFailed) as failed:
        check.run(context(FakeStudent(f=f), f=SAME))
    assert str(failed.value) == (
        "raised ValueError: too big\n  smallest failing input: f(tensor([2.], dtype=float64))\nTraceback: line 3 in f"
    )


def test_a_hidden_failure_outlines_the_input_without_values() -> None:
    check = Property(
        name="p", function="f", points=1, inputs=VECTORS, holds=lambda s, c, out: "wrong", visibility="hidden"
    )
    with pytest.raises(CheckFailed) as failed:
        check.run(context(FakeStudent(f=lambda x: x), f=SAME))
    message = str(failed.value)
    assert message.startswith("wrong\n  on a generated input of float64[")
    assert "tensor(" not in message and "smallest" not in message


SUMS = st.lists(st.integers(0, 1000), min_size=1, max_size=40).map(lambda xs: Call((np.array(xs, dtype=np.int64),)))


def calls_after_first_failure(budget: int, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.setattr(checks, "SHRINK_BUDGET", budget)
    student = FakeStudent(f=lambda x: x)
    check = Property(
        name="p", function="f", points=1, inputs=SUMS, holds=lambda s, c, out: "too big" if out.sum() > 300 else None
    )
    with pytest.raises(CheckFailed) as failed:
        check.run(context(student, f=SAME))
    # The recorded examples meet the failure first; hypothesis then asks them again, meets the
    # same failure and shrinks it: the budget counts the calls after hypothesis's failure.
    failing = [i for i, (_, call) in enumerate(student.calls) if call.args[0].sum() > 300]
    first = failing[1]
    assert student.calls[failing[0]][1].show("f") == student.calls[first][1].show("f")
    return len(student.calls) - first - 1, str(failed.value)


def test_the_shrink_budget_caps_the_calls_after_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    unbounded, _ = calls_after_first_failure(10**6, monkeypatch)
    assert unbounded > 5, "this input needs more than 5 shrink steps, or the test shows nothing"
    capped, message = calls_after_first_failure(5, monkeypatch)
    assert capped == 5
    # it settles for the smallest failing input found so far, which still fails
    shown = message.partition("smallest failing input: f(tensor(")[2].partition("))")[0]
    assert message.startswith("too big\n") and sum(int(v) for v in shown.strip("[]").split(",")) > 300


def failed_on(check: Property, f: Any) -> tuple[str, list[str]]:
    """The check's failure message for a student's ``f``, and the inputs it was asked, in order."""
    student = FakeStudent(f=f)
    with pytest.raises(CheckFailed) as failed:
        check.run(context(student, f=SAME))
    return str(failed.value), [call.show("f") for _, call in student.calls]


def too_big(limit: int) -> Any:
    return lambda s, c, out: f"sums to {out.sum()}, more than {limit}" if out.sum() > limit else None


def test_a_failure_shrunk_before_is_judged_along_the_same_path_without_hypothesis(shrinks: list[str]) -> None:
    check = Property(name="p", function="f", points=1, inputs=SUMS, holds=too_big(300))
    first = failed_on(check, lambda x: x)
    assert len(shrinks) == 1 and len(first[1]) > 10, "hypothesis shrank the first failure, in many steps"
    again = failed_on(check, lambda x: x.copy())  # another submission, failing the same way
    assert again == first  # the same inputs asked in the same order, the same smallest failure
    assert len(shrinks) == 1, "the second was judged along the kept path, not by hypothesis"


@pytest.mark.parametrize(
    "f",
    [
        lambda x: x + (x > 150),  # fails on other inputs: another path from some point on
        # fails where the first did, but raises above 600: two failures hypothesis tells apart
        lambda x: x if x.sum() <= 600 else _raise(),
    ],
    ids=["other inputs", "another failure"],
)
def test_a_submission_failing_otherwise_gets_what_hypothesis_alone_gives(
    f: Any, monkeypatch: pytest.MonkeyPatch, shrinks: list[str]
) -> None:
    check = Property(name="p", function="f", points=1, inputs=SUMS, holds=too_big(300))
    monkeypatch.setattr(checks, "_SHRINKS", {})
    alone = failed_on(check, f)
    monkeypatch.setattr(checks, "_SHRINKS", {})
    failed_on(check, lambda x: x)  # a path kept first, which this submission leaves at some point
    shrinks.clear()
    message, asked = failed_on(check, f)
    assert message == alone[0]
    assert shrinks, "hypothesis took over where the outcomes differed"
    # hypothesis's run starts where it asks the first recorded example again: the same run,
    # after the inputs judged along the kept path up to where the outcomes differed
    alone_run = alone[1][alone[1].index(alone[1][0], 1) :]
    assert len(asked) > len(alone[1]) and asked[-len(alone_run) :] == alone_run


def _raise() -> Any:
    raise StudentRaised("ValueError", "too big", "Traceback: line 3 in f")


def test_a_stop_ends_the_check_at_once_without_shrinking() -> None:
    def f(x: np.ndarray) -> np.ndarray:
        raise StopCheck("f is not implemented yet (it raises NotImplementedError)")

    student = FakeStudent(f=f)
    check = Property(name="p", function="f", points=1, inputs=VECTORS, holds=lambda s, c, out: None)
    with pytest.raises(StopCheck) as stopped:
        check.run(context(student, f=SAME))
    assert stopped.value.message == "f is not implemented yet (it raises NotImplementedError)"
    assert len(student.calls) == 1


def test_an_error_of_the_grader_itself_is_not_blamed_on_the_student() -> None:
    broken = st.just(0).map(lambda _: 1 / 0)  # a strategy that fails: the grader's bug
    check = Property(name="p", function="f", points=1, inputs=broken, holds=lambda s, c, out: None)
    with pytest.raises(ZeroDivisionError):
        check.run(context(FakeStudent(f=lambda x: x), f=SAME))


# -- reference parity and known answers ------------------------------------------------------


def test_reference_parity_passes_on_agreement_and_hides_values_on_disagreement() -> None:
    reference = FakeStudent(f=lambda x: 2 * x)
    check = ReferenceParity(name="parity", function="f", points=1, inputs=VECTORS)
    check.run(context(FakeStudent(f=lambda x: x + x), reference, f=SAME))
    with pytest.raises(CheckFailed) as failed:
        check.run(context(FakeStudent(f=lambda x: 2 * x + 1), reference, f=SAME))
    message = str(failed.value)
    assert message.startswith("disagrees with the reference: result[0] is off (relative error")
    assert "on a generated input of float64[" in message and "expected" not in message


def test_where_the_reference_raises_value_error_the_student_must_too() -> None:
    def refuse(x: np.ndarray) -> np.ndarray:
        raise ValueError("no")

    def student_refuses(x: np.ndarray) -> np.ndarray:
        raise StudentRaised("ValueError", "bad input", "")

    def student_raises_type_error(x: np.ndarray) -> np.ndarray:
        raise StudentRaised("TypeError", "bad input", "")

    reference = FakeStudent(f=refuse)
    check = ReferenceParity(name="parity", function="f", points=1, inputs=VECTORS)
    check.run(context(FakeStudent(f=student_refuses), reference, f=SAME))
    with pytest.raises(CheckFailed, match="should raise ValueError here, but returned a value"):
        check.run(context(FakeStudent(f=lambda x: x), reference, f=SAME))
    with pytest.raises(CheckFailed, match="should raise ValueError here, but raised TypeError: bad input"):
        check.run(context(FakeStudent(f=student_raises_type_error), reference, f=SAME))


def test_a_truth_is_computed_once_per_question_and_judges_every_submission_alike() -> None:
    """Every submission asks the same questions: a check's truth (ValueError included) is
    computed once per process, and the next submission is judged on it as on a fresh one."""
    computed: list[float] = []

    def truth(call: Call) -> np.ndarray:
        (x,) = call.args
        computed.append(float(x.sum()))
        if x[0] > 30:
            raise ValueError("too large")
        return 2 * x

    def student(x: np.ndarray) -> np.ndarray:
        if x[0] > 30:
            raise StudentRaised("ValueError", "too large", "")
        return x + x

    check = ReferenceParity(name="doubles", function="f", points=1, inputs=VECTORS, truth=truth, truth_name="2x")
    check.run(context(FakeStudent(f=student), f=SAME))
    first = len(computed)
    assert first == len(check.recorded_examples())
    check.run(context(FakeStudent(f=student), f=SAME))
    assert len(computed) == first  # nothing computed again
    with pytest.raises(CheckFailed, match="disagrees with 2x"):
        check.run(context(FakeStudent(f=lambda x: x), f=SAME))
    with pytest.raises(CheckFailed, match="should raise ValueError here, but returned a value"):
        check.run(context(FakeStudent(f=lambda x: 2 * x), f=SAME))  # the truth's ValueError, kept
    assert len(computed) == first


def test_known_answers_compare_with_the_expected_value_and_reveal_it() -> None:
    mean = Scalar()
    cases = (Case(Call((np.array([1.0, 3.0]),)), expected=2.0),)
    check = KnownAnswers(name="known", function="mean", points=1, cases=cases)
    check.run(context(FakeStudent(mean=lambda x: np.array(x.mean())), mean=mean))
    with pytest.raises(CheckFailed) as failed:
        check.run(context(FakeStudent(mean=lambda x: np.array(x.sum())), mean=mean))
    assert (
        str(failed.value)
        == "mean(tensor([1., 3.], dtype=float64)): result is 4, expected 2 (rtol 1e-05 for float64 inputs)"
    )


def test_known_answers_expect_the_declared_error() -> None:
    def wrong_error(x: np.ndarray) -> np.ndarray:
        raise StudentRaised("TypeError", "empty", "")

    cases = (Case(Call((np.zeros(0),)), raises=ValueError),)
    check = KnownAnswers(name="empty", function="mean", points=1, cases=cases)
    with pytest.raises(CheckFailed) as failed:
        check.run(context(FakeStudent(mean=lambda x: np.array(0.0)), mean=Scalar()))
    assert str(failed.value) == "mean(tensor([], dtype=float64)) should raise ValueError, but returned a value"
    with pytest.raises(CheckFailed, match=r"should raise ValueError, but raised TypeError: empty"):
        check.run(context(FakeStudent(mean=wrong_error), mean=Scalar()))


# -- Gradient and its float32 retry ----------------------------------------------------------

POSITIVE = st.lists(st.floats(0.5, 2.0), min_size=3, max_size=6).map(lambda xs: Call((np.array(xs),)))
SQUARES = Objective(function="f", forward=lambda call: call, reduce=lambda out, call: float(out))


def squares_in_float32(x: np.ndarray) -> np.ndarray:
    return np.array(np.sum(x.astype(np.float32) ** 2, dtype=np.float32), dtype=np.float64)


def gradient(of: str = "student") -> Gradient:
    return Gradient(
        name="grad",
        function="df",
        points=1,
        inputs=POSITIVE,
        wrt={"x": 0},
        analytic=lambda student, call: {"x": student("df", call)},
        objective=SQUARES,
        of=of,  # type: ignore[arg-type]
        visibility="public" if of == "student" else "hidden",
    )


def test_a_correct_gradient_of_a_float32_forward_passes_through_the_retry() -> None:
    student = FakeStudent(f=squares_in_float32, df=lambda x: 2 * x)
    gradient().run(context(student, f=Scalar(), df=SAME))
    # it passed through the retry: a forward was evaluated one EPS_FLOAT32 step from an input
    inputs = [call.args[0] for name, call in student.calls if name == "df"]
    forwards = [call.args[0] for name, call in student.calls if name == "f"]
    assert any(np.isclose(np.abs(f - x).max(), 1e-3) for x in inputs for f in forwards if f.shape == x.shape)


def test_a_wrong_gradient_fails_even_with_the_retry() -> None:
    student = FakeStudent(f=squares_in_float32, df=lambda x: 3 * x)
    with pytest.raises(CheckFailed) as failed:
        gradient().run(context(student, f=Scalar(), df=SAME))
    message = str(failed.value)
    assert message.startswith("the gradient disagrees with central differences of your forward pass: dx[")
    assert "analytic" in message and "numerical" in message


def test_the_reference_forward_gets_no_float32_retry() -> None:
    """A hidden gradient check runs the reference's forward, which is float64: a float32 one
    there would be the grader's own bug, and is held to gradcheck's atol."""
    reference = FakeStudent(f=squares_in_float32)
    student = FakeStudent(df=lambda x: 2 * x)
    with pytest.raises(CheckFailed) as failed:
        gradient(of="reference").run(context(student, reference, f=Scalar(), df=SAME))
    assert "of the reference forward pass: dx[" in str(failed.value) and "is off (relative error" in str(failed.value)
    reference64 = FakeStudent(f=lambda x: np.array(np.sum(x**2)))
    gradient(of="reference").run(context(student, reference64, f=Scalar(), df=SAME))


def test_a_gradient_of_the_reference_must_be_hidden() -> None:
    with pytest.raises(ValueError, match="a gradient of the reference's forward is hidden"):
        Gradient(
            name="g",
            function="df",
            points=1,
            inputs=POSITIVE,
            wrt={"x": 0},
            analytic=lambda s, c: {},
            objective=SQUARES,
            of="reference",
        )


# -- own inputs: what a check asks whatever the answers (engine.StudentCalls streams them) -----


def _key(function: str, call: Call) -> tuple[str, tuple[bytes, ...]]:
    return function, tuple(np.asarray(a).tobytes() for a in call.args)


def _property(holds: Any) -> Property:
    return Property(name="p", function="f", points=1, inputs=POSITIVE, holds=holds)


def _asked(check: Any, student: Any) -> list[tuple[str, tuple[bytes, ...]]]:
    """What ``check`` asked of ``student``, run as in grading."""
    check.run(context(student, f=SAME, g=SAME, df=SAME))
    return [_key(function, call) for function, call in student.calls]


def test_a_property_s_own_inputs_are_its_examples_and_what_it_asks_before_looking() -> None:
    def doubling(student: Any, call: Call, out: Any) -> str | None:
        (x,) = call.args
        twice = student("f", Call((2 * x,)))  # built from the input alone
        return None if np.allclose(twice, 2 * out) else "not linear"

    check = _property(doubling)
    own = [_key(f, c) for f, c in check.own_inputs()]
    examples = check.recorded_examples()
    assert own == [_key("f", c) for c in examples] + [_key("f", Call((2 * c.args[0],))) for c in examples]
    assert own == sorted(_asked(check, FakeStudent(f=lambda x: 3 * x)), key=lambda k: own.index(k))


def test_nothing_a_check_asks_after_it_looks_at_an_answer_is_an_own_input() -> None:
    """Anything made of an answer, or asked once one was looked at (a number, a truth value, a
    length of it), depends on what the submission answered: asked ahead of the check, it would
    show one submission's answers to another's code. Not even a check's own ``except
    Exception`` goes on past a look."""

    def answer_passed_on(student: Any, call: Call, out: Any) -> str | None:
        student("g", Call((out,)))  # the answer itself
        student("g", Call((out * 2 + call.args[0],)))  # made of it
        return None

    def after_a_look(student: Any, call: Call, out: Any) -> str | None:
        (x,) = call.args
        student("g", Call((x + 1,)))  # before: known ahead
        first = float(out[0])
        student("g", Call((x[: 1 + int(first > 0)],)))
        return None

    def after_a_caught_look(student: Any, call: Call, out: Any) -> str | None:
        try:
            if out.sum() > 0:
                return None
        except Exception:
            pass
        student("g", Call((call.args[0] + 2,)))
        return None

    for holds, made in ((answer_passed_on, 0), (after_a_look, 1), (after_a_caught_look, 0)):
        check = _property(holds)
        examples = check.recorded_examples()
        own = [_key(f, c) for f, c in check.own_inputs()]
        assert own[: len(examples)] == [_key("f", c) for c in examples]
        assert own[len(examples) :] == [_key("g", Call((c.args[0] + 1,))) for c in examples][: made * len(examples)]
        # and the student is asked all of them, and more, when the check runs
        asked = _asked(check, FakeStudent(f=lambda x: x - 10.0, g=lambda x: x))
        assert set(own) < set(asked)


def test_a_gradient_s_own_inputs_hold_every_point_of_its_central_differences() -> None:
    check = gradient()
    own = {_key(f, c) for f, c in check.own_inputs()}
    asked = _asked(check, FakeStudent(f=squares_in_float32, df=lambda x: 2 * x))
    assert set(asked) <= own  # the retry's points (EPS_FLOAT32) too
    reference = gradient(of="reference")
    assert {f for f, _ in reference.own_inputs()} == {"df"}  # its forward runs in the grader


# -- showing a call --------------------------------------------------------------------------


def test_show_writes_the_call_as_the_student_would() -> None:
    call = Call((np.array([1.0, 2.0]), np.array([1, 2])), {"lam": 0.5})
    assert call.show("ridge_fit") == "ridge_fit(tensor([1., 2.], dtype=float64), tensor([1, 2]), lam=0.5)"
    assert Call((np.array([1.0], dtype=np.float32),)).show("f") == "f(tensor([1.], dtype=float32))"


def test_outline_gives_shapes_and_dtypes_only() -> None:
    call = Call((np.array([1.5, 2.5]), np.array([7, 9])), {"lam": 0.5})
    assert call.outline() == "float64[2], int64[2], lam=0.5"


def test_a_hidden_message_outlines_nested_inputs_without_values() -> None:
    call = Call(({"W1": np.ones((2, 3)), "b1": np.zeros(3)}, [np.arange(4)], 0.5))
    assert call.outline() == "{'W1': float64[2, 3], 'b1': float64[3]}, [int64[4]], 0.5"


def test_a_tuple_of_labelled_numbers_names_every_item_that_is_off() -> None:
    out = (np.array(2.6), np.array(0.4))
    truth = (np.array(2.0), np.array(1.0))
    labels = ("slope a", "intercept b")
    shown = compare(out, truth, np.dtype("float64"), reveal=True, labels=labels)
    assert shown == "the slope a is 2.6, expected 2; the intercept b is 0.4, expected 1 (rtol 1e-05 for float64 inputs)"
    hidden = compare(out, truth, np.dtype("float64"), reveal=False, labels=labels)
    assert hidden == (
        "the slope a is off (relative error 0.171); the intercept b is off (relative error 0.24) "
        "(allowed rtol 1e-05 for float64 inputs)"
    )
    assert "2.6" not in hidden and "expected" not in hidden
    assert compare(truth, truth, None, reveal=True, labels=labels) is None


# -- copied: copy.deepcopy's copy of plain data, faster -------------------------------------

_ARRAYS = st.sampled_from(["C", "F", "T", "slice", "0d", "empty", "bool", "int64", "float16", "object"]).map(
    lambda layout: {
        "C": lambda: np.arange(12.0).reshape(3, 4),
        "F": lambda: np.asfortranarray(np.arange(12.0).reshape(3, 4)),
        "T": lambda: np.arange(12.0, dtype=np.float32).reshape(3, 4).T,
        "slice": lambda: np.arange(24.0).reshape(4, 6)[::2, 1::2],
        "0d": lambda: np.array(2.5),
        "empty": lambda: np.zeros((0, 3)),
        "bool": lambda: np.array([True, False, True]),
        "int64": lambda: np.arange(5),
        "float16": lambda: np.linspace(0, 1, 7, dtype=np.float16),
        "object": lambda: np.array([[1.0], "a"], dtype=object),
    }[layout]()
)
_LEAVES = _ARRAYS | st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=3)
_LEAVES |= st.sampled_from([np.float64(1.5), np.int32(3)])
_PLAIN = st.recursive(
    _LEAVES,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=2) | st.integers(), inner, max_size=3)
        | st.tuples(
            st.lists(inner, max_size=2).map(tuple), st.dictionaries(st.text(max_size=2), inner, max_size=2)
        ).map(lambda parts: Call(*parts))
    ),
    max_leaves=8,
)


def _same_copy(a: Any, b: Any, layout: bool = True) -> None:
    """``a`` and ``b`` hold the same things, arrays alike to their memory layout (``layout``:
    two copies of one value)."""
    assert type(a) is type(b)
    if isinstance(a, np.ndarray):
        assert (a.dtype, a.shape) == (b.dtype, b.shape)
        assert not layout or (a.strides, a.flags.writeable) == (b.strides, b.flags.writeable)
        assert a.tobytes() == b.tobytes() if a.dtype != object else a.tolist() == b.tolist()
    elif isinstance(a, Call):
        _same_copy(a.args, b.args, layout)
        _same_copy(a.kwargs, b.kwargs, layout)
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same_copy(x, y, layout)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _same_copy(a[k], b[k], layout)
    else:
        assert a == b


@given(_PLAIN)
@settings(max_examples=200, deadline=None)
def test_copied_makes_what_deepcopy_makes(value: Any) -> None:
    import copy

    made = checks.copied(value)

    _same_copy(made, copy.deepcopy(value))
    _same_copy(made, value, layout=False)
    for original, copy_ in zip(_arrays(value), _arrays(made), strict=True):
        assert copy_ is not original and not np.shares_memory(copy_, original)


def _arrays(value: Any) -> list[np.ndarray]:
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, Call):
        return _arrays(value.args) + _arrays(value.kwargs)
    if isinstance(value, (list, tuple)):
        return [a for item in value for a in _arrays(item)]
    if isinstance(value, dict):
        return [a for item in value.values() for a in _arrays(item)]
    return []


def test_copied_keeps_one_copy_of_an_array_held_twice() -> None:
    shared = np.ones(3)
    made = checks.copied(Call((shared, [shared]), {"also": shared}))
    assert made.args[0] is made.args[1][0] is made.kwargs["also"]
    assert made.args[0] is not shared


# -- a call's digest (its question: grader/engine.py) -------------------------------------------

DIGESTED = [
    (np.arange(6.0).reshape(2, 3), 3, {"axis": 1}),
    (np.arange(6.0).reshape(2, 3).T, [np.int64(2), np.float32(0.5)], {}),  # not C-contiguous; NumPy scalars
    ((np.zeros((0, 4), np.float32), None, True, "mean"), {"state": {"m": np.ones(2)}}),
    ([np.array(1.5), -0.0, float("nan")], {"k": [1, 2], "j": (3,)}),
    ((1, 2), [1, 2], {"a": 1, "b": 2}, np.zeros(2, np.int64), np.zeros(2, np.int32)),  # same lengths, other kinds
]


@pytest.mark.parametrize("args", DIGESTED)
def test_a_calls_digest_is_the_same_whether_its_heads_are_kept_or_written_anew(
    args: tuple[Any, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    """_feed keeps what it writes before an array, a list, a tuple or a dict in a table
    (checks._HEADS): a head taken from it is the one it would write (a list of three
    ints and an array of dtype int64 of shape (3,), say, never share one)."""
    monkeypatch.setattr(checks, "_HEADS", {})
    first, kept = Call(args).digest("f"), Call(args).digest("f")
    monkeypatch.setattr(checks, "HEADS_KEPT", 0)
    monkeypatch.setattr(checks, "_HEADS", {})
    assert first == kept == Call(args).digest("f")
    assert Call([list(range(3)), np.arange(3)]).digest("f") != Call([np.arange(3), list(range(3))]).digest("f")


def test_equal_calls_digest_equal_and_different_ones_differ() -> None:
    a = np.arange(6.0).reshape(2, 3)
    same = [Call((a, 3)), Call((a.copy(), 3)), Call((np.ascontiguousarray(a.T.T), 3))]
    assert len({c.digest("f") for c in same}) == 1
    different = [
        Call((a, 3)),
        Call((a.reshape(3, 2), 3)),  # same bytes, another shape
        Call((a.astype(np.float32), 3)),
        Call((a, 3.0)),  # 3.0 is not 3
        Call((a, True)),
        Call(([a], 3)),
        Call((a,), {"n": 3}),
        Call((a.T, 3)),  # the transpose: other bytes in C order
        Call((a, -0.0)),
        Call((a, 0.0)),
    ]
    assert len({c.digest("f") for c in different}) == len(different)
    assert Call((a,)).digest("f") != Call((a,)).digest("g")
