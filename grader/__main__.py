"""The ``mlgrade`` command, and ``python -m grader``.

A student's ``mlgrade check`` waits most of its time for its worker's template to import
torch. Its template is kept between checks; where the one the same check used last time has
ended since (``isolation.note_kept``), it is started again first, from what was noted, before
this process loads the grader or NumPy: it imports torch meanwhile, and the grading connects to
it (``isolation.start_noted``), where its setup is still the same. Anything unusual on the
command line, and the template starts when the grading does, as before: starting early is only
ever a head start.

``mlgrade grade`` of several submissions with ``--jobs`` above 1 forks its grading processes
from multiprocessing's fork server, which imports the grader and the bank for them
(``grader.batch``; torch only where a grading process needs it: grader/examples_cache.py).
That fork server starts here, before this process loads the grader: its imports take one
core while this process takes the other, which otherwise sat idle for the 0.3-0.5 s this
process spends loading the grader and the bank before it started the fork server. Where
the command line may not grade in parallel (one submission, ``--jobs 1``, ``--resume``,
anything unusual), nothing starts early: a fork server no grading process comes from would
only take CPU from the grading.
"""

from __future__ import annotations

import contextlib

# The options ``mlgrade check`` may have for its worker to be the one started early: the
# others (--no-sandbox, --course, --assignment) change what the grading asks of its worker.
_PLAIN_OPTIONS = ("--path", "--lang")
_PLAIN_FLAGS = ("--json",)


def _early_command(args: list[str]) -> str | None:
    """What a template started early is noted under for this command line (``check`` and the
    exercises checked), or None where it is not one to start early."""
    if not args or args[0] != "check":
        return None
    exercises, rest = set(), args[1:]
    while rest:
        if rest[0] in _PLAIN_OPTIONS and len(rest) > 1:
            rest = rest[2:]
        elif rest[0] in _PLAIN_FLAGS:
            rest = rest[1:]
        elif rest[0].startswith("-"):
            return None
        else:
            exercises.add(rest.pop(0))
    return " ".join(["check", *sorted(exercises)]) if exercises else None


# The options of ``mlgrade grade`` that take a value (tests/test_cli.py holds them to the command's).
GRADE_VALUE_OPTIONS = (
    "--out",
    "-e",
    "--exercise",
    "--jobs",
    "--device",
    "--time-limit",
    "--exercise-budget",
    "--submission-budget",
    "--course",
    "--assignment",
    "--lang",
)


def _grades_in_parallel(args: list[str]) -> bool:
    """Whether this command line is ``mlgrade grade`` of two submissions or more (existing
    files or folders) with ``--jobs`` above 1, its default on a machine of two cores or more."""
    if not args or args[0] != "grade" or "--resume" in args or "-h" in args or "--help" in args:
        return False
    import os

    jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    submissions, rest = 0, args[1:]
    while rest:
        token, rest = rest[0], rest[1:]
        option, _, value = token.partition("=")
        if option in GRADE_VALUE_OPTIONS and not value and rest:
            value, rest = rest[0], rest[1:]
        if option == "--jobs":
            jobs = int(value) if value.isdigit() else 1
        elif not token.startswith("-") and os.path.exists(token):
            submissions += 1
    return submissions >= 2 and jobs >= 2


def _start_grading_processes() -> None:
    """Start the grading processes' fork server (as ``grader.batch`` does, SIGINT ignored, and
    without waiting for its imports), before this process loads the grader."""
    import multiprocessing
    import signal

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return
    from multiprocessing import forkserver

    from grader import isolation

    multiprocessing.get_context("forkserver").set_forkserver_preload(isolation.grading_modules())
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # what starts now inherits it ignored
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)


# The commands a student runs again and again, which end as soon as they are done: their
# process's cleanup has run (``atexit``), and what is left, tearing down every module the
# grader loaded, took 0.1-0.15 s of a check's wall time.
_END_AT_ONCE = ("check", "validate")


def main() -> None:
    import sys

    if _grades_in_parallel(sys.argv[1:]):
        with contextlib.suppress(Exception):  # a head start: grader.batch starts it otherwise
            _start_grading_processes()
    early = _early_command(sys.argv[1:])
    if early is not None:
        with contextlib.suppress(Exception):  # a head start, never a reason for the command to fail
            from grader import isolation

            if isolation.kept_seconds() > 0:
                isolation.start_noted(early)
    from grader.cli import main as command

    try:
        command()
    except SystemExit as done:  # how click ends every command
        if early is not None:
            with contextlib.suppress(Exception):
                from grader import isolation

                isolation.note_kept(early)
        if sys.argv[1:2] and sys.argv[1] in _END_AT_ONCE:
            _end_at_once(done)
        raise


def _end_at_once(done: SystemExit) -> None:
    """End the process with ``done``'s exit status once its cleanup has run: what ``atexit``
    holds (templates closed, temporary folders removed), and the output flushed."""
    import atexit
    import os
    import sys

    if done.code is None or isinstance(done.code, int):
        status = done.code or 0
    else:  # a message, as Python prints it
        print(done.code, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe: Python's own exit says so with 120
        status = status or 120
    os._exit(status)


if __name__ == "__main__":
    main()
