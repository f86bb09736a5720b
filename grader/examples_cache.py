"""The examples every generated check draws, kept on disk for one version of the bank.

Every submission of a class is asked the same questions (``checks.Generated.recorded_examples``):
hypothesis draws each check's examples once per grading process, seconds for the whole bank,
in every process of every grading. They are kept here, a file per exercise, under a digest of
all that decides them: the grader's own source (the bank, the strategies, the checks) and the
versions of Python, hypothesis and NumPy. A grading process that finds its exercises' file
draws nothing; one that does not draws them as before, and writes the file for the next.
Beside them, the paths hypothesis took shrinking the failures of the exercise's public checks
(``checks.shrink_paths``: the inputs it judged, and their outcomes, as the type and place of
the exception a failure raised), which a later submission failing the same way follows without
hypothesis, in this process and in the next (a regrade, the other grading processes, a
notebook's kernel). And each check's plan (``engine.StudentCalls.begin``: the check's own
inputs it asks of every submission that passes it, in order, which a later submission is asked
in one stream), learned from a submission that passed it, by device: the first submission a
grading process grades is asked in streams too. And the reference's answers to the checks'
questions and the truths of the checks that take theirs from torch (``ReferenceParity(truth=...)``),
by question, under a digest of the reference's source and torch's version too: a grading whose
questions they all answer never imports the reference, nor torch. Nothing else of a submission
is kept.

The folder is ``$MLGRADE_CACHE``, else ``$XDG_CACHE_HOME/mlgrade``, else ``~/.cache/mlgrade``;
``MLGRADE_CACHE=off`` keeps nothing. The files are pickles, which run code when read: a file is
read only where it and its folder belong to this user and nobody else may write them, and one
that cannot be read (a version of Python's that pickles differently, a half-written one) is
drawn again and replaced. The worker never sees the folder (``grader.isolation.installed``).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import shutil
import stat
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader import isolation

if TYPE_CHECKING:
    from grader.checks import Check, Generated
    from grader.exercise import Exercise

# The exercises whose checks have their examples in this process, by id (the exercise kept
# beside it, so that an id is never reused while its entry lives).
_PREPARED: dict[int, Exercise] = {}


def folder() -> Path | None:
    """Where the examples are kept: None where ``MLGRADE_CACHE=off``."""
    return isolation.cache_dir()


@functools.cache
def version() -> str:
    """A digest of what decides the examples: the grader's source, and the library versions."""
    digest = hashlib.blake2b(digest_size=12)
    digest.update(sys.version.encode())
    for library in ("hypothesis", "numpy"):
        digest.update(f"{library}={metadata.version(library)};".encode())
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _key(check: Generated) -> tuple[str, str, str, int]:
    return (check.function, check.name, check.visibility, check.examples)


def prepare(exercises: list[Exercise]) -> None:
    """Give every generated check of ``exercises`` its examples in this process: from the
    cache where it holds them, else drawn, and the cache written with them."""
    from grader.checks import Generated

    for exercise in exercises:
        _read_shrinks(exercise)
    exercises = [e for e in exercises if _PREPARED.get(id(e)) is not e]
    for exercise in exercises:
        generated = [c for c in exercise.checks if isinstance(c, Generated)]
        path = _path(exercise)
        kept = _read(path) if path is not None else {}
        drawn = False
        for check in generated:
            calls = kept.get(_key(check))
            if calls is not None:
                check.use_examples(calls)
            else:
                kept[_key(check)] = check.recorded_examples()
                drawn = True
        if drawn and path is not None:
            with contextlib.suppress(Exception):  # a check's input that cannot be pickled: no cache
                _write(path, pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL))
        _PREPARED[id(exercise)] = exercise


def _path(exercise: Exercise, kind: str = "") -> Path | None:
    where = folder()
    return where / version() / f"{exercise.name}{kind}.pickle" if where is not None else None


# -- the checks' plans ----------------------------------------------------------------------

# A check's plan (``engine.StudentCalls.begin``): runs of calls, each (function, question,
# call), that it asks of every submission, each run in one stream.
Plan = tuple[tuple[tuple[str, bytes, Any], ...], ...]


def plan_key(check: Check) -> tuple[str, str, str, str]:
    """What names a check's plan in the file: its kind, function, name and visibility."""
    return (type(check).__name__, check.function, check.name, check.visibility)


def read_plans(exercise: Exercise, device: str) -> dict[tuple[str, str, str, str], Plan]:
    """The plans kept for ``exercise``'s checks on ``device``, by ``plan_key``."""
    path = _path(exercise, _by_device("plans", device))
    return _read(path) if path is not None else {}  # type: ignore[return-value]


def keep_plans(exercise: Exercise, device: str, plans: dict[tuple[str, str, str, str], Plan]) -> None:
    """Add ``plans`` to those kept for ``exercise`` on ``device`` (other processes write too)."""
    path = _path(exercise, _by_device("plans", device))
    if path is None or not plans:
        return
    kept = {**read_plans(exercise, device), **plans}
    with contextlib.suppress(Exception):  # a call that cannot be pickled: no file
        _write(path, pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL))


def _by_device(what: str, device: str) -> str:
    """The kind of file that holds ``what`` is kept for ``device`` (plans, answers)."""
    return f".{what}-{device.replace(':', '-')}"  # cuda:1 in a file's name


# -- the reference's answers and the checks' truths -----------------------------------------

# A check's truths, by plan_key and question; the reference's answers, by question.
Truths = dict[tuple[str, str, str, str], dict[bytes, Any]]


@functools.cache
def answers_version() -> str:
    """What decides the reference's answers and the truths beyond the examples (``version``):
    the reference solutions' source, and torch's version."""
    digest = hashlib.blake2b(version().encode(), digest_size=12)
    with contextlib.suppress(metadata.PackageNotFoundError):
        digest.update(f"torch={metadata.version('torch')};".encode())
    solutions = isolation.package_dir("solutions")
    for path in sorted(solutions.glob("*.py")) if solutions is not None else []:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def read_answers(exercise: Exercise, device: str) -> tuple[dict[bytes, Any], Truths]:
    """The reference's answers and the checks' truths kept for ``exercise`` on ``device``
    (none where the reference or torch changed since they were computed)."""
    path = _path(exercise, _by_device("answers", device))
    kept: dict[Any, Any] = _read(path) if path is not None else {}
    answers, truths = kept.get("answers"), kept.get("truths")
    if kept.get("version") != answers_version() or not isinstance(answers, dict) or not isinstance(truths, dict):
        return {}, {}
    return answers, {k: v for k, v in truths.items() if isinstance(v, dict)}


def keep_answers(exercise: Exercise, device: str, answers: dict[bytes, Any], truths: Truths) -> None:
    """Add ``answers`` and ``truths`` to those kept for ``exercise`` on ``device`` (other
    processes write too)."""
    path = _path(exercise, _by_device("answers", device))
    if path is None or not (answers or truths):
        return
    kept_answers, kept_truths = read_answers(exercise, device)
    merged = {k: {**kept_truths.get(k, {}), **v} for k, v in truths.items()}
    kept = {
        "version": answers_version(),
        "answers": {**kept_answers, **answers},
        "truths": {**kept_truths, **merged},
    }
    with contextlib.suppress(Exception):  # an answer that cannot be pickled: no file
        _write(path, pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL))


# -- the paths of hypothesis's shrinking ----------------------------------------------------

# Of each exercise (by id, kept beside it): the modification time of its file of shrinking
# paths when this process last read or wrote it, and how many inputs it kept then.
_SHRINKS_SEEN: dict[int, tuple[Exercise, int, int]] = {}


def _kept_inputs(exercise: Exercise) -> int:
    from grader import checks

    return sum(checks.shrinks_kept(c) for c in exercise.checks if isinstance(c, checks.Generated))


def _read_shrinks(exercise: Exercise) -> None:
    """Take the paths another process kept for ``exercise`` where its file changed since."""
    from grader import checks

    path = _path(exercise, ".shrinks")
    if path is None:
        return
    try:
        modified = path.stat().st_mtime_ns
    except OSError:
        return
    seen = _SHRINKS_SEEN.get(id(exercise))
    if seen is not None and seen[0] is exercise and seen[1] == modified:
        return
    kept = _read(path)
    with contextlib.suppress(Exception):  # paths not as written here: no cache, never an error
        for check in exercise.checks:
            if isinstance(check, checks.Generated) and isinstance(paths := kept.get(_key(check)), list):
                checks.keep_shrink_paths(check, paths)
    _SHRINKS_SEEN[id(exercise)] = (exercise, modified, _kept_inputs(exercise))


def keep_shrinks(exercise: Exercise) -> None:
    """Write the shrinking paths kept for ``exercise`` where this process kept some it has not
    read or written (with those the file holds now: other processes write it too)."""
    from grader import checks

    path = _path(exercise, ".shrinks")
    seen = _SHRINKS_SEEN.get(id(exercise))
    if path is None or _kept_inputs(exercise) <= (seen[2] if seen is not None and seen[0] is exercise else 0):
        return
    _read_shrinks(exercise)
    kept = {_key(c): checks.shrink_paths(c) for c in exercise.checks if isinstance(c, checks.Generated)}
    with contextlib.suppress(Exception):  # an input that cannot be pickled: no file
        _write(path, pickle.dumps({k: v for k, v in kept.items() if v}, protocol=pickle.HIGHEST_PROTOCOL))
        _SHRINKS_SEEN[id(exercise)] = (exercise, path.stat().st_mtime_ns, _kept_inputs(exercise))


def _owned(path: Path) -> bool:
    """Whether ``path`` belongs to this user and nobody else may write it."""
    try:
        info = path.stat()
    except OSError:
        return False
    mine = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    return mine and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _read(path: Path) -> dict[tuple[str, str, str, int], Any]:
    if not (path.is_file() and _owned(path) and _owned(path.parent) and _owned(path.parent.parent)):
        return {}
    try:
        with open(path, "rb") as f:
            kept = pickle.load(f)  # this user's own file (above), as _write wrote it
    except Exception:  # a half-written file, another Python's pickle: drawn again
        return {}
    return kept if isinstance(kept, dict) else {}


def _write(path: Path, data: bytes) -> None:
    """Write the file whole or not at all (another process may read it meanwhile); a cache
    that cannot be written (a full disk, a read-only home) is no cache, never an error."""
    written = None
    try:
        _make_version_folder(path.parent)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, prefix=".tmp-") as f:
            written = f.name
            f.write(data)
        os.replace(written, path)
    except OSError:
        if written is not None:
            with contextlib.suppress(OSError):
                os.unlink(written)


# The bank versions kept: a new one's folder replaces the least recently made of the others.
KEPT_VERSIONS = 3


def _make_version_folder(folder: Path) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        return
    with contextlib.suppress(OSError):
        others = sorted(
            (p for p in folder.parent.iterdir() if p.is_dir() and p != folder), key=lambda p: p.stat().st_mtime
        )
        for old in others[: max(len(others) - (KEPT_VERSIONS - 1), 0)]:
            shutil.rmtree(old, ignore_errors=True)
