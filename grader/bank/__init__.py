"""The exercises of the course, in the order they are taught.

Each ``grader.bank.<name>`` module declares an exercise with its public checks; the matching
``grader.hidden.<name>`` module, where installed, adds the hidden ones.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Mapping

from grader import isolation
from grader.exercise import Exercise

NAMES = (
    "losses",
    "least_squares",
    "metrics",
    "perceptron",
    "logistic_regression",
    "softmax_regression",
    "activations",
    "optimization",
    "backprop",
    "regularization",
    "batch_norm",
    "conv",
    "pooling",
    "lstm",
    "rnn",
    "gnn",
    "attention",
    "transformer",
)


def hidden_checks_installed() -> bool:
    return all(isolation.package_dir(name) is not None for name in isolation.SECRET)


def load(
    names: tuple[str, ...] | list[str] = NAMES, hidden: bool = True, points: Mapping[str, float] | None = None
) -> list[Exercise]:
    """The named exercises, with their hidden checks when ``hidden`` (and they are installed),
    each worth ``points[name]`` where given (a course file's points: ``Exercise.scaled``).

    The same objects every time in a process, so that what a check draws once (its examples,
    ``Generated.recorded_examples``) serves every submission graded in it."""
    points_given = tuple(sorted(points.items())) if points is not None else None
    return list(_load(tuple(names), hidden and hidden_checks_installed(), points_given))


@functools.cache
def _load(names: tuple[str, ...], hidden: bool, points_given: tuple[tuple[str, float], ...] | None) -> list[Exercise]:
    points = dict(points_given) if points_given is not None else None
    exercises = []
    for name in names:
        exercise: Exercise = importlib.import_module(f"grader.bank.{name}").EXERCISE
        if hidden:
            extra = importlib.import_module(f"grader.hidden.{name}").CHECKS
            exercise = exercise.with_checks(extra)
            if round(exercise.max_score, 6) != exercise.worth:
                raise ValueError(f"{name}: its checks add up to {exercise.max_score:g} points, not {exercise.worth:g}")
            _check_requirements(exercise)
        if points is not None and name in points and points[name] != exercise.worth:
            exercise = exercise.scaled(points[name])
        exercises.append(_by_function(exercise))
    return exercises


def _check_requirements(exercise: Exercise) -> None:
    """Every check named as evidence (``Check.evidence``) is one check of the whole exercise:
    a misspelt name would silently be left out."""
    names = [c.name for c in exercise.checks]
    for check in exercise.checks:
        for required in check.evidence:
            if names.count(required) != 1:
                raise ValueError(f"{exercise.name}: {check.name!r} names {required!r} as evidence: not one check")


def _by_function(exercise: Exercise) -> Exercise:
    """Checks grouped by function in declaration order, public before hidden: the report's order."""
    order = {f.name: i for i, f in enumerate(exercise.functions)}
    checks = sorted(exercise.checks, key=lambda c: (order[c.function], c.visibility == "hidden"))
    return Exercise(exercise.name, exercise.title, exercise.functions, tuple(checks), exercise.worth)
