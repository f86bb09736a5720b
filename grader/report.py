"""What a grading run shows and writes: the terminal tables (rich), grades.json, grades.csv and
one feedback file per submission. The JSON and CSV formats are public (SPEC)."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from grader.results import ExerciseResult, SubmissionResult


def _points(x: float) -> str:
    return f"{x:g}"


def exercise_table(result: ExerciseResult) -> Table:
    table = Table(title=f"{result.name}: {_points(result.score)} / {_points(result.max_score)}", title_justify="left")
    table.add_column("", width=1)
    table.add_column("function")
    table.add_column("check")
    table.add_column("points", justify="right")
    for check in result.checks:
        mark = Text("✓", style="green") if check.passed else Text("✗", style="bold red")
        name = check.name + (" (hidden)" if check.visibility == "hidden" else "")
        table.add_row(mark, check.function, name, f"{_points(check.points)}/{_points(check.max_points)}")
    return table


def failures(result: ExerciseResult) -> list[Panel]:
    """One panel per failed check with its message; a message repeated by several checks of a
    function (not implemented, forbidden call, import error) is shown once."""
    panels, seen = [], set()
    for check in result.checks:
        if check.passed or (check.function, check.message) in seen:
            continue
        seen.add((check.function, check.message))
        others = [c.name for c in result.checks if c.function == check.function and c.message == check.message]
        title = check.name if len(others) == 1 else f"{check.function}: {len(others)} checks"
        panels.append(Panel(escape(check.message), title=escape(title), title_align="left", border_style="red"))
    return panels


ISOLATION = {
    "sandbox": "sandbox (bubblewrap: no network, no reference solutions, no hidden checks mounted)",
    "process": "process (a separate, resource-limited process with an audit hook; see SECURITY.md)",
}


def render_submission(console: Console, result: SubmissionResult) -> None:
    console.rule(f"[bold]{escape(result.submission)}[/]: {_points(result.score)} / {_points(result.max_score)}")
    if result.error:
        console.print(f"[bold red]{escape(result.error)}[/]")
    console.print(f"[dim]isolation: {ISOLATION[result.isolation]}[/]")
    for exercise in result.exercises:
        console.print(exercise_table(exercise))
        for panel in failures(exercise):
            console.print(panel)


def summary_table(results: Sequence[SubmissionResult]) -> Table:
    names = _exercise_names(results)
    levels = sorted({r.isolation for r in results})
    table = Table(title="Grades", title_justify="left", caption=f"isolation: {', '.join(levels)} (see SECURITY.md)")
    table.add_column("submission")
    for name in names:
        table.add_column(name, justify="right")
    table.add_column("total", justify="right", style="bold")
    for r in results:
        total = "grader failed" if r.grader_failed else f"{_points(r.score)} / {_points(r.max_score)}"
        table.add_row(r.submission, *_scores(r, names), total)
    return table


def feedback_text(result: SubmissionResult) -> str:
    """The plain-text feedback file for one submission (what a student is sent)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=100, no_color=True, force_terminal=False, color_system=None)
    render_submission(console, result)
    return buffer.getvalue()


def to_json(results: Sequence[SubmissionResult]) -> str:
    return json.dumps([r.to_json() for r in results], indent=2, ensure_ascii=False) + "\n"


def _exercise_names(results: Sequence[SubmissionResult]) -> list[str]:
    return next(([e.name for e in r.exercises] for r in results if r.exercises), [])


def _scores(r: SubmissionResult, names: list[str]) -> list[str]:
    """The exercise columns of a row; empty where the grader failed and no score exists."""
    scores = {e.name: _points(e.score) for e in r.exercises}
    return [scores.get(n, "") for n in names]


def to_csv(results: Sequence[SubmissionResult]) -> str:
    names = _exercise_names(results)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["submission", *names, "total", "max_score"])
    for r in results:
        total = "" if r.grader_failed else _points(r.score)
        writer.writerow([r.submission, *_scores(r, names), total, _points(r.max_score)])
    return buffer.getvalue()


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_outputs(out: Path, results: Sequence[SubmissionResult]) -> None:
    write_atomic(out / "grades.json", to_json(results))
    write_atomic(out / "grades.csv", to_csv(results))
    for r in results:
        write_atomic(out / "feedback" / f"{r.submission}.txt", feedback_text(r))
