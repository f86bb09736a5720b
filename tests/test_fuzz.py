"""Submissions that return plausible junk (issue 14): for every exercise and every function, an
output of the declared structure, shape and kind whose values are adversarial (zeros, ones,
negatives, nan, inf, huge, tiny, an int where a float is asked for, the wrong dtype, the input
itself) is graded without a single grader failure, and never earns more than an honest stub
that returns zeros.

The modules are generated from each exercise's declaration: the structure and kind of every
output from ``Function.returns``, the parameter names from the stub (``engine.parameter_names``),
and the shapes from the reference's own result on the same call (the submission carries the
reference's source, as a student's copy would, under other names). One submission per value
holds every exercise's module: ten gradings in all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

from grader import bank, engine
from grader.outputs import Array, Dict, List, NoneOr, Opaque, Returns, Scalar, Tuple, Vector

VALUES = ("zeros", "ones", "negatives", "nan", "inf", "huge", "tiny", "int_for_float", "wrong_dtype", "input")

# What each leaf becomes in the worker: (tensor like the reference's, its declared kind) -> value.
RUNTIME = '''
import torch as _torch

_FLOATS = {"zeros": 0.0, "ones": 1.0, "negatives": -1.0, "nan": float("nan"), "inf": float("inf"),
           "huge": 1e30, "tiny": 1e-30}
_INTS = {"zeros": 0, "ones": 1, "negatives": -1, "nan": -(2**31), "inf": 2**62, "huge": 2**40, "tiny": 1}


def _leaf(value, kind):
    like = _torch.as_tensor(value)
    if VALUE == "int_for_float" or (VALUE == "wrong_dtype" and kind == "int"):
        return _torch.zeros(like.shape, dtype=_torch.int32 if VALUE == "wrong_dtype" else _torch.int64)
    if VALUE == "wrong_dtype":
        return _torch.ones(like.shape, dtype=_torch.float16)
    if kind == "int":
        return _torch.full(like.shape, _INTS[VALUE], dtype=_torch.int64)
    if kind == "bool":
        return _torch.full(like.shape, VALUE in ("ones", "inf", "huge"), dtype=_torch.bool)
    dtype = like.dtype if like.is_floating_point() else _torch.float64
    return _torch.full(like.shape, _FLOATS[VALUE], dtype=dtype)


def _junk(spec, value):
    """``value`` (the reference's result) with every leaf replaced as VALUE says, by ``spec``."""
    if spec[0] == "opaque":
        return value
    if spec[0] == "tuple":
        return tuple(_junk(s, v) for s, v in zip(spec[1], value))
    if spec[0] == "dict":
        return {k: _junk(s, value[k]) for k, s in spec[1].items()}
    if spec[0] == "list":
        return [_junk(spec[1], v) for v in value]
    if spec[0] == "none_or":
        return None if value is None else _junk(spec[1], value)
    return _leaf(value, spec[1])


def _answer(reference, spec, first, args, kwargs):
    if VALUE == "input":
        return args[0] if args else kwargs[first]
    return _junk(spec, reference(*args, **kwargs))
'''


def describe(spec: Returns) -> Any:
    """A declared output as plain data the generated module can read."""
    if isinstance(spec, Opaque):
        return ("opaque",)
    if isinstance(spec, Tuple):
        return ("tuple", [describe(s) for s in spec.items])
    if isinstance(spec, Dict):
        return ("dict", {k: describe(s) for k, s in spec.items.items()})
    if isinstance(spec, List):
        return ("list", describe(spec.item))
    if isinstance(spec, NoneOr):
        return ("none_or", describe(spec.item))
    assert isinstance(spec, (Array, Scalar, Vector)), spec
    return ("leaf", spec.kind)


def module(exercise: Any, value: str) -> str:
    """``exercise``'s module answering every call with ``value``'s junk."""
    reference = (REPO / "solutions" / f"{exercise.name}.py").read_text()
    params = engine.parameter_names(exercise)
    parts = [reference, f"\nVALUE = {value!r}\n", RUNTIME]
    for function in exercise.functions:
        spec, first = describe(function.returns), params[function.name][0]
        parts.append(
            f"\n_reference_{function.name} = {function.name}\n\n"
            f"def {function.name}(*args, **kwargs):\n"
            f"    return _answer(_reference_{function.name}, {spec!r}, {first!r}, args, kwargs)\n"
        )
    return "\n".join(parts)


def grade(value: str, tmp_path: Path) -> engine.SubmissionResult:
    exercises = bank.load()
    folder = tmp_path / value
    folder.mkdir()
    for exercise in exercises:
        (folder / f"{exercise.name}.py").write_text(module(exercise, value))
    return engine.grade(folder, exercises, engine.Options())


@pytest.fixture(scope="module")
def zeros(tmp_path_factory: pytest.TempPathFactory) -> dict[str, float]:
    """What the honest stub that returns zeros earns, per exercise."""
    result = grade("zeros", tmp_path_factory.mktemp("zeros"))
    assert not result.grader_failed, result.error
    return {e.name: e.score for e in result.exercises}


@pytest.mark.slow
@pytest.mark.parametrize("value", VALUES[1:])
def test_junk_outputs_never_fail_the_grader_nor_beat_zeros(value: str, zeros: dict[str, float], tmp_path: Path) -> None:
    result = grade(value, tmp_path)
    assert not result.grader_failed, result.error
    assert not any("grader itself failed" in c.message for e in result.exercises for c in e.checks)
    beaten = {e.name: (e.score, zeros[e.name]) for e in result.exercises if e.score > zeros[e.name] + 1e-9}
    passed = [f"{e.name}: {c.name}" for e in result.exercises for c in e.checks if c.passed]
    assert not beaten, f"{value} earns more than zeros (score, zeros' score): {beaten}; passed: {passed}"
