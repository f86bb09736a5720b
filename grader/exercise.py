"""An exercise, declared as data: its functions, what each returns, what each may not call,
and its checks with their points. One declaration per exercise, in ``grader.bank``."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from grader.checks import Check
from grader.outputs import Returns


@dataclass(frozen=True)
class Function:
    name: str
    returns: Returns
    forbidden: tuple[str, ...] = ()  # fnmatch patterns of library names, or module names


@dataclass(frozen=True)
class Exercise:
    name: str  # the module name: exercises/<name>.py
    title: str
    functions: tuple[Function, ...]
    checks: tuple[Check, ...]
    # What the exercise is worth with its hidden checks: the public checks' points and the
    # hidden ones' add up to it (grader.bank.load holds them to it). A student's install has
    # the public checks only, and says what the rest is worth from this.
    worth: float = 12.0

    def __post_init__(self) -> None:
        names = {f.name for f in self.functions}
        for check in self.checks:
            if check.function not in names:
                raise ValueError(f"{self.name}: check {check.name!r} names unknown function {check.function!r}")
        seen: set[tuple[str, str]] = set()
        for check in self.checks:
            key = (check.function, check.name)
            if key in seen:
                raise ValueError(f"{self.name}: two checks named {check.name!r} for {check.function}")
            seen.add(key)

    def function(self, name: str) -> Function:
        return next(f for f in self.functions if f.name == name)

    def points(self, function: str) -> float:
        return sum(c.points for c in self.checks if c.function == function)

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.checks)

    def with_checks(self, extra: tuple[Check, ...]) -> Exercise:
        return Exercise(self.name, self.title, self.functions, self.checks + extra, self.worth)

    def scaled(self, points: float) -> Exercise:
        """The exercise worth ``points`` instead of ``worth``: every check's points multiplied
        by the same factor, so each check keeps its share (a course file's ``points``).

        The factor is taken from ``worth``, not from the checks present, so a student's install
        (public checks only) scales them exactly as the full install does; the checks' sum stays
        ``points`` to 6 decimals (what grades.json shows)."""
        if not points > 0:
            raise ValueError(f"{self.name}: points must be positive, not {points!r}")
        factor = points / self.worth
        checks = tuple(dataclasses.replace(c, points=c.points * factor) for c in self.checks)
        return Exercise(self.name, self.title, self.functions, checks, float(points))


def forbidden_patterns(exercises: Iterable[Exercise]) -> list[str]:
    """Every forbidden-call pattern of the exercises' functions, sorted: what a worker that
    runs them records (the engine keeps, for each function, only the calls it forbids)."""
    return sorted({p for e in exercises for f in e.functions for p in f.forbidden})
