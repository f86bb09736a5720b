"""The language of what people read (SPEC "Languages"): gettext, with catalogs in
``grader/locale/<lang>/LC_MESSAGES/mlgrade.po`` (the sources, in the repository) compiled to
``.mo`` by the package build.

Every string a person reads is marked once where it is written:

- ``_("...")`` translates now, in the language in use: a message with values is one msgid with
  named placeholders, formatted after translation, so that a translator can move them:
  ``_("should have shape {expected}, got shape {got}").format(expected=..., got=...)``;
- ``ngettext(singular, plural, n)`` where a count appears;
- ``N_("...")`` marks a string for extraction where it is defined (a module-level constant)
  and ``_(constant)`` translates it where it is shown.

Identifiers never change (JSON keys, exercise, function and check names); a check's ``name``
is its identifier and its ``title``, :func:`title`, the same words in the language in use,
looked up with the context ``check``.

The language is one setting of the process (:func:`use`): the command line sets it from
``--lang``, else the course file's ``language``, else ``MLGRADE_LANG``, else English, and the
grading processes it starts set it from their options.
"""

from __future__ import annotations

import functools
import gettext
import os
from importlib import resources

DOMAIN = "mlgrade"
ENGLISH = "en"
LANGUAGES = (ENGLISH, "zh")
ENVIRONMENT = "MLGRADE_LANG"
CHECK_CONTEXT = "check"  # msgctxt of check titles: a check's name is its English title

_language = ENGLISH


class UnknownLanguage(ValueError):
    """A language mlgrade has no catalog for."""


def choose(given: str | None, course_language: str | None = None) -> str:
    """The language to use: ``given`` (``--lang``), else the course file's, else
    ``MLGRADE_LANG``, else English."""
    for candidate in (given, course_language, os.environ.get(ENVIRONMENT) or None):
        if candidate:
            if candidate not in LANGUAGES:
                raise UnknownLanguage(f"unknown language {candidate!r}; the languages are: {', '.join(LANGUAGES)}")
            return candidate
    return ENGLISH


def use(language: str) -> None:
    """Use ``language`` from now on in this process."""
    global _language
    if language not in LANGUAGES:
        raise UnknownLanguage(f"unknown language {language!r}; the languages are: {', '.join(LANGUAGES)}")
    translations(language)  # a missing catalog fails here, not in the middle of a report
    _language = language


def language() -> str:
    """The language in use."""
    return _language


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of ``language`` (English is the msgids themselves)."""
    if language == ENGLISH:
        return gettext.NullTranslations()
    folder = resources.files("grader") / "locale"
    try:
        return gettext.translation(DOMAIN, str(folder), [language])
    except FileNotFoundError:
        raise UnknownLanguage(
            f"the {language!r} catalog is not compiled ({folder}/{language}/LC_MESSAGES/{DOMAIN}.mo is missing): "
            "reinstall mlgrade, or run make catalogs in a checkout"
        ) from None


def _(message: str) -> str:
    """``message`` in the language in use."""
    return translations(_language).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of ``singular``/``plural`` for the count ``n``, in the language in use."""
    return translations(_language).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name
    """Marks ``message`` for extraction only; translate it with ``_`` where it is shown."""
    return message


def title(name: str) -> str:
    """A check's title: its ``name`` in the language in use."""
    return translations(_language).pgettext(CHECK_CONTEXT, name)
