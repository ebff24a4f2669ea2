"""Words the services give people, translated where they are shown (the edge), through gettext.

A service raises or returns a ``Message``: a msgid (the Vietnamese wording, which is also the code the
catalogue is keyed by, as everywhere in Loa) and its parameters. The edge renders it in the reader's
language: the web by the person's choice (flask-babel), the API by ``Accept-Language`` (Vietnamese
by default), the CLI in Vietnamese. The English lives in ``central/translations`` like every other
word of the central; ``pybabel extract`` finds ``msg(...)`` and ``N_(...)`` in ``central/``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"

Gettext = Callable[[str], str]


def N_(msgid: str) -> str:
    """Mark a bare msgid (a problem title, a label) for extraction; translated where it is shown."""
    return msgid


class Message:
    """A msgid and its parameters; ``str()`` gives the Vietnamese wording."""

    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, params: Mapping[str, Any] | None = None) -> None:
        self.msgid = msgid
        self.params = dict(params or {})

    def render(self, gettext: Gettext | None = None) -> str:
        """The wording in the language of ``gettext`` (Vietnamese without one), with its parameters.

        A parameter that is itself worded (a ``Message``, or the audio library's ``AudioError`` or
        ``Reason``: anything with a ``msgid`` and ``params``) is rendered in the same language.
        """
        text = gettext(self.msgid) if gettext is not None else self.msgid
        if not self.params:
            return text
        worded_params = {k: w.render(gettext) if (w := worded(v)) is not None else v
                         for k, v in self.params.items()}
        return text % worded_params

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Message({self.msgid!r}, {self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Message) and (self.msgid, self.params) == (other.msgid, other.params)

    __hash__ = None  # type: ignore[assignment]  # mutable params: not a dict key


def worded(value: object) -> Message | None:
    """``value`` as a ``Message`` if it carries a msgid and parameters (an ``AudioError``, a ``Reason``), or None."""
    if isinstance(value, Message):
        return value
    msgid, params = getattr(value, "msgid", None), getattr(value, "params", None)
    return Message(msgid, params) if isinstance(msgid, str) and isinstance(params, dict) else None


def msg(msgid: str, **params: Any) -> Message:
    """A message for people: ``msg("Không có đài số %(id)s.", id=7)``."""
    return Message(msgid, params)


@lru_cache(maxsize=len(LANGUAGES))
def _catalogue(lang: str) -> NullTranslations:
    if lang == DEFAULT_LANGUAGE:
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS), [lang])


def gettext_for(lang: str) -> Gettext:
    """The catalogue's ``gettext`` for ``lang`` (one of ``LANGUAGES``; anything else is Vietnamese)."""
    return _catalogue(lang if lang in LANGUAGES else DEFAULT_LANGUAGE).gettext


def render(text: Message | str, lang: str) -> str:
    """``text`` in ``lang``: a ``Message`` is translated; a plain string is returned as it is."""
    return text.render(gettext_for(lang)) if isinstance(text, Message) else text
