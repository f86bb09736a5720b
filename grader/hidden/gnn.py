"""gnn: hidden checks, with dense formulas as the truth.

The truth is computed here, in the grader's process, in float64 with dense matrices, a way of
computing that shares nothing with the reference's (or a student's) scatter over edges:

- aggregate: an incidence matrix M (N, E), M[i, e] = 1 when edge e points to i: "sum" is
  M @ messages, "mean" divides it by M's row sums (at least 1), "max" is the maximum over e of
  the messages where M[i, e] = 1 (0 where a row is empty);
- sage_layer: act(x W_self + aggregate(x) W_neigh + b), with the dense aggregate above;
- gcn_layer: Â = A + I with A[i, j] = the number of edges j -> i, D̂ its row sums, and
  D̂^-1/2 Â D̂^-1/2 x W + b as matrices.

A ValueError of the truth (an unknown reduce or activation) asks the same of the student.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.bank.gnn import ACTIVATIONS, REDUCES, aggregate_inputs, gcn_inputs, sage_inputs
from grader.checks import Call, ReferenceParity
from grader.i18n import N_


def incidence(n: int, edge_index: np.ndarray) -> np.ndarray:
    """M (N, E): M[i, e] = 1 when edge e's target is i."""
    M = np.zeros((n, edge_index.shape[1]))
    M[edge_index[1], np.arange(edge_index.shape[1])] = 1.0
    return M


def dense_aggregate(x: np.ndarray, edge_index: np.ndarray, reduce: str, weight: Any = None) -> np.ndarray:
    if reduce not in REDUCES:
        raise ValueError(f"unknown reduce {reduce!r}")
    x = x.astype(np.float64)
    messages = x[edge_index[0]] * (1.0 if weight is None else weight.astype(np.float64)[:, None])
    M = incidence(x.shape[0], edge_index)
    if reduce == "max":
        masked = np.where(M[:, :, None] > 0, messages[None], -np.inf)  # (N, E, F)
        best = masked.max(axis=1)
        return np.where(np.isfinite(best), best, 0.0)
    total = M @ messages
    return total / np.maximum(M.sum(axis=1), 1.0)[:, None] if reduce == "mean" else total


def truth_aggregate(call: Call) -> np.ndarray:
    return dense_aggregate(*call.args)


def truth_sage(call: Call) -> np.ndarray:
    x, edge_index, W_self, W_neigh, b, reduce, activation = call.args
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}")
    h = x.astype(np.float64) @ W_self + dense_aggregate(x, edge_index, reduce) @ W_neigh
    h = h if b is None else h + b
    return {"relu": np.maximum(h, 0.0), "tanh": np.tanh(h), "none": h}[activation]


def truth_gcn(call: Call) -> np.ndarray:
    x, edge_index, W, b = call.args
    n = x.shape[0]
    A = np.zeros((n, n))
    np.add.at(A, (edge_index[1], edge_index[0]), 1.0)  # A[i, j]: the edges j -> i
    A_hat = A + np.eye(n)
    scale = 1.0 / np.sqrt(A_hat.sum(axis=1))
    out = (scale[:, None] * A_hat * scale[None, :]) @ x.astype(np.float64) @ W
    return out if b is None else out + b


# the truths' names in "disagrees with ...": words, translated where they are shown
DENSE_AGGREGATE = N_("the dense incidence-matrix formula")
DENSE_SAGE = N_("act(x W_self + M-aggregate(x) W_neigh + b) with dense matrices")
DENSE_GCN = N_("the dense formula D̂^-1/2 (A + I) D̂^-1/2 x W + b")

# Budgets by measured catch power (bench/catch_power.py --exercise gnn): 13 examples where a
# smaller budget stopped catching a variant, else the smallest of 7 and 4 that still did.
CHECKS = (
    ReferenceParity(
        name="aggregate matches the dense formula",
        function="aggregate",
        points=1.25,
        inputs=aggregate_inputs(invalid=True),
        truth=truth_aggregate,
        truth_name=DENSE_AGGREGATE,
    ),
    ReferenceParity(
        name="aggregate matches the dense formula, negative features and signed weights",
        function="aggregate",
        points=0.75,
        inputs=aggregate_inputs("negative", weighted=True),
        examples=4,
        truth=truth_aggregate,
        truth_name=DENSE_AGGREGATE,
    ),
    ReferenceParity(
        name="sage_layer matches the dense formula",
        function="sage_layer",
        points=1.25,
        inputs=sage_inputs(invalid=True),
        truth=truth_sage,
        truth_name=DENSE_SAGE,
    ),
    ReferenceParity(
        name="sage_layer matches the dense formula, negative features",
        function="sage_layer",
        points=0.5,
        inputs=sage_inputs("negative"),
        examples=7,
        truth=truth_sage,
        truth_name=DENSE_SAGE,
    ),
    ReferenceParity(
        name="gcn_layer matches the dense formula",
        function="gcn_layer",
        points=2.0,
        inputs=gcn_inputs(),
        examples=4,
        truth=truth_gcn,
        truth_name=DENSE_GCN,
    ),
)
