"""The stubs' docstrings in the language in use (grader.stub_docs, SPEC "Languages"): in Chinese
every docstring of every stub is Chinese and nothing else of the stub changes; in English the
stub is itself; the literals written back hold exactly the translation, whatever it contains."""

from __future__ import annotations

import ast
import inspect
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import chinese

from grader import i18n, i18n_extract, stub_docs

ROOT = Path(__file__).resolve().parents[1]
STUBS = sorted(path for path in (ROOT / "exercises").glob("*.py") if path.name != "__init__.py")


def without_docstrings(source: str) -> str:
    """``source``'s AST with every docstring emptied: what the code is, apart from its docs."""
    tree = ast.parse(source)
    for _node, literal in stub_docs.documented(tree):
        literal.value = ""
    return ast.dump(tree)


def outside_docstrings(source: str) -> list[bytes]:
    """The bytes of ``source`` between (and around) its docstrings' literals."""
    encoded = source.encode("utf-8")
    starts = [0]
    for line in encoded.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    pieces, at = [], 0
    for _node, literal in stub_docs.documented(ast.parse(source)):
        assert literal.end_lineno is not None and literal.end_col_offset is not None
        begin = starts[literal.lineno - 1] + literal.col_offset
        pieces.append(encoded[at:begin])
        at = starts[literal.end_lineno - 1] + literal.end_col_offset
    return [*pieces, encoded[at:]]


def functions(source: str, name: str) -> dict[str, Callable[..., object]]:
    namespace: dict[str, object] = {"__name__": f"exercises.{name}"}
    exec(compile(source, f"exercises/{name}.py", "exec"), namespace)
    return {
        key: value
        for key, value in namespace.items()
        if inspect.isfunction(value) and value.__module__ == f"exercises.{name}"
    }


def test_there_are_the_eighteen_stubs() -> None:
    assert len(STUBS) == 18


@pytest.mark.parametrize("path", STUBS, ids=lambda path: path.stem)
def test_a_stub_in_chinese_is_the_same_code_with_chinese_docstrings(path: Path, zh: None) -> None:
    source = path.read_text(encoding="utf-8")
    english = {id(node): text for node, _literal, text in stub_docs.docstrings(source)}
    assert len(english) >= 2  # the module's and at least one function's

    localized = stub_docs.localized(source)

    compile(localized, str(path), "exec")
    assert without_docstrings(localized) == without_docstrings(source)
    assert outside_docstrings(localized) == outside_docstrings(source)
    for node, literal, text in stub_docs.docstrings(localized):
        where = getattr(node, "name", path.stem)
        assert chinese(text), f"the docstring of {path.stem}.{where} is not in Chinese"
        assert text == inspect.cleandoc(literal.value)
    original, translated = functions(source, path.stem), functions(localized, path.stem)
    assert list(translated) == list(original)
    for name, function in translated.items():
        assert inspect.signature(function) == inspect.signature(original[name])
        assert inspect.getdoc(function) == i18n._(inspect.getdoc(original[name]) or "")
        assert inspect.getdoc(function) != inspect.getdoc(original[name])


@pytest.mark.parametrize("path", STUBS, ids=lambda path: path.stem)
def test_a_stub_in_english_is_itself(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert i18n.language() == "en"
    assert stub_docs.localized(source) == source


@pytest.mark.parametrize("path", STUBS, ids=lambda path: path.stem)
def test_the_catalog_extracts_each_docstring_of_a_stub_once_and_nothing_else(path: Path) -> None:
    source = path.read_bytes()
    handle = io.BytesIO(source)
    handle.name = str(path)  # type: ignore[attr-defined]
    extracted = list(i18n_extract.stub_module(handle, {"_": None}, [], {}))
    expected = [ast.get_docstring(node) for node, _literal in stub_docs.documented(ast.parse(source))]
    assert [message for _line, _function, message, _comments in extracted] == expected
    for _line, _function, _message, comments in extracted:
        assert len(comments) == 1 and path.stem in comments[0]


TRICKY = '''"""Module: plain."""

import os


def plain(a="é", b='ü'): "One line, after non-ASCII code on its line."  # a comment stays


def raw(x):
    r"""Raw: \\sum_i x_i.

    More \\alpha.
    """
    return x


def raw_kept(x):
    r"""Beta \\beta."""


async def single(x):
    \'\'\'Single quotes.\'\'\'
    return x


class Holder:
    """A class."""

    def method(self):
        """A method, deeper.

        Example:

            indented example
        """
        return os.sep  ; y = 1
'''

TRANSLATIONS = {
    "Module: plain.": 'Ends with a quote "',
    "One line, after non-ASCII code on its line.": "Now two lines\\\nwith a backslash, \\n not a newline",
    "Raw: \\sum_i x_i.\n\nMore \\alpha.": 'Raw, still: \\sum, and """ three quotes\n\n\\alpha ends with \\',
    "Single quotes.": "Single '''quotes''' inside, ends with '",
    "A class.": "Une classe, \u00e9t\u00e9, \u7c7b.",
    "A method, deeper.\n\nExample:\n\n    indented example": "Deeper.\n\n    still indented\n\nC:\\path\\",
    "Beta \\beta.": "\\gamma \\delta",
}


def test_tricky_literals_round_trip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "_", lambda message: TRANSLATIONS.get(message, message))
    assert {text for _node, _literal, text in stub_docs.docstrings(TRICKY)} == set(TRANSLATIONS)

    localized = stub_docs.localized(TRICKY)

    compile(localized, "tricky.py", "exec")
    assert without_docstrings(localized) == without_docstrings(TRICKY)
    assert outside_docstrings(localized) == outside_docstrings(TRICKY)
    assert [text for _node, _literal, text in stub_docs.docstrings(localized)] == [
        TRANSLATIONS[text] for _node, _literal, text in stub_docs.docstrings(TRICKY)
    ]
    # the literals keep their kind where the translation allows it, and their indentation
    assert "    '''Single \\'\\'\\'quotes\\'\\'\\' inside, ends with \\''''\n" in localized
    assert '\n    """Raw, still: \\\\sum, and \\"\\"\\" three quotes\n\n    \\\\alpha' in localized
    assert '        """Deeper.\n\n            still indented\n\n        C:\\\\path\\\\\n        """\n' in localized
    assert 'def plain(a="é", b=\'ü\'): """Now two lines' in localized
    assert '    r"""\\gamma \\delta"""\n' in localized


def test_an_untranslated_docstring_keeps_its_literal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "_", lambda message: "Translated." if message == "A class." else message)
    localized = stub_docs.localized(TRICKY)
    assert localized == TRICKY.replace('"""A class."""', '"""Translated."""')
