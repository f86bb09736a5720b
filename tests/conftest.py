from __future__ import annotations

import ast
import os
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest
import torch

from grader import bank, checks
from grader.isolation import sandbox

REPO = Path(__file__).resolve().parent.parent

# CI sets MLGRADE_TEST_SANDBOX=require: there a test that needs the sandbox fails where the
# sandbox cannot run, instead of skipping (and vanishing from the run without a failure).
SANDBOX_REQUIRED = os.environ.get("MLGRADE_TEST_SANDBOX") == "require"

# Marks a test that needs the bubblewrap sandbox; see pytest_runtest_setup for the rule.
needs_sandbox = pytest.mark.sandbox

# The two isolation levels, for tests that run at both; the sandbox one follows needs_sandbox.
LEVELS = [pytest.param(sandbox.SANDBOX, marks=needs_sandbox, id=sandbox.SANDBOX), sandbox.PROCESS]


# A test of CUDA: marked ``cuda`` (a run on a GPU machine: ``pytest -m cuda``), and skipped with
# its reason where no GPU is. Both marks go on such a test: @pytest.mark.cuda and @needs_cuda.
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU")

# The devices a reference's own tests run on: the CPU everywhere, and CUDA where a GPU is.
DEVICES = ["cpu", pytest.param("cuda", marks=[pytest.mark.cuda, needs_cuda])]


def pytest_configure(config: pytest.Config) -> None:
    """Grading commands refuse to run without the sandbox unless asked (SECURITY.md): where it
    cannot run here, and CI does not require it, the tests ask for the process level as an
    instructor would, with MLGRADE_NO_SANDBOX (tests of that rule unset it)."""
    if not SANDBOX_REQUIRED and "MLGRADE_NO_SANDBOX" not in os.environ and sandbox.sandbox_problem() is not None:
        os.environ["MLGRADE_NO_SANDBOX"] = "1"
    # A student's mlgrade check keeps its warm template for the next check, for minutes after the
    # command (grader/isolation/templates.py): the suite's hundreds of checks keep none, and
    # leave no process behind. tests/test_kept_templates.py asks for them, and ends them.
    os.environ["MLGRADE_TEMPLATE_MINUTES"] = "0"


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked ``sandbox`` skips where the sandbox cannot run, or fails under
    MLGRADE_TEST_SANDBOX=require. The probe runs once per process, on the first such test."""
    if item.get_closest_marker("sandbox") is None:
        return
    problem = sandbox.sandbox_problem()
    if problem is None:
        return
    if SANDBOX_REQUIRED:
        pytest.fail(f"MLGRADE_TEST_SANDBOX=require, but the sandbox cannot run here: {problem}", pytrace=False)
    pytest.skip(f"the sandbox cannot run here: {problem}")


def max_score(names: Iterable[str] = bank.NAMES) -> float:
    """The most points the named exercises give (hidden checks included where installed),
    from the bank's declarations: no test hard-codes a total."""
    return sum(exercise.max_score for exercise in bank.load(tuple(names)))


def reference_source(exercise: str) -> str:
    return (REPO / "solutions" / f"{exercise}.py").read_text()


def reference_fingerprints() -> set[str]:
    """Every statement of the references' and hidden checks' function bodies, as source
    lines of some length that the public code (stubs, engine, public bank) does not also contain."""
    public = [p for p in (REPO / "grader").rglob("*.py") if "hidden" not in p.parts]
    shared = set()
    for path in [*(REPO / "exercises").glob("*.py"), *public]:
        shared |= {line.strip() for line in path.read_text().splitlines()}
    found = set()
    for path in [*(REPO / "solutions").glob("*.py"), *(REPO / "grader" / "hidden").glob("*.py")]:
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef):
                for statement in node.body:
                    for line in (ast.get_source_segment(source, statement) or "").splitlines():
                        if len(line.strip()) >= 24 and line.strip() not in shared:
                            found.add(line.strip())
    return found


@pytest.fixture
def make_submission(tmp_path: Path) -> Callable[..., Path]:
    """make_submission(name, {"least_squares": source, ...}) -> a submission folder."""

    def make(name: str, modules: dict[str, str]) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        for module, source in modules.items():
            (folder / f"{module}.py").write_text(source)
        return folder

    return make


def with_override(exercise: str, code: str) -> str:
    """The reference module with one function redefined: a submission correct but for ``code``."""
    return reference_source(exercise) + "\n\n" + code


def grades_only(results: list[dict]) -> list[dict]:
    """grades.json without when each submission was graded: what a regrade must reproduce."""
    return [{k: v for k, v in r.items() if k != "graded_at"} for r in results]


# Chinese text: the CJK unified ideographs (and extension A)
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def chinese(text: str) -> bool:
    """``text`` holds Chinese."""
    return bool(CJK.search(text))


@pytest.fixture
def zh() -> Iterator[None]:
    """The process in Chinese for the test, in English again after it."""
    from grader import i18n

    i18n.use("zh")
    try:
        yield
    finally:
        i18n.use("en")


@pytest.fixture
def shrinks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The checks hypothesis shrinks a failure of from now on (by their inputs' strategy): not
    the drawing of examples, nor a failure judged along a kept path (grader/checks.py, ``_shrunk``)."""
    shrunk: list[str] = []
    original = checks.Generated._hypothesis

    def counting(judge: checks._Judge, ctx: object, failure: list) -> None:
        if ctx is not None:
            shrunk.append(repr(judge.inputs)[:40])
        original(judge, ctx, failure)

    monkeypatch.setattr(checks.Generated, "_hypothesis", staticmethod(counting))
    return shrunk
