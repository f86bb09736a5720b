"""The ``mlgrade`` command, and ``python -m grader``.

A student's ``mlgrade check`` waits most of its time for its worker's template to import
torch. Where the checked exercises' forbidden calls are known without loading the grader (a
grading noted them: ``examples_cache.noted_forbidden``), the template starts first, and
imports torch while this process imports the grader; the command then finds it started
(``isolation.start_early``). Anything unusual on the command line, and it starts
when the grading does, as before: starting early is only ever a head start.
"""

from __future__ import annotations

import contextlib

# The options ``mlgrade check`` may have for its worker to be the one started early: the
# others (--no-sandbox, --course, --assignment) change what the grading asks of its worker.
_PLAIN_OPTIONS = ("--path", "--lang")
_PLAIN_FLAGS = ("--json",)


def _start_worker_early(args: list[str]) -> None:
    if not args or args[0] != "check":
        return
    exercises, rest = [], args[1:]
    while rest:
        if rest[0] in _PLAIN_OPTIONS and len(rest) > 1:
            rest = rest[2:]
        elif rest[0] in _PLAIN_FLAGS:
            rest = rest[1:]
        elif rest[0].startswith("-"):
            return
        else:
            exercises.append(rest.pop(0))
    if not exercises:
        return
    with contextlib.suppress(Exception):  # a head start, never a reason for the command to fail
        from grader import examples_cache, isolation

        known = [examples_cache.noted_forbidden(name) for name in exercises]
        if any(patterns is None for patterns in known):
            return
        patterns = sorted({p for ps in known for p in ps or []})
        level = isolation.choose("auto", portable=True)  # as ``mlgrade check`` chooses it
        if level != isolation.PORTABLE:  # the portable level has no template
            isolation.start_early(level, "cpu", patterns, isolation.Limits(), isolation.kept_seconds())


def main() -> None:
    import sys

    _start_worker_early(sys.argv[1:])
    from grader.cli import main as command

    command()


if __name__ == "__main__":
    main()
