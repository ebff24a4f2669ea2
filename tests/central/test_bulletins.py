"""Bulletins through the operator API: upload and TTS creation, the workflow, the two-person rule."""

from __future__ import annotations

import io
import subprocess

import pytest

import audio_library
from central.models import AuditLog, Bulletin, Station
from central.services import assets

BOTH_DATABASES = pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)


def tone_wav(seconds: float = 2.0, freq: int = 440) -> bytes:
    """A real WAV made by ffmpeg: a sine tone (ingest keeps it, it is not silence)."""
    cmd = [audio_library.ffmpeg_exe(), "-v", "error", "-f", "lavfi",
           "-i", f"sine=frequency={freq}:duration={seconds}", "-f", "wav", "-"]
    return subprocess.run(cmd, capture_output=True, check=True).stdout


def upload(client, headers, data: bytes, **form):
    form.setdefault("title", "Tháng hành động phòng, chống ma túy")
    form.setdefault("category", "drugs")
    form.setdefault("language", "vi")
    return client.post(
        "/api/v1/bulletins",
        data={**form, "file": (io.BytesIO(data), "ban-tin.wav")},
        headers=headers,
        content_type="multipart/form-data",
    )


def post(client, headers, path, **body):
    return client.post(path, json=body, headers=headers)


def audit_actions(bid: int) -> list[tuple[str, str]]:
    rows = (AuditLog.select().where((AuditLog.object_type == "Bulletin") & (AuditLog.object_id == str(bid)))
            .order_by(AuditLog.id))
    return [(r.action, r.actor_name) for r in rows]


def test_upload_makes_a_draft_with_a_measured_stored_asset(app, client, tree, make_user, auth):
    editor, token = make_user("editor", tree["D"])
    reply = upload(client, auth(token), tone_wav(2.0))
    assert reply.status_code == 201, reply.json
    body = reply.json
    assert body["status"] == "draft"
    assert body["title"] == "Tháng hành động phòng, chống ma túy"
    assert body["category"] == "drugs"
    asset = body["asset"]
    assert 1900 <= asset["duration_ms"] <= 2100
    assert asset["size"] > 0 and len(asset["sha256"]) == 64
    assert asset["loudness_lufs"] == pytest.approx(-16.0, abs=1.5)
    assert asset["loudness_warning"] is None
    store = assets.store(app.config["DATA_DIR"])
    assert store.has(asset["sha256"]) and store.size(asset["sha256"]) == asset["size"]
    row = Bulletin.get_by_id(body["id"])
    assert row.author_id == editor.id and row.area_id == tree["D"].id
    assert audit_actions(row.id) == [("bulletin.create", editor.name)]



def test_an_upload_too_quiet_to_fix_warns_the_uploader(client, tree, make_user, auth):
    from tests.audio_library.audio_helpers import clicks_over_hum_wav
    from tests.central.test_openapi import conforms

    _, token = make_user("editor", tree["D"])
    reply = upload(client, auth(token), clicks_over_hum_wav())
    assert reply.status_code == 201, reply.json
    warning = reply.json["asset"]["loudness_warning"]
    measured = reply.json["asset"]["loudness_lufs"]
    assert measured < -17.0 and f"{measured:.1f} LUFS" in warning
    assert "nghe nhỏ hơn" in warning and "quieter" in warning
    spec = client.get("/api/v1/openapi.json").json
    conforms(spec, "POST", "/api/v1/bulletins", reply)
    again = client.get(f"/api/v1/bulletins/{reply.json['id']}", headers=auth(token))
    assert again.json["asset"]["loudness_warning"] == warning  # also for the approver, later


def test_tts_makes_a_draft_from_vietnamese_text(client, tree, make_user, auth):
    _, token = make_user("editor", tree["D"])
    reply = post(client, auth(token), "/api/v1/bulletins", title="Phòng, chống mua bán người",
                 text="Bà con cảnh giác với lời mời làm việc lương cao ở nước ngoài.",
                 language="vi", category="trafficking", engine="espeak")
    assert reply.status_code == 201, reply.json
    assert reply.json["status"] == "draft"
    assert reply.json["tts_engine"] == "espeak"
    assert reply.json["text"].startswith("Bà con cảnh giác")
    assert reply.json["asset"]["duration_ms"] > 1000


def test_unusable_audio_is_a_422_problem_that_says_why(client, tree, make_user, auth):
    _, token = make_user("editor", tree["D"])
    reply = upload(client, auth(token), b"this is not audio at all" * 100)
    assert reply.status_code == 422
    assert reply.mimetype == "application/problem+json"
    assert reply.json["status"] == 422 and reply.json["detail"]
    assert Bulletin.select().count() == 0


def test_missing_title_or_unknown_category_is_refused(client, tree, make_user, auth):
    _, token = make_user("editor", tree["D"])
    assert upload(client, auth(token), tone_wav(), title="").status_code == 400
    reply = upload(client, auth(token), tone_wav(), category="no-such-topic")
    # a well-formed code that names no category: the request is as documented, its meaning is not (422)
    assert reply.status_code == 422 and "no-such-topic" in reply.json["detail"]


@BOTH_DATABASES
def test_full_workflow_with_two_people_and_an_audit_trail(client, tree, make_user, auth,
                                                          bulletin_factory, backend):
    editor, et = make_user("editor", tree["D"])
    approver, at = make_user("approver", tree["D"])
    b = bulletin_factory(editor, status="draft", area=tree["D"])
    base = f"/api/v1/bulletins/{b.id}"
    assert post(client, auth(at), base + "/approve").status_code == 409  # not submitted yet
    assert post(client, auth(et), base + "/submit").json["status"] == "submitted"
    assert post(client, auth(et), base + "/approve").status_code == 403  # editors never approve
    assert post(client, auth(at), base + "/reject").status_code == 400  # a reason is required
    rejected = post(client, auth(at), base + "/reject", reason="Sai số liệu năm 2024")
    assert rejected.json["status"] == "rejected" and rejected.json["reason"] == "Sai số liệu năm 2024"
    edited = client.patch(base, json={"title": "Bản tin đã sửa"}, headers=auth(et))
    assert edited.json["status"] == "draft" and edited.json["title"] == "Bản tin đã sửa"
    post(client, auth(et), base + "/submit")
    approved = post(client, auth(at), base + "/approve")
    assert approved.status_code == 200 and approved.json["status"] == "approved"
    assert approved.json["approver"] == approver.name
    assert client.patch(base, json={"title": "x"}, headers=auth(et)).status_code == 409
    withdrawn = post(client, auth(et), base + "/withdraw", reason="Hết đợt")
    assert withdrawn.json["status"] == "withdrawn"
    assert post(client, auth(at), base + "/approve").status_code == 409
    assert audit_actions(b.id) == [
        ("bulletin.submit", editor.name), ("bulletin.reject", approver.name),
        ("bulletin.edit", editor.name), ("bulletin.submit", editor.name),
        ("bulletin.approve", approver.name), ("bulletin.withdraw", editor.name),
    ]
    row = Bulletin.get_by_id(b.id)
    assert row.decided_at is not None and row.withdrawn_at is not None


@pytest.mark.parametrize("role", ["approver", "admin"])
def test_nobody_approves_their_own_bulletin(client, tree, make_user, auth, bulletin_factory, role):
    author, token = make_user(role, tree["D"])
    b = bulletin_factory(author, status="submitted", area=tree["D"])
    reply = post(client, auth(token), f"/api/v1/bulletins/{b.id}/approve")
    assert reply.status_code == 403
    assert "tự duyệt" in reply.json["detail"]
    assert Bulletin.get_by_id(b.id).status == "submitted"
    other, other_token = make_user("approver", tree["P"])
    assert post(client, auth(other_token), f"/api/v1/bulletins/{b.id}/approve").json["approver"] == other.name


def test_scope_decides_who_sees_and_who_decides(client, tree, make_user, auth, bulletin_factory):
    author, _ = make_user("editor", tree["C1"])
    b = bulletin_factory(author, status="submitted", area=tree["C1"])
    _, c2_approver = make_user("approver", tree["C2"])
    _, district_approver = make_user("approver", tree["D"])
    _, village_operator = make_user("operator", tree["V"])
    assert client.get(f"/api/v1/bulletins/{b.id}", headers=auth(c2_approver)).status_code == 404
    assert post(client, auth(c2_approver), f"/api/v1/bulletins/{b.id}/approve").status_code == 404
    # the village below sees its commune's bulletin but cannot change it
    assert client.get(f"/api/v1/bulletins/{b.id}", headers=auth(village_operator)).status_code == 200
    listed = client.get("/api/v1/bulletins?status=submitted", headers=auth(district_approver)).json
    assert [x["id"] for x in listed] == [b.id]
    assert post(client, auth(district_approver), f"/api/v1/bulletins/{b.id}/approve").status_code == 200


@BOTH_DATABASES
def test_approval_and_withdrawal_bump_targeted_manifests(client, tree, make_user, auth, station_factory,
                                                         bulletin_factory, schedule_factory, backend):
    editor, et = make_user("editor", tree["D"])
    _, at = make_user("approver", tree["D"])
    here, station_token = station_factory(tree["C1"])
    elsewhere, _ = station_factory(tree["C2"])
    b = bulletin_factory(editor, status="submitted", area=tree["D"])
    schedule_factory(bulletin=b, areas=[tree["C1"]])

    def versions():
        return [Station.get_by_id(s.id).manifest_version for s in (here, elsewhere)]

    def manifest():
        return client.get("/api/v1/station/manifest", headers=auth(station_token)).json["manifest"]

    assert manifest()["bulletins"] == []
    before = versions()
    post(client, auth(at), f"/api/v1/bulletins/{b.id}/approve")
    after = versions()
    assert after[0] > before[0] and after[1] == before[1]
    assert [x["id"] for x in manifest()["bulletins"]] == [b.id]
    post(client, auth(et), f"/api/v1/bulletins/{b.id}/withdraw")
    assert versions()[0] > after[0]
    assert manifest()["bulletins"] == []


def test_operators_cannot_create_bulletins(client, tree, make_user, auth):
    _, token = make_user("operator", tree["C1"])
    reply = upload(client, auth(token), tone_wav())
    assert reply.status_code == 403 and reply.mimetype == "application/problem+json"


def test_validity_window_campaign_and_tier_are_kept(client, tree, make_user, auth, db):
    from datetime import UTC, datetime

    from central.models import Campaign

    _, token = make_user("editor", tree["D"])
    june = Campaign.create(name="Tháng hành động phòng, chống ma túy", starts_on="2026-06-01",
                           ends_on="2026-06-30")
    reply = post(client, auth(token), "/api/v1/bulletins", title="Ngày toàn dân phòng, chống ma túy",
                 text="Hưởng ứng ngày 26 tháng 6.", category="drugs", engine="espeak",
                 campaign_id=june.id, priority="priority",
                 valid_from="2026-06-01", valid_until="2026-07-01T00:00:00+07:00")
    assert reply.status_code == 201, reply.json
    b = Bulletin.get_by_id(reply.json["id"])
    # a bare date is the start of that day in Vietnam (UTC+7)
    assert b.valid_from == datetime(2026, 5, 31, 17, 0, tzinfo=UTC)
    assert b.valid_until == datetime(2026, 6, 30, 17, 0, tzinfo=UTC)
    assert (b.campaign_id, b.priority) == (june.id, "priority")
    backwards = post(client, auth(token), "/api/v1/bulletins", title="x", text="x", engine="espeak",
                     valid_from="2026-07-01", valid_until="2026-06-01")
    assert backwards.status_code == 422  # well-formed, but the window ends before it starts


def test_a_stale_decision_loses_to_the_one_made_first(tree, make_user, bulletin_factory):
    from central.errors import Conflict
    from central.services import bulletins as service
    from central.services import review

    editor, _ = make_user("editor", tree["D"])
    first, _ = make_user("approver", tree["D"])
    second, _ = make_user("approver", tree["D"])
    b = bulletin_factory(editor, status="submitted", area=tree["D"])
    seen_by_first, seen_by_second = Bulletin.get_by_id(b.id), Bulletin.get_by_id(b.id)
    review.move(service.KIND, first, seen_by_first, "approved", "approve", approver=first)
    with pytest.raises(Conflict):
        review.move(service.KIND, second, seen_by_second, "rejected", "reject", approver=second,
                    reject_reason="muộn")
    row = Bulletin.get_by_id(b.id)
    assert (row.status, row.approver_id, row.reject_reason) == ("approved", first.id, None)
    assert [a for a, _ in audit_actions(b.id)] == ["bulletin.approve"]

