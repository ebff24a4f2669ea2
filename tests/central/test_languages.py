"""Bulletins carry an ISO 639-3 language the province broadcasts in; TTS reads Vietnamese only."""

from __future__ import annotations

import pytest

from central import create_app
from central.config import ConfigError, load
from central.models import Bulletin
from central.services import languages
from tests.central.test_bulletins import tone_wav as tone
from tests.central.test_bulletins import upload
from tests.central.test_web_pages import csrf_of, login


def test_default_languages_are_the_provinces_with_iso_639_3_codes():
    assert dict(languages.DEFAULT) == {"vie": "Tiếng Việt", "cmo": "M'Nông", "rad": "Ê Đê", "hmn": "H'Mông",
                                       "tyz": "Tày", "nut": "Nùng"}
    assert languages.normalise("vi") == "vie" and languages.normalise("CMO") == "cmo"
    assert languages.normalise(None) == "vie"
    with pytest.raises(Exception, match="Ê Đê"):
        languages.normalise("ede")  # not a code of Ê Đê: the refusal lists the choices
    assert languages.parse("cmo:M'Nông, rad:Ê Đê") == (("vie", "Tiếng Việt"), ("cmo", "M'Nông"), ("rad", "Ê Đê"))


def test_languages_are_configurable_and_checked(tmp_path):
    s = load({"LOA_DATA_DIR": str(tmp_path), "LOA_LANGUAGES": "vie:Tiếng Việt,jra:Gia Rai"})
    assert s.languages == (("vie", "Tiếng Việt"), ("jra", "Gia Rai"))
    with pytest.raises(ConfigError, match="LOA_LANGUAGES"):
        load({"LOA_DATA_DIR": str(tmp_path), "LOA_LANGUAGES": "gia rai"})
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "d"), "LANGUAGES": "jra:Gia Rai"})
    with app.app_context():
        assert languages.choices()[1] == ("jra", "Gia Rai") and languages.normalise("jra") == "jra"
        with pytest.raises(Exception, match="cmo"):
            languages.normalise("cmo")  # not configured here


def test_upload_in_a_minority_language_and_tts_refuses_it(client, auth, tree, make_user, db):
    _, token = make_user("editor", tree["D"])
    r = upload(client, auth(token), tone(), language="cmo")
    assert r.status_code == 201, r.json
    assert r.json["language"] == "cmo" and Bulletin.get_by_id(r.json["id"]).language == "cmo"
    assert upload(client, auth(token), tone(), language="vi").json["language"] == "vie"
    assert upload(client, auth(token), tone(), language="xx").status_code == 422  # well-formed, not offered here
    tts = client.post("/api/v1/bulletins", json={"title": "Thông báo", "text": "Xin chào", "language": "rad",
                                                 "engine": "espeak"}, headers=auth(token))
    assert tts.status_code == 422 and "Ê Đê" in tts.json["detail"]  # well-formed, but TTS reads Vietnamese only
    bid = r.json["id"]
    assert client.patch(f"/api/v1/bulletins/{bid}", json={"language": "hmn"},
                        headers=auth(token)).json["language"] == "hmn"


def test_upload_form_asks_for_the_language(client, tree, make_user, db):
    make_user("editor", tree["D"], name="bien.tap")
    login(client, "bien.tap")
    page = client.get("/bulletins/new?mode=upload").get_data(as_text=True)
    assert '<option value="rad"' in page and "Ê Đê" in page and "Ngôn ngữ của bản tin" in page
    import io

    r = client.post("/bulletins/new", data={"mode": "upload", "title": "Tin tiếng M'Nông", "language": "cmo",
                                            "file": (io.BytesIO(tone()), "tin.wav"), "csrf_token": csrf_of(page)},
                    content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)
    b = Bulletin.get()
    assert b.language == "cmo"
    assert "M&#39;Nông" in client.get(f"/bulletins/{b.id}").get_data(as_text=True)


def test_step_10_moves_two_letter_vietnamese_to_iso_639_3(db, tree, make_user):
    from central.migrations import m0010_bulletin_language

    editor, _ = make_user("editor", tree["D"])
    from central.models import Asset

    a = Asset.create(sha256="0" * 64, size=1, duration_ms=1)
    old = Bulletin.create(title="cũ", author=editor, asset=a, language="vi")
    kept = Bulletin.create(title="M'Nông", author=editor, asset=a, language="cmo")
    m0010_bulletin_language.up(db, None)
    assert Bulletin.get_by_id(old.id).language == "vie" and Bulletin.get_by_id(kept.id).language == "cmo"


def test_languages_api_lists_codes_and_names(client, auth, tree, make_user, db):
    _, token = make_user("operator", tree["C1"])
    got = client.get("/api/v1/languages", headers=auth(token)).json
    assert got[0] == {"code": "vie", "name": "Tiếng Việt"} and {"code": "rad", "name": "Ê Đê"} in got


def test_bulletins_api_filters_by_language(client, auth, tree, make_user, bulletin_factory, db):
    editor, token = make_user("editor", tree["D"])
    bulletin_factory(editor, title="Tin M'Nông", language="cmo")
    bulletin_factory(editor, title="Tin tiếng Việt", language="vie")
    got = client.get("/api/v1/bulletins?language=cmo", headers=auth(token)).json
    assert [b["title"] for b in got] == ["Tin M'Nông"]
    assert [b["title"] for b in client.get("/api/v1/bulletins?language=vi", headers=auth(token)).json] == [
        "Tin tiếng Việt"]
    assert client.get("/api/v1/bulletins?language=xyz", headers=auth(token)).status_code == 422
