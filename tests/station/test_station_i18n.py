"""The station page's translations: every marked string has English, and the committed .mo is current."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "station/translations/en/LC_MESSAGES/station.po"
MO = ROOT / "station/translations/en/LC_MESSAGES/station.mo"


def marked_strings() -> set[str]:
    """The msgids in station/, the shared words in playlists/ and the templates, extracted as
    station/translations/babel.cfg says."""
    method_map = [("station/**.py", "python"), ("playlists/words.py", "python"), ("station/templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        ROOT, method_map, keywords={"_": None, "gettext": None, "N_": None, "w": None},
    ):
        found.add(message if isinstance(message, str) else message[0])
    return {m for m in found if m}


def test_every_marked_string_has_an_english_translation() -> None:
    po = {m.id: m.string for m in read_po(io.BytesIO(PO.read_bytes())) if m.id}
    marked = marked_strings()
    assert {"Tệp còn thiếu", "Đã phát xong", "Đăng nhập"} <= marked  # extraction found the code and templates
    untranslated = sorted(m for m in marked if not po.get(m))
    assert untranslated == [], "translate these in station.po and compile (station/translations/README.md)"


def test_the_committed_mo_matches_the_po() -> None:
    po = {m.id: m.string for m in read_po(io.BytesIO(PO.read_bytes())) if m.id and m.string}
    mo = {m.id: m.string for m in read_mo(io.BytesIO(MO.read_bytes())) if m.id}
    assert mo == po, "run: pybabel compile -d station/translations -D station -l en"
