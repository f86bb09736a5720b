"""State passed in and out of a function, generically: the return kinds for lists, 1-D runs
of numbers and None (grader.outputs), their comparison, outputs fed back over several steps
(``Steps``), and a tensor modified in place inside a dict or a list argument, caught by the
worker's digests like any other input (through the in-process worker: the same code)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from grader import engine
from grader.checks import Call, Case, CheckFailed, Context, KnownAnswers, ReferenceParity, Steps, StudentRaised, compare
from grader.exercise import Exercise, Function
from grader.isolation import InProcess
from grader.outputs import (
    Array,
    ContractViolation,
    Dict,
    List,
    NoneOr,
    Scalar,
    Tuple,
    Vector,
    as_argument,
    conform,
)

F32 = np.dtype("float32")
F64 = np.dtype("float64")
PARAM = Array(lambda p, *_: p.shape)
STATE = Dict({"step": Scalar("int"), "m": PARAM})
STEP = Tuple((PARAM, STATE))  # (new_param, new_state)
BUF_STEP = Tuple((PARAM, NoneOr(PARAM)))  # (new_param, new_buf)

# -- the return kinds ----------------------------------------------------------------------


@pytest.mark.parametrize("batch", [[3, 1], (3, 1), np.array([3, 1]), np.array([3, 1], dtype=np.int32)])
def test_a_vector_is_a_list_of_numbers_or_a_1d_array_of_any_length(batch: Any) -> None:
    out = conform(batch, Vector("int"), ())
    assert out.dtype == np.int64 and out.tolist() == [3, 1]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (np.array([[1, 2]]), "should be a 1-D int tensor or a list of ints, got an array of shape (1, 2)"),
        ([1.5, 2], "should hold integers, got dtype float64"),
        ([[1], [2]], "should be a 1-D int tensor or a list of ints, got list"),
        (3, "should be a 1-D int tensor or a list of ints, got int 3"),
    ],
)
def test_a_vector_refuses_everything_else(value: Any, message: str) -> None:
    with pytest.raises(ContractViolation, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        conform(value, Vector("int"), ())


def test_a_list_conforms_each_item_and_names_the_bad_one() -> None:
    batches = conform([[4, 0], np.array([3]), (2,)], List(Vector("int")), ())
    assert isinstance(batches, list) and [b.tolist() for b in batches] == [[4, 0], [3], [2]]
    assert conform((np.array([1]),), List(Vector("int")), ()) == [np.array([1])]  # torch.split's tuple
    with pytest.raises(ContractViolation, match=r"the result\[1\] should hold integers"):
        conform([[1], [0.5]], List(Vector("int")), ())
    with pytest.raises(ContractViolation, match="should be a list of"):
        conform(np.array([[1, 2]]), List(Vector("int")), ())


def test_none_or_takes_none_or_its_item() -> None:
    p = np.zeros(2)
    assert conform(None, NoneOr(PARAM), (p,)) is None
    assert conform(np.ones(2, dtype=F32), NoneOr(PARAM), (p,)).dtype == F64
    with pytest.raises(ContractViolation, match=r"should have shape \(2,\)"):
        conform(np.ones(3), NoneOr(PARAM), (p,))


def test_int_results_and_state_dicts_conform() -> None:
    p = np.zeros(2, dtype=F32)
    value = (np.ones(2, dtype=F32), {"step": np.int64(3), "m": np.ones(2, dtype=F32)})
    _, (step, m) = conform(value, STEP, (p,))
    assert step.dtype == np.int64 and int(step) == 3 and m.dtype == F64
    with pytest.raises(ContractViolation, match="should hold integers"):
        conform((p, {"step": 1.5, "m": p}), STEP, (p,))


def test_as_argument_gives_the_input_dtype_python_numbers_and_dicts_back() -> None:
    p = np.zeros(2, dtype=F32)
    canonical = conform((np.ones(2), {"step": np.array(2), "m": np.ones(2)}), STEP, (p,))
    new_param, state = (as_argument(v, s, F32) for v, s in zip(canonical, STEP.items, strict=True))
    assert new_param.dtype == F32 and new_param.tolist() == [1.0, 1.0]
    assert state.keys() == {"step", "m"} and type(state["step"]) is int and state["step"] == 2
    assert state["m"].dtype == F32
    assert as_argument(None, NoneOr(PARAM), F32) is None
    assert as_argument([np.array([1, 2])], List(Vector("int")), F32)[0].dtype == np.int64  # indices stay ints


# -- comparing lists, None and free lengths ----------------------------------------------


def test_compare_lists_item_by_item_and_by_length() -> None:
    truth = [np.array([1, 2]), np.array([3])]
    assert compare([np.array([1, 2]), np.array([3])], truth, None, reveal=True) is None
    assert compare([np.array([1, 2])], truth, None, reveal=True) == "result has 1 items, expected 2"
    assert compare([np.array([1]), np.array([2, 3])], truth, None, reveal=True) == (
        "result[0] has shape (1,), expected (2,)"
    )


def test_compare_ignores_a_value_where_the_truth_is_none_and_refuses_none_for_a_value() -> None:
    assert compare((np.ones(1), np.ones(1)), (np.ones(1), None), F64, reveal=False) is None
    assert compare((np.ones(1), None), (np.ones(1), np.ones(1)), F64, reveal=False) == (
        "result[1] is None, expected a tensor"
    )


# -- Steps: outputs fed back -------------------------------------------------------------


class Recording:
    """A student's step function, recording the arguments of every call as it received them."""

    def __init__(self, step: Any) -> None:
        self.step = step
        self.seen: list[tuple[Any, ...]] = []

    def __call__(self, function: str, call: Call, keep: str | None = None) -> Any:
        self.seen.append(call.args)
        return conform(self.step(*call.args, **call.kwargs), STEP, call.args)


def counting_step(param: np.ndarray, grad: np.ndarray, state: dict[str, Any], lr: float) -> Any:
    """A step returning float64 NumPy arrays and a NumPy int whatever it is given."""
    m = state.get("m", np.zeros_like(param)) + grad
    return param.astype(np.float64) - lr * m, {"step": np.int64(state.get("step", 0) + 1), "m": m}


def test_steps_feed_each_result_back_converted_as_spec_says() -> None:
    student = Recording(counting_step)
    steps = Steps("step", feed={0: 0, 1: 2})
    ctx = steps(Context(student=student, reference=None, returns={"step": STEP}))
    grads = [np.ones(2, dtype=F32), 2 * np.ones(2, dtype=F32), np.ones(2, dtype=F32)]
    results = ctx.student("step", Call((np.zeros(2, dtype=F32), grads, {}, 0.5)))
    assert isinstance(ctx.returns["step"], List) and len(results) == 3
    assert [args[2].get("step") for args in student.seen] == [None, 1, 2]
    for args in student.seen[1:]:
        param, _, state, _ = args
        assert param.dtype == F32 and state["m"].dtype == F32 and type(state["step"]) is int
    assert results[2][0].tolist() == [-0.5 - 1.5 - 2.0] * 2  # m = 1, 3, 4


def test_a_stepped_check_compares_every_step_with_a_truth_and_names_the_step() -> None:
    def truth(call: Call) -> list[Any]:
        param, grads, _, lr = call.args
        out, m = [], np.zeros_like(param, dtype=np.float64)
        for k, g in enumerate(grads):
            m = m + g
            param = param - lr * m
            out.append((param, {"step": k + 1, "m": m}))
        return out

    def forgets_state(param: np.ndarray, grad: np.ndarray, state: dict[str, Any], lr: float) -> Any:
        return counting_step(param, grad, {}, lr)

    steps = Steps("step", feed={0: 0, 1: 2})
    call = Call((np.zeros(2), [np.ones(2), np.ones(2)], {}, 0.5))
    check = ReferenceParity(
        name="t", function="step", points=1, inputs=st_just(call), via=steps, truth=truth, truth_name="T"
    )
    check.run(Context(student=Recording(counting_step), reference=None, returns={"step": STEP}))
    with pytest.raises(CheckFailed, match=r"disagrees with T: result\[1\]\[0\]\[0\] is off(.|\n)*over 2 steps"):
        check.run(Context(student=Recording(forgets_state), reference=None, returns={"step": STEP}))


def st_just(call: Call) -> Any:
    from hypothesis import strategies as st

    return st.just(call)


def test_a_step_that_raises_says_at_which_step() -> None:
    def fails_later(param: np.ndarray, grad: np.ndarray, state: dict[str, Any], lr: float) -> Any:
        if state:
            raise StudentRaised("KeyError", "'v'", "")
        return counting_step(param, grad, state, lr)

    steps = Steps("step", feed={0: 0, 1: 2})
    ctx = steps(Context(student=Recording(fails_later), reference=None, returns={"step": STEP}))
    with pytest.raises(StudentRaised, match=r"raised KeyError: 'v' \(at step 1\)"):
        ctx.student("step", Call((np.zeros(1), [np.ones(1), np.ones(1)], {}, 0.1)))


def test_known_answers_over_steps_with_a_buffer_that_starts_as_none() -> None:
    def momentum(param: np.ndarray, grad: np.ndarray, buf: np.ndarray | None, lr: float) -> Any:
        new_buf = grad if buf is None else 0.9 * buf + grad
        return param - lr * new_buf, new_buf

    class Plain:
        def __call__(self, function: str, call: Call, keep: str | None = None) -> Any:
            return conform(momentum(*call.args), BUF_STEP, call.args)

    check = KnownAnswers(
        name="k",
        function="step",
        points=1,
        via=Steps("step", feed={0: 0, 1: 2}),
        cases=(
            Case(
                Call((np.ones(1), [np.ones(1), np.ones(1)], None, 0.1)),
                [(np.array([0.9]), np.array([1.0])), (np.array([0.71]), np.array([1.9]))],
            ),
        ),
    )
    check.run(Context(student=Plain(), reference=None, returns={"step": BUF_STEP}))


# -- a tensor modified in place inside a dict or a list argument ---------------------------


def in_place_exercise() -> tuple[Exercise, dict[str, list[str]]]:
    functions = (
        Function("step", STEP),
        Function("total", Scalar()),
    )
    return Exercise("toy", "toy", functions, ()), {"step": ["param", "grad", "state"], "total": ["parts"]}


def moves_state_in_place(param: torch.Tensor, grad: torch.Tensor, state: dict[str, Any]) -> Any:
    m = state["m"].mul_(0.9).add_(grad)  # torch.optim's own way: the caller's tensor changes
    return param - m, {"step": state["step"] + 1, "m": m}


def copies_state(param: torch.Tensor, grad: torch.Tensor, state: dict[str, Any]) -> Any:
    m = state["m"].clone().mul_(0.9).add_(grad)
    return param - m, {"step": state["step"] + 1, "m": m}


def sums_in_place(parts: list[torch.Tensor]) -> Any:
    parts[1].add_(parts[0])
    return float(parts[1].sum())


@pytest.fixture(scope="module")
def in_process() -> InProcess:
    return InProcess("cpu", [])


def call_in_process(channel: InProcess, namespace: dict[str, Any], function: str, call: Call) -> Any:
    exercise, params = in_place_exercise()
    channel.use(namespace, ".")
    return engine.StudentCalls(channel, exercise, "cpu", params)(function, call)


def test_a_tensor_modified_in_place_inside_a_dict_argument_is_caught(in_process: InProcess) -> None:
    state = {"step": 1, "m": np.ones(2)}
    call = Call((np.zeros(2), np.ones(2), state))
    call_in_process(in_process, {"step": copies_state}, "step", call)
    with pytest.raises(CheckFailed, match=r"step modified its input state\['m'\] in place"):
        call_in_process(in_process, {"step": moves_state_in_place}, "step", call)


def test_a_tensor_modified_in_place_inside_a_list_argument_is_caught(in_process: InProcess) -> None:
    call = Call(([np.ones(2), np.ones(2)],))
    with pytest.raises(CheckFailed, match=r"total modified its input parts\[1\] in place"):
        call_in_process(in_process, {"total": sums_in_place}, "total", call)
