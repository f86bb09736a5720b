"""The values that cross the pipe between the grader and a worker, inside the frames of
``grader.isolation.frames``.

Only plain data travels, in a form that cannot run code when read: the structure as JSON,
every array as dtype + shape + raw bytes. Never pickle. Both sides use this module; it needs
NumPy only, so the grader can decode a worker's answer without importing torch.

Values inside a frame's header are encoded as:

    None, bool, int, str      themselves
    float                     itself, or {"float": "nan" | "inf" | "-inf"}
    list / tuple              {"list": [...]} / {"tuple": [...]}
    dict with str keys        {"dict": {...}}
    array                     {"array": blob index, "dtype": "float32", "shape": [2, 3]}
    Kept(handle, index)       {"kept": handle, "index": i}: item i of a result the worker kept
                              (a student's opaque cache, which never crosses the pipe)
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.isolation.frames import WireError
from grader.isolation.messages import N_, Message

# dtypes allowed on the wire; anything else is refused with a message.
DTYPES = frozenset({"bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"})
# NumPy works out a dtype's name in Python on every ``dtype.name``: kept here once per dtype,
# since every array on the wire asks for it (twice: sending, and the digest of the inputs).
_NAMES: dict[np.dtype[Any], str] = {}


def dtype_name(dtype: np.dtype[Any]) -> str:
    name = _NAMES.get(dtype)
    if name is None:
        name = _NAMES[dtype] = dtype.name
    return name


@dataclass(frozen=True)
class Kept:
    """Item ``index`` of the result the worker kept under ``handle`` (see grader.isolation.worker)."""

    handle: str
    index: int


def encode(value: Any, to_numpy: Callable[[Any], np.ndarray | None] | None = None) -> tuple[Any, list[bytes]]:
    """Encode ``value`` as (JSON-able tree, blobs).

    ``to_numpy`` turns foreign array types (torch tensors, on the worker side) into NumPy
    arrays; it returns None for objects it does not know.
    """
    blobs: list[bytes] = []

    def enc(v: Any, depth: int) -> Any:
        if depth > 32:
            raise WireError(Message(N_("value is nested more than 32 levels deep")))
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, int):
            return int(v)
        if isinstance(v, float):
            return float(v) if math.isfinite(v) else {"float": repr(float(v))}
        if isinstance(v, (np.ndarray, np.generic)):
            return enc_array(np.asarray(v))
        if isinstance(v, Kept):
            return {"kept": v.handle, "index": v.index}
        if isinstance(v, tuple):
            return {"tuple": [enc(x, depth + 1) for x in v]}
        if isinstance(v, list):
            return {"list": [enc(x, depth + 1) for x in v]}
        if isinstance(v, dict):
            if not all(isinstance(k, str) for k in v):
                raise WireError(Message(N_("dict keys must be strings")))
            return {"dict": {str(k): enc(x, depth + 1) for k, x in v.items()}}
        if to_numpy is not None:
            arr = to_numpy(v)
            if arr is not None:
                return enc_array(arr)
        raise WireError(Message(N_("cannot send an object of type {type}"), type=type(v).__name__))

    def enc_array(a: np.ndarray) -> dict[str, Any]:
        name = dtype_name(a.dtype)
        if name not in DTYPES:
            raise WireError(Message(N_("arrays of dtype {dtype} are not supported"), dtype=name))
        blobs.append(np.ascontiguousarray(a).tobytes())
        return {"array": len(blobs) - 1, "dtype": name, "shape": list(a.shape)}

    return enc(value, 0), blobs


def decode(
    tree: Any,
    blobs: list[bytes],
    from_numpy: Callable[[np.ndarray], Any] | None = None,
    resolve: Callable[[Kept], Any] | None = None,
) -> Any:
    """Rebuild a value from (tree, blobs); arrays become fresh, writable NumPy arrays.

    ``from_numpy`` converts each array (to a torch tensor, on the worker side); ``resolve``
    looks up a kept result (the worker's side only: the grader never receives one).
    """

    def dec(t: Any) -> Any:
        if t is None or isinstance(t, (bool, int, float, str)):
            return t
        if not isinstance(t, dict) or not t:
            raise WireError("malformed value")
        if "array" in t:
            dtype, shape, index = t.get("dtype"), t.get("shape"), t.get("array")
            if dtype not in DTYPES or not isinstance(shape, list) or not isinstance(index, int):
                raise WireError("malformed array")
            if not all(isinstance(s, int) and s >= 0 for s in shape) or not 0 <= index < len(blobs):
                raise WireError("malformed array")
            raw = blobs[index]
            if len(raw) != math.prod(shape) * np.dtype(dtype).itemsize:
                raise WireError("array size does not match its shape")
            arr = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
            return from_numpy(arr) if from_numpy is not None else arr
        if "kept" in t:
            handle, index = t.get("kept"), t.get("index")
            if resolve is None or not isinstance(handle, str) or not isinstance(index, int):
                raise WireError("malformed or unexpected reference to a kept result")
            return resolve(Kept(handle, index))
        (key, inner), *rest = t.items()
        if rest:
            raise WireError("malformed value")
        if key == "float" and inner in ("nan", "inf", "-inf"):
            return float(inner)
        if key == "tuple" and isinstance(inner, list):
            return tuple(dec(x) for x in inner)
        if key == "list" and isinstance(inner, list):
            return [dec(x) for x in inner]
        if key == "dict" and isinstance(inner, dict):
            return {str(k): dec(x) for k, x in inner.items()}
        raise WireError(f"unknown value tag {key!r}")

    return dec(tree)


def array_digest(a: np.ndarray) -> str:
    """A digest of an array's dtype, shape and bytes: equal digests mean equal arrays."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{dtype_name(a.dtype)}{a.shape}".encode())
    h.update(np.ascontiguousarray(a).data)  # its bytes in C order, without a copy
    return h.hexdigest()


def call_request(
    module: str,
    function: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    keep: str | None = None,
    opaque: list[int] | None = None,
) -> tuple[dict[str, Any], list[bytes]]:
    """The worker's request to call ``module.function(*args, **kwargs)``, and its blobs.
    ``keep`` names a handle under which the worker keeps the whole result (for a later
    ``Kept``); the result positions in ``opaque`` stay in the worker."""
    payload, blobs = encode({"args": list(args), "kwargs": kwargs})
    request = {"op": "call", "module": module, "function": function, "payload": payload, "keep": keep}
    request["opaque"] = opaque or []
    return request, blobs


def calls_request(
    module: str, calls: list[tuple[str, tuple[Any, ...], dict[str, Any], list[int]]]
) -> tuple[dict[str, Any], list[bytes]]:
    """The worker's request to make ``calls`` (each ``(function, args, kwargs, opaque)``) of
    ``module``'s functions one after another, answering each as it is made (a stream): the
    grader reads the answers as its checks ask for them, and may send ``{"op": "stop"}`` to
    end the stream early; the worker then answers ``{"stopped": true}``. The calls share
    one list of blobs; each call's payload is as in :func:`call_request`."""
    tree, blobs = encode([{"args": list(args), "kwargs": kwargs} for _, args, kwargs, _ in calls])
    items = [
        {"function": function, "payload": payload, "opaque": opaque}
        for (function, _, _, opaque), payload in zip(calls, tree["list"], strict=True)
    ]
    return {"op": "calls", "module": module, "calls": items}, blobs
