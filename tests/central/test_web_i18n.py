"""The web UI's translations: every string the code marks has English, and the committed .mo is current."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "central/translations/en/LC_MESSAGES/messages.po"
MO = ROOT / "central/translations/en/LC_MESSAGES/messages.mo"


def marked_strings() -> set[str]:
    """The msgids in central/ (pages, services' messages, problem titles), central/templates and the
    audio library's errors, as babel.cfg says."""
    method_map = [("central/**.py", "python"), ("playlists/words.py", "python"), ("playlists/rules.py", "python"),
                  ("audio_library/**.py", "python"), ("central/templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        ROOT, method_map, keywords={"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "N_": None, "msg": None, "ScheduleError": None,
                  "AudioError": None, "GttsUnavailable": None, "Reason": None},
    ):
        found.add(message if isinstance(message, str) else message[0])
    return {m for m in found if m}


def test_every_marked_string_has_an_english_translation() -> None:
    po = {m.id: m.string for m in read_po(io.BytesIO(PO.read_bytes())) if m.id}
    untranslated = sorted(m for m in marked_strings() if not po.get(m))
    assert untranslated == [], "translate these in messages.po and compile"


def test_the_committed_mo_matches_the_po() -> None:
    po = {m.id: m.string for m in read_po(io.BytesIO(PO.read_bytes())) if m.id and m.string}
    mo = {m.id: m.string for m in read_mo(io.BytesIO(MO.read_bytes())) if m.id}
    assert mo == po, "run: pybabel compile -d central/translations -l en"



def test_no_english_translation_carries_the_vietnamese_text() -> None:
    """A merge once glued the Vietnamese msgid onto the English msgstr; the page then showed both."""
    glued = sorted(
        m.id for m in read_po(io.BytesIO(PO.read_bytes()))
        if m.id and isinstance(m.string, str) and m.string != m.id and m.id in m.string
    )
    assert glued == [], "these English translations repeat the Vietnamese text: fix messages.po, compile"
