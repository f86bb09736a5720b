"""Each submission's result, saved the moment it is graded, so that an interrupted run resumes.

``mlgrade grade --out DIR`` writes ``DIR/submissions/<name>.json`` atomically as each
submission finishes: a reader sees a whole result or none. ``--resume`` reuses a saved result
only when its fingerprint matches: the same submission bytes, graded by the same mlgrade with
the same exercises, checks and options. Anything else (a resubmission, a new check, another
time limit) is graded again. A result where the grader itself failed is never reused.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from pathlib import Path
from typing import Any

from grader import engine
from grader.exercise import Exercise
from grader.report import file_name, write_atomic
from grader.results import SubmissionResult

FOLDER = "submissions"


def grader_version() -> str:
    """mlgrade's installed version, recorded with every result."""
    try:
        return importlib.metadata.version("mlgrade")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def fingerprint(submission: Path, exercises: list[Exercise], options: engine.Options) -> str:
    """What a saved result was graded from and with."""
    digest = hashlib.sha256()
    setup = {
        "mlgrade": grader_version(),
        "checks": [(e.name, [(c.function, c.name, c.visibility, c.points) for c in e.checks]) for e in exercises],
        "device": options.device,
        "limits": repr(options.limits),
        "budgets": [options.exercise_seconds, options.submission_seconds],
        "sandbox": options.sandbox,
        "language": options.language,  # the messages' language: a result in another one is graded again
    }
    digest.update(json.dumps(setup, sort_keys=True).encode())
    files = sorted(p for p in submission.rglob("*") if p.is_file()) if submission.is_dir() else [submission]
    for path in files:
        if path.is_symlink():
            continue
        digest.update(str(path.relative_to(submission) if submission.is_dir() else path.name).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def save(out: Path, result: SubmissionResult, fingerprint: str) -> None:
    """Save one graded submission under ``out`` with the fingerprint it was graded from."""
    data = {"fingerprint": fingerprint, "result": result.to_json(), "grader_failed": result.grader_failed}
    write_atomic(out / FOLDER / f"{file_name(result.submission)}.json", json.dumps(data, ensure_ascii=False))


def load(out: Path, name: str, fingerprint: str) -> SubmissionResult | None:
    """The saved result of submission ``name``, if it was graded from the same fingerprint."""
    path = out / FOLDER / f"{file_name(name)}.json"
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        if data.get("fingerprint") != fingerprint or data.get("grader_failed"):
            return None
        return SubmissionResult.from_json(data["result"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # none saved, or unreadable: grade it again
