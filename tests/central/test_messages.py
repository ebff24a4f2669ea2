"""One translation mechanism: services raise a msgid and its parameters, the edge translates them.

The API answers in ``Accept-Language`` (Vietnamese by default), title and detail alike, with ``type``
and ``status`` unchanged; the web by the person's choice; no service writes "vi (en)" text any more.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from central.errors import CentralError
from tests.central.test_web_pages import login

ROOT = Path(__file__).resolve().parents[2]
UNKNOWN = 987654


@pytest.mark.parametrize(("language", "title", "detail"), [
    (None, "Không tìm thấy", f"Không có đài số {UNKNOWN}."),
    ("vi-VN,vi;q=0.9", "Không tìm thấy", f"Không có đài số {UNKNOWN}."),
    ("en-US,en;q=0.8", "Not found", f"No station {UNKNOWN}."),
    ("fr", "Không tìm thấy", f"Không có đài số {UNKNOWN}."),  # a language Loa does not speak
])
def test_a_problem_is_worded_in_the_readers_language_and_typed_the_same(
        client: Any, auth: Any, tree: dict, make_user: Any, language: str | None, title: str, detail: str) -> None:
    _, token = make_user("operator", tree["C1"])
    headers = auth(token) | ({"Accept-Language": language} if language else {})
    reply = client.get(f"/api/v1/stations/{UNKNOWN}", headers=headers)
    assert reply.status_code == 404 and reply.mimetype == "application/problem+json"
    assert reply.json["type"] == "https://loa.example/problems/NotFound"
    assert (reply.json["title"], reply.json["detail"]) == (title, detail)


def test_a_refusal_with_parameters_is_translated_whole(client: Any, auth: Any, tree: dict, make_user: Any) -> None:
    _, token = make_user("admin")
    body = {"code": "P", "name": "Tỉnh trùng mã", "level": "province"}
    for language, title, detail in (("vi", "Xung đột trạng thái", "Mã đơn vị 'P' đã có."),
                                    ("en", "State conflict", "Area code 'P' exists.")):
        reply = client.post("/api/v1/areas", json=body, headers=auth(token) | {"Accept-Language": language})
        assert reply.status_code == 409, reply.json
        assert (reply.json["title"], reply.json["detail"]) == (title, detail)


def test_pages_show_a_services_refusal_in_the_persons_language(app: Any, tree: dict, make_user: Any) -> None:
    make_user("operator", tree["C1"], name="xa.vanhanh")
    client = app.test_client()
    login(client, "xa.vanhanh")
    page = client.get(f"/stations/{UNKNOWN}").get_data(as_text=True)
    assert f"Không có đài số {UNKNOWN}." in page and "No station" not in page
    client.get("/lang/en")
    page = client.get(f"/stations/{UNKNOWN}").get_data(as_text=True)
    assert f"No station {UNKNOWN}." in page and "Không có đài số" not in page and "Not found" in page


def test_the_cli_and_logs_read_the_vietnamese_wording() -> None:
    from central.errors import NotFound
    from central.messages import msg

    exc = NotFound(msg("Không có đài số %(station_id)s.", station_id=7))
    assert (exc.detail, str(exc)) == ("Không có đài số 7.", "Không có đài số 7.")
    assert exc.problem("en")["detail"] == "No station 7."


ERRORS = {name for name, obj in vars(__import__("central.errors", fromlist=["x"])).items()
          if isinstance(obj, type) and issubclass(obj, CentralError)}


def _literal_messages(path: Path) -> list[int]:
    """Lines where an error is raised with a bare string (or f-string) instead of ``msg(...)``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    known = ERRORS | {n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)
                      and any(isinstance(b, ast.Name) and b.id in ERRORS for b in n.bases)}
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in known
            and node.args and isinstance(node.args[0], ast.Constant | ast.JoinedStr)]


def test_services_give_people_a_msgid_and_parameters_not_a_two_language_string() -> None:
    """The central's errors carry ``msg(...)`` (translated by the catalogue), never "vi (en)" text."""
    found = {str(p.relative_to(ROOT)): lines for p in sorted((ROOT / "central").rglob("*.py"))
             if (lines := _literal_messages(p))}
    assert found == {}


def test_play_and_tier_words_are_worded_once_for_both_sides() -> None:
    """The central's pages and the station's page name a play outcome or a tier with the same words."""
    import io

    from babel.messages.pofile import read_po

    from playlists.words import PLAY_WORDS, TIER_WORDS

    def english(po: str) -> dict[str, str]:
        return {m.id: m.string for m in read_po(io.BytesIO((ROOT / po).read_bytes())) if m.id}

    central = english("central/translations/en/LC_MESSAGES/messages.po")
    station = english("station/translations/en/LC_MESSAGES/station.po")
    words = [*PLAY_WORDS.values(), *TIER_WORDS.values()]
    assert {w: central.get(w) for w in words} == {w: station.get(w) for w in words}
    assert all(central.get(w) for w in words)


def test_the_scheduling_cores_refusals_are_worded_by_the_same_catalogue(
        client: Any, auth: Any, tree: dict, make_user: Any, bulletin_factory: Any) -> None:
    """playlists raises a msgid and its parameters too; the central words them for the reader."""
    editor, token = make_user("editor", tree["D"])
    b = bulletin_factory(editor, area=tree["D"])
    body = {"bulletin_id": b.id, "targets": {"areas": ["P-D"]}, "dtstart": "2026-12-01T06:00",
            "rrule": "FREQ=SECONDLY", "timezone": "Asia/Ho_Chi_Minh"}
    for language, detail in (("vi", "Dòng 1: không lặp theo giây được (FREQ=SECONDLY)."),
                             ("en", "Line 1: repeating by the second is not allowed (FREQ=SECONDLY).")):
        reply = client.post("/api/v1/schedules", json=body, headers=auth(token) | {"Accept-Language": language})
        assert reply.status_code == 422, reply.json
        assert reply.json["detail"] == detail


def test_the_audio_librarys_refusals_are_worded_by_the_same_catalogue_even_nested(
        client: Any, auth: Any, tree: dict, make_user: Any) -> None:
    """audio_library raises a msgid and parameters too (one of them itself worded: what the file is
    instead); the API words the whole refusal for the reader, never "Vietnamese (English)"."""
    import io

    _, token = make_user("editor", tree["D"])
    jpeg = b"\xff\xd8\xff\xe0" + bytes(2000)
    for language, detail in (("vi", "Không dùng được âm thanh: đây không phải tệp âm thanh mà là ảnh JPEG"),
                             ("en", "The audio cannot be used: this is a JPEG image, not audio")):
        reply = client.post("/api/v1/bulletins", content_type="multipart/form-data",
                            headers=auth(token) | {"Accept-Language": language},
                            data={"title": "Ảnh chụp nhầm", "category": "drugs", "language": "vi",
                                  "file": (io.BytesIO(jpeg), "anh.jpg")})
        assert reply.status_code == 422, reply.json
        assert reply.json["detail"] == detail


def test_the_audio_library_never_words_an_error_in_two_languages() -> None:
    """Every AudioError and Reason in audio_library/ is a Vietnamese msgid with %(name)s parameters."""
    calls = []
    for path in sorted((ROOT / "audio_library").rglob("*.py")):
        if path.name == "errors.py":
            continue  # where they are defined
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("AudioError", "GttsUnavailable", "Reason") and node.args):
                calls.append((path.name, node.lineno, node.args[0]))
    assert len(calls) > 50
    assert [(f, n) for f, n, a in calls if not isinstance(a, ast.Constant)] == []  # no f-strings: params
