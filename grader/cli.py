"""The ``mlgrade`` command line (SPEC: "Command line").

Exit status: 0 when grading ran, whatever the score; 1 when the grader itself failed; 2 for
bad usage, with a message that says what to do.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from grader import bank, batch, class_report, course, engine, i18n, isolation, report, resume, validation
from grader.channels import gradescope, nbgrader, release
from grader.errors import UsageProblem
from grader.i18n import _, ngettext
from grader.isolation import Limits
from grader.results import SubmissionResult


def _usage_problems_exit_2(invoke: Callable[[click.Context], Any], ctx: click.Context) -> Any:
    """Run a command, turning every problem that is the user's to fix into a usage error (exit
    status 2, with the command's usage line): a :class:`UsageProblem` from any module, a
    sandbox that a grading command requires but cannot run here, grading where student code
    cannot be isolated (Windows, macOS), and a language mlgrade does not have (MLGRADE_LANG).
    The one place that does so."""
    try:
        return invoke(ctx)
    except (UsageProblem, isolation.CannotIsolate, i18n.UnknownLanguage) as exc:
        raise click.UsageError(engine.localized_error(exc), ctx) from None
    except isolation.SandboxUnavailable as exc:
        raise click.UsageError(
            _(
                "the bubblewrap sandbox cannot run here: {problem}. Grading requires it (see SECURITY.md); "
                "install it, or grade at process level only with --no-sandbox"
            ).format(problem=engine.localized_error(exc)),
            ctx,
        ) from None


class _Command(click.Command):
    def invoke(self, ctx: click.Context) -> Any:
        """Run the command in the language it chooses (``--lang``, :func:`language_option`); the
        process's language is given back afterwards (a test runs many commands in one process)."""
        previous = i18n.language()
        try:
            return _usage_problems_exit_2(super().invoke, ctx)
        finally:
            i18n.use(previous)


class _Commands(click.Group):
    """mlgrade's command groups: every command in them is a :class:`_Command`."""

    command_class = _Command


_Commands.group_class = _Commands


# A student's bundle has no hidden checks: its --help leaves out the commands that need them.
STUDENT_INSTALL = not bank.hidden_checks_installed()


def _require_full_install() -> None:
    if not bank.hidden_checks_installed():
        raise UsageProblem(
            _(
                "this install has no hidden checks or reference solutions; "
                "use mlgrade check to check your work, or run this from a full install"
            )
        )


def _fail_if_grader_failed(results: list[SubmissionResult], recorded: bool) -> None:
    """Exit 1 naming the submissions the grader failed on (never the students' fault); saying
    whether the others' grades were ``recorded``."""
    failed = [r for r in results if r.grader_failed]
    if not failed:
        return
    if recorded:
        said = ngettext(
            "the grader failed on {count} submission(s): {names}; their other grades are written; please report this",
            "the grader failed on {count} submission(s): {names}; their other grades are written; please report this",
            len(failed),
        )
    else:
        said = ngettext(
            "the grader failed on {count} submission(s): {names}; nothing was recorded for them; please report this",
            "the grader failed on {count} submission(s): {names}; nothing was recorded for them; please report this",
            len(failed),
        )
    raise click.ClickException(said.format(count=len(failed), names=", ".join(r.submission for r in failed)))


LANG_HELP = "The language of what mlgrade writes (default: the course file's language, else MLGRADE_LANG, else en)."


def language_option(command: Callable[..., None]) -> Callable[..., None]:
    """``--lang en|zh`` on a command that works on no course file: the language is ``--lang``,
    else ``MLGRADE_LANG``, else English (grader.i18n.choose), from the command's start."""

    @functools.wraps(command)
    def in_language(**kwargs: Any) -> None:
        i18n.use(i18n.choose(kwargs.pop("lang")))
        command(**kwargs)

    return click.option("--lang", type=click.Choice(i18n.LANGUAGES), help=LANG_HELP)(in_language)


def course_options(command: Callable[..., None]) -> Callable[..., None]:
    """``--course FILE`` and ``--assignment NAME`` on every command that works on exercises,
    resolved with the exercises the command was given (its ``selected``: ``-e`` or arguments)
    by :func:`grader.course.select`, the one place that does so, and passed to the command as
    one ``selection: course.Selection``; and ``--lang``: the command runs in ``--lang``, else the
    course file's language, else ``MLGRADE_LANG``, else English (grader.i18n.choose)."""

    @functools.wraps(command)
    def with_selection(**kwargs: Any) -> None:
        given = kwargs.pop("lang")
        i18n.use(i18n.choose(given))  # until the course file is read: its problems are said in this one
        chosen = course.select(kwargs.pop("course_file"), kwargs.pop("assignment"), kwargs.pop("selected", ()))
        i18n.use(i18n.choose(given, chosen.course.language))
        command(selection=chosen, **kwargs)

    wrapped: Any = click.option("--lang", type=click.Choice(i18n.LANGUAGES), help=LANG_HELP)(with_selection)
    wrapped = click.option(
        "--assignment",
        metavar="NAME",
        help=f"An assignment of the course file: its exercises at its points (default: {course.ALL}, every exercise).",
    )(with_selection)
    return click.option(
        "--course",
        "course_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help=f"The course file (default: the first {course.FILE} from here upwards).",
    )(wrapped)


def _check_device(device: str) -> None:
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise UsageProblem(_("--device cuda: CUDA is not available on this machine; use --device cpu"))


GRADING_OPTIONS = (
    click.option(
        "--jobs",
        type=click.IntRange(min=1),
        default=lambda: len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1,
        show_default="the number of cores",
        help="Submissions graded at once.",
    ),
    click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True),
    click.option(
        "--require-sandbox",
        is_flag=True,
        help="Refuse to grade unless the bubblewrap sandbox works here (the default; see SECURITY.md).",
    ),
    click.option(
        "--no-sandbox",
        is_flag=True,
        envvar="MLGRADE_NO_SANDBOX",
        help="Process-level isolation only, where bubblewrap cannot run or is not wanted (see SECURITY.md); "
        "also set by MLGRADE_NO_SANDBOX=1.",
    ),
    click.option(
        "--time-limit",
        type=click.FloatRange(min=0.1),
        default=Limits.call_seconds,
        show_default=True,
        help="Seconds one call of a student function may run.",
    ),
    click.option(
        "--exercise-budget",
        type=click.FloatRange(min=0.1),
        default=engine.EXERCISE_SECONDS,
        show_default=True,
        help="Seconds all the checks of one exercise may take; the checks left then fail, saying so.",
    ),
    click.option(
        "--submission-budget",
        type=click.FloatRange(min=0.1),
        default=engine.SUBMISSION_SECONDS,
        show_default=True,
        help="Seconds a whole submission may take; the checks left then fail, saying so.",
    ),
    click.option("--no-progress", is_flag=True, help="No progress bar (for logs and scripts)."),
    click.option("--quiet", "-q", is_flag=True, help="Print only problems: no progress, notices or tables."),
)


@dataclass(frozen=True)
class Grading:
    """What the options shared by every command that grades ask for."""

    jobs: int
    device: str
    require_sandbox: bool
    no_sandbox: bool
    time_limit: float
    exercise_budget: float
    submission_budget: float
    no_progress: bool
    quiet: bool

    def options(self, notices: bool = True) -> engine.Options:
        """The grading options, refusing what cannot work here. Grading is sandboxed unless
        ``--no-sandbox`` asks otherwise: where the sandbox cannot run, SandboxUnavailable
        (exit 2 with the install hint), never a silent fall back to the weaker level; says so
        (unless quiet) when isolation is only at process level."""
        if self.require_sandbox and self.no_sandbox:
            raise UsageProblem(_("--require-sandbox and --no-sandbox contradict each other: give one of them"))
        _check_device(self.device)
        _require_full_install()
        mode = "off" if self.no_sandbox else "require"
        level = isolation.choose(mode)
        if level == isolation.PROCESS and notices and not self.quiet:
            Console(stderr=True).print(_("Isolation: process level only (--no-sandbox); see SECURITY.md."))
        return engine.Options(
            device=self.device,
            limits=Limits(call_seconds=self.time_limit),
            sandbox=mode,
            exercise_seconds=self.exercise_budget,
            submission_seconds=self.submission_budget,
            language=i18n.language(),
        )

    @property
    def progress(self) -> bool:
        return not (self.no_progress or self.quiet)


def grading_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options of every command that grades (jobs, device, isolation, time limit, output),
    passed to the command as one ``grading: Grading``."""
    names = [f.name for f in dataclasses.fields(Grading)]

    @functools.wraps(command)
    def with_grading(**kwargs: Any) -> None:
        grading = Grading(**{n: kwargs.pop(n) for n in names})
        command(grading=grading, **kwargs)

    wrapped: Any = with_grading
    for option in reversed(GRADING_OPTIONS):
        wrapped = option(wrapped)
    return wrapped


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mlgrade")
def cli() -> None:
    """mlgrade: machine-learning exercises, graded in an isolated worker against PyTorch references."""


@cli.command("list", short_help="The exercises, their functions and points.")
@course_options
def list_exercises(selection: course.Selection) -> None:
    """List the exercises (of an assignment), their functions and points."""
    console = Console()
    hidden = bank.hidden_checks_installed()
    exercises = selection.load(hidden=hidden)
    console.print(_heading(selection, sum(e.worth for e in exercises)))
    for exercise in exercises:
        # NOTE: an exercise's line in mlgrade list: its name, its title, and its points in the course
        said = _("{exercise}: {title}, worth {worth}").format(
            exercise=exercise.name, title=_(exercise.title), worth=f"{exercise.worth:g}"
        )
        table = Table(title=escape(said), title_justify="left")
        table.add_column(_("function"))
        table.add_column(_("public checks"), justify="right")
        if hidden:
            table.add_column(_("hidden checks"), justify="right")
        table.add_column(_("points") if hidden else _("public points"), justify="right")
        for f in exercise.functions:
            checks = [c for c in exercise.checks if c.function == f.name]
            public = sum(1 for c in checks if c.visibility == "public")
            counts = [str(public), str(len(checks) - public)] if hidden else [str(public)]
            table.add_row(f.name, *counts, f"{exercise.points(f.name):g}")
        total = f"{exercise.max_score:g}"
        if not hidden:  # the public checks' share of what the exercise is worth (review #13)
            total = _("{public} of {worth}").format(public=total, worth=f"{exercise.worth:g}")
        table.add_row("[bold]" + escape(_("total")) + "[/]", *[""] * (2 if hidden else 1), f"[bold]{escape(total)}[/]")
        console.print(table)
    if not hidden:
        console.print(
            _(
                "Hidden checks are not installed here: the points above are the public checks'; "
                "the hidden checks, run when your work is graded, give the rest."
            )
        )


def _heading(selection: course.Selection, worth: float) -> Text:
    """The assignment in one line: its name, title, due date and points."""
    assignment = selection.assignment
    title = assignment.shown_title
    if title and assignment.due is not None:
        # NOTE: [bold]...[/] is markup (rich): keep it around the assignment's name
        said = _("[bold]Assignment {name}[/]: {title}, due {due}, {points} points")
    elif title:
        said = _("[bold]Assignment {name}[/]: {title}, {points} points")
    elif assignment.due is not None:
        said = _("[bold]Assignment {name}[/], due {due}, {points} points")
    else:
        said = _("[bold]Assignment {name}[/], {points} points")
    due = course.show_due(assignment.due) if assignment.due is not None else ""
    shown = said.format(name=escape(assignment.name), title=escape(title), due=due, points=f"{worth:g}")
    line = Text.from_markup(shown)
    if selection.course.path is not None:
        line.append(f" ({selection.course.path})", style="dim")
    return line


@cli.command(short_help="Check your solutions with the public checks.")
@click.argument("selected", nargs=-1, metavar="[EXERCISE]...")
@click.option(
    "--path",
    type=click.Path(path_type=Path),
    default=Path("exercises"),
    show_default=True,
    help="The folder holding your exercise modules.",
)
@click.option("--no-sandbox", is_flag=True, help="Run your code in a plain worker process, even with bubblewrap.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON (grades.json's format).")
@course_options
def check(selection: course.Selection, path: Path, no_sandbox: bool, as_json: bool) -> None:
    """Check your solutions with the public checks (run it in your checkout).

    Exits 0 when every check passes, 1 when one fails (as pytest does), 2 for bad usage."""
    path = _exercises_folder(path, list(selection.names))
    options = engine.Options(
        sandbox="off" if no_sandbox else "auto",
        portable=True,
        language=i18n.language(),
        keep_template=isolation.kept_seconds(),
    )
    exercises = selection.load(hidden=False)
    result = engine.grade(path, exercises, options, name=str(path))
    if as_json:
        sys.stdout.write(report.to_json([result]))
    else:
        report.render_check(Console(), result, {e.name: e.worth for e in exercises})
    if not all(c.passed for e in result.exercises for c in e.checks):
        sys.exit(1)


@cli.command(short_help="Before you hand in: modules found, named right, importable.")
@click.argument("selected", nargs=-1, metavar="[EXERCISE]...")
@click.option(
    "--path",
    type=click.Path(path_type=Path),
    default=Path("exercises"),
    show_default=True,
    help="The folder holding your exercise modules.",
)
@course_options
def validate(selection: course.Selection, path: Path) -> None:
    """Check, before you hand in, that each exercise module is found where grading looks,
    named right, free of syntax errors and importable, with every function it must define,
    and that your files fit in what grading copies. Runs no check (mlgrade check does).

    Exits 0 when the folder is ready to hand in, 1 when something must be fixed, 2 for bad usage."""
    path = _exercises_folder(path, list(selection.names))
    options = engine.Options(portable=True, language=i18n.language(), keep_template=isolation.kept_seconds())
    found = validation.validate(path, selection.load(hidden=False), options)
    report.render_validation(Console(), found)
    if not found.ready:
        sys.exit(1)


def _exercises_folder(path: Path, names: list[str]) -> Path:
    """The folder ``mlgrade check`` and ``mlgrade validate`` look in: ``--path``, or the current folder when run from
    inside exercises/ itself."""
    if path == Path("exercises") and not path.is_dir() and any(Path(f"{n}.py").is_file() for n in names):
        return Path(".")
    if path.is_file():
        raise UsageProblem(
            _("--path {path} is a file: give the folder that holds your exercise modules").format(path=path)
        )
    if not path.is_dir():
        raise UsageProblem(
            _("no folder {path}: run mlgrade check in the folder that holds exercises/, or pass --path DIR").format(
                path=path
            )
        )
    return path


@cli.command(short_help="Grade submissions: public and hidden checks.", hidden=STUDENT_INSTALL)
@click.argument("submissions", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print grades.json to standard output.")
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Write grades.json, grades.csv, feedback/."
)
@click.option("--exercise", "-e", "selected", multiple=True, help="Grade only this exercise (repeatable).")
@click.option("--details", is_flag=True, help="Print every submission's checks, not only the summary table.")
@click.option(
    "--resume",
    "resume_run",
    is_flag=True,
    help="Keep the results already saved in --out DIR for unchanged submissions; grade the rest.",
)
@click.option("--fresh", is_flag=True, help="Start --out DIR over: remove the grades of earlier runs there first.")
@grading_options
@course_options
def grade(
    submissions: tuple[Path, ...],
    as_json: bool,
    out: Path | None,
    details: bool,
    resume_run: bool,
    fresh: bool,
    grading: Grading,
    selection: course.Selection,
) -> None:
    """Grade SUBMISSION... (folders with the exercise modules, .zip files of one, or .py modules).

    With --out DIR, the grades of earlier runs in DIR are kept: the submissions graded now
    replace theirs, and the others stay (--fresh starts over)."""
    names = list(selection.names)
    if resume_run and out is None:
        raise UsageProblem(_("--resume continues an earlier run with --out DIR: give the same --out DIR"))
    if resume_run and fresh:
        raise UsageProblem(_("--resume and --fresh contradict each other: give one of them"))
    options = grading.options(notices=not as_json)
    err = Console(stderr=True, quiet=grading.quiet, soft_wrap=True)  # paths stay whole
    paths = _submissions(list(submissions), names, err)
    earlier = report.prepare_out(out, fresh) if out is not None else []
    with _progress(err, show=len(paths) > 1 and grading.progress) as bar:

        def started(todo: int, reused: int) -> None:
            if resume_run and not as_json:
                said = ngettext(
                    # NOTE: English keeps "submissions" for one too, as it always has
                    "Resuming: {reused} of {count} submissions already graded in {out}.",
                    "Resuming: {reused} of {count} submissions already graded in {out}.",
                    len(paths),
                )
                err.print(said.format(reused=reused, count=len(paths), out=out))
            bar.set_total(todo)

        try:
            run = batch.grade_class(
                paths,
                names,
                options,
                jobs=grading.jobs,
                out=out,
                resume_run=resume_run,
                on_start=started,
                on_result=bar.advance,
                points=selection.points,
                record=selection.record(selection.load()),
            )
        except KeyboardInterrupt:
            bar.stop()
            folder = out / resume.FOLDER if out is not None else None
            saved = folder is not None and any(folder.glob("*.json"))
            if saved:
                said = _("Interrupted; the graded ones are saved in {folder}: rerun with --resume.").format(
                    folder=folder
                )
            else:
                said = _("Interrupted.")
            Console(stderr=True).print(said + "\n")
            sys.exit(130)
    for path in run.repeated:
        err.print(_("{path} was given more than once: graded once.").format(path=path))
    for path, name in run.renamed:
        err.print(
            _(
                "{path} is named {name}: another submission has its name (grades.csv's path column tells them apart)."
            ).format(path=path, name=name)
        )
    results = report.merged(earlier, run.results) if out is not None else run.results
    if out is not None:
        report.write_outputs(out, results)
    if as_json:
        sys.stdout.write(report.to_json(run.results))
    elif not grading.quiet:
        console = Console()
        if details or len(run.results) == 1:
            for result in run.results:
                report.render_submission(console, result)
        if len(results) > 1:
            console.print(report.summary_table(results, width=console.width))
        if out is not None:
            kept = len(results) - len(run.results)
            paths_written = {"json": out / "grades.json", "csv": out / "grades.csv", "feedback": out / "feedback"}
            if kept > 0:
                said = ngettext(
                    "Wrote {json}, {csv} and {feedback}/ (with {kept} submission(s) graded earlier)",
                    "Wrote {json}, {csv} and {feedback}/ (with {kept} submission(s) graded earlier)",
                    kept,
                )
            else:
                said = _("Wrote {json}, {csv} and {feedback}/")
            console.print(said.format(kept=kept, **paths_written))
    _fail_if_grader_failed(run.results, recorded=True)


def _submissions(paths: list[Path], names: list[str], err: Console) -> list[Path]:
    """The submissions among ``paths``: files that cannot be one (a README beside the
    folders a glob matched) are left out with a word; a class folder given as a submission
    is a usage problem."""
    found = []
    for path in paths:
        if path.is_file() and path.suffix.lower() not in (".zip", ".py"):
            err.print(_("{path} is not a submission (a folder, a .zip or a .py module): left out.").format(path=path))
            continue
        if path.is_dir() and not _has_modules(path, names):
            inside = [p for p in sorted(path.iterdir()) if _has_modules(p, names)]
            if len(inside) >= 2:
                raise UsageProblem(
                    ngettext(
                        "{path} holds no exercise module, but {count} folders or zips inside it do "
                        "({names}): did you mean {path}/* ?",
                        "{path} holds no exercise module, but {count} folders or zips inside it do "
                        "({names}): did you mean {path}/* ?",
                        len(inside),
                    ).format(
                        path=path,
                        count=len(inside),
                        names=", ".join([p.name for p in inside[:3]] + (["..."] if len(inside) > 3 else [])),
                    )
                )
        found.append(path)
    if not found:
        raise UsageProblem(_("no submission to grade: give folders, .zip files or .py modules"))
    return found


def _has_modules(path: Path, names: list[str]) -> bool:
    """Whether a folder or zip holds an exercise module where grading looks for it."""
    if path.is_dir():
        with contextlib.suppress(OSError):
            return any((engine.find_modules(path, names) / f"{n}.py").is_file() for n in names)
        return False
    if path.suffix.lower() == ".zip":
        with contextlib.suppress(OSError, zipfile.BadZipFile), zipfile.ZipFile(path) as archive:
            return any(PurePosixPath(m).name in {f"{n}.py" for n in names} for m in archive.namelist())
    return path.suffix == ".py"


@cli.command("report", short_help="The class report (HTML) of a grading run.", hidden=STUDENT_INSTALL)
@click.argument("grades_dir", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The page to write (default: GRADES_DIR/report.html).",
)
@course_options
def class_report_command(grades_dir: Path, out: Path | None, selection: course.Selection) -> None:
    """Write the class report of GRADES_DIR (what mlgrade grade --out wrote): one HTML page,
    viewable offline, with the score distributions, each function's mean, every check's
    failure rate and the submissions; and print its summary."""
    out = out or (grades_dir if grades_dir.is_dir() else grades_dir.parent) / "report.html"
    whole = selection.assignment.name == course.ALL
    assignment = selection.assignment
    if whole:
        heading = ""
    elif assignment.title:
        heading = _("{title} ({name})").format(title=assignment.title, name=assignment.name)
    else:
        heading = assignment.name
    stats = class_report.write(grades_dir, out, None if whole else selection.names, heading)
    class_report.summary(Console(), stats, out)


@cli.command("release", short_help="Write the student bundle.", hidden=STUDENT_INSTALL)
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@course_options
def release_bundle(out_dir: Path, selection: course.Selection) -> None:
    """Write the student bundle to OUT_DIR: stubs, README, public checks; no references."""
    files = release.build(out_dir, selection)
    console = Console()
    console.print(
        ngettext(
            "Wrote the student bundle to {folder} ({count} file): the stubs in exercises/, a README, "
            "and the grader with its public checks only. No reference solution or hidden check is in it.",
            "Wrote the student bundle to {folder} ({count} files): the stubs in exercises/, a README, "
            "and the grader with its public checks only. No reference solution or hidden check is in it.",
            len(files),
        ).format(folder=out_dir, count=len(files))
    )
    console.print(
        _("Students run: {command}").format(
            command=f"cd {out_dir} && pip install . && {release.check_command(selection)}"
        )
    )


@cli.group("gradescope", short_help="Gradescope: the autograder zip, and its run.", hidden=STUDENT_INSTALL)
def gradescope_group() -> None:
    """Gradescope: build the autograder zip; grade a submission as Gradescope runs it."""


HIDDEN_VISIBILITY = click.option(
    "--hidden-visibility",
    type=click.Choice(gradescope.VISIBILITIES),
    default="after_published",
    show_default=True,
    help="When students see the results of hidden checks (public checks are always visible).",
)


@gradescope_group.command("build")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@HIDDEN_VISIBILITY
@course_options
def gradescope_build(out: Path, hidden_visibility: str, selection: course.Selection) -> None:
    """Write the autograder zip OUT (upload it as the assignment's autograder)."""
    _require_full_install()
    names = gradescope.build(out, hidden_visibility, selection)
    said = ngettext(
        "Wrote {out} ({count} file): setup.sh, run_autograder and the mlgrade source.",
        "Wrote {out} ({count} files): setup.sh, run_autograder and the mlgrade source.",
        len(names),
    )
    Console().print(said.format(out=out, count=len(names)))


@gradescope_group.command("run")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("/autograder"),
    show_default=True,
    help="Gradescope's folder: reads ROOT/submission, writes ROOT/results/results.json.",
)
@HIDDEN_VISIBILITY
@course_options
def gradescope_run(root: Path, hidden_visibility: str, selection: course.Selection) -> None:
    """Grade ROOT/submission as Gradescope's run_autograder does."""
    submission = root / "submission"
    if not submission.is_dir():
        raise UsageProblem(
            _("no folder {folder}: --root must be Gradescope's /autograder or a copy of it").format(folder=submission)
        )
    record = selection.record(selection.load())
    options = engine.Options(language=i18n.language())
    (result,) = batch.grade_all([submission], list(selection.names), options, points=selection.points, record=record)
    report.write_atomic(root / "results" / "results.json", json.dumps(gradescope.results(result, hidden_visibility)))
    Console().print(
        _("{score} / {max_score}: wrote {path}").format(
            score=f"{result.score:g}", max_score=f"{result.max_score:g}", path=root / "results" / "results.json"
        )
    )
    if result.grader_failed:
        raise click.ClickException(result.error)


@cli.group("nbgrader", short_help="nbgrader: a course of notebooks, and its autograder.", hidden=STUDENT_INSTALL)
def nbgrader_group() -> None:
    """nbgrader: build a course of exercise notebooks; autograde it in isolated workers."""


@nbgrader_group.command("build")
@click.argument("course_dir", type=click.Path(path_type=Path))
@click.option("--exercise", "-e", "selected", multiple=True, help="Only this exercise's notebook (repeatable).")
@course_options
def nbgrader_build(course_dir: Path, selection: course.Selection) -> None:
    """Write nbgrader_config.py and one source notebook per exercise of the assignment into
    COURSE_DIR/source/ASSIGNMENT/ (nbgrader's assignment takes the course file's name)."""
    _require_full_install()
    assignment = selection.assignment.name
    written = nbgrader.build(course_dir, assignment, selection.load())
    console = Console()
    for path in written:
        console.print(_("wrote {path}").format(path=path))
    console.print(
        _("Next: {command}  (the students' notebooks, in release/)").format(
            command=f"cd {course_dir} && nbgrader generate_assignment {assignment}"
        )
    )


@nbgrader_group.command("autograde")
@click.argument("course_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("assignment")
@grading_options
@language_option
def nbgrader_autograde(course_dir: Path, assignment: str, grading: Grading) -> None:
    """Grade COURSE_DIR/submitted/*/ASSIGNMENT in isolated workers; record the scores in nbgrader's gradebook."""
    options = grading.options()
    err = Console(stderr=True)
    with _progress(err, show=grading.progress) as bar:
        graded = nbgrader.autograde(course_dir, assignment, options, grading.jobs, bar.set_total, bar.advance)
    results = graded.results
    console = Console()
    console.print(report.summary_table(results, width=console.width))
    for student, problems in graded.problems.items():  # a line a student, and one for each unreadable notebook
        missing = graded.missing.get(student, [])
        if missing:
            said = ngettext(
                "{student}: {count} notebook not handed in, 0 points for it: {notebooks}",
                "{student}: {count} notebooks not handed in, 0 points for them: {notebooks}",
                len(missing),
            )
            notebooks = ", ".join(f"{name}.ipynb" for name in missing)
            said = said.format(student=student, count=len(missing), notebooks=notebooks)
            console.print(escape(said), soft_wrap=True)
        for exercise, problem in problems.items():
            if exercise not in missing:
                said = _("{student}: {problem}: 0 points for it").format(student=student, problem=problem)
                console.print(escape(said), soft_wrap=True)
    console.print(
        _(
            "Recorded in {database}; autograded notebooks in {folder}/. "
            "nbgrader export, formgrader and nbgrader generate_feedback see them."
        ).format(database=nbgrader.db_url(course_dir), folder=course_dir / "autograded")
    )
    _fail_if_grader_failed(results, recorded=False)


class _Bar:
    """A progress bar with an ETA, advanced by one finished submission at a time (or nothing
    shown, for a single submission)."""

    def __init__(self, progress: Progress | None, total: int | None) -> None:
        self.progress = progress
        self.task = progress.add_task(_("grading"), total=total) if progress is not None else None

    def advance(self, result: SubmissionResult) -> None:
        if self.progress is not None and self.task is not None:
            self.progress.advance(self.task)

    def set_total(self, total: int) -> None:
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, total=total)

    def stop(self) -> None:
        """End the live display, so that what is printed next starts on a line of its own."""
        if self.progress is not None:
            self.progress.stop()


@contextlib.contextmanager
def _progress(err: Console, total: int | None = None, show: bool = True) -> Iterator[_Bar]:
    if not show:
        yield _Bar(None, total)
        return
    columns = (
        TextColumn(escape(_("grading"))),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn(escape(_("eta"))),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=False) as progress:
        yield _Bar(progress, total)


def main() -> None:
    cli(prog_name="mlgrade")
