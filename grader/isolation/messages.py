"""What the isolation unit says to people: English text that the grader can translate.

Nothing under ``grader.isolation`` imports the rest of the grader (the trust boundary,
``tests/test_layers.py``), so the unit cannot translate. It writes each message as a
:class:`Message` instead: a ``str``, its English text, as every caller always read it, that
also carries its msgid (marked with ``N_`` for the catalog's extraction, as ``grader.i18n``'s
own is) and its values. The grader translates it where it shows it (``grader.engine.localized``);
a message the worker sends travels as ``to_json``'s (msgid, values) beside its English text.
"""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name, extracted as grader.i18n's
    """Marks ``message`` for extraction only (``make catalogs``)."""
    return message


class Message(str):
    """``msgid.format(**values)`` as a str, keeping ``msgid`` and ``values`` for translation.
    A value may itself be a Message (a clause: "calling fit"), translated with it."""

    msgid: str
    values: dict[str, Any]

    def __new__(cls, msgid: str, **values: Any) -> Message:
        self = super().__new__(cls, msgid.format(**values))
        self.msgid = msgid
        self.values = values
        return self

    def __reduce__(self) -> tuple[Any, ...]:  # pickled as what it is, not re-parsed from its text
        return (_restore, (self.msgid, self.values))

    def to_json(self) -> dict[str, Any]:
        """The msgid and values, as JSON (nested messages as their own ``to_json``)."""
        return {
            "msgid": self.msgid,
            "values": {k: v.to_json() if isinstance(v, Message) else v for k, v in self.values.items()},
        }


def _restore(msgid: str, values: dict[str, Any]) -> Message:
    return Message(msgid, **values)
