"""The languages (SPEC "Languages", grader/i18n.py): the Chinese catalog is complete and in sync
with the source, ``--lang`` is chosen as the SPEC says, and a language changes the words only:
never a score, a check's name or any other identifier."""

from __future__ import annotations

import ast
import json
import re
import shlex
import string
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po
from click.testing import CliRunner
from conftest import REPO, chinese

from grader import class_report, i18n, report
from grader.cli import cli
from grader.results import CheckResult, ExerciseResult, SubmissionResult

LOCALE = REPO / "grader" / "locale"
CATALOG = LOCALE / "zh" / "LC_MESSAGES" / "mlgrade.po"
BUGGY = str(REPO / "samples" / "buggy_student")
STUBS = str(REPO / "exercises")
# rich's markup in a message ([bold], [/], [green]): the translation keeps every tag. A
# one-letter index (x[i], mu[j]) is not a style, and rich leaves it as it is.
MARKUP = re.compile(r"\[/\]|\[/?[a-z][a-z ]+\]")


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.output


def run_json(*args: str) -> list[dict]:
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# -- the catalog: complete, and in sync with the source -------------------------------------------


def catalog(path: Path = CATALOG) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def entries(found: Catalog) -> Iterator[Message]:
    return (m for m in found if m.id)


def forms(text: str | tuple[str, ...] | list[str]) -> list[str]:
    return [text] if isinstance(text, str) else list(text)


def placeholders(text: str) -> set[str]:
    """The ``{name:spec}`` fields of a str.format template, as written."""
    fields = set()
    for _, name, spec, conversion in string.Formatter().parse(text):
        if name is not None:
            fields.add("{" + name + ("!" + conversion if conversion else "") + (":" + spec if spec else "") + "}")
    return fields


def problems_of(message: Message, plurals: int) -> list[str]:
    """What is wrong with one entry of the catalog: untranslated, fuzzy, a form missing, a
    placeholder or a markup tag lost or added."""
    where = f"{message.context + ': ' if message.context else ''}{forms(message.id)[0]!r}"
    if message.fuzzy:
        return [f"{where} is fuzzy"]
    translated = forms(message.string)
    if message.pluralizable and len(translated) != plurals:
        return [f"{where} has {len(translated)} plural forms, not {plurals}"]
    if not all(translated):
        return [f"{where} is not translated"]
    found = []
    for source in forms(message.id):
        for text in translated:
            if placeholders(text) != placeholders(source):
                found.append(f"{where}: placeholders {sorted(placeholders(text))} in {text!r}")
            if sorted(MARKUP.findall(text)) != sorted(MARKUP.findall(source)):
                found.append(f"{where}: markup {MARKUP.findall(text)} in {text!r}")
    return found


def test_the_catalog_is_complete() -> None:
    """Every entry translated, none fuzzy, every plural form there, every placeholder and markup
    tag of the msgid kept and no other added."""
    zh = catalog()
    assert zh.num_plurals == 1  # Chinese has one form
    problems = [p for m in entries(zh) for p in problems_of(m, zh.num_plurals)]
    assert not problems, f"{len(problems)} problems in {CATALOG.relative_to(REPO)}:\n" + "\n".join(problems)


def test_the_completeness_check_finds_what_is_wrong() -> None:
    """The check above is not vacuous: each kind of problem is found."""

    def entry(msgid: str | tuple[str, str], msgstr: str | tuple[str, ...], fuzzy: bool = False) -> Message:
        return Message(msgid, msgstr, flags=["fuzzy"] if fuzzy else [])

    assert problems_of(entry("{a} of {b}", "{b} 中的 {a}"), 1) == []
    assert problems_of(entry("{a} of {b}", ""), 1)
    assert problems_of(entry("{a} of {b}", "{b} 中的 {a}", fuzzy=True), 1)
    assert problems_of(entry("{a} of {b}", "{b} 中的 {c}"), 1)
    assert problems_of(entry("{value:.6g} is wrong", "{value} 不对"), 1)
    assert problems_of(entry(("{n} check", "{n} checks"), ("{n} 项检查", "")), 1)
    assert problems_of(entry(("{n} check", "{n} checks"), ("{n} 项检查", "{n} 项检查")), 1)
    assert problems_of(entry("[bold]Assignment {name}[/]", "作业 {name}"), 1)


def extracted(tmp_path: Path) -> Catalog:
    """The marked strings of the source, extracted as ``make catalogs`` extracts them: its own
    ``pybabel extract`` line of the Makefile, with the template written to ``tmp_path``."""
    recipe = (REPO / "Makefile").read_text().replace("\\\n", " ")
    line = next(line for line in recipe.splitlines() if "pybabel extract" in line)
    arguments = [a.replace("$(LOCALE)", "grader/locale") for a in shlex.split(line.strip())[1:]]
    arguments[arguments.index("-o") + 1] = str(tmp_path / "mlgrade.pot")
    done = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", *arguments],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return catalog(tmp_path / "mlgrade.pot")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    return extracted(tmp_path_factory.mktemp("pot"))


def key(message: Message) -> tuple[str | None, str]:
    return message.context, forms(message.id)[0]


def test_the_catalog_is_in_sync_with_the_source(template: Catalog) -> None:
    """Every string marked in the source has its entry in the .po (run make catalogs), and the
    .po has no entry the source no longer marks."""
    source = {key(m) for m in entries(template)}
    translated = {key(m) for m in entries(catalog())}
    assert source, "nothing was extracted"
    assert not source - translated, f"not in {CATALOG.name} (run make catalogs): {sorted(source - translated)}"
    assert not translated - source, f"in {CATALOG.name} but no longer in the source: {sorted(translated - source)}"


def marked_literals(path: Path) -> Iterator[tuple[int, str]]:
    """Each ``_("...")``, ``N_("...")`` and ``ngettext("...", ...)`` of a module, wherever it is."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("_", "N_", "ngettext")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def test_every_marked_string_is_extracted(template: Catalog) -> None:
    """A string marked where Babel does not look (inside an f-string's braces) would never be
    translated: every marked literal of grader/ is in the extracted template."""
    source = {forms(m.id)[0] for m in entries(template) if m.context is None}
    missed = [
        f"{path.relative_to(REPO)}:{line}: {text!r}"
        for path in sorted((REPO / "grader").rglob("*.py"))
        for line, text in marked_literals(path)
        if text not in source
    ]
    assert not missed, "marked but not extracted (take it out of the f-string):\n" + "\n".join(missed)


def test_the_not_started_message_is_the_engines(template: Catalog) -> None:
    """report.NOT_IMPLEMENTED is how an untouched stub is told apart in any language (mlgrade
    check's summary, the class report): it must be the msgid grader.engine marks."""
    assert report.NOT_IMPLEMENTED in {forms(m.id)[0] for m in entries(template)}


# -- choosing the language ------------------------------------------------------------------------


def test_the_flag_then_the_course_file_then_the_environment_then_english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(i18n.ENVIRONMENT, raising=False)
    assert i18n.choose(None) == "en"
    assert i18n.choose(None, "zh") == "zh"
    assert i18n.choose("en", "zh") == "en"
    monkeypatch.setenv(i18n.ENVIRONMENT, "zh")
    assert i18n.choose(None) == "zh"
    assert i18n.choose(None, "en") == "en"
    assert i18n.choose("en") == "en"
    monkeypatch.setenv(i18n.ENVIRONMENT, "")
    assert i18n.choose(None) == "en"


@pytest.mark.parametrize(
    ("given", "course", "environment"), [("fr", None, None), (None, "fr", None), (None, None, "fr")]
)
def test_an_unknown_language_is_an_error_that_names_the_languages(
    given: str | None, course: str | None, environment: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if environment is None:
        monkeypatch.delenv(i18n.ENVIRONMENT, raising=False)
    else:
        monkeypatch.setenv(i18n.ENVIRONMENT, environment)
    with pytest.raises(i18n.UnknownLanguage, match="'fr'; the languages are: en, zh"):
        i18n.choose(given, course)


def course_file(folder: Path, language: str | None) -> Path:
    path = folder / "mlgrade.toml"
    said = f'language = "{language}"\n' if language else ""
    path.write_text(f'[course]\nname = "ML"\n{said}\n[assignments.w]\nexercises = ["metrics"]\n')
    return path


@pytest.mark.parametrize(
    ("flag", "course", "environment", "expected"),
    [
        ([], None, None, "en"),
        (["--lang", "zh"], None, None, "zh"),
        ([], "zh", None, "zh"),
        (["--lang", "en"], "zh", None, "en"),
        ([], None, "zh", "zh"),
        ([], "en", "zh", "en"),
        (["--lang", "zh"], "en", "en", "zh"),
    ],
)
def test_a_command_speaks_the_chosen_language(
    flag: list[str], course: str | None, environment: str | None, expected: str, tmp_path: Path
) -> None:
    path = course_file(tmp_path, course)
    code, out = run("list", "--course", str(path), *flag, env={i18n.ENVIRONMENT: environment or ""})
    assert code == 0, out
    assert chinese(out) == (expected == "zh"), out
    assert "metrics" in out and "confusion_counts" in out  # identifiers stay
    assert i18n.language() == "en"  # the process's language is given back after the command


def test_an_unknown_language_is_a_usage_error(tmp_path: Path) -> None:
    code, out = run("list", "--lang", "fr")
    assert code == 2 and "'fr' is not one of 'en', 'zh'" in out and "Traceback" not in out
    code, out = run("list", env={i18n.ENVIRONMENT: "fr"})
    assert code == 2 and "unknown language 'fr'; the languages are: en, zh" in out and "Traceback" not in out
    code, out = run("check", "--path", STUBS, env={i18n.ENVIRONMENT: "fr"})
    assert code == 2 and "unknown language 'fr'" in out
    code, out = run("list", "--course", str(course_file(tmp_path, "fr")))
    assert code == 2 and "[course] language is 'fr'; the languages are: en, zh" in out


def test_usage_errors_are_in_the_chosen_language() -> None:
    code, out = run("grade", STUBS, "--resume", "--lang", "zh")
    assert code == 2 and chinese(out) and "--resume" in out
    code, out = run("check", "no_such_exercise", "--lang", "zh")
    assert code == 2 and "未知的练习 'no_such_exercise'" in out


def test_every_command_a_person_reads_takes_lang() -> None:
    for command in (
        ["check"],
        ["validate"],
        ["grade"],
        ["list"],
        ["release"],
        ["report"],
        ["nbgrader", "build"],
        ["nbgrader", "autograde"],
        ["gradescope", "build"],
        ["gradescope", "run"],
    ):
        code, out = run(*command, "--help")
        assert code == 0 and "--lang [en|zh]" in out, command


# -- what a language changes: the words, never the grades -----------------------------------------


def test_check_and_validate_speak_chinese() -> None:
    code, out = run("check", "least_squares", "--path", STUBS, "--lang", "zh")
    assert code == 1
    assert "小结" in out and "还没开始" in out and "公开检查" in out, out
    code, out = run("validate", "least_squares", "--path", BUGGY, "--lang", "zh")
    assert code == 0, out
    assert "提交前检查" in out and "可以提交了" in out and "least_squares.py" in out, out


def stub_with(function: str, body: str) -> str:
    """The stub of least_squares with one function written (wrongly): fast to grade, and every
    kind of message: not implemented, and a wrong answer."""
    stub = (REPO / "exercises" / "least_squares.py").read_text()
    raising = re.search(rf'raise NotImplementedError\("least_squares\.{function}[^\n]*', stub)
    assert raising is not None
    return stub.replace(raising.group(0), body)


def without_words(results: list[dict]) -> list[dict]:
    """grades.json less what depends on the language (each check's title and message, the
    submission's error and notes) and on the time."""
    kept = []
    for r in results:
        r = {k: v for k, v in r.items() if k not in ("graded_at", "error", "notes")}
        r["grader"] = {**r["grader"], "options": {k: v for k, v in r["grader"]["options"].items() if k != "language"}}
        r["exercises"] = [
            {**e, "checks": [{k: v for k, v in c.items() if k not in ("title", "message")} for c in e["checks"]]}
            for e in r["exercises"]
        ]
        kept.append(r)
    return kept


def test_a_language_changes_the_words_never_the_grades(make_submission) -> None:  # type: ignore[no-untyped-def]
    submission = make_submission("alice", {"least_squares": stub_with("predict", "return X @ w[1:]")})
    english = run_json("grade", str(submission), "-e", "least_squares", "--lang", "en")
    chinese_ = run_json("grade", str(submission), "-e", "least_squares", "--lang", "zh")
    assert without_words(chinese_) == without_words(english)
    assert english[0]["grader"]["options"]["language"] == "en"
    assert chinese_[0]["grader"]["options"]["language"] == "zh"
    for en, zh in zip(english[0]["exercises"][0]["checks"], chinese_[0]["exercises"][0]["checks"], strict=True):
        assert en["title"] == en["name"] == zh["name"]  # a title in English is the check's name
        assert zh["title"] == i18n.translations("zh").pgettext(i18n.CHECK_CONTEXT, zh["name"])
    assert any(not c["passed"] for c in english[0]["exercises"][0]["checks"])


def test_titles_go_through_json_and_show_where_names_did() -> None:
    check = CheckResult("fit known answers", "fit", "public", False, 0.0, 1.0, "wrong", title="拟合的已知答案")
    data = check.to_json()
    assert list(data)[:2] == ["name", "title"] and data["title"] == "拟合的已知答案"
    assert CheckResult.from_json(data).title == "拟合的已知答案"
    untitled = CheckResult("fit known answers", "fit", "hidden", False, 0.0, 1.0, "wrong")
    assert untitled.to_json()["title"] == "fit known answers"  # English: the name itself
    result = SubmissionResult("alice", [ExerciseResult("least_squares", [check, untitled])], isolation="process")
    text = report.feedback_text(result)
    assert "拟合的已知答案" in text and "fit known answers (hidden)" in text


def test_the_grader_failing_is_said_apart_from_its_words() -> None:
    """The class report tells a failure of the grader from the JSON, whatever its language."""
    failed = SubmissionResult("bob", error="评分程序自身在这份提交上出错：RuntimeError()", grader_failed=True)
    again = SubmissionResult.from_json(failed.to_json())
    assert again.grader_failed and class_report.grader_failed(again)
    assert "grader_failed" not in SubmissionResult("carol").to_json()  # said only when it happened


def test_a_stub_is_told_apart_in_any_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """report.message_not_started reads the engine's message in each catalog's words."""
    import gettext

    class Chinese(gettext.NullTranslations):
        def gettext(self, message: str) -> str:
            return (
                "{function} 还没有实现（它抛出 NotImplementedError）" if message == report.NOT_IMPLEMENTED else message
            )

    real = i18n.translations
    monkeypatch.setattr(i18n, "translations", lambda language: Chinese() if language == "zh" else real(language))
    assert report.message_not_started("fit_line is not implemented yet (it raises NotImplementedError)")
    assert report.message_not_started("fit_line 还没有实现（它抛出 NotImplementedError）")
    assert not report.message_not_started("fit_line 的结果形状不对")


# -- end to end: the buggy sample in Chinese ------------------------------------------------------


def grade_into(folder: Path, language: str) -> list[dict]:
    code, out = run("grade", BUGGY, STUBS, "--jobs", "2", "--lang", language, "--out", str(folder), "--no-progress")
    assert code == 0, out
    return json.loads((folder / "grades.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_the_buggy_sample_graded_in_chinese(tmp_path: Path) -> None:
    """From a clean clone: mlgrade grade samples/buggy_student --lang zh --out DIR writes Chinese
    feedback, every failed check's title and message in Chinese, with the scores of English.
    Graded with the stubs, two at a time: the grading processes (spawned) speak it too."""
    chinese_ = grade_into(tmp_path / "zh", "zh")
    english = grade_into(tmp_path / "en", "en")
    assert without_words(chinese_) == without_words(english)
    english_only = [
        f"{r['submission']}: {e['name']}: {c['name']}: {field} {c[field]!r}"
        for r in chinese_
        for e in r["exercises"]
        for c in e["checks"]
        if not c["passed"]
        for field in ("title", "message")
        if not chinese(c[field])
    ]
    assert not english_only, f"{len(english_only)} not in Chinese:\n" + "\n".join(english_only)
    for r in chinese_:
        feedback = (tmp_path / "zh" / "feedback" / f"{r['submission']}.txt").read_text(encoding="utf-8")
        assert chinese(feedback.splitlines()[1])  # the isolation, in a student's words
        for e in r["exercises"]:
            for c in e["checks"]:
                # a long title wraps in its table cell, at a space or between any two Chinese
                # characters: its first word's first two characters stay together
                assert c["title"].split()[0][:2] in feedback, c
    # the class report counts the same stubs and failures in both languages
    stats = {
        language: class_report.statistics_of([SubmissionResult.from_json(r) for r in results])
        for language, results in (("zh", chinese_), ("en", english))
    }
    assert [(c.name, c.failed, c.not_started) for c in stats["zh"].checks] == [
        (c.name, c.failed, c.not_started) for c in stats["en"].checks
    ]
    assert [e.not_started for e in stats["zh"].exercises] == [e.not_started for e in stats["en"].exercises]
    code, out = run("report", str(tmp_path / "zh"), "--lang", "zh")
    assert code == 0, out
    page = (tmp_path / "zh" / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh">' in page and "班级报告" in page


def test_no_function_hides_the_translation_function() -> None:
    """A local ``_`` (``x, _ = pair``) in a module that translates with ``_`` makes every
    ``_("...")`` of that function a TypeError, which neither ruff nor mypy reports."""
    hiding = []
    for path in sorted((REPO / "grader").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports_it = any(
            isinstance(node, ast.ImportFrom) and any(a.name == "_" and a.asname is None for a in node.names)
            for node in ast.walk(tree)
        )
        if not imports_it:
            continue
        # a comprehension's loop variable lives in the comprehension's own scope: harmless
        own_scope = {
            id(name)
            for node in ast.walk(tree)
            if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp))
            for generator in node.generators
            for name in ast.walk(generator.target)
        }
        for function in ast.walk(tree):
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                bound = [
                    n.lineno
                    for n in ast.walk(function)
                    if isinstance(n, ast.Name)
                    and n.id == "_"
                    and isinstance(n.ctx, ast.Store)
                    and id(n) not in own_scope
                ]
                hiding += [f"{path.relative_to(REPO)}:{line}" for line in bound]
    assert not hiding, f"these bind _ where it is the translation function: {sorted(set(hiding))}"
