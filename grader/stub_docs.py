"""The stubs' docstrings in the language in use.

PLACEHOLDER, written by the channels' helper so that the channels can call it: zhdocs writes the
real module (its version replaces this one at merge).
"""

from __future__ import annotations


def localized(source: str) -> str:
    """The module ``source`` with its module and function docstrings replaced by their
    translations in the language in use; unchanged in English. (Placeholder: unchanged.)"""
    return source
