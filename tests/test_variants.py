"""Realistic student submissions, one module each, graded exercise by exercise.

``tests/variants/<exercise>/buggy_*.py`` holds a bug a student really makes and declares, as
``BREAKS = {...}``, the functions it breaks: each of them must lose points. ``correct_*.py`` is
a correct solution written in an unusual style (loops, NumPy inside, float32 inside, another
formula): it must get full marks.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest
from conftest import needs_cuda

from grader import bank, engine
from grader.results import ExerciseResult

VARIANTS = sorted((Path(__file__).parent / "variants").glob("*/*.py"))


def sampled(paths: list[Path]) -> list[object]:
    """Every variant, as a parameter: the first buggy and the first correct one of each
    exercise run under ``-m "not slow"``; the others are marked slow."""
    fast = {
        min(p for p in paths if p.parent.name == exercise and p.stem.startswith(kind))
        for exercise in {p.parent.name for p in paths}
        for kind in ("buggy_", "correct_")
    }
    return [pytest.param(p, id=f"{p.parent.name}/{p.stem}", marks=() if p in fast else pytest.mark.slow) for p in paths]


def declared_breaks(path: Path) -> set[str]:
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "BREAKS" for t in node.targets):
            return set(ast.literal_eval(node.value))
    raise AssertionError(f"{path.name} declares no BREAKS")


def grade_variant(path: Path, tmp_path: Path, device: str = "cpu") -> ExerciseResult:
    exercise = path.parent.name
    shutil.copy(path, tmp_path / f"{exercise}.py")
    result = engine.grade(tmp_path, bank.load([exercise]), engine.Options(device=device))
    return result.exercises[0]


# A bug that CUDA does not show: torch.topk picks among equal values differently there, and on
# every input the checks give, this variant's choice on CUDA is the reference's (README).
CPU_ONLY_BUGS = {"pooling/buggy_kmax_plain_topk"}


@pytest.mark.parametrize("path", sampled(VARIANTS))
@pytest.mark.parametrize(
    "device", ["cpu", pytest.param("cuda", marks=[pytest.mark.cuda, needs_cuda, pytest.mark.slow])]
)
def test_variant(path: Path, tmp_path: Path, device: str) -> None:
    """On CUDA as on the CPU (SPEC: a correct function passes whatever its style, NumPy inside
    and tensors made on the CPU included; a call that raises on the GPU is answered on the CPU)."""
    if device == "cuda" and f"{path.parent.name}/{path.stem}" in CPU_ONLY_BUGS:
        pytest.skip("a bug of torch.topk's choice on the CPU, which CUDA does not make (README)")
    graded = grade_variant(path, tmp_path, device)
    failed = [c for c in graded.checks if not c.passed]
    report = "\n".join(f"{c.function}: {c.name}: {c.message}" for c in failed)
    if path.stem.startswith("correct_"):
        assert not failed, f"a correct solution lost points:\n{report}"
        assert graded.score == graded.max_score
    else:
        breaks = declared_breaks(path)
        assert breaks, "a buggy variant must name the functions it breaks"
        lost = {c.function for c in failed}
        assert breaks <= lost, f"{sorted(breaks - lost)} kept full marks despite the bug; failures:\n{report}"
        for c in failed:
            assert c.message, f"{c.name} failed without a message"
