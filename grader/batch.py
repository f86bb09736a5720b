"""Grading several submissions, one after another or in parallel processes.

Each grading process runs its own submissions with their own workers; results come back in
submission order whatever order they finish in. A grading process that fails (a grader bug,
never the student's fault: student code runs in the workers) is reported as an error for
that submission and the others go on.

The grading processes are forked from multiprocessing's fork server, which has imported
the grader and the exercises once for all of them (``_grading_processes``). None of them
imports torch where the examples cache keeps the reference's answers (grader/examples_cache.py).

Ctrl-C is the grader's alone: the fork server starts with SIGINT ignored (an ignored signal
stays ignored across exec, and the processes it forks inherit it), so that a terminal's
Ctrl-C, sent to the whole process group, neither kills a grading process halfway through
(a traceback each) nor breaks the pool before the grader sees it. The grader then cancels
what is not started and stops them.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import bank, engine, i18n, isolation, resume
from grader.i18n import _
from grader.results import SubmissionResult


def submission_label(path: Path) -> str:
    """A submission's name: its folder's name, or its file's without .zip or .py, as given
    (a symbolic link is named for itself, not for what it points to)."""
    given = Path(os.path.abspath(path))
    return given.stem if given.suffix.lower() in (".zip", ".py") and not given.is_dir() else given.name


def submission_names(paths: Sequence[Path]) -> list[str]:
    """A unique name per submission: ``submission_label``, numbered where two collide."""
    names: list[str] = []
    for path in paths:
        base = submission_label(path)
        name, i = base, 2
        while name in names:
            name, i = f"{base}-{i}", i + 1
        names.append(name)
    return names


def grader_failed(exc: Exception) -> str:
    """The error of a submission the grader failed on (never the student's fault)."""
    return _("the grader itself failed on this submission: {error}").format(error=repr(exc))


def _grade_one(
    path: str,
    name: str,
    exercise_names: list[str],
    options: engine.Options,
    points: Mapping[str, float] | None = None,
    record: Mapping[str, Any] | None = None,
    environment: Mapping[str, str] | None = None,
) -> SubmissionResult:
    global _graded
    if environment is not None and os.environ != environment:
        os.environ.clear()  # the grader's environment as it is now, not as the fork server's started
        os.environ.update(environment)
    i18n.use(options.language)  # a grading process of its own starts in English
    _settle()
    exercises = bank.load(exercise_names, points=points)
    try:
        result = engine.grade(Path(path), exercises, options, name=name)
    except Exception as exc:
        result = SubmissionResult(name, error=grader_failed(exc), grader_failed=True)
    result.path = path
    result.graded_at = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    result.grader = {"version": resume.grader_version(), "options": options.to_json(), **(record or {})}
    _graded += 1
    return result


_graded = 0  # submissions graded by this process


def _settle() -> None:
    """In a grading process of its own (``--jobs``), before its second submission: what it
    keeps for every later one (the bank, the examples, answers and plans; torch where imported) is
    frozen out of the garbage collector's full collections, which walked all of it every few
    submissions (0.1-0.3 s each). A process that grades one submission pays nothing; one that
    only calls the grader is not the grader's to freeze."""
    if _graded == 1 and multiprocessing.parent_process() is not None:
        gc.collect()  # the first submission's own garbage is not kept for good
        gc.freeze()


def grade_all(
    paths: Sequence[Path],
    exercise_names: list[str],
    options: engine.Options,
    *,
    jobs: int = 1,
    done: Callable[[SubmissionResult], None] = lambda r: None,
    labels: Sequence[str] | None = None,
    points: Mapping[str, float] | None = None,
    record: Mapping[str, Any] | None = None,
) -> list[SubmissionResult]:
    """Grade ``paths``, named ``labels`` (default: ``submission_names``); ``done`` is called
    with each result as it finishes, in the grading order. ``points`` are the exercises' points
    where a course file sets them; ``record`` (the assignment, the course file's digest) is
    added to each result's ``grader``."""
    names = list(labels) if labels is not None else submission_names(paths)
    results: dict[int, SubmissionResult] = {}
    if jobs <= 1 or len(paths) <= 1:
        for i, (path, name) in enumerate(zip(paths, names, strict=True)):
            results[i] = _grade_one(str(path), name, exercise_names, options, points, record)
            done(results[i])
    else:
        environment = dict(os.environ)
        jobs_given = [
            (str(path), name, exercise_names, options, points, record, environment)
            for path, name in zip(paths, names, strict=True)
        ]
        ahead = _TemplatesAhead(exercise_names, options, min(jobs, len(paths)))
        try:
            pool, futures = _submitted(_grading_processes(), jobs, jobs_given, ahead)
        except BaseException:
            ahead.close()
            raise
        try:
            for future in as_completed(futures):
                i = futures[future]
                try:
                    results[i] = future.result()
                except Exception as exc:
                    error = grader_failed(exc)
                    results[i] = SubmissionResult(names[i], error=error, grader_failed=True, path=str(paths[i]))
                done(results[i])
        except BaseException:  # Ctrl-C: what is not finished is not waited for
            _stop(pool)
            raise
        finally:
            pool.shutdown()
            ahead.close()
    return [results[i] for i in range(len(paths))]


class _TemplatesAhead:
    """The grading processes' templates (``grader.isolation.templates``), started by this
    process before the grading processes are, while the fork server imports: otherwise each
    grading process would start its own once forked, and wait for it to import torch (on 2
    cores, imports at once end sooner than one after the other). Each grading process adopts
    one (``_adopt_template``); this process ends them when the grading does. None are started
    where workers start cold (CUDA, MLGRADE_COLD_WORKERS) or the grading cannot be isolated:
    each grading process then finds that out for itself, as before."""

    def __init__(self, exercise_names: list[str], options: engine.Options, count: int) -> None:
        self.setup: isolation.Setup | None = None
        self.servers: list[isolation.ForkServer] = []  # of this process, for the grading processes
        self.exercise_names, self.options, self.count = exercise_names, options, count
        self.claimed: Any = None  # how many grading processes have adopted one

    def start(self, context: multiprocessing.context.BaseContext) -> None:
        try:
            setup = engine.worker_setup(bank.load(self.exercise_names), self.options)  # as each grading has it
        except Exception:  # no isolation here: every submission's grading says so
            return
        if setup.isolation == isolation.PORTABLE or setup.keep > 0 or not isolation.warm_workers(setup):
            return
        started = (isolation.start_template(setup) for _process in range(self.count))
        self.servers = [server for server in started if server is not None]
        self.setup = setup
        self.claimed = context.Value("i", 0)

    def initializer(self) -> tuple[Callable[..., None] | None, tuple[Any, ...]]:
        """The grading processes' initializer and its arguments: their templates' sockets, and
        what this process found out about the sandbox starting them (each grading process would
        otherwise start bubblewrap and Python again to find the same, before its first submission)."""
        if not self.servers:
            return None, ()
        return _adopt_template, (self.setup, [s.sock for s in self.servers], self.claimed, isolation.findings())

    def close(self) -> None:
        for server in self.servers:
            server.close()
        self.servers = []


def _adopt_template(setup: isolation.Setup, socks: list[Any], claimed: Any, found: dict[str, object]) -> None:
    """In a grading process as it starts: take the next template the grader started for it
    (``_TemplatesAhead``), with what the grader found out starting it, and close the others'
    sockets, which are the other processes'."""
    with claimed.get_lock():
        mine = claimed.value
        claimed.value += 1
    for i, sock in enumerate(socks):
        if i == mine:
            isolation.adopt_template(setup, sock, found)
        else:
            sock.close()


def _submitted(
    context: multiprocessing.context.BaseContext,
    jobs: int,
    jobs_given: list[tuple[Any, ...]],
    ahead: _TemplatesAhead,
) -> tuple[ProcessPoolExecutor, dict[Future[SubmissionResult], int]]:
    """A pool of ``jobs`` grading processes from ``context``, with every submission's
    ``_grade_one`` submitted (by index). A fork server that cannot fork them (a module it
    preloads failed with more than an ImportError, and it exited) leaves them to be spawned,
    each importing on its own, as without one: a broken module then fails the submissions
    that need it, not the whole run."""
    forked = context.get_start_method() == "forkserver"
    if forked:
        from multiprocessing import forkserver

        with _on_interrupt(signal.SIG_IGN):  # what starts now inherits SIGINT ignored
            try:
                forkserver.ensure_running()  # returns at once: its imports go on meanwhile
            except Exception:
                return _submitted(multiprocessing.get_context("spawn"), jobs, jobs_given, ahead)
    if not ahead.servers:
        ahead.start(context)  # while the fork server imports
    initializer, initargs = ahead.initializer()
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=initializer, initargs=initargs)
    futures: dict[Future[SubmissionResult], int] = {}

    def submit_all() -> None:
        for i, job in enumerate(jobs_given):
            futures[pool.submit(_grade_one, *job)] = i

    try:
        with _on_interrupt(signal.SIG_IGN):  # what starts now inherits SIGINT ignored
            if not forked:
                submit_all()  # each spawned process starts as its first submission goes in
        if forked:
            # Forked once the fork server has imported all: a Ctrl-C meanwhile is raised after,
            # not halfway through a start (the fork server would still fork that process, and
            # it would fail loudly, reading a request its grader no longer holds).
            caught: list[int] = []
            with _on_interrupt(lambda signum, frame: caught.append(signum)):
                submit_all()
            if caught:
                raise KeyboardInterrupt
    except Exception:
        _stop(pool)
        if not forked:
            raise
        return _submitted(multiprocessing.get_context("spawn"), jobs, jobs_given, ahead)
    except BaseException:  # Ctrl-C
        _stop(pool)
        raise
    return pool, futures


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop ``pool`` without waiting for what it has not finished."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # gone after shutdown
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()


def _grading_processes() -> multiprocessing.context.BaseContext:
    """Where the grading processes come from: forked from multiprocessing's fork server, which
    imports once, before any of them starts, what each would import again (the grader, the
    exercises' checks; ``isolation.grading_modules``), and holds no thread of the grader's (a
    fork of this process could copy a lock held by one). A process forked from it is as fresh
    as a spawned one: the preloaded modules as imported, no state of this process's, and the
    environment handed to each submission (``_grade_one``), since the fork server keeps the one
    it started with. It may be running already: ``mlgrade grade`` starts it before it loads the
    grader (grader/__main__.py). Where there is no fork server (Windows), they are spawned,
    each importing all of it."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # every exercise's, not only those graded: the same whenever it starts
    context.set_forkserver_preload(isolation.grading_modules())  # one not installed (hidden checks) is skipped
    return context


@contextlib.contextmanager
def _on_interrupt(handler: Any) -> Iterator[None]:
    """``handler`` for SIGINT meanwhile; a process started meanwhile inherits SIG_IGN (an
    ignored signal stays ignored across exec). Only the main thread may set handlers: in
    another (a grader inside a server's thread) nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@dataclass
class ClassRun:
    results: list[SubmissionResult]  # every submission's, in the order given
    reused: int  # of them, how many came from an earlier run's saved results
    repeated: list[Path] = field(default_factory=list)  # paths given more than once: graded once
    renamed: list[tuple[Path, str]] = field(default_factory=list)  # (path, name) where two names collided


def distinct(paths: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """The paths without repeats (the same path given twice, as by overlapping globs), and
    the repeats left out."""
    seen: set[str] = set()
    kept: list[Path] = []
    repeated: list[Path] = []
    for path in paths:
        key = os.path.abspath(path)
        (repeated if key in seen else kept).append(path)
        seen.add(key)
    return kept, repeated


def grade_class(
    paths: Sequence[Path],
    exercise_names: list[str],
    options: engine.Options,
    *,
    jobs: int = 1,
    out: Path | None = None,
    resume_run: bool = False,
    on_start: Callable[[int, int], None] = lambda todo, reused: None,
    on_result: Callable[[SubmissionResult], None] = lambda r: None,
    points: Mapping[str, float] | None = None,
    record: Mapping[str, Any] | None = None,
) -> ClassRun:
    """Grade a class. With ``out``, each result is saved under it the moment it is graded
    (``grader.resume``), and with ``resume_run`` a result saved there by an earlier run of the
    same submission and setup is reused instead of graded again. ``on_start`` learns how many
    will be graded and how many were reused, before grading; ``on_result`` sees each newly
    graded result. A KeyboardInterrupt leaves the saved results whole for the next run.
    A path given twice is graded once."""
    paths, repeated = distinct(paths)
    labels = submission_names(paths)
    renamed = [(p, n) for p, n in zip(paths, labels, strict=True) if n != submission_label(p)]
    saved: dict[str, SubmissionResult] = {}
    fingerprints: dict[str, str] = {}
    if out is not None:
        exercises = bank.load(exercise_names, points=points)
        fingerprints = {n: resume.fingerprint(p, exercises, options) for p, n in zip(paths, labels, strict=True)}
        if resume_run:
            found = {n: resume.load(out, n, fingerprints[n]) for n in labels}
            saved = {n: r for n, r in found.items() if r is not None}

    def finished(result: SubmissionResult) -> None:
        if out is not None:
            resume.save(out, result, fingerprints[result.submission])
        on_result(result)

    todo = [(p, n) for p, n in zip(paths, labels, strict=True) if n not in saved]
    on_start(len(todo), len(saved))
    graded = grade_all(
        [p for p, _ in todo],
        exercise_names,
        options,
        jobs=jobs,
        done=finished,
        labels=[n for _, n in todo],
        points=points,
        record=record,
    )
    by_name = {**saved, **{r.submission: r for r in graded}}
    return ClassRun([by_name[n] for n in labels], reused=len(saved), repeated=repeated, renamed=renamed)
