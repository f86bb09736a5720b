"""What a grading run shows and writes: the terminal tables (rich), grades.json, grades.csv and
one feedback file per submission. The JSON and CSV formats are public (SPEC)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from grader import i18n
from grader.errors import UsageProblem
from grader.i18n import N_, _, ngettext
from grader.results import CheckResult, ExerciseResult, SubmissionResult
from grader.validation import Validation

# A check table and the message panels under it share one width: this, or the terminal's where
# that is narrower (review #20: on a wide terminal the table kept to its content while the
# panels filled the line).
WIDTH = 100


def _panel(body: Text, title: str) -> Panel:
    return Panel(body, title=escape(title), title_align="left", border_style="red", width=WIDTH)


def _points(x: float) -> str:
    return f"{x:g}"


def exercise_table(result: ExerciseResult) -> Table:
    title = f"{escape(result.name)}: {_points(result.score)} / {_points(result.max_score)}"
    table = Table(title=title, title_justify="left", min_width=WIDTH)
    table.add_column("", width=1)
    table.add_column(_("function"))
    table.add_column(_("check"))
    table.add_column(_("points"), justify="right")
    for check in result.checks:
        mark = Text("✓", style="green") if check.passed else Text("✗", style="bold red")
        name = check.shown_title
        if check.visibility == "hidden":
            name = _("{check} (hidden)").format(check=name)
        points = f"{_points(check.points)}/{_points(check.max_points)}"
        table.add_row(mark, escape(check.function), escape(name), points)
    return table


def failures(result: ExerciseResult, with_printed: bool = False) -> list[Panel]:
    """One panel per failed check with its message; a message repeated by several checks of a
    function (not implemented, forbidden call, import error) is shown once, and one that every
    check of the exercise shares (a syntax error, a missing module) once for the exercise.
    ``with_printed`` (``mlgrade check``) adds what the student's code printed in the check."""

    def body(check: CheckResult) -> Text:
        text = Text(check.message)
        if with_printed and check.printed:
            text.append("\n" + _("your code printed:") + "\n", style="bold")
            text.append(check.printed, style="yellow")
        return text

    failed = [c for c in result.checks if not c.passed]
    if len(failed) == len(result.checks) > 1 and len({c.message for c in failed}) == 1:
        title = ngettext("{exercise}: its {count} check", "{exercise}: all {count} checks", len(failed)).format(
            exercise=result.name, count=len(failed)
        )
        return [_panel(body(failed[0]), title)]
    panels, seen = [], set()
    for check in result.checks:
        if check.passed or (check.function, check.message) in seen:
            continue
        seen.add((check.function, check.message))
        others = [c.name for c in result.checks if c.function == check.function and c.message == check.message]
        title = (
            check.shown_title
            if len(others) == 1
            else ngettext("{function}: {count} check", "{function}: {count} checks", len(others)).format(
                function=check.function, count=len(others)
            )
        )
        panels.append(_panel(body(check), title))
    return panels


# Each isolation level (an identifier) in words; translated where shown: _(ISOLATION[level]).
ISOLATION = {
    "sandbox": N_("sandbox (bubblewrap: no network, no reference solutions, no hidden checks mounted)"),
    "process": N_("process (a separate, resource-limited process with an audit hook; see SECURITY.md)"),
    "portable": N_("portable (a separate process without resource limits; see SECURITY.md)"),
}
# The same, in a student's words: what their feedback file says.
ISOLATION_FOR_STUDENTS = {
    "sandbox": N_("Your code ran in a sandbox of its own, apart from the grader and from other students' work."),
    "process": N_("Your code ran in a separate process, apart from the grader."),
    "portable": N_("Your code ran in a separate process, apart from the checks, without limits on memory."),
}


def isolation_line(level: str) -> str:
    """The terminal's line about how the student's code was isolated."""
    return "[dim]" + escape(_("isolation: {level}").format(level=_(ISOLATION[level]))) + "[/]"


def render_submission(console: Console, result: SubmissionResult, for_student: bool = False) -> None:
    console.rule(f"[bold]{escape(result.submission)}[/]: {_points(result.score)} / {_points(result.max_score)}")
    if result.error:
        console.print(f"[bold red]{escape(result.error)}[/]")
    if for_student:
        console.print(f"[dim]{escape(_(ISOLATION_FOR_STUDENTS[result.isolation]))}[/]")
    else:
        console.print(isolation_line(result.isolation))
    _print_notes(console, result)
    for exercise in result.exercises:
        console.print(exercise_table(exercise))
        _print_notes(console, exercise)
        for panel in failures(exercise):
            console.print(panel)


def _print_notes(console: Console, result: SubmissionResult | ExerciseResult) -> None:
    """What the student should know about their submission as a whole (files left out), or
    about an exercise, that costs no points (a function graded on the CPU)."""
    for note in result.notes:
        console.print("[yellow]" + escape(_("Note: {note}").format(note=note)) + "[/]")


NOT_STARTED = "is not implemented yet"
# grader.engine's message for a function that still raises NotImplementedError (its msgid):
# what tells an untouched stub apart in every language.
NOT_IMPLEMENTED = "{function} is not implemented yet (it raises NotImplementedError)"


def _pattern(template: str) -> re.Pattern[str]:
    """A message ``template`` as a pattern: its placeholders match anything."""
    return re.compile(".+?".join(re.escape(part) for part in re.split(r"\{[^{}]*\}", template)))


def message_not_started(message: str) -> bool:
    """Whether a check's ``message`` says its function still raises NotImplementedError, in the
    language of any catalog (grades.json keeps the language it was graded in)."""
    if NOT_STARTED in message:
        return True
    for language in i18n.LANGUAGES:
        try:
            translated = i18n.translations(language).gettext(NOT_IMPLEMENTED)
        except i18n.UnknownLanguage:  # a catalog not compiled: no message can be in its language
            continue
        if translated != NOT_IMPLEMENTED and _pattern(translated).search(message):
            return True
    return False


def not_started(result: ExerciseResult) -> bool:
    """Every function of the exercise still raises NotImplementedError."""
    return bool(result.checks) and all(message_not_started(c.message) for c in result.checks)


def render_check(console: Console, result: SubmissionResult, worth: dict[str, float]) -> None:
    """What ``mlgrade check`` shows a student: the details of each exercise they started (an
    exercise not started is one line at the end), then a one-screen summary, with the points
    of the public checks next to what the whole exercise is worth (``worth``)."""
    whole = sum(worth.get(e.name, e.max_score) for e in result.exercises)
    header = _("public checks {score} of {max_score} (worth {whole} in all)").format(
        score=_points(result.score), max_score=_points(result.max_score), whole=_points(whole)
    )
    console.rule(f"[bold]{escape(result.submission)}[/]: {escape(header)}")
    console.print(isolation_line(result.isolation))
    if result.error:
        console.print(f"[bold red]{escape(result.error)}[/]")
    _print_notes(console, result)
    for exercise in result.exercises:
        if not not_started(exercise):
            console.print(exercise_table(exercise))
            _print_notes(console, exercise)
            for panel in failures(exercise, with_printed=True):
                console.print(panel)
    table = Table(title=_("Summary"), title_justify="left")
    table.add_column(_("exercise"))
    table.add_column(_("public checks"))
    table.add_column(_("points"), justify="right")
    table.add_column(_("worth"), justify="right")
    for exercise in result.exercises:
        passed = sum(c.passed for c in exercise.checks)
        if not_started(exercise):
            functions = len({c.function for c in exercise.checks})
            said = ngettext(
                "not started: {count} function to write", "not started: {count} functions to write", functions
            )
            status = Text(said.format(count=functions), style="dim")
        else:
            style = "green" if passed == len(exercise.checks) else "bold red"
            total = len(exercise.checks)
            said = ngettext("{passed} of {count} pass", "{passed} of {count} pass", total)
            status = Text(said.format(passed=passed, count=total), style=style)
        points = _("{score} of {max_score}").format(
            score=_points(exercise.score), max_score=_points(exercise.max_score)
        )
        table.add_row(escape(exercise.name), status, points, _points(worth.get(exercise.name, exercise.max_score)))
    console.print(table)
    console.print(
        escape(
            _(
                "Public checks only: when your work is graded, hidden checks give the rest of what each exercise "
                "is worth, on more inputs and against a reference solution."
            )
        )
    )


def render_validation(console: Console, found: Validation) -> None:
    """What ``mlgrade validate`` shows: a line per exercise, a panel per problem, the files
    grading would leave out, and whether the folder is ready to hand in."""
    console.print(isolation_line(found.isolation))
    table = Table(title=escape(_("Hand-in check of {folder}").format(folder=found.folder)), title_justify="left")
    table.add_column("", width=1)
    table.add_column(_("module"))
    table.add_column(_("status"))
    for module in found.modules:
        if module.problems:
            count = len(module.problems)
            # NOTE: "problem(s)" in both English forms: the English output stays as it was
            said = ngettext("not ready: {count} problem(s), below", "not ready: {count} problem(s), below", count)
            mark, status = Text("✗", style="bold red"), Text(said.format(count=count), style="red")
        else:
            mark = Text("✓", style="green")
            status = Text(" ".join([_("ready"), *(f"({note})" for note in module.notes)]))
        table.add_row(mark, escape(f"{module.exercise}.py"), status)
    console.print(table)
    for module in found.modules:
        for problem in module.problems:
            title = escape(f"{module.exercise}.py")
            console.print(Panel(Text(problem), title=title, title_align="left", border_style="red"))
    for note in found.left_out:
        console.print(f"[bold red]{escape(note)}[/]")
    if found.ready:
        said = _("[green]Ready to hand in:[/] the folder {folder}, or a .zip of it.")
        console.print(said.format(folder=escape(str(found.folder))))
    else:
        count = sum(len(m.problems) for m in found.modules) + len(found.left_out)
        said = ngettext(
            "Not ready: {count} problem(s) to fix before you hand in.",
            "Not ready: {count} problem(s) to fix before you hand in.",
            count,
        )
        console.print(f"[bold red]{escape(said.format(count=count))}[/]")


def summary_table(results: Sequence[SubmissionResult], width: int | None = None) -> Table:
    """One row per submission, one column per exercise. Where the exercises' names do not fit
    in ``width`` columns, they are numbered in the header and named in the caption."""
    names = _exercise_names(results)
    levels = sorted({r.isolation for r in results})
    maxima = {_points(r.max_score) for r in results if not r.grader_failed}
    one_maximum = len(maxima) == 1
    total = _("total / {max_score}").format(max_score=maxima.pop()) if one_maximum else _("total")
    submission = _("submission")
    label_width = max([cell_len(submission), *(cell_len(r.submission) for r in results)])
    needed = label_width + sum(cell_len(n) + 3 for n in names) + cell_len(total) + 7
    numbered = width is not None and needed > width
    caption = _("isolation: {levels} (see SECURITY.md)").format(levels=", ".join(levels))
    if numbered:
        caption = "  ".join(f"{i}: {n}" for i, n in enumerate(names, 1)) + "\n" + caption
    table = Table(title=_("Grades"), title_justify="left", caption=escape(caption), caption_justify="left")
    table.add_column(submission, overflow="fold")
    for i, name in enumerate(names, 1):
        table.add_column(str(i) if numbered else escape(name), justify="right")
    table.add_column(escape(total), justify="right", style="bold", no_wrap=True)
    for r in results:
        score = _points(r.score) if one_maximum else f"{_points(r.score)} / {_points(r.max_score)}"
        table.add_row(escape(r.submission), *_scores(r, names), _("grader failed") if r.grader_failed else score)
    return table


def feedback_text(result: SubmissionResult) -> str:
    """The plain-text feedback file for one submission (what a student is sent)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=100, no_color=True, force_terminal=False, color_system=None)
    render_submission(console, result, for_student=True)
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
    writer.writerow(["submission", *names, "total", "max_score", "path"])
    for r in results:
        total = "" if r.grader_failed else _points(r.score)
        writer.writerow([r.submission, *_scores(r, names), total, _points(r.max_score), r.path])
    return buffer.getvalue()


def file_name(name: str) -> str:
    """A submission's name as a file name: itself where it is a safe one, else a readable
    start and a digest of the whole (a folder name may be 255 bytes, and ``name.json`` not)."""
    if 0 < len(name.encode()) <= 120 and name not in (".", "..") and "/" not in name and "\0" not in name:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:12]
    start = name.replace("/", "_").replace("\0", "_")[:40].lstrip(".")
    return f"{start}-{digest}"


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader sees the old file or the new one, never half.
    The file gets the permissions of an ordinary new file (the umask's), not mkstemp's 0600,
    so that a teaching assistant who can read the folder can read the grades."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# What ``mlgrade grade --out DIR`` writes into DIR, and nothing else: a run leaves exactly these.
OUTPUTS = ("grades.json", "grades.csv", "feedback", "submissions")


def prepare_out(out: Path, fresh: bool) -> list[SubmissionResult]:
    """Make sure grading can write to ``out`` before grading starts, and return the results of
    an earlier run there, which this run's merge into (none with ``fresh``, which removes
    them). Raises UsageProblem, saying why, where ``out`` cannot be used."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        if fresh:
            for name in OUTPUTS:
                target = out / name
                if target.is_dir():
                    shutil.rmtree(target)
                elif target.exists():
                    target.unlink()
        for folder in (out, out / "feedback", out / "submissions"):
            folder.mkdir(exist_ok=True)
            fd, probe = tempfile.mkstemp(dir=folder, prefix=".mlgrade-probe-")
            os.close(fd)
            os.unlink(probe)
    except OSError as exc:
        raise UsageProblem(
            _("--out {out}: cannot write there ({reason}); choose another folder").format(
                out=out, reason=exc.strerror or exc
            )
        ) from None
    earlier = out / "grades.json"
    if not earlier.exists():
        return []
    try:
        return [SubmissionResult.from_json(r) for r in json.loads(earlier.read_text(encoding="utf-8"))]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UsageProblem(
            _(
                "--out {out}: its grades.json is not one mlgrade wrote ({error}); use --fresh to start over there, "
                "or choose another folder"
            ).format(out=out, error=exc)
        ) from None


def merged(earlier: Sequence[SubmissionResult], graded: Sequence[SubmissionResult]) -> list[SubmissionResult]:
    """The class's results after a regrade: each submission graded now replaces its earlier
    result, exercise by exercise (a run of one exercise keeps the others' earlier grades);
    submissions not graded now keep theirs. Earlier ones first, in their order."""
    now = {r.submission: r for r in graded}
    results = []
    for before in earlier:
        after = now.pop(before.submission, None)
        if after is None:
            results.append(before)
        elif after.grader_failed or before.grader_failed:
            results.append(after)
        else:
            exercises = {e.name: e for e in before.exercises} | {e.name: e for e in after.exercises}
            order = [e.name for e in before.exercises] + [e.name for e in after.exercises]
            after.exercises = [exercises[n] for n in dict.fromkeys(order)]
            results.append(after)
    return results + list(now.values())


def write_outputs(out: Path, results: Sequence[SubmissionResult]) -> None:
    """grades.json, grades.csv and one feedback file per result; feedback and saved results
    of submissions not in ``results`` are removed, so the folder describes exactly them."""
    write_atomic(out / "grades.json", to_json(results))
    write_atomic(out / "grades.csv", to_csv(results))
    names = {file_name(r.submission) for r in results}
    for r in results:
        write_atomic(out / "feedback" / f"{file_name(r.submission)}.txt", feedback_text(r))
    for folder, suffix in (("feedback", ".txt"), ("submissions", ".json")):
        if (out / folder).is_dir():
            for path in (out / folder).iterdir():
                if path.suffix == suffix and path.stem not in names:
                    path.unlink()
