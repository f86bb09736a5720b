"""metrics: functions, outputs, forbidden calls and public checks.

The public properties relate the student's functions to each other and to invariants of the
labels (what a metric ignores, what swapping truth and prediction does, what an absent class
adds), so that they say what is wrong without handing out a formula to copy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from grader import strategies, tolerance
from grader.checks import Call, Case, Contract, KnownAnswers, Property, Student
from grader.exercise import Exercise, Function
from grader.i18n import N_, _, ngettext
from grader.outputs import Array, Scalar, Tuple

# Module names: each covers its submodules ("sklearn" covers sklearn.metrics) in the static
# scan and in the worker's import guard. Not "sklearn.metrics" as well: the worker takes a
# dotted entry for a function to wrap, imports sklearn.metrics itself before its import guard
# is in place, and a student's import of it then passes the guard unrecorded.
FORBIDDEN = ("sklearn", "torchmetrics")
AVERAGES = ("macro", "micro", "weighted")

FUNCTIONS = (
    Function("confusion_counts", Tuple(tuple(Scalar("int", label) for label in ("tp", "fp", "tn", "fn"))), FORBIDDEN),
    Function("accuracy", Scalar(), FORBIDDEN),
    Function("error_rate", Scalar(), FORBIDDEN),
    Function("precision", Scalar(), FORBIDDEN),
    Function("recall", Scalar(), FORBIDDEN),
    Function("f1_score", Scalar(), FORBIDDEN),
    Function("confusion_matrix", Array(lambda y_true, y_pred, k: (k, k), kind="int"), FORBIDDEN),
    Function("multiclass_f1", Scalar(), FORBIDDEN),
)

# -- inputs ------------------------------------------------------------------------------------

binary_calls = strategies.binary_labels().map(lambda yy: Call(yy))
multiclass_calls = strategies.multiclass_labels().map(lambda r: Call(r))
f1_calls = st.tuples(strategies.multiclass_labels(), st.sampled_from(AVERAGES)).map(
    lambda r: Call(r[0], {"average": r[1]})
)


def labels(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def binary(true: tuple[int, ...], pred: tuple[int, ...]) -> Call:
    return Call((labels(*true), labels(*pred)))


def multiclass(true: tuple[int, ...], pred: tuple[int, ...], k: int, average: str | None = None) -> Call:
    return Call((labels(*true), labels(*pred), k), {} if average is None else {"average": average})


# Hand-computed answers shared by the binary ratios: a call and each function's value on it.
BINARY_CASES: tuple[tuple[Call, dict[str, float]], ...] = (
    # tp=1 fp=1 tn=1 fn=1
    (binary((1, 0, 1, 0), (1, 1, 0, 0)), dict(accuracy=0.5, error_rate=0.5, precision=0.5, recall=0.5, f1_score=0.5)),
    # tp=2 fp=1 tn=0 fn=0: 2/3 right (integer division gives 0)
    (binary((1, 1, 0), (1, 1, 1)), dict(accuracy=2 / 3, error_rate=1 / 3, precision=2 / 3, recall=1.0, f1_score=0.8)),
    # tp=1 fp=0 tn=1 fn=2: precision and recall differ, so swapping them shows
    (binary((1, 1, 1, 0), (1, 0, 0, 0)), dict(accuracy=0.5, error_rate=0.5, precision=1.0, recall=1 / 3, f1_score=0.5)),
    # tp=1 fp=3 tn=0 fn=0: the harmonic mean 0.4 is far from the arithmetic mean 0.625
    (
        binary((1, 0, 0, 0), (1, 1, 1, 1)),
        dict(accuracy=0.25, error_rate=0.75, precision=0.25, recall=1.0, f1_score=0.4),
    ),
    # no positive anywhere: every 0/0 is 0.0
    (binary((0, 0, 0), (0, 0, 0)), dict(accuracy=1.0, error_rate=0.0, precision=0.0, recall=0.0, f1_score=0.0)),
    # a positive, but nothing predicted positive: precision is 0/0
    (binary((1, 0), (0, 0)), dict(accuracy=0.5, error_rate=0.5, precision=0.0, recall=0.0, f1_score=0.0)),
    # no positive, one predicted: recall is 0/0
    (binary((0, 0), (1, 0)), dict(accuracy=0.5, error_rate=0.5, precision=0.0, recall=0.0, f1_score=0.0)),
    # n = 1
    (binary((1,), (1,)), dict(accuracy=1.0, error_rate=0.0, precision=1.0, recall=1.0, f1_score=1.0)),
)


def binary_known_answers(function: str, points: float) -> KnownAnswers:
    cases = tuple(Case(call, expected[function]) for call, expected in BINARY_CASES)
    return KnownAnswers(name=f"{function} known answers", function=function, points=points, cases=cases)


# -- properties (each returns None when it holds, else what is wrong) ---------------------------

# The inputs are integer labels, so results are held to the float64 tolerance, which still
# lets a student compute in float32 inside (SPEC).
TOL = tolerance.for_dtype(np.dtype(np.float64))


def _close(got: float, expected: float) -> bool:
    return tolerance.worst_mismatch(np.array(got), np.array(expected), TOL) is None


def _outside_unit_interval(function: str, value: float) -> str | None:
    if 0.0 <= value <= 1.0:
        return None
    return _("{function} = {value:.6g}, but a fraction must lie in [0, 1] (0/0 counts as 0.0, never nan)").format(
        function=function, value=value
    )


def _counts(student: Student, y_true: np.ndarray, y_pred: np.ndarray) -> tuple[int, int, int, int]:
    tp, fp, tn, fn = (int(v) for v in student("confusion_counts", Call((y_true, y_pred))))
    return tp, fp, tn, fn


def counts_add_up(student: Student, call: Call, out: Any) -> str | None:
    y_true, y_pred = call.args
    tp, fp, tn, fn = (int(v) for v in out)
    if tp + fp + tn + fn != len(y_true):
        return ngettext(
            "tp + fp + tn + fn = {total}, but there is n = {n} sample",
            "tp + fp + tn + fn = {total}, but there are n = {n} samples",
            len(y_true),
        ).format(total=tp + fp + tn + fn, n=len(y_true))
    if tp + fn != int(y_true.sum()):
        return _("tp + fn = {got} should be the number of positives in y_true, {expected}").format(
            got=tp + fn, expected=int(y_true.sum())
        )
    if tp + fp != int(y_pred.sum()):
        return _("tp + fp = {got} should be the number of positives in y_pred, {expected}").format(
            got=tp + fp, expected=int(y_pred.sum())
        )
    return None


def accuracy_from_counts(student: Student, call: Call, out: Any) -> str | None:
    tp, fp, tn, fn = _counts(student, *call.args)
    expected = (tp + tn) / (tp + fp + tn + fn)
    if _close(float(out), expected):
        return None
    counts = (tp, fp, tn, fn)
    return _("accuracy = {got:.6g}, but (tp + tn) / n with your confusion_counts {counts} is {expected:.6g}").format(
        got=float(out), counts=counts, expected=expected
    )


def error_rate_complements_accuracy(student: Student, call: Call, out: Any) -> str | None:
    problem = _outside_unit_interval("error_rate", float(out))
    if problem:
        return problem
    right = float(student("accuracy", call))
    if _close(float(out) + right, 1.0):
        return None
    total = float(out) + right
    return _("error_rate = {got:.6g} and your accuracy = {accuracy:.6g} should add up to 1, not {total:.6g}").format(
        got=float(out), accuracy=right, total=total
    )


def precision_ignores_predicted_negatives(student: Student, call: Call, out: Any) -> str | None:
    problem = _outside_unit_interval("precision", float(out))
    if problem:
        return problem
    y_true, y_pred = call.args
    # the same samples again, all predicted negative: new true negatives and false negatives
    more = Call((np.concatenate([y_true, y_true]), np.concatenate([y_pred, np.zeros_like(y_pred)])))
    again = float(student("precision", more))
    if _close(again, float(out)):
        return None
    return _(
        "precision = {got:.6g}, but {again:.6g} on these samples followed by a copy of them with "
        "every prediction 0 (true labels {labels}): only the samples predicted positive count"
    ).format(got=float(out), again=again, labels=y_true.tolist())


def recall_ignores_negatives(student: Student, call: Call, out: Any) -> str | None:
    problem = _outside_unit_interval("recall", float(out))
    if problem:
        return problem
    y_true, y_pred = call.args
    # the same predictions again, for samples that are all negative: new fp and tn
    more = Call((np.concatenate([y_true, np.zeros_like(y_true)]), np.concatenate([y_pred, y_pred])))
    again = float(student("recall", more))
    if _close(again, float(out)):
        return None
    return _(
        "recall = {got:.6g}, but {again:.6g} on these samples followed by a copy of them with "
        "every true label 0 (predictions {predictions}): only the samples that are positive count"
    ).format(got=float(out), again=again, predictions=y_pred.tolist())


def swapping_swaps_precision_and_recall(student: Student, call: Call, out: Any) -> str | None:
    problem = _outside_unit_interval("precision", float(out))
    if problem:
        return problem
    y_true, y_pred = call.args
    swapped = float(student("recall", Call((y_pred, y_true))))
    if _close(float(out), swapped):
        return None
    return _(
        "precision(y_true, y_pred) = {got:.6g} should equal recall(y_pred, y_true) = {swapped:.6g}: "
        "swapping the roles of truth and prediction swaps precision and recall"
    ).format(got=float(out), swapped=swapped)


def f1_is_harmonic_mean(student: Student, call: Call, out: Any) -> str | None:
    p, r = float(student("precision", call)), float(student("recall", call))
    expected = 2 * p * r / (p + r) if p + r > 0 else 0.0
    if _close(float(out), expected):
        return None
    return _(
        "f1_score = {got:.6g}, but the harmonic mean of your precision {precision:.6g} and recall {recall:.6g} "
        "is {expected:.6g} (0.0 when both are 0)"
    ).format(got=float(out), precision=p, recall=r, expected=expected)


def matrix_counts_classes(student: Student, call: Call, out: Any) -> str | None:
    y_true, y_pred, k = call.args
    if int(out.sum()) != len(y_true):
        return ngettext(
            "the entries sum to {total}, but there is n = {n} sample",
            "the entries sum to {total}, but there are n = {n} samples",
            len(y_true),
        ).format(total=int(out.sum()), n=len(y_true))
    rows, cols = out.sum(axis=1), out.sum(axis=0)
    true_counts, pred_counts = np.bincount(y_true, minlength=k), np.bincount(y_pred, minlength=k)
    if not np.array_equal(rows, true_counts):
        return _("row sums {got} should count each true class, {expected} (rows are true classes)").format(
            got=rows.tolist(), expected=true_counts.tolist()
        )
    if not np.array_equal(cols, pred_counts):
        return _("column sums {got} should count each predicted class, {expected}").format(
            got=cols.tolist(), expected=pred_counts.tolist()
        )
    right = int((y_true == y_pred).sum())
    if int(np.trace(out)) != right:
        return ngettext(
            "the diagonal sums to {got}, but {right} prediction is right",
            "the diagonal sums to {got}, but {right} predictions are right",
            right,
        ).format(got=int(np.trace(out)), right=right)
    return None


def binary_matrix_matches_counts(student: Student, call: Call, out: Any) -> str | None:
    y_true, y_pred, _k = call.args
    tp, fp, tn, fn = _counts(student, y_true, y_pred)
    expected = [[tn, fp], [fn, tp]]
    if out.tolist() == expected:
        return None
    return _("for two classes the matrix should be [[tn, fp], [fn, tp]] = {expected} by your confusion_counts").format(
        expected=expected
    )


def _as_binary(call: Call) -> Call:
    y_true, y_pred, _k = call.args
    return Call((y_true % 2, y_pred % 2, 2))


def micro_is_agreement(student: Student, call: Call, out: Any) -> str | None:
    y_true, y_pred, _k = call.args
    agreement = float((y_true == y_pred).mean())
    if _close(float(out), agreement):
        return None
    return _(
        "micro F1 = {got:.6g}; with one label per sample it equals the fraction of "
        "agreement between y_true and y_pred, {agreement:.6g}"
    ).format(got=float(out), agreement=agreement)


def perfect_predictions(student: Student, call: Call, out: Any) -> str | None:
    y_true, _y_pred, k = call.args
    present = len(np.unique(y_true))
    expected = {"micro": 1.0, "weighted": 1.0, "macro": present / k}
    for average, value in expected.items():
        got = float(student("multiclass_f1", Call((y_true, y_true.copy(), k), {"average": average})))
        if not _close(got, value):
            return _(
                "when y_pred equals y_true, average={average!r} gives {got:.6g}, expected {expected:.6g} "
                "({present} of the {k} classes occur; every class that occurs has F1 1, an absent one 0)"
            ).format(average=average, got=got, expected=value, present=present, k=k)
    return None


def weighted_with_one_true_class(student: Student, call: Call, out: Any) -> str | None:
    """Every sample of one true class c: only c has support, so weighted F1 is F1 of c."""
    y_true, y_pred, _k = call.args
    c, n = int(y_true[0]), len(y_true)
    hits = int((y_pred == c).sum())
    expected = 2 * hits / (n + hits)  # tp = hits, fp = 0, fn = n - hits
    if _close(float(out), expected):
        return None
    return _(
        "every sample's true class is {c}, so only class {c} has support and the weighted F1 is the F1 of "
        "class {c} alone, {expected:.6g} ({hits} of {n} predicted right); got {got:.6g}"
    ).format(c=c, expected=expected, hits=hits, n=n, got=float(out))


def _one_true_class(call: Call) -> Call:
    y_true, y_pred, k = call.args
    return Call((np.full_like(y_true, y_true[0]), y_pred, k), {"average": "weighted"})


def absent_class_counts(student: Student, call: Call, out: Any) -> str | None:
    """One more class that never occurs: macro averages one more F1 of 0, the others stay."""
    y_true, y_pred, k = call.args
    for average in AVERAGES:
        before = float(student("multiclass_f1", Call((y_true, y_pred, k), {"average": average})))
        problem = _outside_unit_interval(f"multiclass_f1(average={average!r})", before)
        if problem:
            return problem
        after = float(student("multiclass_f1", Call((y_true, y_pred, k + 1), {"average": average})))
        expected = before * k / (k + 1) if average == "macro" else before
        if _close(after, expected):
            continue
        values = {"k": k, "average": average, "before": before, "more": k + 1, "expected": expected, "after": after}
        if average == "macro":
            return _(
                "with num_classes = {k}, average={average!r} gives {before:.6g}; with num_classes = {more} "
                "(class {k} occurs nowhere) it should give {expected:.6g}, got {after:.6g}: "
                "the macro mean runs over all classes, an absent one with F1 0"
            ).format(**values)
        return _(
            "with num_classes = {k}, average={average!r} gives {before:.6g}; with num_classes = {more} "
            "(class {k} occurs nowhere) it should give {expected:.6g}, got {after:.6g}: "
            "a class that occurs nowhere has no support and no counts"
        ).format(**values)
    return None


CHECKS = (
    # confusion_counts: 1.5
    Contract(name="confusion_counts returns four ints", function="confusion_counts", points=0.25, inputs=binary_calls),
    KnownAnswers(
        name="confusion_counts known answers",
        function="confusion_counts",
        points=0.5,
        cases=(
            Case(binary((1, 0, 1, 0), (1, 1, 0, 0)), (1, 1, 1, 1)),
            Case(binary((1, 1, 0, 0, 0), (1, 0, 1, 1, 0)), (1, 2, 1, 1)),
            Case(binary((1, 1, 1, 0), (0, 0, 1, 0)), (1, 0, 1, 2)),
            Case(binary((0,), (0,)), (0, 0, 1, 0)),
        ),
    ),
    Property(
        name="confusion_counts add up",
        function="confusion_counts",
        points=0.25,
        inputs=binary_calls,
        holds=counts_add_up,
    ),
    # accuracy: 1.0
    Contract(name="accuracy returns a float", function="accuracy", points=0.1, inputs=binary_calls, examples=3),
    binary_known_answers("accuracy", 0.2),
    Property(
        name="accuracy is (tp + tn) / n of confusion_counts",
        evidence=("accuracy known answers", "confusion_counts known answers"),
        function="accuracy",
        points=0.3,
        inputs=binary_calls,
        holds=accuracy_from_counts,
    ),
    # error_rate: 1.0
    Contract(name="error_rate returns a float", function="error_rate", points=0.1, inputs=binary_calls, examples=3),
    binary_known_answers("error_rate", 0.2),
    Property(
        name="error_rate is 1 - accuracy",
        evidence=("error_rate known answers", "accuracy known answers"),
        function="error_rate",
        points=0.3,
        inputs=binary_calls,
        holds=error_rate_complements_accuracy,
    ),
    # precision: 1.5
    Contract(name="precision returns a float", function="precision", points=0.1, inputs=binary_calls, examples=3),
    binary_known_answers("precision", 0.4),
    Property(
        name="precision ignores the samples predicted negative",
        function="precision",
        points=0.25,
        inputs=binary_calls,
        holds=precision_ignores_predicted_negatives,
    ),
    Property(
        name="swapping y_true and y_pred swaps precision and recall",
        evidence=("precision known answers", "recall known answers"),
        function="precision",
        points=0.25,
        inputs=binary_calls,
        holds=swapping_swaps_precision_and_recall,
    ),
    # recall: 1.5
    Contract(name="recall returns a float", function="recall", points=0.1, inputs=binary_calls, examples=3),
    binary_known_answers("recall", 0.4),
    Property(
        name="recall ignores the negative samples",
        function="recall",
        points=0.5,
        inputs=binary_calls,
        holds=recall_ignores_negatives,
    ),
    # f1_score: 1.5
    Contract(name="f1_score returns a float", function="f1_score", points=0.1, inputs=binary_calls, examples=3),
    binary_known_answers("f1_score", 0.4),
    Property(
        name="f1_score is the harmonic mean of precision and recall",
        evidence=("f1_score known answers",),
        function="f1_score",
        points=0.5,
        inputs=binary_calls,
        holds=f1_is_harmonic_mean,
    ),
    # confusion_matrix: 2.0
    Contract(
        name="confusion_matrix returns a (K, K) int matrix",
        function="confusion_matrix",
        points=0.25,
        inputs=multiclass_calls,
        examples=3,
    ),
    KnownAnswers(
        name="confusion_matrix known answers",
        function="confusion_matrix",
        points=0.5,
        cases=(
            Case(multiclass((0, 1, 2, 2), (0, 2, 2, 1), 3), np.array([[1, 0, 0], [0, 0, 1], [0, 1, 1]])),
            Case(multiclass((1, 1, 0), (0, 0, 0), 2), np.array([[1, 0], [2, 0]])),
            Case(multiclass((0, 1), (2, 2), 3), np.array([[0, 0, 1], [0, 0, 1], [0, 0, 0]])),
            Case(multiclass((0,), (0,), 4), np.array([[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])),
        ),
    ),
    Property(
        name="confusion_matrix rows count true classes, columns predicted ones",
        function="confusion_matrix",
        points=0.5,
        inputs=multiclass_calls,
        holds=matrix_counts_classes,
    ),
    Property(
        name="binary confusion_matrix is [[tn, fp], [fn, tp]]",
        evidence=("confusion_matrix known answers", "confusion_counts known answers"),
        function="confusion_matrix",
        points=0.25,
        inputs=multiclass_calls.map(_as_binary),
        holds=binary_matrix_matches_counts,
    ),
    # multiclass_f1: 2.0
    Contract(name="multiclass_f1 returns a float", function="multiclass_f1", points=0.1, inputs=f1_calls, examples=3),
    KnownAnswers(
        name="multiclass_f1 known answers",
        function="multiclass_f1",
        points=0.35,
        cases=(
            # per-class F1: 2/3, 2/3 and 0 (class 2 occurs nowhere); supports 2, 1, 0
            Case(multiclass((0, 0, 1), (0, 1, 1), 3, "macro"), 4 / 9),
            Case(multiclass((0, 0, 1), (0, 1, 1), 3, "weighted"), 2 / 3),
            Case(multiclass((0, 0, 1), (0, 1, 1), 3, "micro"), 2 / 3),
            Case(multiclass((0, 0, 1), (0, 1, 1), 3), 4 / 9),  # macro by default
            # per-class F1: 0.8 and 0; supports 2, 1 (but 3 and 0 predictions)
            Case(multiclass((0, 0, 1), (0, 0, 0), 2, "macro"), 0.4),
            Case(multiclass((0, 0, 1), (0, 0, 0), 2, "weighted"), 1.6 / 3),
            Case(multiclass((0, 0, 1), (0, 0, 0), 2, "micro"), 2 / 3),
            Case(multiclass((0, 1), (1, 0), 2, "macro"), 0.0),
        ),
    ),
    KnownAnswers(
        name="multiclass_f1 rejects an unknown average",
        function="multiclass_f1",
        points=0.25,
        cases=(
            Case(multiclass((0, 1), (0, 1), 2, "binary"), raises=ValueError),
            Case(multiclass((0, 1), (0, 1), 2, "Macro"), raises=ValueError),
            Case(multiclass((0, 1, 2), (0, 2, 1), 3, "samples"), raises=ValueError),
        ),
    ),
    Property(
        name="multiclass_f1 micro is the fraction of agreement",
        function="multiclass_f1",
        points=0.15,
        inputs=multiclass_calls.map(lambda c: Call(c.args, {"average": "micro"})),
        holds=micro_is_agreement,
    ),
    Property(
        name="multiclass_f1 of perfect predictions",
        function="multiclass_f1",
        points=0.15,
        inputs=multiclass_calls,
        examples=8,
        holds=perfect_predictions,
    ),
    Property(
        name="multiclass_f1 counts a class that occurs nowhere",
        function="multiclass_f1",
        points=0.2,
        inputs=multiclass_calls,
        examples=8,
        holds=absent_class_counts,
    ),
    Property(
        name="multiclass_f1 weighted by true support",
        function="multiclass_f1",
        points=0.15,
        inputs=multiclass_calls.map(_one_true_class),
        holds=weighted_with_one_true_class,
    ),
)

EXERCISE = Exercise("metrics", N_("Classification metrics"), FUNCTIONS, CHECKS)
