"""softmax_regression: functions, outputs, forbidden calls and public checks."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from grader import strategies, tolerance
from grader.checks import Call, Case, Contract, Gradient, KnownAnswers, Objective, Property, Student
from grader.exercise import Exercise, Function
from grader.forbidden import AUTOGRAD
from grader.i18n import N_, _
from grader.outputs import Array, Scalar, Tuple

FORBIDDEN = (
    "torch.*softmax",  # torch.softmax, Tensor.softmax, F.softmax, F.log_softmax, torch.special.*
    "torch.nn.*Softmax",
    "torch.*logsumexp",
    "torch.*cross_entropy",
    "torch.*nll_loss",
    "torch.nn.CrossEntropyLoss",
    "torch.nn.NLLLoss",
    "scipy.special.softmax",
    "scipy.special.log_softmax",
    "scipy.special.logsumexp",
    *AUTOGRAD,
)


def _same_shape(z: np.ndarray) -> tuple[int, ...]:
    return tuple(z.shape)


FUNCTIONS = (
    Function("softmax", Array(_same_shape), FORBIDDEN),
    Function("cross_entropy", Scalar(), FORBIDDEN),
    Function(
        "loss_and_grad",
        Tuple(
            (
                Scalar(label="loss"),
                Array(lambda W, *_: W.shape, label="dW"),
                Array(lambda W, b, *_: b.shape, label="db"),
            )
        ),
        FORBIDDEN,
    ),
    Function("predict", Array(lambda W, b, X: (X.shape[0],), kind="int"), FORBIDDEN),
    Function(
        "train",
        Tuple(
            (
                Array(lambda X, y, k, *_, **__: (X.shape[1], k), label="W"),
                Array(lambda X, y, k, *_, **__: (k,), label="b"),
            )
        ),
        FORBIDDEN,
    ),
)

# -- inputs ------------------------------------------------------------------------------------

softmax_calls = strategies.logits().map(lambda z: Call((z,)))
huge_softmax_calls = strategies.logits(scale=1e4).map(lambda z: Call((z,)))
ce_calls = strategies.classification().map(lambda c: Call((c[2] @ c[0] + c[1], c[3])))
huge_ce_calls = strategies.classification().map(lambda c: Call(((c[2] @ c[0] + c[1]) * 3000, c[3])))
regs = st.sampled_from([0.0, 0.1, 1.0])
lag_calls = st.tuples(strategies.classification(), regs).map(lambda r: Call((*r[0], r[1])))
gradient_calls = st.tuples(strategies.classification(max_n=6, max_d=3, max_k=4, float64=True), regs).map(
    lambda r: Call((*r[0], r[1]))
)
predict_calls = strategies.classification().map(lambda c: Call(c[:3]))
train_calls = strategies.blobs().map(lambda b: Call(b, {"lr": 0.5, "epochs": 60}))
minibatch_calls = strategies.blobs().map(lambda b: Call(b, {"lr": 0.5, "epochs": 30, "batch_size": 8, "seed": 3}))


def _t(*rows: Any, dtype: Any = np.float64) -> np.ndarray:
    return np.array(rows, dtype=dtype)


# -- properties --------------------------------------------------------------------------------


def rows_are_distributions(student: Student, call: Call, out: Any) -> str | None:
    if not np.all(np.isfinite(out)):
        return _("the result holds nan or inf")
    if np.any(out < 0):
        return _("a probability is negative: {value:.4g}").format(value=float(out.min()))
    sums = out.sum(axis=-1)
    worst = tolerance.worst_mismatch(sums, np.ones_like(sums), tolerance.for_dtype(call.args[0].dtype))
    if worst is not None:
        total = float(sums[worst.index])
        return _("the probabilities along the last axis sum to {total:.6g}, not 1, at {index}").format(
            total=total, index=list(worst.index)
        )
    return None


def shift_invariant(student: Student, call: Call, out: Any) -> str | None:
    (z,) = call.args
    shift = np.round(np.linspace(-50, 50, int(np.prod(z.shape[:-1])) or 1), 1).reshape((*z.shape[:-1], 1))
    shifted = student("softmax", Call(((z + shift).astype(z.dtype),)))
    worst = tolerance.worst_mismatch(shifted, out, tolerance.for_dtype(z.dtype))
    if worst is None:
        return None
    return _(
        "adding a constant to each row changed the softmax at {index}: it must not (softmax(z + c) = softmax(z))"
    ).format(index=list(worst.index))


def finite_for_large_logits(student: Student, call: Call, out: Any) -> str | None:
    if np.all(np.isfinite(out)):
        return None
    return _("nan or inf for logits as large as {largest:g}: subtract each row's max before exp").format(
        largest=float(np.abs(call.args[0]).max())
    )


def loss_is_non_negative(student: Student, call: Call, out: Any) -> str | None:
    if not np.isfinite(out):
        return _("the loss is {got}: compute log-sum-exp stably (subtract the max)").format(got=float(out))
    if float(out) < -1e-6:
        return _("the loss is {got:.6g}; a cross-entropy is never negative").format(got=float(out))
    return None


def uniform_logits_give_log_k(student: Student, call: Call, out: Any) -> str | None:
    logits, y = call.args
    flat = np.broadcast_to(logits[:, :1], logits.shape).astype(logits.dtype)
    loss = float(student("cross_entropy", Call((flat, y))))
    k = logits.shape[1]
    if abs(loss - np.log(k)) <= 1e-5 * np.log(k) + 1e-6:
        return None
    return _(
        "with every logit of a row equal, the loss should be log k = log {k} = {expected:.6g}, got {got:.6g}"
    ).format(k=k, expected=np.log(k), got=loss)


def huge_logits_stay_finite(student: Student, call: Call, out: Any) -> str | None:
    logits = call.args[0]
    if not np.isfinite(out):
        return _("the loss is {got} for logits up to {largest:.4g}: use log-sum-exp").format(
            got=float(out), largest=float(np.abs(logits).max())
        )
    return None


def loss_agrees_with_cross_entropy(student: Student, call: Call, out: Any) -> str | None:
    W, b, X, y, reg = call.args
    scores = (X.astype(np.float64) @ W + b).astype(X.dtype)
    expected = float(student("cross_entropy", Call((scores, y)))) + reg * float(np.sum(W.astype(np.float64) ** 2))
    worst = tolerance.worst_mismatch(np.array(out[0]), np.array(expected), tolerance.for_dtype(X.dtype))
    if worst is None:
        return None
    return _(
        "loss = {got:.6g}, but cross_entropy(X @ W + b, y) + reg·ΣW² with your cross_entropy is {expected:.6g}"
    ).format(got=float(out[0]), expected=expected)


def _scores(call: Call) -> np.ndarray:
    W, b, X = (a.astype(np.float64) for a in call.args[:3])
    return X @ W + b


def predicts_the_arg_max(student: Student, call: Call, out: Any) -> str | None:
    scores = _scores(call)
    best = scores.max(axis=1)
    chosen = scores[np.arange(len(out)), np.clip(out, 0, scores.shape[1] - 1)]
    wrong = np.flatnonzero((out < 0) | (out >= scores.shape[1]) | (chosen < best))
    if wrong.size:
        i = int(wrong[0])
        return _("row {i}: predicted class {got} but class {best} has the highest score").format(
            i=i, got=int(out[i]), best=int(np.argmax(scores[i]))
        )
    return None


def fits_the_blobs(student: Student, call: Call, out: Any) -> str | None:
    X, y, k = call.args
    W, b = out
    predicted = np.argmax(X.astype(np.float64) @ W + b, axis=1)
    accuracy = float(np.mean(predicted == y))
    if accuracy >= 0.95:
        return None
    return _(
        "training accuracy {accuracy:.0%} on {k} well-separated clusters ({kwargs}); "
        "gradient descent should reach at least 95%"
    ).format(accuracy=accuracy, k=k, kwargs=call.kwargs)


def no_epochs_no_change(student: Student, call: Call, out: Any) -> str | None:
    W, b = out
    if np.all(W == 0) and np.all(b == 0):
        return None
    return _("with epochs = 0, train should return the zero weights it starts from")


LOSS = Objective("loss_and_grad", forward=lambda call: call, reduce=lambda out, call: out[0])


def analytic_gradients(student: Student, call: Call) -> dict[str, Any]:
    _loss, dW, db = student("loss_and_grad", call)
    return {"W": dW, "b": db}


CHECKS = (
    Contract(name="softmax keeps the shape", function="softmax", points=0.25, inputs=softmax_calls, examples=4),
    KnownAnswers(
        name="softmax known answers",
        function="softmax",
        points=0.5,
        cases=(
            Case(Call((_t(0.0, 0.0),)), _t(0.5, 0.5)),
            Case(Call((_t([0.0, np.log(3.0)]),)), _t([0.25, 0.75])),
            Case(Call((_t([1000.0, 0.0], [0.0, 0.0]),)), _t([1.0, 0.0], [0.5, 0.5])),
            Case(Call((_t([[5.0]], [[-5.0]], dtype=np.float32),)), _t([[1.0]], [[1.0]])),
        ),
    ),
    Property(
        name="softmax rows are probability distributions",
        function="softmax",
        points=0.25,
        inputs=softmax_calls,
        holds=rows_are_distributions,
    ),
    Property(
        name="softmax is unchanged by a shift of each row",
        function="softmax",
        points=0.5,
        inputs=softmax_calls,
        holds=shift_invariant,
    ),
    Property(
        name="softmax has no nan or inf for |z| up to 1e4",
        function="softmax",
        points=0.5,
        inputs=huge_softmax_calls,
        holds=finite_for_large_logits,
    ),
    Contract(name="cross_entropy returns a number", function="cross_entropy", points=0.2, inputs=ce_calls, examples=3),
    KnownAnswers(
        name="cross_entropy known answers",
        function="cross_entropy",
        points=0.3,
        cases=(
            Case(Call((_t([0.0, 0.0]), np.array([1]))), np.log(2.0)),
            Case(Call((_t([0.0, np.log(3.0)], [2.0, 2.0]), np.array([1, 0]))), (np.log(4 / 3) + np.log(2.0)) / 2),
            Case(Call((_t([1e4, 0.0]), np.array([1]))), 1e4),
        ),
    ),
    Property(
        name="cross_entropy is not negative",
        function="cross_entropy",
        points=0.2,
        inputs=ce_calls,
        holds=loss_is_non_negative,
    ),
    Property(
        name="cross_entropy of uniform logits is log k",
        function="cross_entropy",
        points=0.3,
        inputs=ce_calls,
        examples=5,
        holds=uniform_logits_give_log_k,
    ),
    Property(
        name="cross_entropy stays finite for huge logits",
        function="cross_entropy",
        points=0.5,
        inputs=huge_ce_calls,
        holds=huge_logits_stay_finite,
    ),
    Contract(
        name="loss_and_grad returns (loss, dW, db)", function="loss_and_grad", points=0.25, inputs=lag_calls, examples=3
    ),
    Property(
        name="loss_and_grad's loss is cross_entropy plus reg·ΣW²",
        evidence=("cross_entropy known answers", "loss_and_grad matches reference"),
        function="loss_and_grad",
        points=0.25,
        inputs=lag_calls,
        examples=8,
        holds=loss_agrees_with_cross_entropy,
    ),
    Gradient(
        name="loss_and_grad's gradients match central differences of its loss",
        evidence=("loss_and_grad matches reference",),
        function="loss_and_grad",
        points=1.0,
        inputs=gradient_calls,
        wrt={"W": 0, "b": 1},
        analytic=analytic_gradients,
        objective=LOSS,
    ),
    Contract(
        name="predict returns (n,) integer classes", function="predict", points=0.2, inputs=predict_calls, examples=3
    ),
    KnownAnswers(
        name="predict known answers, ties to the lower class",
        function="predict",
        points=0.3,
        cases=(
            Case(Call((_t([1.0, 0.0], [0.0, 1.0]), _t(0.0, 0.0), _t([2.0, 1.0], [0.0, 3.0]))), np.array([0, 1])),
            Case(Call((_t([0.0, 0.0, 0.0]), _t(1.0, 2.0, 2.0), _t([5.0]))), np.array([1])),
        ),
    ),
    Property(
        name="predict is the arg-max of the scores",
        function="predict",
        points=0.25,
        inputs=predict_calls,
        holds=predicts_the_arg_max,
    ),
    Contract(name="train returns (W, b)", function="train", points=0.25, inputs=train_calls, examples=2),
    Property(
        name="train from zero weights: epochs = 0 changes nothing",
        function="train",
        points=0.25,
        inputs=train_calls.map(lambda c: Call(c.args, {**c.kwargs, "epochs": 0})),
        examples=2,
        holds=no_epochs_no_change,
    ),
    Property(
        name="full-batch train fits well-separated clusters",
        function="train",
        points=0.75,
        inputs=train_calls,
        examples=3,
        holds=fits_the_blobs,
    ),
    Property(
        name="minibatch train fits well-separated clusters",
        function="train",
        points=0.75,
        inputs=minibatch_calls,
        examples=3,
        holds=fits_the_blobs,
    ),
)

EXERCISE = Exercise("softmax_regression", N_("Softmax regression"), FUNCTIONS, CHECKS)
