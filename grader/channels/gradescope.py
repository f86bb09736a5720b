"""Gradescope: the autograder bundle and the results.json of one submission.

Gradescope runs an autograder as a zip holding ``setup.sh`` (run once, as root, to build the
image) and ``run_autograder`` (run once per submission, which Gradescope places in
/autograder/submission). ``run_autograder`` must write /autograder/results/results.json:
a top-level ``score`` and ``output``, and one entry per test with ``name``, ``score``,
``max_score``, ``status`` ("passed"/"failed"), ``output`` and ``visibility`` ("visible",
"hidden", "after_due_date" or "after_published"). tests/gradescope_results.schema.json is
that format as a JSON schema.

Here each mlgrade check is one Gradescope test. Public checks are "visible"; hidden ones
are "after_published" unless configured otherwise, and their messages never show the
reference's answer.
"""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path
from typing import Any

from grader import isolation
from grader.errors import UsageProblem
from grader.results import SubmissionResult

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
PROJECT_FILES = ("pyproject.toml", "README.md")  # pyproject names the README
SOURCE_PACKAGES = ("grader", "exercises", "solutions")


class GradescopeError(UsageProblem):
    """The bundle cannot be built; the message says why and what to do."""


def results(result: SubmissionResult, hidden_visibility: str = "after_published") -> dict[str, Any]:
    """results.json for one graded submission."""
    tests = []
    for i, exercise in enumerate(result.exercises, start=1):
        for j, check in enumerate(exercise.checks, start=1):
            tests.append(
                {
                    "name": f"{exercise.name}: {check.name}",
                    "number": f"{i}.{j}",
                    "score": round(check.points, 6),
                    "max_score": round(check.max_points, 6),
                    "status": "passed" if check.passed else "failed",
                    "output": check.message,
                    "visibility": "visible" if check.visibility == "public" else hidden_visibility,
                    "tags": [exercise.name, check.function],
                }
            )
    summary = [f"{e.name}: {e.score:g} / {e.max_score:g}" for e in result.exercises]
    if result.error:
        summary.insert(0, result.error)
    summary.append(f"Graded by mlgrade, isolation: {result.isolation}.")
    return {
        "score": round(result.score, 6),
        "output": "\n".join(summary),
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def _package_dir(name: str) -> Path:
    folder = isolation.package_dir(name)
    if folder is None:
        raise GradescopeError(f"the {name} package is not installed here: build the autograder from a full install")
    return folder


def setup_sh() -> str:
    return """#!/usr/bin/env bash
# Gradescope runs this once, as root, to build the autograder image.
set -euo pipefail
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y python3 python3-venv python3-pip bubblewrap
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --upgrade pip
# the CPU build of torch: Gradescope has no GPU, and the CUDA build is gigabytes
/autograder/venv/bin/pip install torch --index-url https://download.pytorch.org/whl/cpu
/autograder/venv/bin/pip install /autograder/source/mlgrade
"""


def run_autograder(hidden_visibility: str) -> str:
    return f"""#!/usr/bin/env bash
# Gradescope runs this for each submission: grade $ROOT/submission into $ROOT/results/results.json.
# MLGRADE_AUTOGRADER_ROOT and MLGRADE_PYTHON change where (for trying it outside Gradescope).
set -euo pipefail
ROOT="${{MLGRADE_AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{MLGRADE_PYTHON:-$ROOT/venv/bin/python}}"
exec "$PYTHON" -m grader gradescope run --root "$ROOT" --hidden-visibility {hidden_visibility}
"""


def build(out: Path, hidden_visibility: str = "after_published") -> list[str]:
    """Write the autograder zip: setup.sh, run_autograder, and the whole mlgrade source
    (references and hidden checks included: Gradescope never shows the autograder to
    students). Returns the names in the zip."""
    if hidden_visibility not in VISIBILITIES:
        raise GradescopeError(f"visibility {hidden_visibility!r} is not one of {', '.join(VISIBILITIES)}")
    if out.suffix.lower() != ".zip":
        raise GradescopeError(f"{out}: the autograder must be a .zip file")
    root = _package_dir("grader").parent
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (("setup.sh", setup_sh()), ("run_autograder", run_autograder(hidden_visibility))):
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFREG | 0o755) << 16
            archive.writestr(info, text)
        for package in SOURCE_PACKAGES:
            folder = _package_dir(package)
            for path in sorted(folder.rglob("*.py")):
                if "__pycache__" not in path.parts:
                    archive.write(path, f"mlgrade/{package}/{path.relative_to(folder)}")
        for name in PROJECT_FILES:
            if not (root / name).is_file():
                raise GradescopeError(f"{root / name} is missing: build the autograder from the mlgrade repository")
            archive.write(root / name, f"mlgrade/{name}")
        names = archive.namelist()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(buffer.getvalue())
    return names
