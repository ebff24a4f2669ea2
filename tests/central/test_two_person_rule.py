"""Every path by which audio reaches a manifest, tried by an editor who wants to get around the
two-person rule (docs/two-person-rule.md lists the paths). Each attempt must leave the air unchanged.
"""

from __future__ import annotations

import io
import os
import subprocess

import pytest

import audio_library
from central.models import AuditLog, Chime, Playlist, PlaylistItem, Schedule, Station
from central.services import assets


@pytest.fixture
def people(tree, make_user):
    """An editor and an approver of the district, and a second approver (tokens)."""
    editor, editor_token = make_user("editor", tree["D"])
    approver, approver_token = make_user("approver", tree["D"])
    return {"editor": editor, "editor_token": editor_token, "approver": approver,
            "approver_token": approver_token}


@pytest.fixture
def chime_factory(app, db):
    """A ``Chime`` row with stored opaque bytes, in any status (the API is tested on its own)."""
    counter = iter(range(1, 10_000))

    def make(author, status="approved", duration_ms=3000, area=None):
        n = next(counter)
        asset = assets.save_bytes(app.config["DATA_DIR"], os.urandom(2048) + n.to_bytes(4, "big"),
                                  duration_ms=duration_ms, codec="opus", mime="audio/ogg")
        return Chime.create(title=f"Nhạc hiệu {n}", status=status, author=author, area=area,
                            asset=asset)

    return make


def _manifest(client, token):
    reply = client.get("/api/v1/station/manifest", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200, reply.json
    return reply.json["manifest"]


def _shas(m):
    return {a["sha256"] for a in m["assets"]}


def _programme(client, auth, token, items, name="Chương trình sáng"):
    return client.post("/api/v1/playlists", json={"name": name, "items": items}, headers=auth(token))


def _tone(seconds=2.0):
    cmd = [audio_library.ffmpeg_exe(), "-v", "error", "-f", "lavfi",
           "-i", f"sine=frequency=660:duration={seconds}", "-f", "wav", "-"]
    return subprocess.run(cmd, capture_output=True, check=True).stdout


# --- chimes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["draft", "submitted", "rejected", "withdrawn"])
def test_a_chime_item_cannot_name_an_unapproved_bulletins_audio(client, auth, tree, people,
                                                                 bulletin_factory, status):
    ok = bulletin_factory(people["editor"], area=tree["D"])
    hidden = bulletin_factory(people["editor"], status=status, area=tree["D"])
    reply = _programme(client, auth, people["editor_token"], [
        {"kind": "chime", "asset_sha256": hidden.asset_id}, {"kind": "bulletin", "bulletin_id": ok.id}])
    assert reply.status_code == 422, reply.json  # well-formed, refused for what it names
    assert "Mục 1" in reply.json["detail"] and "nhạc hiệu đã được duyệt" in reply.json["detail"]
    english = client.post("/api/v1/playlists", headers={**auth(people["editor_token"]), "Accept-Language": "en"},
                          json={"name": "Morning", "items": [{"kind": "chime", "asset_sha256": hidden.asset_id},
                                                             {"kind": "bulletin", "bulletin_id": ok.id}]})
    assert english.json["detail"] == "Item 1: a chime must be an approved chime or the house chime."
    assert Playlist.select().count() == 0


@pytest.mark.parametrize("status", ["draft", "submitted", "rejected", "withdrawn"])
def test_a_chime_item_cannot_name_an_unapproved_chime(client, auth, tree, people, bulletin_factory,
                                                      chime_factory, status):
    ok = bulletin_factory(people["editor"], area=tree["D"])
    chime = chime_factory(people["editor"], status=status, area=tree["D"])
    # 422: as the API describes, but not an approved chime; 400: not even a chime id
    for named, status in (({"chime_id": chime.id}, 422), ({"asset_sha256": chime.asset_id}, 422),
                          ({"chime_id": 2**64}, 400), ({"chime_id": "1"}, 400)):
        reply = _programme(client, auth, people["editor_token"], [
            {"kind": "chime", **named}, {"kind": "bulletin", "bulletin_id": ok.id}])
        assert reply.status_code == status, (named, reply.json)
        assert "Mục 1" in reply.json["detail"]
    assert Playlist.select().count() == 0


def test_an_uploaded_chime_airs_only_after_a_second_person_approves_it(client, auth, tree, people,
                                                                       bulletin_factory, station_factory,
                                                                       schedule_factory):
    station, st_token = station_factory(tree["C1"])
    ok = bulletin_factory(people["editor"], area=tree["D"])
    up = client.post("/api/v1/chimes", data={"title": "Nhạc hiệu Đài xã", "file": (io.BytesIO(_tone()),
                     "nhac-hieu.wav")}, headers=auth(people["editor_token"]), content_type="multipart/form-data")
    assert up.status_code == 201, up.json
    cid = up.json["id"]
    assert up.json["status"] == "draft"
    item = [{"kind": "chime", "chime_id": cid}, {"kind": "bulletin", "bulletin_id": ok.id}]
    assert _programme(client, auth, people["editor_token"], item).status_code == 422  # a draft
    assert client.post(f"/api/v1/chimes/{cid}/submit", headers=auth(people["editor_token"])).status_code == 200
    assert client.post(f"/api/v1/chimes/{cid}/approve",
                       headers=auth(people["editor_token"])).status_code == 403  # not an approver
    assert _programme(client, auth, people["editor_token"], item).status_code == 422  # still waiting
    approved = client.post(f"/api/v1/chimes/{cid}/approve", headers=auth(people["approver_token"]))
    assert approved.status_code == 200 and approved.json["approver"] == people["approver"].name
    made = _programme(client, auth, people["editor_token"], item)
    assert made.status_code == 201, made.json
    schedule_factory(playlist=Playlist.get_by_id(made.json["id"]), stations=[station])
    sha = up.json["asset"]["sha256"]
    assert sha in _shas(_manifest(client, st_token))
    actions = [r.action for r in AuditLog.select().where(AuditLog.object_type == "Chime")]
    assert actions == ["chime.create", "chime.submit", "chime.approve"]
    # withdrawn: off the air at the next sync, the rest of the programme stays
    assert client.post(f"/api/v1/chimes/{cid}/withdraw", headers=auth(people["editor_token"])).status_code == 200
    m = _manifest(client, st_token)
    assert sha not in _shas(m) and ok.asset_id in _shas(m)
    assert not AuditLog.select().where(AuditLog.action == "manifest.refused_asset").exists()


def test_nobody_approves_their_own_chime(client, auth, tree, make_user, chime_factory):
    admin, admin_token = make_user("admin")
    chime = chime_factory(admin, status="submitted")
    reply = client.post(f"/api/v1/chimes/{chime.id}/approve", headers=auth(admin_token))
    assert reply.status_code == 403 and "tự duyệt" in reply.json["detail"]
    reply = client.post(f"/api/v1/chimes/{chime.id}/reject", json={"reason": "x"}, headers=auth(admin_token))
    assert reply.status_code == 403
    assert Chime.get_by_id(chime.id).status == "submitted"


def test_the_house_chime_is_approved_by_construction(app, client, auth, tree, people, bulletin_factory):
    ok = bulletin_factory(people["editor"], area=tree["D"])
    house = audio_library.chime_asset().sha256
    for chime in ({"kind": "chime"}, {"kind": "chime", "asset_sha256": house}):
        reply = _programme(client, auth, people["editor_token"], [chime, {"kind": "bulletin",
                                                                          "bulletin_id": ok.id}])
        assert reply.status_code == 201, reply.json
        assert reply.json["items"][0]["asset_sha256"] == house
    (row,) = Chime.select().where(Chime.builtin == True)  # noqa: E712
    assert row.status == "approved" and row.author_id is None and row.asset_id == house
    listed = client.get("/api/v1/chimes", headers=auth(people["editor_token"])).json
    assert [c["builtin"] for c in listed] == [True]
    reply = client.post(f"/api/v1/chimes/{row.id}/withdraw", headers=auth(people["approver_token"]))
    assert reply.status_code == 409


# --- programmes ------------------------------------------------------------------------------


def _scheduled_programme(client, auth, people, tree, bulletin_factory, schedule_factory, **schedule):
    a = bulletin_factory(people["editor"], area=tree["D"])
    made = _programme(client, auth, people["editor_token"], [{"kind": "bulletin", "bulletin_id": a.id}])
    assert made.status_code == 201, made.json
    p = Playlist.get_by_id(made.json["id"])
    schedule_factory(playlist=p, areas=[tree["C1"]], created_by=people["editor"], area=tree["D"], **schedule)
    return p, a


@pytest.mark.parametrize("schedule", [{}, {"active": False}, {"status": "submitted"}],
                         ids=["approved", "paused", "waiting"])
def test_editing_a_scheduled_programme_waits_for_a_second_person(client, auth, tree, people,
                                                                 bulletin_factory, schedule_factory,
                                                                 station_factory, schedule):
    station, st_token = station_factory(tree["C1"])
    p, a = _scheduled_programme(client, auth, people, tree, bulletin_factory, schedule_factory, **schedule)
    sneaked = bulletin_factory(people["editor"], area=tree["D"])
    reply = client.patch(f"/api/v1/playlists/{p.id}", json={"items": [
        {"kind": "bulletin", "bulletin_id": sneaked.id}]}, headers=auth(people["editor_token"]))
    assert reply.status_code == 200
    assert [i["bulletin_id"] for i in reply.json["items"]] == [a.id]
    assert reply.json["pending"]["status"] == "submitted"
    Schedule.update(active=True, status="approved").where(Schedule.playlist == p).execute()  # resumed
    m = _manifest(client, st_token)
    assert a.asset_id in _shas(m) and sneaked.asset_id not in _shas(m)
    assert client.get(f"/api/v1/station/assets/{sneaked.asset_id}",
                      headers=auth(st_token)).status_code == 404


def test_nobody_approves_their_own_programme_change(client, auth, tree, make_user, people,
                                                    bulletin_factory, schedule_factory):
    admin, admin_token = make_user("admin")
    p, _ = _scheduled_programme(client, auth, people, tree, bulletin_factory, schedule_factory)
    other = bulletin_factory(people["editor"], area=tree["D"])
    client.patch(f"/api/v1/playlists/{p.id}", json={"items": [{"kind": "bulletin", "bulletin_id": other.id}]},
                 headers=auth(admin_token))
    reply = client.post(f"/api/v1/playlists/{p.id}/approve", headers=auth(admin_token))
    assert reply.status_code == 403 and "tự duyệt" in reply.json["detail"]
    assert client.post(f"/api/v1/playlists/{p.id}/approve",
                       headers=auth(people["editor_token"])).status_code == 403  # not an approver
    assert Playlist.get_by_id(p.id).live_revision == 1


def test_a_rejected_programme_change_leaves_the_approved_one_on_air(client, auth, tree, people,
                                                                    bulletin_factory, schedule_factory,
                                                                    station_factory):
    station, st_token = station_factory(tree["C1"])
    p, a = _scheduled_programme(client, auth, people, tree, bulletin_factory, schedule_factory)
    other = bulletin_factory(people["editor"], area=tree["D"])
    client.patch(f"/api/v1/playlists/{p.id}", json={"items": [{"kind": "bulletin", "bulletin_id": other.id}]},
                 headers=auth(people["editor_token"]))
    path = f"/api/v1/playlists/{p.id}/reject"
    assert client.post(path, headers=auth(people["approver_token"])).status_code == 400  # no reason
    reply = client.post(path, json={"reason": "Sai chủ đề"}, headers=auth(people["approver_token"]))
    assert reply.status_code == 200
    assert reply.json["pending"] is None and reply.json["rejected"]["reason"] == "Sai chủ đề"
    assert _shas(_manifest(client, st_token)) == {a.asset_id}
    assert client.post(f"/api/v1/playlists/{p.id}/approve",
                       headers=auth(people["approver_token"])).status_code == 409  # nothing waits
    actions = [r.action for r in AuditLog.select().where(AuditLog.object_type == "Playlist")]
    assert actions == ["playlist.create", "playlist.update", "playlist.revision.reject"]


def test_saving_a_scheduled_programme_unchanged_asks_nobody(client, auth, tree, people, bulletin_factory,
                                                            schedule_factory):
    p, a = _scheduled_programme(client, auth, people, tree, bulletin_factory, schedule_factory)
    same = [{"kind": "bulletin", "bulletin_id": a.id}]
    path, headers = f"/api/v1/playlists/{p.id}", auth(people["editor_token"])
    reply = client.patch(path, json={"name": "Sáng thứ Hai", "items": same}, headers=headers)
    assert reply.status_code == 200 and reply.json["pending"] is None and reply.json["name"] == "Sáng thứ Hai"
    other = bulletin_factory(people["editor"], area=tree["D"])
    changed = [{"kind": "bulletin", "bulletin_id": other.id}]
    assert client.patch(path, json={"items": changed}, headers=headers).json["pending"]["revision"] == 2
    assert client.patch(path, json={"items": changed}, headers=headers).json["pending"]["revision"] == 2
    # back to what airs: the proposal is withdrawn, nothing waits for the approvers
    assert client.patch(path, json={"items": same}, headers=headers).json["pending"] is None
    assert client.post(f"{path}/approve", headers=auth(people["approver_token"])).status_code == 409


# --- schedules and bulletins -----------------------------------------------------------------


def test_a_schedule_cannot_point_at_a_draft_bulletin(client, auth, tree, people, bulletin_factory,
                                                     schedule_factory, station_factory):
    station, st_token = station_factory(tree["C1"])
    draft = bulletin_factory(people["editor"], status="draft", area=tree["D"])
    reply = client.post("/api/v1/schedules", json={
        "bulletin_id": draft.id, "targets": {"areas": ["P-D-C1"]}, "dtstart": "2026-12-01T06:30",
        "rrule": "FREQ=DAILY"}, headers=auth(people["editor_token"]))
    assert reply.status_code == 409
    schedule_factory(bulletin=draft, stations=[station])  # and if a row says so anyway
    assert _manifest(client, st_token)["assets"] == []


def test_a_bulletin_withdrawn_after_approval_leaves_every_manifest(client, auth, tree, people,
                                                                   bulletin_factory, schedule_factory,
                                                                   station_factory):
    station, st_token = station_factory(tree["C1"])
    p, a = _scheduled_programme(client, auth, people, tree, bulletin_factory, schedule_factory)
    alone = bulletin_factory(people["editor"], area=tree["D"])
    schedule_factory(bulletin=alone, stations=[station])
    assert _shas(_manifest(client, st_token)) == {a.asset_id, alone.asset_id}
    for b in (a, alone):
        assert client.post(f"/api/v1/bulletins/{b.id}/withdraw",
                           headers=auth(people["editor_token"])).status_code == 200
    m = _manifest(client, st_token)
    assert m["assets"] == [] and m["schedules"] == []


# --- defence in depth ------------------------------------------------------------------------


def test_the_manifest_refuses_unapproved_audio_whatever_the_rows_say(client, auth, tree, people,
                                                                     bulletin_factory, schedule_factory,
                                                                     station_factory):
    station, st_token = station_factory(tree["C1"])
    ok = bulletin_factory(people["editor"], area=tree["D"])
    draft = bulletin_factory(people["editor"], status="draft", area=tree["D"])
    p = Playlist.create(name="Sửa thẳng trong cơ sở dữ liệu")
    # a row no API call makes: a chime item naming a draft bulletin's audio
    PlaylistItem.create(playlist=p, position=0, kind="chime", asset=draft.asset_id)
    PlaylistItem.create(playlist=p, position=1, kind="bulletin", bulletin=ok)
    sched = schedule_factory(playlist=p, stations=[station])
    m = _manifest(client, st_token)
    assert _shas(m) == {ok.asset_id}
    assert [i["kind"] for i in m["schedules"][0]["items"]] == ["bulletin"]
    assert client.get(f"/api/v1/station/assets/{draft.asset_id}", headers=auth(st_token)).status_code == 404
    (alert,) = AuditLog.select().where(AuditLog.action == "manifest.refused_asset")
    assert alert.object_type == "Station" and alert.object_id == str(station.id)
    assert alert.detail["asset"] == draft.asset_id and alert.detail["schedules"] == [sched.id]
    assert alert.actor_name == "system"
    Station.update(manifest_etag=None).where(Station.id == station.id).execute()
    _manifest(client, st_token)  # built again: the same alert is not repeated within a day
    assert AuditLog.select().where(AuditLog.action == "manifest.refused_asset").count() == 1


def test_an_approved_chimes_item_pointed_at_other_audio_is_refused(client, auth, tree, people,
                                                                   bulletin_factory, chime_factory,
                                                                   schedule_factory, station_factory):
    station, st_token = station_factory(tree["C1"])
    ok = bulletin_factory(people["editor"], area=tree["D"])
    rejected = bulletin_factory(people["editor"], status="rejected", area=tree["D"])
    good = chime_factory(people["editor"])
    p = Playlist.create(name="Sửa thẳng trong cơ sở dữ liệu")
    PlaylistItem.create(playlist=p, position=0, kind="chime", chime=good, asset=rejected.asset_id)
    PlaylistItem.create(playlist=p, position=1, kind="chime", chime=good, asset=good.asset_id)
    PlaylistItem.create(playlist=p, position=2, kind="bulletin", bulletin=ok)
    schedule_factory(playlist=p, stations=[station])
    m = _manifest(client, st_token)
    assert _shas(m) == {ok.asset_id, good.asset_id}
    assert [i["kind"] for i in m["schedules"][0]["items"]] == ["chime", "bulletin"]
    (alert,) = AuditLog.select().where(AuditLog.action == "manifest.refused_asset")
    assert alert.detail["asset"] == rejected.asset_id
