"""Languages bulletins are in: ISO 639-3 codes with Vietnamese names, configurable per province.

The default list is Đắk Nông's: Vietnamese and the ethnic-minority languages broadcast there. Codes are
ISO 639-3: ``vie`` Vietnamese, ``cmo`` Central Mnong (M'Nông Preh/Nông, the M'Nông of Đắk Nông),
``rad`` Rade (Ê Đê), ``hmn`` Hmong (the macrolanguage: H'Mông varieties in the province differ),
``tyz`` Tày, ``nut`` Nùng. ``LOA_LANGUAGES`` replaces it (``vie:Tiếng Việt,cmo:M'Nông,…``).
Two-letter ``vi`` (what earlier versions stored and API clients may still send) means ``vie``.
Text-to-speech reads Vietnamese only; bulletins in other languages are recorded and uploaded.
"""

from __future__ import annotations

import re
from typing import Any

from flask import has_app_context

from central.config import settings
from central.errors import Unprocessable
from central.messages import msg

VIETNAMESE = "vie"
DEFAULT: tuple[tuple[str, str], ...] = (
    ("vie", "Tiếng Việt"),
    ("cmo", "M'Nông"),
    ("rad", "Ê Đê"),
    ("hmn", "H'Mông"),
    ("tyz", "Tày"),
    ("nut", "Nùng"),
)
ALIASES = {"vi": "vie"}  # ISO 639-1 → 639-3, for clients of the first API
_CODE = re.compile(r"^[a-z]{3}$")


def parse(text: str) -> tuple[tuple[str, str], ...]:
    """``code:Name`` pairs separated by commas; Vietnamese is always offered (first if not listed)."""
    pairs = []
    for part in text.split(","):
        code, sep, name = part.partition(":")
        code, name = code.strip().lower(), name.strip()
        if not sep or not _CODE.match(code) or not name:
            raise ValueError(part)
        pairs.append((code, name))
    if VIETNAMESE not in {c for c, _ in pairs}:
        pairs.insert(0, DEFAULT[0])
    return tuple(pairs)


def choices() -> tuple[tuple[str, str], ...]:
    """The configured languages (code, Vietnamese name), in the order people should see them."""
    if has_app_context():
        configured = getattr(settings(), "languages", None)
        if configured:
            return tuple(configured)
    return DEFAULT


def name(code: str | None) -> str:
    return dict(choices()).get(code or "", code or "")


def normalise(value: Any) -> str:
    """The ISO 639-3 code of a language the province broadcasts in, or Invalid naming the choices."""
    code = ALIASES.get(str(value or "").strip().lower(), str(value or "").strip().lower()) or VIETNAMESE
    known = dict(choices())
    if code not in known:
        offered = ", ".join(f"{c} ({n})" for c, n in known.items())
        raise Unprocessable(msg("Ngôn ngữ '%(value)s' không có trong danh sách: %(offered)s.", value=value, offered=offered),
                      field="language")
    return code


def tts_language(code: str) -> str:
    """The code the TTS engines take; only Vietnamese can be read aloud.

    Another offered language is well-formed but cannot be read: 422, as for any request the API
    description allows but the service cannot carry out (docs/contract.md).
    """
    if code != VIETNAMESE:
        raise Unprocessable(msg("Chỉ đọc tự động được tiếng Việt; bản tin tiếng %(value)s cần ghi âm rồi tải lên.", value=name(code)), field="language")
    return "vi"
