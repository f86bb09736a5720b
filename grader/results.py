"""Grading results, and their JSON form (the SPEC's ``grades.json`` schema)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grader import i18n
from grader.checks import Visibility


@dataclass
class CheckResult:
    name: str
    function: str
    visibility: Visibility
    passed: bool
    points: float
    max_points: float
    message: str = ""
    seconds: float = 0.0  # wall time of the check (bench/check_costs.py); not in the JSON, which must reproduce
    # what the student's code printed in a failed check's last call: shown by mlgrade check, not
    # in the JSON (it may differ between runs, and under a hidden check it would show its inputs)
    printed: str = ""
    # the check's name in the language of its message (SPEC "Languages"); empty until a report
    # shows it or writes it, which then takes i18n.title(name) in the language in use
    title: str = ""

    @property
    def shown_title(self) -> str:
        """What people read for this check: its title (its name, in English)."""
        return self.title or i18n.title(self.name)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.shown_title,
            "function": self.function,
            "visibility": self.visibility,
            "passed": self.passed,
            "points": _round(self.points),
            "max_points": _round(self.max_points),
            "message": self.message,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CheckResult:
        return cls(
            data["name"],
            data["function"],
            data["visibility"],
            bool(data["passed"]),
            float(data["points"]),
            float(data["max_points"]),
            data.get("message", ""),
            title=data.get("title", ""),
        )


@dataclass
class ExerciseResult:
    name: str
    checks: list[CheckResult] = field(default_factory=list)
    # what the student should know that costs no points: a function that did not follow its
    # inputs to the grading device (--device cuda), graded all the same
    notes: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(c.points for c in self.checks)

    @property
    def max_score(self) -> float:
        return sum(c.max_points for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "score": _round(self.score),
            "max_score": _round(self.max_score),
            "checks": [c.to_json() for c in self.checks],
        }
        if self.notes:
            data["notes"] = self.notes
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExerciseResult:
        return cls(data["name"], [CheckResult.from_json(c) for c in data["checks"]], list(data.get("notes", [])))


@dataclass
class SubmissionResult:
    submission: str
    exercises: list[ExerciseResult] = field(default_factory=list)
    isolation: str = "process"  # how the student's code was isolated (see SECURITY.md)
    error: str = ""  # the submission could not be graded at all (unreadable zip, ...), or the grader failed
    grader_failed: bool = False  # the error is the grader's own, not the student's
    path: str = ""  # the submission as it was given to mlgrade grade
    graded_at: str = ""  # when it was graded: UTC, ISO 8601
    grader: dict[str, Any] = field(default_factory=dict)  # the grader's version and the grading options
    notes: list[str] = field(default_factory=list)  # what the student should know: files left out of the copy

    @property
    def score(self) -> float:
        return sum(e.score for e in self.exercises)

    @property
    def max_score(self) -> float:
        return sum(e.max_score for e in self.exercises)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "submission": self.submission,
            "score": _round(self.score),
            "max_score": _round(self.max_score),
            "exercises": [e.to_json() for e in self.exercises],
            "isolation": self.isolation,
        }
        if self.error:
            data["error"] = self.error
        if self.grader_failed:  # said apart from the error, whose words depend on the language
            data["grader_failed"] = True
        for key in ("path", "graded_at", "grader", "notes"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SubmissionResult:
        """The result as ``to_json`` wrote it (a result saved for ``--resume``)."""
        exercises = [ExerciseResult.from_json(e) for e in data["exercises"]]
        return cls(
            data["submission"],
            exercises,
            data.get("isolation", "process"),
            data.get("error", ""),
            grader_failed=bool(data.get("grader_failed", False)),
            path=data.get("path", ""),
            graded_at=data.get("graded_at", ""),
            grader=data.get("grader", {}),
            notes=list(data.get("notes", [])),
        )


def _round(x: float) -> float:
    """Points as the JSON shows them: sums of fractional points without float noise."""
    return round(float(x), 6)
