"""What each exercise function returns, declared as data, and the conversion of a returned
value to that declaration.

SPEC lets a student return a tensor, a NumPy array or a Python number where a scalar is asked
for. After the wire has turned tensors into NumPy arrays, :func:`conform` checks the value
against the declaration (structure, shape, kind of number) and returns a canonical form the
checks compare: every leaf a NumPy array, floats as float64, integers as int64. A mismatch
raises :class:`ContractViolation` with a message that says what was expected and what came.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from grader.i18n import _

# "bool": a mask (True/False), compared exactly; a student's 0/1 integers or floats are refused,
# since SPEC asks for a bool mask and torch indexes with a 0/1 integer tensor differently.
Kind = Literal["float", "int", "bool"]
ShapeRule = Callable[..., tuple[int, ...]]


class ContractViolation(Exception):
    """The returned value does not have the declared structure, shape or kind."""


@dataclass(frozen=True)
class Scalar:
    """A single number: a Python number, a NumPy scalar or a 0-d (or one-element) array."""

    kind: Kind = "float"
    label: str = "value"

    def describe(self, args: Sequence[Any]) -> str:
        return _("a float") if self.kind == "float" else _("a int")


@dataclass(frozen=True)
class Array:
    """An array whose shape ``shape(*args)`` computes from the call's arguments.

    With ``lists``, a (nested) Python list of numbers is accepted too, as a tensor would be:
    for an answer SPEC lets a student write by hand (``logic_gate_weights``'s ``[1.0, 1.0]``)."""

    shape: ShapeRule
    kind: Kind = "float"
    label: str = "value"
    lists: bool = False

    def describe(self, args: Sequence[Any]) -> str:
        # NOTE: {kind} is float, int or bool
        return _("a {kind} tensor of shape {shape}").format(kind=self.kind, shape=tuple(self.shape(*args)))


@dataclass(frozen=True)
class Opaque:
    """Whatever the student likes (a forward pass's cache): it stays in the worker, where a
    later call can use it (``grader.isolation.Kept``); the grader never sees or checks it."""

    label: str = "cache"

    def describe(self, args: Sequence[Any]) -> str:
        return _("anything")


@dataclass(frozen=True)
class Vector:
    """A 1-D run of numbers of any length: a 1-D array, or a list or tuple of Python numbers
    (a batch of example indices, which SPEC lets a student return either way)."""

    kind: Kind = "int"
    label: str = "value"

    def describe(self, args: Sequence[Any]) -> str:
        return _("a 1-D {kind} tensor or a list of {kind}s").format(kind=self.kind)


@dataclass(frozen=True)
class List:
    """A list (or tuple) of any length, each item as ``item`` declares (the batches of an
    order). Its canonical form is a Python list of the items' canonical forms."""

    item: Returns
    label: str = "value"

    def describe(self, args: Sequence[Any]) -> str:
        return _("a list of {item} values").format(item=self.item.describe(args))


@dataclass(frozen=True)
class NoneOr:
    """None, or what ``item`` declares: state that does not exist yet or is not used (SGD's
    momentum buffer with momentum 0). None is canonical None, which ``compare`` ignores where
    the truth is None and refuses where the truth is a value."""

    item: Returns
    label: str = "value"

    def describe(self, args: Sequence[Any]) -> str:
        return _("None or {item}").format(item=self.item.describe(args))


@dataclass(frozen=True)
class Tuple:
    items: tuple[Returns, ...]
    label: str = "value"

    def describe(self, args: Sequence[Any]) -> str:
        return _("a tuple of {count}").format(count=len(self.items))


@dataclass(frozen=True)
class Dict:
    """A dict with exactly the declared string keys (a network's gradients by parameter name).

    Its canonical form is the tuple of its values in the declared key order, so that the
    checks compare it as they compare a :class:`Tuple`. With ``extra_keys="ignored"`` it needs
    the declared keys and drops any others unread (SPEC's "extra keys are ignored": a student's
    gradients dict may carry intermediate values)."""

    items: Mapping[str, Scalar | Array | Vector]
    label: str = "value"
    extra_keys: Literal["refused", "ignored"] = "refused"

    def describe(self, args: Sequence[Any]) -> str:
        return _("a dict with the keys {keys}").format(keys=", ".join(repr(k) for k in self.items))


Returns = Scalar | Array | Vector | List | NoneOr | Opaque | Tuple | Dict


def opaque_items(spec: Returns) -> list[int]:
    """The positions of a result tuple that stay in the worker."""
    return [i for i, item in enumerate(spec.items) if isinstance(item, Opaque)] if isinstance(spec, Tuple) else []


# The dtype kinds a float result may have (np.floating, or np.integer: timedelta64 is a signed
# integer to NumPy) and an integer result (np.integer), tested on every answer by kind, since
# np.issubdtype walks the type hierarchy each time
_FLOAT_KINDS, _INTEGER_KINDS = "fium", "ium"


def conform(value: Any, spec: Returns, args: Sequence[Any], where: str | None = None) -> Any:
    """Check ``value`` against ``spec`` and return its canonical form (see module doc).
    ``where`` names the value in a failure's message (default: "the result")."""
    where = _("the result") if where is None else where
    if isinstance(spec, Opaque):
        return None
    if isinstance(spec, NoneOr):
        return None if value is None else conform(value, spec.item, args, where)
    if isinstance(spec, List):
        if not isinstance(value, (list, tuple)):
            raise ContractViolation(_should_be(where, spec.describe(args), _describe(value)))
        return [conform(v, spec.item, args, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(spec, Vector):
        if isinstance(value, (list, tuple)) and all(_is_number(v) for v in value):
            value = np.array(value, dtype=np.int64 if all(isinstance(v, int) for v in value) else np.float64)
        elif not isinstance(value, np.ndarray) or value.ndim != 1:
            raise ContractViolation(_should_be(where, spec.describe(args), _describe(value)))
    if isinstance(spec, Tuple):
        if not isinstance(value, (tuple, list)) or len(value) != len(spec.items):
            if isinstance(value, (tuple, list)):
                # NOTE: {type} is a Python type name (list, tuple)
                got = _("a {type} of {count}").format(type=type(value).__name__, count=len(value))
            else:
                got = _describe(value)
            raise ContractViolation(
                _("{where} should be a tuple of {count} values, got {got}").format(
                    where=where, count=len(spec.items), got=got
                )
            )
        return tuple(
            conform(v, s, args, f"{where}[{i}] ({_(s.label)})" if s.label != "value" else f"{where}[{i}]")
            for i, (v, s) in enumerate(zip(value, spec.items, strict=True))
        )
    if isinstance(spec, Dict):
        if not isinstance(value, dict):
            raise ContractViolation(_should_be(where, spec.describe(args), _describe(value)))
        missing = [k for k in spec.items if k not in value]
        extra = [repr(k) for k in value if k not in spec.items] if spec.extra_keys == "refused" else []
        if missing or extra:
            wrong = [_("no key {key}").format(key=repr(k)) for k in missing]
            if extra:
                wrong.append(_("the extra keys {keys}").format(keys=", ".join(extra)))
            has = functools.reduce(_and, wrong)
            raise ContractViolation(
                _("{where} should be {expected}; it has {problems}").format(
                    where=where, expected=spec.describe(args), problems=has
                )
            )
        return tuple(conform(value[k], s, args, f"{where}[{k!r}]") for k, s in spec.items.items())
    if isinstance(spec, Array) and spec.lists and isinstance(value, list):
        value = _list_array(value, where)
    if isinstance(value, bool) or value is None or isinstance(value, (str, tuple, list, dict)):
        raise ContractViolation(_should_be(where, spec.describe(args), _describe(value)))
    array = np.asarray(value)
    if spec.kind == "float":
        if array.dtype.kind not in _FLOAT_KINDS:
            raise ContractViolation(
                _("{where} should hold floats, got dtype {dtype}").format(where=where, dtype=array.dtype)
            )
        canonical = array.astype(np.float64)
    elif spec.kind == "bool":
        if array.dtype != np.bool_:
            raise ContractViolation(
                _("{where} should hold booleans (True/False), got dtype {dtype}").format(where=where, dtype=array.dtype)
            )
        canonical = array.copy()
    else:
        if array.dtype.kind not in _INTEGER_KINDS:
            raise ContractViolation(
                _("{where} should hold integers, got dtype {dtype}").format(where=where, dtype=array.dtype)
            )
        canonical = array.astype(np.int64)
    if isinstance(spec, Vector):
        return canonical
    if isinstance(spec, Scalar):
        if canonical.size != 1 or canonical.ndim > 1:
            raise ContractViolation(
                _("{where} should be a single number, got an array of shape {shape}").format(
                    where=where, shape=array.shape
                )
            )
        return canonical.reshape(())
    expected = tuple(spec.shape(*args))
    if canonical.shape != expected:
        raise ContractViolation(
            _("{where} should have shape {expected}, got shape {got}").format(
                where=where, expected=expected, got=tuple(array.shape)
            )
        )
    return canonical


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def as_argument(value: Any, spec: Returns, dtype: np.dtype | None) -> Any:
    """A canonical result (``conform``'s) as the argument of a later call, as SPEC converts a
    function's own outputs fed back to it: an array becomes one of the input dtype ``dtype``
    (a tensor in the worker; integer arrays stay int64), a number a Python int or float, a
    dict a dict again, a list or tuple one again; None stays None."""
    if value is None or isinstance(spec, Opaque):
        return None
    if isinstance(spec, NoneOr):
        return as_argument(value, spec.item, dtype)
    if isinstance(spec, Tuple):
        return tuple(as_argument(v, s, dtype) for v, s in zip(value, spec.items, strict=True))
    if isinstance(spec, Dict):
        return {k: as_argument(v, s, dtype) for v, (k, s) in zip(value, spec.items.items(), strict=True)}
    if isinstance(spec, List):
        return [as_argument(v, spec.item, dtype) for v in value]
    if isinstance(spec, Scalar):
        return int(value) if spec.kind == "int" else float(value)
    if spec.kind == "float" and dtype is not None:
        return np.asarray(value).astype(dtype)
    return np.asarray(value).copy()


def _list_array(value: list[Any], where: str) -> np.ndarray:
    """A list of numbers (or of one-element arrays, as tensors arrive) as an array; anything
    else in it (a string, None, a ragged nesting) is a contract violation."""
    if any(isinstance(v, (bool, str, dict)) or v is None for v in value):
        raise ContractViolation(
            _("{where} should be a list of numbers, got {got}").format(where=where, got=_describe(value))
        )
    try:
        return np.array(value)
    except ValueError:
        raise ContractViolation(
            _("{where} should be a list of numbers, got {got}").format(where=where, got=_describe(value))
        ) from None


def _and(first: str, second: str) -> str:
    return _("{first} and {second}").format(first=first, second=second)


def _should_be(where: str, expected: str, got: str) -> str:
    # NOTE: {expected} and {got} describe values: "a float tensor of shape (3,)", "an array of shape (3, 1)"
    return _("{where} should be {expected}, got {got}").format(where=where, expected=expected, got=got)


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return _("an array of shape {shape}").format(shape=value.shape)
    return f"{type(value).__name__} {value!r}"[:200]
