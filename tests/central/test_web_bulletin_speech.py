"""The new-bulletin and bulletin pages: hear TTS before saving, correct the spoken text, read a draft again, delete it."""

from __future__ import annotations

import base64
import html
import re
from typing import Any

import pytest

import audio_library
from central.models import Asset, AuditLog, Bulletin
from central.services import bulletins

from .test_web_flows import post
from .test_web_pages import login

TEXT = "UBND xã mời bà con họp lúc 17h30 ngày 26/6."
SPOKEN = "Ủy ban nhân dân xã mời bà con họp lúc mười bảy giờ ba mươi phút ngày hai mươi sáu tháng sáu."


@pytest.fixture
def editor(app: Any, client: Any, tree: dict, make_user: Any) -> Any:
    user = make_user("editor", tree["C1"], name="bien.tap")[0]
    login(client, "bien.tap")
    return user


def tts_form(**over: str) -> dict[str, str]:
    return {"mode": "tts", "title": "Họp thôn", "category": "local-news", "text": TEXT, "engine": "espeak",
            "speed": "1.0", "language": "vie", **over}


def draft(app: Any, editor: Any, **over: str) -> Any:
    """A TTS draft made through the service (eSpeak NG: no network)."""
    body = {"title": "Họp thôn", "text": TEXT, "engine": "espeak", **over}
    return bulletins.create_spoken(editor, body, app.config["DATA_DIR"])


def spoken_box(page: str) -> str:
    found = re.search(r'<textarea id="spoken"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, page[:3000]
    return html.unescape(found.group(1))


def test_listening_first_shows_the_spoken_text_and_audio_and_stores_nothing(client, editor):
    r = post(client, "/bulletins/new/preview", tts_form(), "/bulletins/new")
    page = r.get_data(as_text=True)
    assert r.status_code == 200, page[:2000]
    assert spoken_box(page) == SPOKEN
    src = re.search(r'id="preview-audio"[^>]*src="data:audio/ogg;base64,([^"]+)"', page)
    assert src, "the page carries the audio it read"
    assert audio_library.measure(base64.b64decode(src.group(1))).duration_ms > 2000
    assert 'value="Họp thôn"' in page  # the rest of the form is kept
    assert Bulletin.select().count() == 0 and Asset.select().count() == 0


def test_a_corrected_spoken_text_is_what_the_bulletin_says(client, editor):
    corrected = SPOKEN.replace("bà con", "bà con thôn Tân Lập")
    form = tts_form(spoken=corrected, spoken_from=SPOKEN)
    page = post(client, "/bulletins/new/preview", form, "/bulletins/new").get_data(as_text=True)
    assert spoken_box(page) == corrected
    r = post(client, "/bulletins/new", form, "/bulletins/new")
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    b = Bulletin.get()
    assert b.text == corrected and b.tts_engine == "espeak"


def test_an_untouched_spoken_text_keeps_the_written_text(client, editor):
    post(client, "/bulletins/new", tts_form(spoken=SPOKEN, spoken_from=SPOKEN), "/bulletins/new")
    assert Bulletin.get().text == TEXT


def test_a_draft_is_read_again_from_its_page(app, client, editor):
    b = draft(app, editor)
    page = client.get(f"/bulletins/{b.id}").get_data(as_text=True)
    assert spoken_box(page) == SPOKEN and 'id="delete-draft"' in page
    old = b.asset_id
    r = post(client, f"/bulletins/{b.id}/text", {"text": "Mời bà con họp lúc 19h ngày 27/6.", "spoken": "",
                                                  "spoken_from": "", "engine": "espeak", "speed": "1.0"},
             f"/bulletins/{b.id}")
    assert r.status_code == 302
    b = Bulletin.get_by_id(b.id)
    assert b.text == "Mời bà con họp lúc 19h ngày 27/6." and b.asset_id != old
    page = client.get(f"/bulletins/{b.id}").get_data(as_text=True)
    assert "Đã đọc lại nội dung mới" in page
    assert "mười chín giờ ngày hai mươi bảy tháng sáu" in spoken_box(page)


def test_a_draft_is_deleted_from_its_page_and_a_submitted_one_is_not(app, client, editor):
    keep = draft(app, editor, title="Gửi duyệt")
    bulletins.submit(editor, keep.id)
    page = client.get(f"/bulletins/{keep.id}").get_data(as_text=True)
    assert 'id="delete-draft"' not in page
    post(client, f"/bulletins/{keep.id}/delete", {}, f"/bulletins/{keep.id}")
    assert Bulletin.get_or_none(Bulletin.id == keep.id) is not None
    gone = draft(app, editor, title="Bỏ đi", text="Xin chào bà con trong thôn.")
    r = post(client, f"/bulletins/{gone.id}/delete", {}, f"/bulletins/{gone.id}")
    assert r.status_code == 302 and r.headers["Location"].endswith("/bulletins")
    assert Bulletin.get_or_none(Bulletin.id == gone.id) is None
    assert AuditLog.get(AuditLog.action == "bulletin.delete").actor_name == "bien.tap"
    assert "Đã xóa bản nháp “Bỏ đi”" in client.get("/bulletins").get_data(as_text=True)


def test_the_record_page_explains_itself_without_javascript(client, editor):
    page = client.get("/bulletins/new?mode=record").get_data(as_text=True)
    assert 'id="recorder"' in page and "recorder.js" in page
    assert "<noscript>" in page and 'id="save-button" disabled' in page.replace("  ", " ")
    for key in ("insecure", "unsupported", "denied", "missing"):
        assert f'data-{key}="' in page
