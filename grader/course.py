"""The course file, ``mlgrade.toml``: the assignments, their exercises, points and due dates
(SPEC: "The course file").

An instructor hands out week 3 (four exercises, their own points, a due date), not "every
exercise at 12 points". Every command that works on exercises resolves what it works on in
one place, :func:`select`: the course file (``--course FILE``, else the first ``mlgrade.toml``
from the current folder upwards, else the default course), the assignment (``--assignment``,
default ``all``) and the exercises named with ``-e``. What it returns, a :class:`Selection`,
loads the exercises scaled to their points and says what grades.json records about them.

``[course] language`` is the course's language (``grader.i18n.choose``: after ``--lang``,
before ``MLGRADE_LANG``); None where the file does not set it.
"""

from __future__ import annotations

import datetime
import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import bank, i18n
from grader.errors import UsageProblem
from grader.exercise import Exercise
from grader.i18n import N_, _

FILE = "mlgrade.toml"
ALL = "all"  # the assignment of every exercise at the bank's points, in every course
EVERYTHING = N_("Every exercise")  # its title, translated where it is shown (shown_title)
LANGUAGES = i18n.LANGUAGES
COURSE_KEYS = ("name", "language")
ASSIGNMENT_KEYS = ("title", "exercises", "points", "due")


class CourseFileProblem(UsageProblem):
    """The course file cannot be used as it is; the message names the file and what to fix."""


@dataclass(frozen=True)
class Assignment:
    name: str
    exercises: tuple[str, ...]
    points: Mapping[str, float] = field(default_factory=dict)  # only where the file sets them
    title: str = ""
    due: datetime.datetime | datetime.date | None = None

    @property
    def shown_title(self) -> str:
        """The title people read: the course file's words, or ``all``'s in the language in use."""
        return _(self.title) if self.name == ALL else self.title

    def worth(self, exercise: Exercise) -> float:
        """What ``exercise`` is worth in this assignment: the file's points, else the bank's."""
        return float(self.points.get(exercise.name, exercise.worth))


@dataclass(frozen=True)
class Course:
    name: str
    language: str | None  # None: the file does not say (MLGRADE_LANG, else English)
    assignments: Mapping[str, Assignment]
    path: Path | None = None  # None: the default course, no file
    digest: str | None = None  # sha256 of the file's bytes, recorded with every grade

    def assignment(self, name: str | None) -> Assignment:
        """The assignment called ``name`` (``all`` when None); a usage problem naming the known
        ones otherwise."""
        name = name or ALL
        if name in self.assignments:
            return self.assignments[name]
        known = ", ".join(self.assignments)
        if self.path is not None:
            message = _("unknown assignment {name}; the assignments of the course file {path} are: {known}")
        else:
            message = _(
                "unknown assignment {name}; the assignments of this course (no mlgrade.toml found) are: {known}"
            )
        raise CourseFileProblem(message.format(name=repr(name), path=self.path, known=known))


def show_due(due: datetime.datetime | datetime.date) -> str:
    """A due date as people read it: 2027-03-14 23:59 +08:00."""
    if isinstance(due, datetime.datetime):
        zone = due.strftime(" %z") if due.tzinfo is not None else ""
        return due.strftime("%Y-%m-%d %H:%M") + (f"{zone[:-2]}:{zone[-2:]}" if zone else "")
    return due.isoformat()


def everything() -> Assignment:
    return Assignment(ALL, tuple(bank.NAMES), title=EVERYTHING)


def default() -> Course:
    """The course without a file: one assignment, ``all``, every exercise at its bank points, no
    language of its own."""
    return Course("", None, {ALL: everything()})


def find(start: Path | None = None) -> Path | None:
    """The first ``mlgrade.toml`` in ``start`` (the current folder) or a folder above it."""
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / FILE).is_file():
            return candidate / FILE
    return None


def load(path: Path) -> Course:
    """Read and check a course file; every problem is a :class:`CourseFileProblem` that names
    the file, the place and the known values."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CourseFileProblem(
            _("--course {path}: cannot read it ({reason})").format(path=path, reason=exc.strerror or exc)
        ) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CourseFileProblem(_("{path} is not valid TOML: {error}").format(path=path, error=exc)) from None
    unknown = sorted(set(data) - {"course", "assignments"})
    if unknown:
        raise CourseFileProblem(
            _("{path}: unknown table [{table}]; a course file has [course] and [assignments.NAME]").format(
                path=path, table=unknown[0]
            )
        )
    course = _table(data.get("course", {}), path, "[course]", COURSE_KEYS)
    name = _string(course.get("name", ""), path, "[course] name")
    language = course.get("language")
    if language is not None and language not in LANGUAGES:
        raise CourseFileProblem(
            _("{path}: [course] language is {language}; the languages are: {known}").format(
                path=path, language=repr(language), known=", ".join(LANGUAGES)
            )
        )
    tables = _table(data.get("assignments", {}), path, "[assignments]", None)
    if not tables:
        raise CourseFileProblem(
            _("{path} has no assignment: add one, such as [assignments.week3] with exercises = [...]").format(path=path)
        )
    assignments = {ALL: everything()}
    for key, table in tables.items():
        assignments[key] = _assignment(key, table, path)
    digest = hashlib.sha256(raw).hexdigest()
    return Course(name, language, assignments, path=path, digest=digest)


def _table(value: Any, path: Path, where: str, keys: tuple[str, ...] | None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CourseFileProblem(_("{path}: {where} must be a table").format(path=path, where=where))
    if keys is not None:
        unknown = sorted(set(value) - set(keys))
        if unknown:
            raise CourseFileProblem(
                _("{path}: {where} has an unknown key {key}; its keys are: {known}").format(
                    path=path, where=where, key=repr(unknown[0]), known=", ".join(keys)
                )
            )
    return value


def _string(value: Any, path: Path, where: str) -> str:
    if not isinstance(value, str):
        raise CourseFileProblem(
            _("{path}: {where} must be a string, not {value}").format(path=path, where=where, value=repr(value))
        )
    return value


def _assignment(name: str, value: Any, path: Path) -> Assignment:
    where = f"[assignments.{name}]"
    table = _table(value, path, where, ASSIGNMENT_KEYS)
    exercises = table.get("exercises")
    if not isinstance(exercises, list) or not exercises or not all(isinstance(e, str) for e in exercises):
        raise CourseFileProblem(
            _("{path}: {where} needs exercises = [...], a list of exercise names").format(path=path, where=where)
        )
    for exercise in exercises:
        if exercise not in bank.NAMES:
            raise CourseFileProblem(
                _("{path}: {where} names unknown exercise {exercise}; the exercises are: {known}").format(
                    path=path, where=where, exercise=repr(exercise), known=", ".join(bank.NAMES)
                )
            )
    if len(set(exercises)) != len(exercises):
        twice = next(e for e in exercises if exercises.count(e) > 1)
        raise CourseFileProblem(
            _("{path}: {where} lists {exercise} twice").format(path=path, where=where, exercise=repr(twice))
        )
    points = _table(table.get("points", {}), path, f"{where} points", None)
    for exercise, value in points.items():
        if exercise not in exercises:
            raise CourseFileProblem(
                _("{path}: {where} points names {exercise}, which is not one of its exercises: {known}").format(
                    path=path, where=where, exercise=repr(exercise), known=", ".join(exercises)
                )
            )
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < float("inf"):
            raise CourseFileProblem(
                _("{path}: {where} points for {exercise} is {value}: give a positive number").format(
                    path=path, where=where, exercise=exercise, value=repr(value)
                )
            )
    due = table.get("due")
    if due is not None and not isinstance(due, datetime.date):
        raise CourseFileProblem(
            _(
                "{path}: {where} due is {value}: "
                "give a TOML date-time without quotes, such as 2027-03-14T23:59:00+08:00"
            ).format(path=path, where=where, value=repr(due))
        )
    title = _string(table.get("title", ""), path, f"{where} title")
    return Assignment(name, tuple(exercises), {k: float(v) for k, v in points.items()}, title, due)


@dataclass(frozen=True)
class Selection:
    """What a command works on: the course, the assignment, and the chosen exercises of it.
    Plain data, so that it crosses to grading processes."""

    course: Course
    assignment: Assignment
    names: tuple[str, ...]

    @property
    def points(self) -> dict[str, float]:
        """The points the course file gives the chosen exercises (the others keep the bank's)."""
        return {n: p for n, p in self.assignment.points.items() if n in self.names}

    def load(self, hidden: bool = True) -> list[Exercise]:
        """The chosen exercises, scaled to their points."""
        return bank.load(self.names, hidden=hidden, points=self.points)

    def record(self, exercises: list[Exercise]) -> dict[str, Any]:
        """What grades.json records of it with every submission (under ``grader``)."""
        due = self.assignment.due
        return {
            "assignment": self.assignment.name,
            "course": {
                "name": self.course.name,
                "file": str(self.course.path) if self.course.path is not None else None,
                "sha256": self.course.digest,
            },
            "due": due.isoformat() if due is not None else None,
            "points": {e.name: e.worth for e in exercises},
        }


def select(course_file: Path | None, assignment: str | None, exercises: tuple[str, ...] = ()) -> Selection:
    """The one resolution of ``--course``, ``--assignment`` and ``-e``: the course file named,
    else the one found from the current folder upwards, else the default course; the assignment
    (``all`` by default); and, of its exercises, those named (all of them when none is)."""
    if course_file is not None:
        if not course_file.is_file():
            raise CourseFileProblem(_("--course {path}: no such file").format(path=course_file))
        course = load(course_file)
    else:
        found = find()
        course = load(found) if found is not None else default()
    chosen = course.assignment(assignment)
    for name in exercises:
        if name not in bank.NAMES:
            raise UsageProblem(
                _("unknown exercise {name}; the exercises are: {known}").format(
                    name=repr(name), known=", ".join(bank.NAMES)
                )
            )
        if name not in chosen.exercises:
            known = ", ".join(chosen.exercises)
            raise UsageProblem(
                _("exercise {name} is not in assignment {assignment}; its exercises are: {known}").format(
                    name=repr(name), assignment=repr(chosen.name), known=known
                )
            )
    names = tuple(dict.fromkeys(exercises)) if exercises else chosen.exercises
    return Selection(course, chosen, names)
