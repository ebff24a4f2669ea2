"""Hearing TTS before saving, reading a draft again when its text changes, deleting drafts, trimming recordings.

Real eSpeak NG (offline) and the real ffmpeg pipeline; the rows, the audit log and the asset store are
checked after each call.
"""

from __future__ import annotations

import base64

import pytest

import audio_library
from central.models import Asset, AuditLog, Bulletin, Playlist, PlaylistItem
from central.services import assets
from tests.central.test_bulletins import BOTH_DATABASES, audit_actions, post, tone_wav, upload

TEXT = "UBND xã thông báo: họp lúc 17h30 ngày 26/6 tại nhà văn hóa thôn."
SPOKEN = ("Ủy ban nhân dân xã thông báo: họp lúc mười bảy giờ ba mươi phút ngày hai mươi sáu tháng sáu "
          "tại nhà văn hóa thôn.")


def tts(client, headers, text: str = TEXT, **extra):
    return post(client, headers, "/api/v1/bulletins", title="Thông báo họp thôn", text=text,
                language="vi", engine="espeak", **extra)


def stored(app, sha: str) -> bool:
    return assets.store(app.config["DATA_DIR"]).has(sha) and Asset.get_or_none(Asset.sha256 == sha) is not None


def test_a_preview_reads_the_normalised_text_and_stores_nothing(app, client, tree, make_user, auth):
    _, token = make_user("editor", tree["C1"])
    audits = AuditLog.select().count()
    reply = post(client, auth(token), "/api/v1/bulletins/tts-preview", text=TEXT, engine="espeak")
    assert reply.status_code == 200, reply.json
    body = reply.json
    assert body["spoken_text"] == SPOKEN
    assert body["engine"] == "espeak" and body["mime"] == "audio/ogg"
    audio = base64.b64decode(body["audio_base64"])
    info = audio_library.measure(audio)
    assert abs(info.duration_ms - body["duration_ms"]) <= 100 and info.duration_ms > 2000
    assert info.loudness_lufs == pytest.approx(-16.0, abs=1.0)
    assert Bulletin.select().count() == 0 and Asset.select().count() == 0
    assert list(assets.store(app.config["DATA_DIR"]).iter_hashes()) == []
    assert AuditLog.select().count() == audits


def test_corrected_spoken_text_is_read_exactly_as_shown(client, tree, make_user, auth):
    _, token = make_user("editor", tree["C1"])
    corrected = SPOKEN.replace("nhà văn hóa thôn", "nhà văn hóa thôn Tân Lập")
    reply = post(client, auth(token), "/api/v1/bulletins/tts-preview", text=corrected, engine="espeak")
    assert reply.json["spoken_text"] == corrected  # normalising spoken text changes nothing


def test_preview_refuses_what_it_cannot_read(client, tree, make_user, auth):
    _, editor = make_user("editor", tree["C1"])
    _, approver = make_user("approver", tree["C1"])
    assert post(client, auth(editor), "/api/v1/bulletins/tts-preview", text="   ").status_code == 400
    reply = post(client, auth(editor), "/api/v1/bulletins/tts-preview", text="Xin chào", language="cmo")
    assert reply.status_code == 422 and "tiếng Việt" in reply.json["detail"]  # offered, but TTS reads Vietnamese only
    assert post(client, auth(approver), "/api/v1/bulletins/tts-preview", text="Xin chào").status_code == 403


@BOTH_DATABASES
def test_new_text_reads_a_draft_again_and_forgets_the_old_audio(app, client, tree, make_user, auth, backend):
    editor, token = make_user("editor", tree["C1"])
    first = tts(client, auth(token)).json
    old_sha = first["asset"]["sha256"]
    reply = client.patch(f"/api/v1/bulletins/{first['id']}", headers=auth(token),
                         json={"text": "Mời bà con dự họp lúc 19h00 ngày 27/6 tại hội trường xã.", "speed": 1.2})
    assert reply.status_code == 200, reply.json
    body = reply.json
    assert body["text"] == "Mời bà con dự họp lúc 19h00 ngày 27/6 tại hội trường xã."
    assert body["tts_engine"] == "espeak" and body["status"] == "draft"
    new_sha = body["asset"]["sha256"]
    assert new_sha != old_sha and stored(app, new_sha)
    assert not stored(app, old_sha), "the old audio of a draft is not kept when nothing uses it"
    row = AuditLog.get((AuditLog.object_id == str(first["id"])) & (AuditLog.action == "bulletin.respeak"))
    assert row.detail["before"] == old_sha and row.detail["after"] == new_sha and row.actor_name == editor.name
    # a title-only change keeps the audio and is an ordinary edit
    same = client.patch(f"/api/v1/bulletins/{first['id']}", headers=auth(token), json={"title": "Họp xã"}).json
    assert same["asset"]["sha256"] == new_sha
    assert audit_actions(first["id"])[-1][0] == "bulletin.edit"


def test_only_a_draft_or_rejected_bulletin_is_read_again(client, tree, make_user, auth):
    _, token = make_user("editor", tree["C1"])
    b = tts(client, auth(token)).json
    assert post(client, auth(token), f"/api/v1/bulletins/{b['id']}/submit").status_code == 200
    reply = client.patch(f"/api/v1/bulletins/{b['id']}", headers=auth(token), json={"text": "Nội dung khác."})
    assert reply.status_code == 409
    assert Bulletin.get_by_id(b["id"]).asset_id == b["asset"]["sha256"]


def test_a_recordings_text_is_its_transcript(client, tree, make_user, auth):
    _, token = make_user("editor", tree["C1"])
    b = upload(client, auth(token), tone_wav(2.0)).json
    reply = client.patch(f"/api/v1/bulletins/{b['id']}", headers=auth(token), json={"text": "Lời ghi âm."})
    assert reply.status_code == 200 and reply.json["text"] == "Lời ghi âm."
    assert reply.json["asset"]["sha256"] == b["asset"]["sha256"]
    reply = client.patch(f"/api/v1/bulletins/{b['id']}", headers=auth(token), json={"engine": "espeak"})
    assert reply.status_code == 422


def test_the_two_person_rule_holds_after_reading_again(client, tree, make_user, auth):
    _, editor = make_user("editor", tree["C1"])
    _, approver = make_user("approver", tree["C1"])
    b = tts(client, auth(editor)).json
    client.patch(f"/api/v1/bulletins/{b['id']}", headers=auth(editor), json={"text": "Nội dung đã sửa."})
    assert post(client, auth(editor), f"/api/v1/bulletins/{b['id']}/approve").status_code == 403
    assert post(client, auth(editor), f"/api/v1/bulletins/{b['id']}/submit").status_code == 200
    assert post(client, auth(approver), f"/api/v1/bulletins/{b['id']}/approve").json["status"] == "approved"


def test_a_draft_is_deleted_with_its_audio_and_audited(app, client, tree, make_user, auth):
    editor, token = make_user("editor", tree["C1"])
    b = upload(client, auth(token), tone_wav(2.0)).json
    sha = b["asset"]["sha256"]
    reply = client.delete(f"/api/v1/bulletins/{b['id']}", headers=auth(token))
    assert reply.status_code == 204
    assert Bulletin.get_or_none(Bulletin.id == b["id"]) is None
    assert not stored(app, sha)
    assert audit_actions(b["id"])[-1] == ("bulletin.delete", editor.name)
    assert client.get(f"/api/v1/bulletins/{b['id']}", headers=auth(token)).status_code == 404


@BOTH_DATABASES  # a refused delete of shared audio must leave PostgreSQL's transaction usable
def test_only_drafts_in_scope_are_deleted_and_shared_audio_stays(app, client, tree, make_user, auth, backend):
    _, token = make_user("editor", tree["C1"])
    _, other = make_user("editor", tree["C2"])
    _, approver = make_user("approver", tree["C1"])
    first = upload(client, auth(token), tone_wav(2.0)).json
    twin = upload(client, auth(token), tone_wav(2.0)).json  # the same bytes: one asset, two bulletins
    assert twin["asset"]["sha256"] == first["asset"]["sha256"]
    assert client.delete(f"/api/v1/bulletins/{first['id']}", headers=auth(other)).status_code == 404
    assert client.delete(f"/api/v1/bulletins/{first['id']}", headers=auth(approver)).status_code == 403
    assert client.delete(f"/api/v1/bulletins/{first['id']}", headers=auth(token)).status_code == 204
    assert stored(app, twin["asset"]["sha256"]), "another bulletin still uses this audio"
    post(client, auth(token), f"/api/v1/bulletins/{twin['id']}/submit")
    assert client.delete(f"/api/v1/bulletins/{twin['id']}", headers=auth(token)).status_code == 409
    assert Bulletin.get_by_id(twin["id"]).status == "submitted"


def test_a_draft_in_a_programme_is_not_deleted(client, tree, make_user, auth):
    _, token = make_user("editor", tree["C1"])
    b = upload(client, auth(token), tone_wav(2.0)).json
    p = Playlist.create(name="Chương trình sáng", area=tree["C1"])
    PlaylistItem.create(playlist=p, position=0, kind="bulletin", bulletin=b["id"])
    reply = client.delete(f"/api/v1/bulletins/{b['id']}", headers=auth(token))
    assert reply.status_code == 409 and "chương trình" in reply.json["detail"]
    assert Bulletin.get_or_none(Bulletin.id == b["id"]) is not None


def test_an_upload_is_trimmed_to_the_chosen_seconds(client, tree, make_user, auth):
    _, token = make_user("editor", tree["C1"])
    reply = upload(client, auth(token), tone_wav(8.0), trim_start="1.5", trim_end="5", source="recording")
    assert reply.status_code == 201, reply.json
    assert abs(reply.json["asset"]["duration_ms"] - 3500) <= 80
    row = AuditLog.get((AuditLog.object_id == str(reply.json["id"])) & (AuditLog.action == "bulletin.create"))
    assert row.detail["how"] == "recording" and row.detail["trim"] == [1.5, 5.0]
    only_start = upload(client, auth(token), tone_wav(8.0, 330), trim_start="6", trim_end="")
    assert abs(only_start.json["asset"]["duration_ms"] - 2000) <= 80


@pytest.mark.parametrize(("form", "status"), [
    ({"trim_start": "4", "trim_end": "3"}, 422),
    ({"trim_start": "bốn"}, 400),
    ({"trim_start": "-1"}, 400),
    ({"trim_start": "30"}, 422),  # after the end of the recording: the audio is refused
])
def test_a_trim_that_cannot_apply_is_refused(client, tree, make_user, auth, form, status):
    _, token = make_user("editor", tree["C1"])
    reply = upload(client, auth(token), tone_wav(8.0), **form)
    assert reply.status_code == status, reply.json
    assert Bulletin.select().count() == 0
