"""Every exercise's explanation exists in English and in Chinese, and the Chinese one says the same
thing: it is Chinese prose, with the English one's display formulas, the code it names, and its
sections. (The notebooks show ``grader/explanations/zh/<exercise>.md`` under ``--lang zh``.)"""

from __future__ import annotations

import fnmatch
import importlib
import re
import tomllib

import pytest
from conftest import REPO

from grader import bank
from grader.exercise import Exercise

EXPLANATIONS = REPO / "grader" / "explanations"

DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
INLINE = re.compile(r"(?<!\$)\$(?!\$)(.+?)(?<!\$)\$(?!\$)", re.DOTALL)
CODE = re.compile(r"`([^`\n]+)`")
HEADING = re.compile(r"^(#+) ", re.MULTILINE)
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")

# The share of CJK characters among the letters of the Chinese prose (formulas and code left out).
# The prose keeps Latin words where the course does (softmax, ReLU, Adam, Huber, hypothesis,
# PyTorch...), so it is not 1; an untranslated paragraph brings a file well under this.
MIN_CJK_SHARE = 0.75


def text(name: str, lang: str) -> str:
    path = EXPLANATIONS / (f"{name}.md" if lang == "en" else f"{lang}/{name}.md")
    return path.read_text(encoding="utf-8")


def display_formulas(source: str) -> set[str]:
    """The $$...$$ blocks, whitespace normalised (a line break inside one changes nothing)."""
    return {" ".join(block.split()) for block in DISPLAY.findall(source)}


def inline_formulas(source: str) -> set[str]:
    return {" ".join(f.split()) for f in INLINE.findall(DISPLAY.sub(" ", CODE.sub(" ", source)))}


def code_spans(source: str) -> set[str]:
    return set(CODE.findall(source))


def prose(source: str) -> str:
    """What a student reads as sentences: no formulas, no code, no table of shapes' code cells."""
    return INLINE.sub(" ", DISPLAY.sub(" ", CODE.sub(" ", source)))


def public_exercise(name: str) -> Exercise:
    return importlib.import_module(f"grader.bank.{name}").EXERCISE


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", bank.NAMES)
def test_every_exercise_has_its_explanation(name: str, lang: str) -> None:
    path = EXPLANATIONS / (f"{name}.md" if lang == "en" else f"{lang}/{name}.md")
    assert path.is_file(), f"{path.relative_to(REPO)} is missing"
    assert path.read_text(encoding="utf-8").strip()


def test_no_chinese_explanation_without_an_exercise() -> None:
    stray = {p.stem for p in (EXPLANATIONS / "zh").glob("*.md")} - set(bank.NAMES)
    assert not stray, f"explanations for no exercise of the bank: {sorted(stray)}"


@pytest.mark.parametrize("name", bank.NAMES)
def test_the_chinese_explanation_is_chinese(name: str) -> None:
    words = prose(text(name, "zh"))
    cjk, latin = len(CJK.findall(words)), len(LATIN.findall(words))
    share = cjk / (cjk + latin)
    assert share >= MIN_CJK_SHARE, f"{name}: only {share:.0%} of the prose's letters are Chinese"


@pytest.mark.parametrize("name", bank.NAMES)
def test_no_paragraph_is_left_in_english(name: str) -> None:
    """Every paragraph of prose is Chinese, not just most of the file."""
    for paragraph in re.split(r"\n\s*\n", prose(text(name, "zh"))):
        if paragraph.lstrip().startswith("|"):  # the shapes table: code and shapes, little prose
            continue
        letters = LATIN.findall(paragraph)
        if len(letters) >= 40:
            assert CJK.search(paragraph), f"{name}: a paragraph with no Chinese: {paragraph.strip()[:120]!r}"


@pytest.mark.parametrize("name", bank.NAMES)
def test_the_chinese_explanation_has_the_same_display_formulas(name: str) -> None:
    """The math is the same math: the $$ blocks, LaTeX untouched (their \\text{...} included, so
    that both languages show one formula), equal as sets."""
    en, zh = display_formulas(text(name, "en")), display_formulas(text(name, "zh"))
    assert en, f"{name}: the English explanation has no display formula"
    assert zh == en, f"{name}: missing in zh {sorted(en - zh)}; not in en {sorted(zh - en)}"


@pytest.mark.parametrize("name", bank.NAMES)
def test_the_chinese_explanation_keeps_every_inline_formula(name: str) -> None:
    en, zh = inline_formulas(text(name, "en")), inline_formulas(text(name, "zh"))
    assert en <= zh, f"{name}: inline formulas of the English text missing in zh: {sorted(en - zh)}"


@pytest.mark.parametrize("name", bank.NAMES)
def test_the_chinese_explanation_names_the_same_code(name: str) -> None:
    """Every identifier, call and string the English text shows in backticks, the Chinese shows
    too, unchanged; the exercise's functions at least are named in both."""
    en, zh = code_spans(text(name, "en")), code_spans(text(name, "zh"))
    functions = {f.name for f in public_exercise(name).functions}
    for lang, source in (("en", text(name, "en")), ("zh", text(name, "zh"))):
        named = " ".join(code_spans(source))
        unnamed = {f for f in functions if not re.search(rf"\b{f}\b", named)}
        assert not unnamed, f"{name} ({lang}) does not name {sorted(unnamed)} in backticks"
    assert en <= zh, f"{name}: code of the English text missing in zh: {sorted(en - zh)}"


@pytest.mark.parametrize("name", bank.NAMES)
def test_the_chinese_explanation_has_the_same_sections(name: str) -> None:
    en, zh = HEADING.findall(text(name, "en")), HEADING.findall(text(name, "zh"))
    assert en, f"{name}: the English explanation has no heading"
    assert zh == en, f"{name}: headings {zh} in zh, {en} in en"


@pytest.mark.parametrize("name", bank.NAMES)
def test_the_chinese_explanation_has_the_same_shapes_table(name: str) -> None:
    """One row per function, in the same order, naming the same code."""

    def rows(source: str) -> list[str]:
        return [line for line in source.splitlines() if line.startswith("| `")]

    en, zh = rows(text(name, "en")), rows(text(name, "zh"))
    assert len(zh) == len(en), f"{name}: {len(zh)} rows in zh's shapes table, {len(en)} in en's"
    for en_row, zh_row in zip(en, zh, strict=True):
        first = en_row.split("|")[1]
        assert zh_row.split("|")[1] == first, f"{name}: the row {first.strip()} differs in zh"


@pytest.mark.parametrize("name", bank.NAMES)
def test_the_chinese_explanation_is_spaced_one_way(name: str) -> None:
    """The glossary's style: no space between a Chinese character and a Latin word, a number, code
    or a formula (it is optional, so one way for every file), and full-width punctuation after
    Chinese characters."""
    source = text(name, "zh")
    spaced = re.findall(rf"{CJK.pattern} [A-Za-z0-9`$]|[A-Za-z0-9`$] {CJK.pattern}", source)
    assert not spaced, f"{name}: spaces between Chinese and Latin text: {spaced[:5]}"
    half_width = re.findall(rf"{CJK.pattern}[,.;:!?]|[,;:!?]{CJK.pattern}", source)
    assert not half_width, f"{name}: half-width punctuation in Chinese sentences: {half_width[:5]}"


def test_the_chinese_explanations_are_shipped() -> None:
    """The package data takes them in, so an installed mlgrade can show them."""
    patterns = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"
    ]
    for name in bank.NAMES:
        assert any(fnmatch.fnmatchcase(f"explanations/zh/{name}.md", p) for p in patterns["grader"]), name


def test_headings_in_chinese_are_the_same_everywhere() -> None:
    """The four sections have one Chinese name each, the same in every exercise."""
    headings: dict[str, set[str]] = {}
    for name in bank.NAMES:
        en = re.findall(r"^## (.+)$", text(name, "en"), re.MULTILINE)
        zh = re.findall(r"^## (.+)$", text(name, "zh"), re.MULTILINE)
        for e, z in zip(en, zh, strict=False):
            headings.setdefault(e, set()).add(z)
    inconsistent = {e: z for e, z in headings.items() if len(z) > 1}
    assert not inconsistent, inconsistent
    assert all(CJK.search(next(iter(z))) for z in headings.values()), headings
