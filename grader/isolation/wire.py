"""The format that crosses the pipe between the grader and a worker.

Only plain data travels, in a form that cannot run code when read: the structure as JSON,
every array as dtype + shape + raw bytes. Never pickle. Both sides use this module; it needs
NumPy only, so the grader can decode a worker's answer without importing torch.

A message is one frame:

    <u32 header length> <u32 blob count> <header JSON> (<u64 blob length> <blob bytes>)*

Values inside the header are encoded as:

    None, bool, int, str      themselves
    float                     itself, or {"float": "nan" | "inf" | "-inf"}
    list / tuple              {"list": [...]} / {"tuple": [...]}
    dict with str keys        {"dict": {...}}
    array                     {"array": blob index, "dtype": "float32", "shape": [2, 3]}
    Kept(handle, index)       {"kept": handle, "index": i}: item i of a result the worker kept
                              (a student's opaque cache, which never crosses the pipe)
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import queue
import select
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

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


_HEAD = struct.Struct("<II")
_BLOB = struct.Struct("<Q")


@dataclass(frozen=True)
class Kept:
    """Item ``index`` of the result the worker kept under ``handle`` (see grader.isolation.worker)."""

    handle: str
    index: int


class WireError(Exception):
    """A value cannot be sent, or a frame is malformed or too large."""


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


def write_frame(fd: int, header: Any, blobs: list[bytes] | None = None) -> None:
    write_bytes(fd, frame(header, blobs))


def frame(header: Any, blobs: list[bytes] | None = None) -> bytes:
    """The bytes of one frame: what ``write_frame`` writes."""
    head = json.dumps(header, separators=(",", ":"), allow_nan=False).encode()
    parts = [_HEAD.pack(len(head), len(blobs or [])), head]
    for b in blobs or []:
        parts += [_BLOB.pack(len(b)), b]
    return b"".join(parts)


def write_bytes(fd: int, data: bytes) -> None:
    """Write all of ``data`` (one or more whole frames) to ``fd``."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class FrameReader:
    """Reads one frame at a time from a file descriptor, refusing frames over ``limit`` bytes.

    ``read_exactly`` is injected so the grader can apply a deadline to every read.
    """

    def __init__(self, read_exactly: Callable[[int], bytes], limit: int) -> None:
        self._read = read_exactly
        self._limit = limit

    def read(self) -> tuple[Any, list[bytes]]:
        head_len, count = _HEAD.unpack(self._read(_HEAD.size))
        total = head_len
        if total > self._limit:
            raise WireError(f"message larger than the limit of {self._limit} bytes")
        header = json.loads(self._read(head_len))
        blobs = []
        for _ in range(count):
            (n,) = _BLOB.unpack(self._read(_BLOB.size))
            total += n
            if total > self._limit:
                raise WireError(f"message larger than the limit of {self._limit} bytes")
            blobs.append(self._read(n))
        return header, blobs


def read_exactly(fd: int, n: int, deadline: float | None = None, sender: str = "the other end") -> bytes:
    """Exactly ``n`` bytes from ``fd``; EOFError if ``sender`` closes it first. With a
    ``deadline`` (a ``time.monotonic()`` time), TimeoutError once it has passed: the grader
    bounds every read from a worker or a template this way."""
    chunks = []
    while n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError(f"{sender} did not answer")
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise EOFError(f"{sender} closed the pipe")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


class PipeReader:
    """Reads a pipe with a deadline where ``select`` cannot wait on one (Windows): a thread
    of its own reads the pipe into a bounded queue, and ``read_exactly`` waits on the queue.
    The portable worker's answers are read this way on every system, so that Linux tests
    exercise what Windows and macOS run (grader/isolation/supervisor.py)."""

    POLL_SECONDS = 0.1  # how often a waiting read calls ``poll`` (the grader's flood check)

    def __init__(self, fd: int, sender: str = "the other end") -> None:
        self.sender = sender
        self._chunks: queue.Queue[bytes] = queue.Queue(maxsize=16)  # at most 16 MiB read ahead
        self._buffer = bytearray()
        self._eof = False
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._pump, args=(fd,), name="mlgrade-pipe-reader", daemon=True)
        self._thread.start()

    def _pump(self, fd: int) -> None:
        while not self._closed.is_set():
            try:
                chunk = os.read(fd, 1 << 20)
            except OSError:
                chunk = b""
            while not self._closed.is_set():
                try:
                    self._chunks.put(chunk, timeout=self.POLL_SECONDS)
                    break
                except queue.Full:
                    continue
            if not chunk:
                return

    def read_exactly(self, n: int, deadline: float, poll: Callable[[], None] | None = None) -> bytes:
        """Exactly ``n`` bytes; EOFError if the writer closes the pipe first, TimeoutError
        once ``deadline`` (a ``time.monotonic()`` time) has passed. ``poll`` is called about
        every ``POLL_SECONDS`` while waiting, and may raise to end the wait."""
        while len(self._buffer) < n:
            if self._eof:
                raise EOFError(f"{self.sender} closed the pipe")
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{self.sender} did not answer")
            try:
                chunk = self._chunks.get(timeout=min(left, self.POLL_SECONDS))
            except queue.Empty:
                if poll is not None:
                    poll()
                continue
            if chunk:
                self._buffer += chunk
            else:
                self._eof = True
        data = bytes(self._buffer[:n])
        del self._buffer[:n]
        return data

    def close(self, wait: float = 1.0) -> None:
        """Stop the thread: it ends at the pipe's end of file (the writer is gone: call this
        after killing it), or at its next chunk; wait up to ``wait`` seconds for it."""
        self._closed.set()
        self._thread.join(wait)


def read_exactly_blocking(fd: int) -> Callable[[int], bytes]:
    """A ``FrameReader``'s read that waits as long as it takes: the worker's and the
    template's side, which wait for the grader's next request."""
    return functools.partial(read_exactly, fd, sender="the grader")


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
