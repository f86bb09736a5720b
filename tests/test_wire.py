"""The pipe format between grader and worker (grader/isolation/wire.py): plain data only."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

from grader.isolation import frames, wire


def roundtrip(value: object) -> object:
    r, w = os.pipe()
    try:
        tree, blobs = wire.encode(value)
        frames.write_frame(w, {"value": tree}, blobs)
        header, got_blobs = frames.FrameReader(frames.read_exactly_blocking(r), 1 << 20).read()
        return wire.decode(header["value"], got_blobs)
    finally:
        os.close(r)
        os.close(w)


def test_values_survive_the_pipe() -> None:
    value = {
        "w": np.arange(6, dtype=np.float32).reshape(2, 3),
        "labels": np.array([1, 0], dtype=np.int64),
        "pair": (1.5, -2, None, True, "text"),
        "list": [np.float64(2.5), np.zeros((0, 3))],
    }
    got = roundtrip(value)
    assert isinstance(got, dict)
    assert got["w"].dtype == np.float32 and np.array_equal(got["w"], value["w"])
    assert got["labels"].dtype == np.int64 and np.array_equal(got["labels"], value["labels"])
    assert got["pair"] == (1.5, -2, None, True, "text")
    assert got["list"][0] == 2.5 and got["list"][1].shape == (0, 3)


def test_non_finite_floats_survive() -> None:
    nan, inf, ninf = roundtrip([math.nan, math.inf, -math.inf])  # type: ignore[misc]
    assert math.isnan(nan) and inf == math.inf and ninf == -math.inf


def test_objects_that_are_not_plain_data_are_refused() -> None:
    class AlwaysEqual:
        def __eq__(self, other: object) -> bool:
            return True

    for value in (AlwaysEqual(), {1: 2}, np.array([1 + 2j]), object()):
        with pytest.raises(frames.WireError):
            wire.encode(value)


@pytest.mark.parametrize(
    "tree",
    [
        {"pickle": "cos\nsystem\n"},
        {"array": 0, "dtype": "object", "shape": [1]},
        {"array": 0, "dtype": "float64", "shape": [3]},  # 8 bytes for 3 float64s
        {"array": 5, "dtype": "float64", "shape": [1]},
        {"tuple": [1], "list": [2]},
    ],
)
def test_malformed_trees_are_refused(tree: object) -> None:
    with pytest.raises(frames.WireError):
        wire.decode(tree, [b"\0" * 8])


def test_frames_over_the_limit_are_refused() -> None:
    r, w = os.pipe()
    try:
        tree, blobs = wire.encode(np.zeros(1000))
        frames.write_frame(w, tree, blobs)
        with pytest.raises(frames.WireError, match="larger than the limit"):
            frames.FrameReader(frames.read_exactly_blocking(r), 1000).read()
    finally:
        os.close(r)
        os.close(w)


def test_a_buffered_pipe_reads_frames_sent_together_one_by_one() -> None:
    """BufferedPipe reads whatever the pipe holds at once: a second frame read along with the
    first waits in it for the next read, and counts as waiting (a worker's stream looks for
    the grader's stop this way between calls)."""
    r, w = os.pipe()
    try:
        pipe = frames.BufferedPipe(r, "the test")
        reader = frames.FrameReader(pipe.read_exactly, 1 << 20)
        tree, blobs = wire.encode({"x": np.arange(3.0)})
        os.write(w, frames.frame({"value": tree}, blobs) + frames.frame({"op": "stop"}))
        header, got = reader.read()
        assert np.array_equal(wire.decode(header["value"], got)["x"], np.arange(3.0))
        assert pipe.waiting()  # the stop, read along with the first frame
        assert reader.read() == ({"op": "stop"}, [])
        assert not pipe.waiting()
        with pytest.raises(TimeoutError):
            pipe.read_exactly(1, deadline=0.0)
        os.close(w)
        w = -1
        with pytest.raises(EOFError):
            pipe.read_exactly(1)
    finally:
        os.close(r)
        if w != -1:
            os.close(w)
