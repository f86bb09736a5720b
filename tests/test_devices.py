"""A function that does not follow its inputs to the grading device (``--device cuda``).

SPEC: a correct implementation passes whatever its style, NumPy inside included; code written
on a laptop often makes its tensors on the CPU (``torch.zeros(n)``), converts with ``.numpy()``,
or returns a CPU tensor. So a call that raises on the grading device is answered by the same
call with its inputs on the CPU, a tensor returned on another device is read as a NumPy array
is, and the exercise's notes say so, at no cost in points.

These run on torch's ``meta`` device, which every torch build has: a device other than the
CPU whose tensors hold no values, so that ``.numpy()`` and mixing with CPU tensors raise there
as they do on CUDA. The worker, the wire and the engine take the same path for it as for
CUDA; the grading of whole exercises on CUDA is in tests/test_variants.py and
tests/test_cli.py (marked ``cuda``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import pytest
from conftest import LEVELS

from grader import bank, isolation, report
from grader.checks import Call, StudentRaised
from grader.engine import StudentCalls
from grader.isolation import Limits, Supervisor
from grader.results import CheckResult, ExerciseResult, SubmissionResult

(LEAST_SQUARES,) = bank.load(["least_squares"])
PARAMS = {"fit_line": ["x", "y"], "predict": ["X", "w"], "fit": ["X", "y"]}

LAPTOP_CODE = """
import numpy as np
import torch


def fit_line(x, y):  # NumPy inside: .numpy() where .cpu().numpy() would follow the GPU
    x, y = x.numpy(), y.numpy()
    a = ((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()
    return a, y.mean() - a * x.mean()


def predict(X, w):  # a tensor made on the CPU, mixed with the inputs
    ones = torch.ones(X.shape[0], 1, dtype=X.dtype)
    return torch.cat([ones, X], dim=1) @ w

"""

BROKEN_EVERYWHERE = """
def fit_line(x, y):
    values = x.numpy()
    return values[len(values)], 0.0
"""


@pytest.fixture(params=LEVELS)
def on_meta(
    request: pytest.FixtureRequest, make_submission: Callable[..., Path]
) -> Iterator[Callable[[str], StudentCalls]]:
    """StudentCalls grading a submission's least_squares on the meta device, in a real worker."""
    with ExitStack() as opened:

        def student(source: str) -> StudentCalls:
            folder = make_submission(f"s{id(source)}", {"least_squares": source})
            supervisor = opened.enter_context(Supervisor(str(folder), "meta", [], Limits(), request.param))
            return StudentCalls(supervisor, LEAST_SQUARES, "meta", PARAMS)

        yield student


def test_a_call_that_raises_on_the_grading_device_is_answered_on_the_cpu(
    on_meta: Callable[[str], StudentCalls],
) -> None:
    student = on_meta(LAPTOP_CODE)
    a, b = student("fit_line", Call((np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 5.0]))))
    assert (float(a), float(b)) == (2.0, 1.0)
    (note,) = student.notes.values()
    assert note.startswith("fit_line was graded on the CPU: with its inputs on meta it raised TypeError: ")
    assert "can't convert meta device type tensor to numpy" in note
    predicted = student("predict", Call((np.array([[1.0], [2.0]]), np.array([0.5, 2.0]))))
    assert predicted.tolist() == [2.5, 4.5]
    assert student.notes["predict"].startswith("predict was graded on the CPU: with its inputs on meta it raised ")


class Answering:
    """A worker channel whose function returns zeros on the ``devices`` it names. (A meta
    tensor holds no values to send back: this is the worker's answer as a GPU's would be.)"""

    def __init__(self, devices: list[str]) -> None:
        self.devices = devices

    def call(self, module: str, function: str, args: tuple, *rest: object, **kw: object) -> tuple[dict, list[bytes]]:
        digests = [isolation.array_digest(a) for a in args]
        value = {"array": 0, "dtype": "float64", "shape": [2]}
        return {"ok": True, "value": value, "arg_digests": digests, "devices": self.devices}, [np.zeros(2).tobytes()]


@pytest.mark.parametrize(
    ("devices", "notes"),
    [
        (["cpu"], {"predict": "predict returned a tensor on cpu for inputs on cuda (graded all the same)"}),
        (["cuda"], {}),  # it followed its inputs
        ([], {}),  # a NumPy array or a number
    ],
)
def test_a_tensor_returned_on_another_device_is_graded_and_noted(devices: list[str], notes: dict[str, str]) -> None:
    student = StudentCalls(Answering(devices), LEAST_SQUARES, "cuda", PARAMS)
    assert student("predict", Call((np.ones((2, 1)), np.ones(2)))).tolist() == [0.0, 0.0]
    assert student.notes == notes


def test_a_bug_is_reported_as_the_cpu_shows_it(on_meta: Callable[[str], StudentCalls]) -> None:
    """The CPU's error is the one the student can reproduce on their own machine."""
    student = on_meta(BROKEN_EVERYWHERE)
    with pytest.raises(StudentRaised) as raised:
        student("fit_line", Call((np.zeros(3), np.zeros(3))))
    assert str(raised.value) == "raised IndexError: index 3 is out of bounds for axis 0 with size 3"
    assert "fit_line" in student.notes


def test_results_kept_for_a_later_call_follow_it_to_the_cpu() -> None:
    """A forward that ran on the CPU keeps its cache there; the backward given it, and its
    inputs on the device, raises there and is answered on the CPU, the cache with it. A cache
    that cannot leave the device (here, meta's, which holds no values; on CUDA, after a failed
    kernel) leaves the device's error as the answer."""
    namespace: dict[str, object] = {}
    exec(
        "import torch\n"
        "def forward(x):\n    cache = torch.from_numpy(x.numpy() * 2)\n    return 1.0, cache\n"
        "def on_device(n):\n    return 1.0, torch.zeros(n, device='meta')\n"
        "def backward(dout, cache):\n    return (dout + cache).numpy().sum()\n",
        namespace,
    )
    channel = isolation.InProcess("meta", [])
    channel.use(namespace, ".")
    x = np.arange(3.0)
    first, _ = channel.call("m", "forward", (x,), {}, keep="h", opaque=[1])
    assert first["ok"] and "ran_on_cpu" in first
    answer, blobs = channel.call("m", "backward", (np.ones(3), isolation.Kept("h", 1)), {})
    assert answer["ok"] and isolation.decode(answer["value"], blobs) == 9.0
    assert answer["ran_on_cpu"].startswith("RuntimeError: ")

    kept, _ = channel.call("m", "on_device", (3,), {}, keep="h", opaque=[1])
    assert kept["ok"] and "ran_on_cpu" not in kept
    answer, _ = channel.call("m", "backward", (np.ones(3), isolation.Kept("h", 1)), {})
    assert not answer["ok"] and "ran_on_cpu" not in answer  # not made again: the device's error
    assert answer["error"]["message"].startswith("can't convert meta device type tensor to numpy")


def test_on_the_cpu_a_call_that_raises_is_made_once() -> None:
    namespace: dict[str, object] = {"made": []}
    exec("def fit(X):\n    made.append(1)\n    return X.numpy()[99]\n", namespace)
    channel = isolation.InProcess("cpu", [])
    channel.use(namespace, ".")
    answer, _ = channel.call("m", "fit", (np.zeros(3),), {})
    assert not answer["ok"] and answer["error"]["type"] == "IndexError" and "ran_on_cpu" not in answer
    assert namespace["made"] == [1]


def test_the_notes_reach_the_json_and_the_feedback() -> None:
    note = "fit_line was graded on the CPU: with its inputs on cuda it raised TypeError: can't convert"
    check = CheckResult("fit_line matches reference", "fit_line", "hidden", True, 2.0, 2.0)
    exercise = ExerciseResult("least_squares", [check], notes=[note])
    result = SubmissionResult("alice", [exercise])
    data = result.to_json()
    assert data["exercises"][0]["notes"] == [note]
    assert SubmissionResult.from_json(data).exercises[0].notes == [note]
    assert "notes" not in ExerciseResult("least_squares", [check]).to_json()  # the SPEC's schema where none
    assert note in " ".join(report.feedback_text(result).split())
