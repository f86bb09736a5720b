"""The frames that carry every message between the grader and a worker or a template.

A message is one frame:

    <u32 header length> <u32 blob count> <header JSON> (<u64 blob length> <blob bytes>)*

The header is plain JSON (the values in it are ``grader.isolation.wire``'s), the blobs raw
bytes (an array's, or a file's). This module needs nothing but the standard library: a
template is started, and talked to, before the grader imports NumPy.
"""

from __future__ import annotations

import functools
import json
import os
import queue
import select
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

_HEAD = struct.Struct("<II")
_BLOB = struct.Struct("<Q")


class WireError(Exception):
    """A value cannot be sent, or a frame is malformed or too large."""


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


class BufferedPipe:
    """The reading end of a pipe that only this reader reads, read through a buffer: each read
    takes what the pipe holds, up to CHUNK bytes, so that a frame's parts (its head, its
    header, each blob's length and bytes) cost one system call, not one each, and frames
    already sent wait here for the next ``read_exactly``. Not for a socket that also carries
    descriptors (a template's): a read past a frame would take the next request's with it."""

    CHUNK = 1 << 16

    def __init__(self, fd: int, sender: str = "the other end") -> None:
        self.fd = fd
        self.sender = sender
        self._buffer = bytearray()

    def read_exactly(self, n: int, deadline: float | None = None) -> bytes:
        """Exactly ``n`` bytes, as ``read_exactly`` reads them (EOFError, TimeoutError)."""
        buffer = self._buffer
        while len(buffer) < n:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                    raise TimeoutError(f"{self.sender} did not answer")
            chunk = os.read(self.fd, max(n - len(buffer), self.CHUNK))
            if not chunk:
                raise EOFError(f"{self.sender} closed the pipe")
            buffer += chunk
        with memoryview(buffer) as view:
            data = bytes(view[:n])
        del buffer[:n]
        return data

    def waiting(self) -> bool:
        """Whether anything waits to be read, here or in the pipe (Windows cannot tell for a
        pipe: there, only what is here)."""
        if self._buffer:
            return True
        try:
            return bool(select.select([self.fd], [], [], 0)[0])
        except (OSError, ValueError):
            return False


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
