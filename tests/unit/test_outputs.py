"""grader.outputs: conform turns each allowed spelling of a result into its canonical form,
and raises ContractViolation, saying what was expected and what came, for everything else."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from grader.outputs import Array, ContractViolation, Dict, Opaque, Scalar, Tuple, conform, opaque_items

X = np.zeros((4, 3))  # the call's only argument: shape rules read it
ROWS = Array(lambda X: (X.shape[0],))


@pytest.mark.parametrize("value", [2.5, np.float32(2.5), np.array(2.5), np.array([2.5]), 2])
def test_a_scalar_may_be_a_number_a_numpy_scalar_or_a_one_element_array(value: Any) -> None:
    out = conform(value, Scalar(), (X,))
    assert out.shape == () and out.dtype == np.float64
    assert float(out) == float(value if not isinstance(value, np.ndarray) else value.item())


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "the result should be a float, got bool True"),
        (None, "the result should be a float, got NoneType None"),
        ("1.0", "the result should be a float, got str '1.0'"),
        ([1.0], "the result should be a float, got list [1.0]"),
        (np.array([1.0, 2.0]), "the result should be a single number, got an array of shape (2,)"),
        (np.array([[1.0]]), "the result should be a single number, got an array of shape (1, 1)"),
        (np.array("x"), "the result should hold floats, got dtype <U1"),
    ],
)
def test_a_scalar_refuses_everything_else(value: Any, message: str) -> None:
    with pytest.raises(ContractViolation) as raised:
        conform(value, Scalar(), (X,))
    assert str(raised.value) == message


def test_an_int_scalar_becomes_int64_and_refuses_floats() -> None:
    out = conform(np.int32(7), Scalar("int"), (X,))
    assert out.dtype == np.int64 and int(out) == 7
    with pytest.raises(ContractViolation, match="should hold integers, got dtype float64"):
        conform(7.0, Scalar("int"), (X,))


def test_an_array_takes_its_shape_from_the_arguments() -> None:
    out = conform(np.arange(4, dtype=np.float32), ROWS, (X,))
    assert out.dtype == np.float64 and out.tolist() == [0.0, 1.0, 2.0, 3.0]
    with pytest.raises(ContractViolation) as raised:
        conform(np.zeros(3), ROWS, (X,), "fit's result")
    assert str(raised.value) == "fit's result should have shape (4,), got shape (3,)"


def test_an_array_refuses_the_wrong_kind_and_non_arrays() -> None:
    with pytest.raises(ContractViolation, match="should hold floats, got dtype bool"):
        conform(np.ones(4, dtype=bool), ROWS, (X,))
    with pytest.raises(ContractViolation, match=r"should be a float tensor of shape \(4,\), got list"):
        conform([0.0, 0.0, 0.0, 0.0], ROWS, (X,))
    labels = Array(lambda X: (X.shape[0],), kind="int")
    assert conform(np.arange(4, dtype=np.int32), labels, (X,)).dtype == np.int64
    with pytest.raises(ContractViolation, match="should hold integers, got dtype float64"):
        conform(np.zeros(4), labels, (X,))


def test_an_opaque_value_is_never_looked_at() -> None:
    assert conform(object(), Opaque(), (X,)) is None


def test_a_tuple_conforms_item_by_item_and_names_the_bad_item_by_its_label() -> None:
    spec = Tuple((Scalar(label="slope a"), Scalar(label="intercept b")))
    out = conform([1, np.float32(2.0)], spec, (X,))
    assert isinstance(out, tuple) and [float(v) for v in out] == [1.0, 2.0]
    with pytest.raises(ContractViolation) as raised:
        conform((1.0, "b"), spec, (X,))
    assert str(raised.value) == "the result[1] (intercept b) should be a float, got str 'b'"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ((1.0,), "the result should be a tuple of 2 values, got a tuple of 1"),
        ([1.0, 2.0, 3.0], "the result should be a tuple of 2 values, got a list of 3"),
        (np.zeros(2), "the result should be a tuple of 2 values, got an array of shape (2,)"),
    ],
)
def test_a_tuple_of_the_wrong_length_or_type_is_refused(value: Any, message: str) -> None:
    with pytest.raises(ContractViolation) as raised:
        conform(value, Tuple((Scalar(), Scalar())), (X,))
    assert str(raised.value) == message


def test_a_tuple_with_an_opaque_cache_keeps_its_place() -> None:
    spec = Tuple((ROWS, Opaque()))
    out = conform((np.zeros(4), {"anything": 1}), spec, (X,))
    assert out[0].shape == (4,) and out[1] is None
    assert opaque_items(spec) == [1]
    assert opaque_items(ROWS) == []


GRADS = Dict({"W": Array(lambda X: X.shape), "b": Scalar()})


def test_a_dict_becomes_the_tuple_of_its_values_in_declared_order() -> None:
    out = conform({"b": 0.5, "W": np.ones((4, 3))}, GRADS, (X,))
    assert isinstance(out, tuple) and out[0].shape == (4, 3) and float(out[1]) == 0.5


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"W": np.ones((4, 3))}, "the result should be a dict with the keys 'W', 'b'; it has no key 'b'"),
        (
            {"W": np.ones((4, 3)), "b": 0.0, "c": 1.0},
            "the result should be a dict with the keys 'W', 'b'; it has the extra keys 'c'",
        ),
        ((np.ones((4, 3)), 0.0), "the result should be a dict with the keys 'W', 'b', got tuple"),
    ],
)
def test_a_dict_needs_exactly_the_declared_keys(value: Any, message: str) -> None:
    with pytest.raises(ContractViolation) as raised:
        conform(value, GRADS, (X,))
    assert str(raised.value).startswith(message)


def test_a_dict_names_the_bad_entry_by_its_key() -> None:
    with pytest.raises(ContractViolation) as raised:
        conform({"W": np.ones((3, 4)), "b": 0.0}, GRADS, (X,))
    assert str(raised.value) == "the result['W'] should have shape (4, 3), got shape (3, 4)"


def test_an_array_declared_with_lists_takes_a_list_of_numbers() -> None:
    weights = Array(lambda: (2,), lists=True)
    out = conform([1, 2.5], weights, ())
    assert out.dtype == np.float64 and out.tolist() == [1.0, 2.5]
    assert conform([np.array(1.0), np.float32(-1.0)], weights, ()).tolist() == [1.0, -1.0]
    with pytest.raises(ContractViolation, match=r"should have shape \(2,\), got shape \(3,\)"):
        conform([1.0, 1.0, 1.0], weights, ())
    for bad in (["1", 2.0], [None, 1.0], [True, 1.0], [[1.0], [1.0, 2.0]]):
        with pytest.raises(ContractViolation, match="should be a list of numbers"):
            conform(bad, weights, ())
    with pytest.raises(ContractViolation, match="got tuple"):
        conform((1.0, 1.0), weights, ())


def test_a_dict_with_extra_keys_ignored_drops_them_unread_but_still_needs_every_declared_key() -> None:
    lenient = Dict(GRADS.items, extra_keys="ignored")
    out = conform({"W": np.ones((4, 3)), "b": 0.5, "cache": ["anything", None]}, lenient, (X,))
    assert len(out) == 2 and float(out[1]) == 0.5
    with pytest.raises(ContractViolation, match="it has no key 'b'"):
        conform({"W": np.ones((4, 3)), "cache": 1.0}, lenient, (X,))


def test_a_bool_array_keeps_its_booleans_and_refuses_zeros_and_ones() -> None:
    mask = Array(lambda X: X.shape, kind="bool")
    out = conform(np.eye(4, 3, dtype=bool), mask, (X,))
    assert out.dtype == np.bool_ and out.sum() == 3
    for wrong in (np.eye(4, 3), np.eye(4, 3, dtype=np.int64)):
        with pytest.raises(ContractViolation, match="should hold booleans"):
            conform(wrong, mask, (X,))
