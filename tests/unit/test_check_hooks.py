"""The declared ways to extend a check kind (``via=`` and ``truth=``), without a worker.

A fake side stands for the student (or the reference): it runs plain Python functions and
keeps results under handles as the worker does, so a ``Kept`` argument reaches the very
object the forward returned. Each test runs in milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st

from grader.checks import (
    Call,
    Case,
    Chain,
    CheckFailed,
    Context,
    Contract,
    Item,
    KnownAnswers,
    ReferenceParity,
    StudentRaised,
)
from grader.isolation import Kept
from grader.outputs import Array, Opaque, Returns, Tuple


def same_shape(x: np.ndarray, *_: Any) -> tuple[int, ...]:
    return tuple(x.shape)


OUT = Array(same_shape, label="out")
RETURNS: dict[str, Returns] = {"forward": Tuple((OUT, Opaque())), "backward": Array(same_shape), "double": OUT}
X = np.array([1.0, -2.0, 3.0])
DOUT = np.array([0.5, 0.25, -1.0])


class Fake:
    """A Student or Reference in this process: ``functions`` by name; with ``keep`` the whole
    result stays here under that handle, and the forward's cache (item 1) is never returned,
    as with an ``Opaque`` item in the worker."""

    def __init__(self, **functions: Callable[..., Any]) -> None:
        self.functions = functions
        self.kept: dict[str, Any] = {}
        self.calls: list[tuple[str, Call, str | None]] = []

    def __call__(self, function: str, call: Call, keep: str | None = None) -> Any:
        self.calls.append((function, call, keep))
        args = tuple(self.kept[a.handle][a.index] if isinstance(a, Kept) else a for a in call.args)
        try:
            value = self.functions[function](*args, **call.kwargs)
        except Exception as exc:  # as the worker reports it
            raise StudentRaised(type(exc).__name__, str(exc), "") from None
        if keep is not None:
            self.kept[keep] = value
        return (value[0], None) if function == "forward" else value


class Cache:
    """Something a worker could never send back: it must reach the backward where it was made."""

    def __init__(self, x: np.ndarray) -> None:
        self.x = x


def forward(x: np.ndarray, scale: float = 2.0) -> tuple[np.ndarray, Cache]:
    return scale * x, Cache(x)


def backward(dout: np.ndarray, cache: Cache) -> np.ndarray:
    assert isinstance(cache, Cache), "the backward did not get the forward's cache"
    return 2.0 * dout + 0.0 * cache.x


def refuse(function: str, call: Call, keep: str | None = None) -> Any:
    raise AssertionError(f"the reference was called ({function}), but the check declares its own truth")


def context(student: Fake, reference: Any = None) -> Context:
    return Context(student=student, reference=reference, returns=RETURNS)


CHAIN = Chain(forward="forward", backward="backward")
CHAINED_CALLS = st.just(Call((X, DOUT), {"scale": 2.0}))


def test_chain_passes_the_forwards_cache_to_the_backward() -> None:
    student = Fake(forward=forward, backward=backward)
    check = Contract(name="c", function="backward", points=1.0, inputs=CHAINED_CALLS, examples=1, via=CHAIN)
    check.run(context(student))
    (f, forward_call, keep), (b, backward_call, _) = student.calls[:2]
    assert (f, keep, b) == ("forward", "forward", "backward")
    assert len(forward_call.args) == 1 and np.array_equal(forward_call.args[0], X)
    assert forward_call.kwargs == {"scale": 2.0}
    assert np.array_equal(backward_call.args[0], DOUT) and backward_call.args[1] == Kept("forward", 1)


def test_chain_leaves_other_functions_as_they_are() -> None:
    student = Fake(forward=forward, backward=backward)
    chained = CHAIN(context(student)).student
    out, cache = chained("forward", Call((X,)))
    assert np.array_equal(out, 2.0 * X) and cache is None
    assert student.calls == [("forward", Call((X,)), None)]


def test_chain_against_the_reference_keeps_each_sides_own_cache() -> None:
    student, reference = Fake(forward=forward, backward=backward), Fake(forward=forward, backward=backward)
    check = ReferenceParity(name="p", function="backward", points=1.0, inputs=CHAINED_CALLS, examples=1, via=CHAIN)
    check.run(context(student, reference))
    assert isinstance(student.kept["forward"][1], Cache) and isinstance(reference.kept["forward"][1], Cache)
    assert student.kept["forward"][1] is not reference.kept["forward"][1]


def test_a_buggy_backward_fails_with_both_calls_in_the_message() -> None:
    student = Fake(forward=forward, backward=lambda dout, cache: dout)  # forgets the factor 2
    reference = Fake(forward=forward, backward=backward)
    check = ReferenceParity(name="p", function="backward", points=1.0, inputs=CHAINED_CALLS, examples=1, via=CHAIN)
    with pytest.raises(CheckFailed) as failed:
        check.run(context(student, reference))
    message = str(failed.value)
    assert message.startswith("disagrees with the reference: result[2] is off (relative error")
    assert message.endswith("on a generated input: forward(float64[3], scale=2.0), then backward(float64[3], cache)")


def test_a_raising_forward_fails_the_backwards_check_and_says_so() -> None:
    def broken(x: np.ndarray, scale: float = 2.0) -> Any:
        raise ValueError("no cache today")

    student = Fake(forward=broken, backward=backward)
    check = Contract(name="c", function="backward", points=1.0, inputs=CHAINED_CALLS, examples=1, via=CHAIN)
    with pytest.raises(CheckFailed) as failed:
        check.run(context(student))
    first, shown, then = str(failed.value).splitlines()
    assert first == "forward, which makes the cache for backward, raised ValueError: no cache today"
    assert shown == "  smallest failing input: out, cache = forward(tensor([ 1., -2.,  3.], dtype=float64), scale=2.0)"
    assert then == "  then backward(tensor([ 0.5 ,  0.25, -1.  ], dtype=float64), cache)"


def test_item_compares_one_item_of_a_tuple_result() -> None:
    cases = (Case(Call((X,)), 2.0 * X),)
    answers = KnownAnswers(name="k", function="forward", points=1.0, cases=cases, via=Item("forward", 0))
    answers.run(context(Fake(forward=forward)))
    with pytest.raises(CheckFailed, match=r"forward\(.*\): result\[2\] is 3, expected 6"):
        answers.run(context(Fake(forward=lambda x: (x, Cache(x)))))


def test_truth_replaces_the_reference() -> None:
    truths: list[Call] = []

    def doubled(call: Call) -> np.ndarray:
        truths.append(call)
        return 2.0 * call.args[0]

    check = ReferenceParity(
        name="t", function="double", points=1.0, inputs=st.just(Call((X,))), truth=doubled, truth_name="2 x"
    )
    check.run(context(Fake(double=lambda x: 2.0 * x), reference=refuse))
    assert truths and all(np.array_equal(c.args[0], X) for c in truths)
    with pytest.raises(CheckFailed) as failed:
        check.run(context(Fake(double=lambda x: 3.0 * x), reference=refuse))
    assert str(failed.value).startswith("disagrees with 2 x: result[2] is off (relative error")


def test_truth_needs_a_name_for_the_message() -> None:
    with pytest.raises(ValueError, match="truth and truth_name go together"):
        ReferenceParity(name="t", function="double", points=1.0, inputs=st.just(Call((X,))), truth=lambda c: c.args[0])
