"""Babel's extraction of what ``grader.i18n`` translates but no ``_`` call names: the titles of
an exercise's checks, whose English is the check's ``name`` (an identifier, often built from
values, so that no literal in the source holds it). ``babel.cfg`` maps the bank's modules here:
their marked strings, as Babel's Python extractor finds them, and then every check name of that
exercise, public and hidden, in the context ``check`` (``i18n.title``). It maps the stubs to
:func:`stub_module`: their docstrings, the specification a student reads."""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from babel.messages.extract import extract_python

from grader import bank, stub_docs
from grader.i18n import CHECK_CONTEXT


def bank_module(
    fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Collection[str], options: Any
) -> Iterator[tuple[int, Any, Any, Any]]:
    """Babel extraction method for ``grader/bank/<exercise>.py``."""
    yield from extract_python(fileobj, keywords, comment_tags, options)
    name = Path(getattr(fileobj, "name", "")).stem
    if name not in bank.NAMES:
        return
    (exercise,) = bank.load([name], hidden=True)
    for check in exercise.checks:
        yield 0, "pgettext", (CHECK_CONTEXT, check.name), [f"a check of {name}.{check.function}"]


def stub_module(
    fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Collection[str], options: Any
) -> Iterator[tuple[int, Any, Any, Any]]:
    """Babel extraction method for the stubs, ``exercises/<exercise>.py``: each module and
    function docstring, cleaned (``grader.stub_docs``, which puts the translations back), and
    nothing else (a stub marks no string)."""
    exercise = Path(getattr(fileobj, "name", "")).stem
    for node, literal, text in stub_docs.docstrings(fileobj.read()):
        where = f"the exercise {exercise}" if isinstance(node, ast.Module) else f"{exercise}.{node.name}"
        yield literal.lineno, None, text, [f"the docstring of {where}: the specification a student reads"]
