"""Words and numbers for people at the station (the local page and ``station status``), worded once.

Source strings are Vietnamese, the default; English comes from the gettext catalog
``station/translations/en/LC_MESSAGES/station.mo`` through the standard ``gettext`` module (see
``station/translations/README.md``). Reason codes are worded by ``playlists.words.REASONS``, the
table the central uses too. Numbers follow the language's conventions (Vietnamese: ``1.234.567``,
``3,8``) with a small formatter: Babel would cost the agent about 7 MB of memory on a Pi.
"""

from __future__ import annotations

import gettext
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from playlists.model import describe_reason
from playlists.words import PLAY_WORDS, TIER_WORDS

LANGUAGES = ("vi", "en")
DOMAIN = "station"
LOCALE_DIR = Path(__file__).resolve().parent / "translations"


def N_(message: str) -> str:
    """Mark a msgid for extraction; it is translated where it is shown."""
    return message


#: What became of a play or a slot, and the tiers: the words the central uses too (playlists.words).
STATUS = PLAY_WORDS
TIERS = TIER_WORDS
#: Where a setting in force comes from.
SOURCES = {"central": N_("theo trung tâm"), "local": N_("đặt tại đài")}


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> gettext.NullTranslations:
    """The catalog of ``lang``; Vietnamese (the source language) needs none."""
    if lang not in LANGUAGES or lang == "vi":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


class Words:
    """Everything worded in one language: ``w("…")`` translates a Vietnamese source string."""

    def __init__(self, lang: str = "vi") -> None:
        self.lang = lang if lang in LANGUAGES else "vi"
        self._t = translations(self.lang)

    def __call__(self, message: str, **params: object) -> str:
        text = self._t.gettext(message)
        return text % params if params else text

    def status(self, code: str | None) -> str:
        return self(STATUS[code]) if code in STATUS else (code or "")

    def tier(self, code: str | None) -> str:
        return self(TIERS[code]) if code in TIERS else (code or "")

    def source(self, code: str) -> str:
        return self(SOURCES.get(code, code))

    def reason(self, code: str | None) -> str:
        return describe_reason(code, self.lang)

    def number(self, n: float, digits: int = 0) -> str:
        """``1234567.5`` → ``1.234.567,5`` (vi) or ``1,234,567.5`` (en)."""
        text = f"{n:,.{digits}f}"
        if self.lang == "vi":
            text = text.translate(str.maketrans(",.", ".,"))
        return text

    def size(self, n: int | None) -> str:
        """Bytes for people (binary units, as the central shows them): ``246038`` → ``240,3 KB``."""
        if n is None:
            return "—"
        value, unit = float(n), "B"
        for unit in ("B", "KB", "MB", "GB", "TB"):
            if value < 1024 or unit == "TB":
                break
            value /= 1024
        return f"{self.number(value, 0 if unit == 'B' else 1)} {unit}"

    def percent(self, n: int) -> str:
        return f"{self.number(n)}%"

    def when(self, value: str | None, tz: str, seconds: bool = False) -> str:
        """An ISO time as the commune reads it: local date, day first, then the wall-clock time."""
        if not value:
            return "—"
        try:
            local = datetime.fromisoformat(value).astimezone(ZoneInfo(tz))
        except (ValueError, KeyError):
            return value
        return local.strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")
