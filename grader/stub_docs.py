"""The stubs' docstrings in the language in use (SPEC "Languages"): a stub's module and function
docstrings are its specification, and a student reads them in the released notebooks and the
bundle in the course's language.

Each docstring is translated as one message, its cleaned text (``inspect.cleandoc``, what
``ast.get_docstring`` gives) being the msgid, so that a changed English docstring shows up as an
untranslated catalog entry. ``grader.i18n_extract.stub_module`` extracts exactly these messages.
:func:`localized` writes the translation back into the source in place of the literal, and
leaves every other byte as it is: the code a student fills in is the stub's, in every language.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from grader import i18n

DocumentedNode = ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def documented(tree: ast.Module) -> Iterator[tuple[DocumentedNode, ast.Constant]]:
    """Every node of ``tree`` that has a docstring (the module first, then its functions and
    classes in the order of the source), with the docstring's literal."""
    definitions = [
        node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    ]
    definitions.sort(key=lambda node: (node.lineno, node.col_offset))
    nodes: list[DocumentedNode] = [tree, *definitions]
    for node in nodes:
        if node.body and isinstance(first := node.body[0], ast.Expr):
            literal = first.value
            if isinstance(literal, ast.Constant) and isinstance(literal.value, str):
                yield node, literal


def docstrings(source: str | bytes) -> Iterator[tuple[DocumentedNode, ast.Constant, str]]:
    """Each docstring of ``source``: its node, its literal and its cleaned text, the msgid."""
    for node, literal in documented(ast.parse(source)):
        text = ast.get_docstring(node, clean=True)
        if text:
            yield node, literal, text


def localized(source: str) -> str:
    """``source`` (a module's text) with each module, function and class docstring in the
    language in use; the English text where it has no translation (under English, ``source``
    itself). Every byte outside the replaced literals stays as it is."""
    encoded = source.encode("utf-8")
    starts = [0]  # the byte offset of each line's start: ast's columns count UTF-8 bytes
    for line in encoded.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    replacements: list[tuple[int, int, bytes]] = []
    for _node, literal, text in docstrings(source):
        translated = i18n._(text)
        if translated == text:
            continue
        assert literal.end_lineno is not None and literal.end_col_offset is not None
        assert isinstance(literal.value, str)
        begin = starts[literal.lineno - 1] + literal.col_offset
        end = starts[literal.end_lineno - 1] + literal.end_col_offset
        original = encoded[begin:end].decode("utf-8")
        line_start = encoded[starts[literal.lineno - 1] : begin].decode("utf-8")
        replacements.append((begin, end, _literal(translated, original, literal.value, line_start).encode("utf-8")))
    for begin, end, new in reversed(replacements):
        encoded = encoded[:begin] + new + encoded[end:]
    return encoded.decode("utf-8")


def _literal(text: str, original: str, value: str, line_start: str) -> str:
    """A string literal holding the docstring ``text``, written as the ``original`` literal
    (whose value is ``value``, on a line that begins with ``line_start``) was: its prefix and
    quotes, its closing quotes on a line of their own or not; its lines after the first indented
    as the statement is. Its value, cleaned as a docstring is, is ``text``."""
    quote_at = min(index for index in (original.find('"'), original.find("'")) if index >= 0)
    prefix, quote = original[:quote_at], original[quote_at]
    indent = line_start[: len(line_start) - len(line_start.lstrip())]  # the statement's, its lines'
    lines = value.split("\n")
    closing_apart = (len(lines) > 1 and not lines[-1].strip()) or (len(lines) <= 1 and "\n" in text)
    body = "\n".join(indent + line if index and line else line for index, line in enumerate(text.split("\n")))
    if closing_apart:
        body += "\n" + indent
    raw = "r" in prefix.lower()
    if raw and (quote * 3 in body or body.endswith(quote) or body.endswith("\\") or "\r" in body):
        prefix, raw = prefix.replace("r", "").replace("R", ""), False
    if not raw:
        body = body.replace("\\", "\\\\").replace("\r", "\\r")
        if quote * 3 in body or body.endswith(quote):
            body = body.replace(quote, "\\" + quote)
    return prefix + quote * 3 + body + quote * 3
