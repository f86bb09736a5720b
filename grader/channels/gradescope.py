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

Gradescope must give the score that ``mlgrade grade`` gives on the instructor's machine.
hypothesis's derandomized examples depend on its version, and torch's and numpy's numerics on
theirs, so the zip carries ``constraints.txt``: the versions installed where the zip was built,
which ``setup.sh`` passes to every ``pip install``. ``setup.sh`` also checks the image's Python
first, since pip's own refusal ("requires a different Python") does not say which base image to
choose.

Built for an assignment of a course file, the zip carries the course file (``mlgrade.toml`` at
its root, so /autograder/source/mlgrade.toml) and ``run_autograder`` grades that assignment's
exercises at its points. It grades in the language the zip was built in, which its course file
says (``grader.channels.language``): every title, message and output of results.json is in it.
"""

from __future__ import annotations

import importlib.metadata
import io
import re
import shlex
import stat
import sys
import tomllib
import zipfile
from pathlib import Path
from typing import Any

from grader import course, i18n, isolation
from grader.channels import language
from grader.errors import UsageProblem
from grader.i18n import _
from grader.results import SubmissionResult

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
PROJECT_FILES = ("pyproject.toml", "README.md")  # pyproject names the README
SOURCE_PACKAGES = ("grader", "exercises", "solutions")
# The packages whose versions change scores: hypothesis chooses the examples, torch and numpy
# compute the answers. Pinned even if pyproject.toml stops naming one of them directly.
SCORED_PACKAGES = ("torch", "numpy", "hypothesis")
CONSTRAINTS = "constraints.txt"  # at the zip's root: /autograder/source/constraints.txt on Gradescope
# What the setup.sh message says about base images. Gradescope's documented default base image is
# Ubuntu 22.04, whose python3 is 3.10; its Configure Autograder page lets one choose another
# (OS, version, variant). Ubuntu 24.04's python3 is 3.12.
BASE_IMAGE_ADVICE = (
    "On the assignment's Configure Autograder page, choose a base image whose python3 is new enough: "
    "Ubuntu 24.04 (Python 3.12). Gradescope's default, Ubuntu 22.04, has Python 3.10."
)


class GradescopeError(UsageProblem):
    """The bundle cannot be built; the message says why and what to do."""


def results(result: SubmissionResult, hidden_visibility: str = "after_published") -> dict[str, Any]:
    """results.json for one graded submission."""
    tests = []
    for i, exercise in enumerate(result.exercises, start=1):
        for j, check in enumerate(exercise.checks, start=1):
            tests.append(
                {
                    "name": f"{exercise.name}: {i18n.title(check.name)}",
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
    summary.append(_("Graded by mlgrade, isolation: {isolation}.").format(isolation=result.isolation))
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


def _project(root: Path) -> dict[str, Any]:
    """The [project] table of the pyproject.toml that goes into the zip: what pip will install there."""
    path = root / "pyproject.toml"
    if not path.is_file():
        raise GradescopeError(f"{path} is missing: build the autograder from the mlgrade repository")
    project: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))["project"]
    return project


def minimum_python(project: dict[str, Any]) -> tuple[int, int]:
    """The lowest Python that ``requires-python`` (">=3.11") allows, for setup.sh to check."""
    found = re.fullmatch(r"\s*>=\s*(\d+)\.(\d+)\s*", project.get("requires-python", ""))
    if found is None:
        raise GradescopeError(
            f"pyproject.toml's requires-python is {project.get('requires-python')!r}; "
            "setup.sh can check only a plain lower bound such as '>=3.11'"
        )
    return int(found[1]), int(found[2])


def pins(project: dict[str, Any]) -> dict[str, str]:
    """Each runtime dependency of mlgrade, and every package that changes scores, at the version
    installed here (where the instructor runs ``mlgrade grade``).

    Local version labels are dropped ("2.13.0+cpu" pins "2.13.0"): Gradescope installs torch from
    the CPU index, whose build of the same release carries its own label, and ``==2.13.0`` matches
    any of them. Transitive dependencies are not pinned: none of them changes a score, and torch's
    CPU index does not carry every version of torch's own dependencies, so a pin could make
    setup.sh fail for nothing."""
    names = [re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement) for requirement in project.get("dependencies", [])]
    wanted = dict.fromkeys([*(m[0].lower() for m in names if m), *SCORED_PACKAGES])
    versions = {}
    for name in wanted:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            raise GradescopeError(
                f"{name} is not installed here, so its version cannot be pinned: "
                "build the autograder where you run mlgrade grade"
            ) from None
        versions[name] = version.split("+")[0]
    return dict(sorted(versions.items()))


def constraints_txt(versions: dict[str, str]) -> str:
    """The zip's constraints.txt; its header says where the versions came from and how to change them."""
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    lines = [
        f"# Generated by `mlgrade gradescope build` from the versions installed where it ran, on Python {here}:",
        "# Gradescope grades with the same torch, numpy and hypothesis as `mlgrade grade` there.",
        "# setup.sh passes this file to every pip install. To change a version, install it where you",
        "# grade and build the zip again.",
        *(f"{name}=={version}" for name, version in versions.items()),
    ]
    return "\n".join(lines) + "\n"


def setup_sh(python: tuple[int, int] = (3, 11)) -> str:
    """setup.sh, refusing a Python older than ``python`` before anything is installed.

    Gradescope's base images come with python3 (its harness runs on it), so the check can come
    first; apt-get then adds only venv, pip and bubblewrap for that same Python."""
    major, minor = python
    pip = f"/autograder/venv/bin/pip install --disable-pip-version-check -c /autograder/source/{CONSTRAINTS}"
    return rf"""#!/usr/bin/env bash
# Gradescope runs this once, as root, to build the autograder image. Any failing step fails the build.
set -euo pipefail
# mlgrade needs Python >= {major}.{minor}: say which base image to choose, before pip refuses cryptically.
FOUND="$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo missing)"
MAJOR=0 MINOR=0
if [[ "$FOUND" =~ ^([0-9]+)\.([0-9]+)$ ]]; then MAJOR="${{BASH_REMATCH[1]}}" MINOR="${{BASH_REMATCH[2]}}"; fi
if (( MAJOR < {major} || (MAJOR == {major} && MINOR < {minor}) )); then
    echo "setup.sh: mlgrade needs Python {major}.{minor} or newer, and this image's python3 is $FOUND." >&2
    echo "{BASE_IMAGE_ADVICE}" >&2
    echo "Then rebuild the autograder." >&2
    exit 1
fi
echo "setup.sh: Python $FOUND"

apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y python3 python3-venv python3-pip bubblewrap
python3 -m venv /autograder/venv
# every install under the instructor's versions ({CONSTRAINTS}: see its header)
{pip} --upgrade pip
# the CPU build of torch: Gradescope has no GPU, and the CUDA build is gigabytes
{pip} torch --index-url https://download.pytorch.org/whl/cpu
{pip} /autograder/source/mlgrade
# the versions this image grades with, in the build log
/autograder/venv/bin/pip freeze --disable-pip-version-check
"""


def run_autograder(hidden_visibility: str, assignment_name: str | None = None) -> str:
    """run_autograder, grading the assignment ``assignment_name`` with the course file the zip
    carries (None: it carries none)."""
    assignment = ""
    if assignment_name is not None:
        assignment = f' --course "$ROOT/source/{course.FILE}" --assignment {shlex.quote(assignment_name)}'
    return f"""#!/usr/bin/env bash
# Gradescope runs this for each submission: grade $ROOT/submission into $ROOT/results/results.json.
# MLGRADE_AUTOGRADER_ROOT and MLGRADE_PYTHON change where (for trying it outside Gradescope).
set -euo pipefail
ROOT="${{MLGRADE_AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{MLGRADE_PYTHON:-$ROOT/venv/bin/python}}"
exec "$PYTHON" -m grader gradescope run --root "$ROOT" --hidden-visibility {hidden_visibility}{assignment}
"""


def build(
    out: Path, hidden_visibility: str = "after_published", selection: course.Selection | None = None
) -> list[str]:
    """Write the autograder zip: setup.sh, run_autograder, constraints.txt (this machine's
    versions, see the module's docstring) and the whole mlgrade source (references and hidden
    checks included: Gradescope never shows the autograder to students). Returns the names in
    the zip."""
    if hidden_visibility not in VISIBILITIES:
        raise GradescopeError(f"visibility {hidden_visibility!r} is not one of {', '.join(VISIBILITIES)}")
    if out.suffix.lower() != ".zip":
        raise GradescopeError(f"{out}: the autograder must be a .zip file")
    root = _package_dir("grader").parent
    project = _project(root)
    course_file = None
    if selection is not None:
        course_file = language.course_file(selection, GradescopeError, "this Gradescope autograder")
    scripts = {
        "setup.sh": setup_sh(minimum_python(project)),
        "run_autograder": run_autograder(
            hidden_visibility, selection.assignment.name if selection is not None and course_file else None
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in scripts.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFREG | 0o755) << 16
            archive.writestr(info, text)
        archive.writestr(CONSTRAINTS, constraints_txt(pins(project)))
        if course_file is not None:
            archive.writestr(course.FILE, course_file)
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
