"""Grading several submissions, one after another or in parallel processes.

Each grading process runs its own submissions with their own workers; results come back in
submission order whatever order they finish in. A grading process that fails (a grader bug,
never the student's fault: student code runs in the workers) is reported as an error for
that submission and the others go on.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from grader import bank, engine
from grader.results import SubmissionResult


def submission_names(paths: Sequence[Path]) -> list[str]:
    """A unique name per submission: its file or folder name, numbered where two collide."""
    names: list[str] = []
    for path in paths:
        base = path.stem if path.suffix.lower() == ".zip" else path.resolve().name
        name, i = base, 2
        while name in names:
            name, i = f"{base}-{i}", i + 1
        names.append(name)
    return names


def _grade_one(
    path: str, name: str, exercise_names: list[str], hidden: bool, options: engine.Options
) -> SubmissionResult:
    exercises = bank.load(exercise_names, hidden=hidden)
    try:
        return engine.grade(Path(path), exercises, options, name=name)
    except Exception as exc:
        return SubmissionResult(name, error=f"the grader itself failed on this submission: {exc!r}", grader_failed=True)


def grade_all(
    paths: Sequence[Path],
    exercise_names: list[str],
    hidden: bool,
    options: engine.Options,
    jobs: int = 1,
    done: Callable[[SubmissionResult], None] = lambda r: None,
    labels: Sequence[str] | None = None,
) -> list[SubmissionResult]:
    """Grade ``paths``, named ``labels`` (default: ``submission_names``); ``done`` is called
    with each result as it finishes, in the grading order."""
    names = list(labels) if labels is not None else submission_names(paths)
    results: dict[int, SubmissionResult] = {}
    if jobs <= 1 or len(paths) <= 1:
        for i, (path, name) in enumerate(zip(paths, names, strict=True)):
            results[i] = _grade_one(str(path), name, exercise_names, hidden, options)
            done(results[i])
    else:
        context = multiprocessing.get_context("spawn")  # no fork of a process holding threads
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = {
                pool.submit(_grade_one, str(path), name, exercise_names, hidden, options): i
                for i, (path, name) in enumerate(zip(paths, names, strict=True))
            }
            for future in as_completed(futures):
                i = futures[future]
                try:
                    results[i] = future.result()
                except Exception as exc:
                    error = f"the grader itself failed on this submission: {exc!r}"
                    results[i] = SubmissionResult(names[i], error=error, grader_failed=True)
                done(results[i])
    return [results[i] for i in range(len(paths))]
