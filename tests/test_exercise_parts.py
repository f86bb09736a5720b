"""Every exercise of the course has all its parts: the stub, the reference, the public and
hidden checks, the explanation and the variants; and the stub, which is the specification,
names every call the bank forbids."""

from __future__ import annotations

import ast
import importlib
import re
from collections import Counter

import pytest
from conftest import REPO

from grader import bank
from grader.exercise import Exercise

MIN_BUGGY, MIN_CORRECT = 10, 3


def public_exercise(name: str) -> Exercise:
    return importlib.import_module(f"grader.bank.{name}").EXERCISE


def stub_docstrings(name: str) -> str:
    """The stub's module docstring and the docstrings of its functions."""
    tree = ast.parse((REPO / "exercises" / f"{name}.py").read_text())
    docs = [ast.get_docstring(tree)] + [ast.get_docstring(n) for n in tree.body if isinstance(n, ast.FunctionDef)]
    return "\n".join(d for d in docs if d)


def forbidden_name(pattern: str) -> str:
    """What a stub must name for a forbidden pattern: its last dotted part, without wildcards,
    dunder attributes or call syntax (``torch.nn.functional.conv*`` -> ``conv``,
    ``torch.Tensor.requires_grad.__set__`` and ``*(requires_grad=True)`` -> ``requires_grad``)."""
    pattern = re.sub(r"\((\w+)=.*\)", r".\1", pattern)
    parts = [p for p in pattern.split(".") if p.strip("*") and not (p.startswith("__") and p.endswith("__"))]
    return parts[-1].replace("*", "")


def prose(text: str) -> str:
    """Text as compared for names: no case, no underscores (``BatchNorm`` names ``batch_norm``)."""
    return re.sub(r"[\s_]", "", text.lower())


@pytest.mark.parametrize("name", bank.NAMES)
def test_every_part_of_the_exercise_exists(name: str) -> None:
    parts = [
        REPO / "exercises" / f"{name}.py",
        REPO / "solutions" / f"{name}.py",
        REPO / "grader" / "bank" / f"{name}.py",
        REPO / "grader" / "hidden" / f"{name}.py",
        REPO / "grader" / "explanations" / f"{name}.md",
    ]
    missing = [str(p.relative_to(REPO)) for p in parts if not p.is_file()]
    assert not missing, f"{name} lacks {missing}"


@pytest.mark.parametrize("name", bank.NAMES)
def test_every_exercise_has_enough_variants(name: str) -> None:
    kinds = Counter(p.stem.split("_")[0] for p in (REPO / "tests" / "variants" / name).glob("*.py"))
    assert kinds["buggy"] >= MIN_BUGGY and kinds["correct"] >= MIN_CORRECT, dict(kinds)


@pytest.mark.parametrize("name", bank.NAMES)
def test_every_exercise_has_public_and_hidden_checks(name: str) -> None:
    exercise = public_exercise(name)
    assert exercise.name == name
    assert any(c.visibility == "public" for c in exercise.checks), f"{name} has no public check"
    hidden = importlib.import_module(f"grader.hidden.{name}").CHECKS
    assert hidden and all(c.visibility == "hidden" for c in hidden), f"{name}'s hidden checks: {hidden}"


@pytest.mark.parametrize("name", bank.NAMES)
def test_every_check_of_two_student_functions_names_evidence_that_exists(name: str) -> None:
    """A check that compares the student's functions with each other (a gradient against "your"
    forward) pays only with evidence (``Check.evidence``); an evidence name that is no check of
    the exercise would be silently dropped, and the check would pay for two wrong answers."""
    (exercise,) = bank.load([name])
    names = {c.name for c in exercise.checks}
    for check in exercise.checks:
        assert set(check.evidence) <= names, f"{check.name!r} names evidence that is no check: {check.evidence}"
        if check.visibility == "public" and re.search(r"\byour\b|\bits loss\b", check.name):
            assert check.evidence, f"{check.name!r} compares your functions with each other and has no evidence"


@pytest.mark.parametrize("name", bank.NAMES)
def test_the_stub_and_the_reference_define_every_declared_function(name: str) -> None:
    declared = {f.name for f in public_exercise(name).functions}
    for folder in ("exercises", "solutions"):
        tree = ast.parse((REPO / folder / f"{name}.py").read_text())
        defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        assert declared <= defined, f"{folder}/{name}.py lacks {sorted(declared - defined)}"


@pytest.mark.parametrize(
    ("pattern", "name"),
    [
        ("numpy.linalg.lstsq", "lstsq"),
        ("torch.nn.functional.conv*", "conv"),
        ("torch.*BatchNorm*", "BatchNorm"),
        ("torch.Tensor.requires_grad.__set__", "requires_grad"),
        ("*(requires_grad=True)", "requires_grad"),
        ("torch._VF.*", "_VF"),
        ("sklearn", "sklearn"),
    ],
)
def test_forbidden_name_is_what_the_pattern_forbids(pattern: str, name: str) -> None:
    assert forbidden_name(pattern) == name


@pytest.mark.parametrize("name", bank.NAMES)
def test_the_stub_names_every_forbidden_call(name: str) -> None:
    """The forbidden list is written twice, in the bank (the rule) and in the stub's docstrings
    (what the student reads): every pattern of the first must be named in the second."""
    patterns = sorted({p for f in public_exercise(name).functions for p in f.forbidden})
    text = prose(stub_docstrings(name))
    unnamed = [p for p in patterns if prose(forbidden_name(p)) not in text]
    assert not unnamed, f"exercises/{name}.py's docstrings do not name {unnamed}, which grader/bank/{name}.py forbids"
