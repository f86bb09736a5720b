"""``mlgrade release OUT_DIR``: the student bundle (SPEC, "Command line").

The bundle is an installable project: the exercise stubs, a README for students, and the
grader with its public checks only. The reference solutions and the hidden checks are not
copied, and the build refuses to finish if a file of either ended up in it (``leaks``).
Students run ``pip install .`` in it, then ``mlgrade check``.

Released for an assignment of a course file (``--assignment week3``), the bundle holds that
assignment's stubs and a copy of the course file, byte for byte, at its root: the student's
``mlgrade check --assignment week3`` finds it there and gives each exercise its points.

The bundle speaks the language in use when it is released: its README (``readme_zh`` in
Chinese), the docstrings of its stubs (``grader.stub_docs``), and what ``mlgrade check`` says
there, which reads the language from the course file the bundle carries (``language``: the
course file itself, or, released without one in another language than English, one written
for it).
"""

from __future__ import annotations

import importlib.metadata
import shutil
from pathlib import Path

from grader import bank, course, i18n, isolation, stub_docs
from grader.channels import language, readme_zh
from grader.errors import UsageProblem
from grader.i18n import _

# What the bundle installs: the grader without its hidden checks, and the stubs (the grader
# reads their signatures).
PACKAGES = ("grader", "grader.bank", "grader.isolation", "grader.channels", "grader.channels.nbgrader", "exercises")
LEFT_OUT = ("hidden", "__pycache__")


class ReleaseError(UsageProblem):
    """The bundle cannot be written; the message says why and what to do."""


def _package_dir(name: str) -> Path:
    folder = isolation.package_dir(name)
    if folder is None:
        raise ReleaseError(f"the {name} package is not installed here")
    return folder


def whole_course() -> course.Selection:
    """Every exercise at the bank's points: the bundle without a course file."""
    return course.Selection(course.default(), course.everything(), tuple(bank.NAMES))


def build(out: Path, selection: course.Selection | None = None) -> list[Path]:
    """Write the bundle of ``selection`` (default: every exercise) into ``out`` (new or
    empty); returns the files written."""
    selection = selection or whole_course()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ReleaseError(f"{out} already exists and is not an empty folder; choose a new one")
    course_file = language.course_file(selection, ReleaseError, "this student bundle")
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(_package_dir("grader"), out / "grader", ignore=shutil.ignore_patterns(*LEFT_OUT))
    others = [f"{n}.py" for n in bank.NAMES if n not in selection.names]  # stubs of other assignments
    shutil.copytree(_package_dir("exercises"), out / "exercises", ignore=shutil.ignore_patterns(*LEFT_OUT, *others))
    for stub in sorted((out / "exercises").glob("*.py")):  # the docstrings in the bundle's language
        source = stub.read_text(encoding="utf-8")
        translated = stub_docs.localized(source)
        if translated != source:
            stub.write_text(translated, encoding="utf-8")
    if course_file is not None:
        (out / course.FILE).write_bytes(course_file)
    (out / "pyproject.toml").write_text(pyproject(), encoding="utf-8")
    (out / "README.md").write_text(readme(selection), encoding="utf-8")
    leaked = leaks(out)
    if leaked:
        shutil.rmtree(out)
        raise ReleaseError(f"the bundle would contain reference or hidden files ({leaked[0]}); nothing was written")
    return sorted(p for p in out.rglob("*") if p.is_file())


def leaks(bundle: Path) -> list[str]:
    """Files of the bundle identical to a reference solution or a hidden check, or in a
    folder named after them."""
    secrets = {p.read_bytes() for d in isolation.secret_dirs() for p in Path(d).rglob("*.py") if p.stat().st_size > 0}
    found = []
    for path in sorted(bundle.rglob("*")):
        rel = path.relative_to(bundle)
        named = rel.parts[0] == "solutions" or "hidden" in rel.parts
        if named or (path.is_file() and path.read_bytes() in secrets):
            found.append(str(rel))
    return found


def pyproject() -> str:
    """The bundle's pyproject.toml: the same distribution and dependencies, fewer packages."""
    meta = importlib.metadata.metadata("mlgrade")
    requires = [r for r in importlib.metadata.requires("mlgrade") or [] if "extra ==" not in r]
    listed = "".join(f'    "{r}",\n' for r in requires)
    return f"""[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "mlgrade"
version = "{meta["Version"]}"
description = "Machine-learning exercises with their public checks (the student bundle)"
requires-python = ">=3.10"
dependencies = [
{listed}]

[project.scripts]
mlgrade = "grader.__main__:main"

[tool.setuptools]
packages = {list(PACKAGES)!r}

[tool.setuptools.package-data]
grader = ["locale/*/LC_MESSAGES/*.mo"]  # the compiled catalogs: mlgrade check speaks the bundle's language
"""


def check_command(selection: course.Selection) -> str:
    """The command a student checks the bundle's exercises with."""
    name = selection.assignment.name
    return "mlgrade check" if name == course.ALL else f"mlgrade check --assignment {name}"


def readme(selection: course.Selection | None = None) -> str:
    """The students' README: setup, the exercises, the rules, how to check and submit."""
    selection = selection or whole_course()
    exercises = selection.load(hidden=False)
    chinese = i18n.language() == "zh"
    rows = []
    for exercise in exercises:
        functions = ", ".join(f"`{f.name}`" for f in exercise.functions)
        topic = _(exercise.title)
        rows.append(f"| `exercises/{exercise.name}.py` | {topic} | {functions} | {exercise.worth:g} |")
    assignment = selection.assignment
    heading = readme_zh.HEADING if chinese else "Machine-learning exercises"
    if assignment.name != course.ALL:
        heading = f"{assignment.title or assignment.name} ({assignment.name})"
    due = ""
    if assignment.due is not None:
        when = course.show_due(assignment.due)
        due = readme_zh.due(when) if chinese else f"\n\nDue: **{when}**."
    command = check_command(selection)
    validate = command.replace("mlgrade check", "mlgrade validate", 1)
    forbidden = []
    for exercise in exercises:
        # the autograd patterns (*(requires_grad=True), Tensor.requires_grad.__set__) are the
        # grader's spelling of the rule stated in words below
        names = sorted({p for f in exercise.functions for p in f.forbidden if "requires_grad" not in p})
        if names:
            forbidden.append(f"- **{exercise.name}**: " + ", ".join(f"`{n}`" for n in names))
    table = "\n".join(rows)
    rules = "\n".join(forbidden)
    if chinese:
        return readme_zh.text(heading, due, command, validate, exercises[0].name, table, rules)
    return f"""# {heading}

Each file in `exercises/` is a stub: the functions are declared, with docstrings that give
the shapes and what to compute, and each raises `NotImplementedError`. Fill them in, then
check your work with `{command}`.{due}

## Set up (once)

    python -m venv .venv
    . .venv/bin/activate     # on Windows: .venv\\Scripts\\activate
    pip install torch --index-url https://download.pytorch.org/whl/cpu   # the CPU build is enough
    pip install .            # installs mlgrade and the other libraries

Windows, macOS and Linux all work, with Python 3.11 or later. On Windows and macOS your code
runs in a separate process with a time limit per call but no memory limit ("isolation:
portable" in the output). Grading itself runs on Linux.

Skip the torch line if your environment already has PyTorch: `pip install .` keeps it.
Without that line, pip may download the much larger GPU build.

## The exercises

| file | topic | functions | points |
|---|---|---|---|
{table}

## Check your work

    {command}                      # every exercise
    {command} {exercises[0].name}  # one exercise
    {command} --path my/folder     # modules somewhere other than exercises/
    {validate}                     # before you hand in: modules found, named, importable

Run it in this folder. For each exercise you started you get a table with a mark per check
and, for each failing check, what went wrong and the smallest input that shows it; a summary
of every exercise ends the output. Under a failing check it also shows the first lines your
code printed during that call, so `print` debugging works. It exits with status 1 while a
check fails (0 when all pass), so you can run it from a script; `mlgrade check --json` prints
the results as JSON.

These are the **public checks**. Your submission is graded on these and on **hidden
checks**: more inputs, edge cases, and comparison with a reference solution. Passing every
public check is a good sign, not a guarantee.

## Rules

- Do not rename the files or functions, or change their parameters.
- Return what the docstring says: shapes, dtypes, Python numbers or tensors.
- Do not change your inputs in place.
- Each function may not use the library calls that would do the exercise for you. Using one
  costs that function all its points:

{rules}

- Automatic differentiation (`torch.autograd`, `.backward()`, `requires_grad`) is forbidden
  wherever you write a gradient yourself.
- Your code runs in an isolated process: no network, no files outside its own folder, no
  subprocesses. A function that hangs or crashes loses its own points and nothing else.

## Submit

Run `mlgrade validate` first: it tells you whether each module is found, named right and
importable, with every function it must have, and whether a file is too large to be copied
for grading (64 MiB in all; your Python modules always come first). It exits 0 when the folder
is ready. Then hand in the `exercises/` folder, or a .zip of it, as your course asks.
"""
