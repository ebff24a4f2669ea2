"""Programmes (playlists): ordered items, total duration, the house chime, edits reach manifests."""

from __future__ import annotations

import audio_library
from central.models import Asset, Station
from central.services import assets


def test_programme_orders_items_and_sums_their_durations(app, client, auth, tree, make_user,
                                                         bulletin_factory):
    editor, token = make_user("editor", tree["D"])
    a = bulletin_factory(editor, duration_ms=30_000, area=tree["D"])
    b = bulletin_factory(editor, duration_ms=45_500, status="draft", area=tree["D"])
    items = [{"kind": "chime"}, {"kind": "bulletin", "bulletin_id": a.id},
             {"kind": "pause", "duration_ms": 2000}, {"kind": "bulletin", "bulletin_id": b.id}]
    reply = client.post("/api/v1/playlists", json={"name": "Chương trình sáng thứ Hai", "items": items},
                        headers=auth(token))
    assert reply.status_code == 201, reply.json
    p = reply.json
    chime = audio_library.chime_asset()
    assert [i["kind"] for i in p["items"]] == ["chime", "bulletin", "pause", "bulletin"]
    assert p["items"][0]["asset_sha256"] == chime.sha256
    assert assets.store(app.config["DATA_DIR"]).has(chime.sha256)
    assert p["items"][3]["status"] == "draft"  # allowed; the manifest leaves it out
    assert p["duration_ms"] == chime.info.duration_ms + 30_000 + 2000 + 45_500
    assert p["name"] == "Chương trình sáng thứ Hai"
    again = client.get(f"/api/v1/playlists/{p['id']}", headers=auth(token)).json
    assert again == p
    # the chime is one asset, however many programmes use it
    client.post("/api/v1/playlists", json={"name": "Khác", "items": items}, headers=auth(token))
    assert Asset.select().where(Asset.sha256 == chime.sha256).count() == 1


def test_bad_items_are_refused_with_the_item_number(client, auth, tree, make_user, bulletin_factory):
    editor, token = make_user("editor", tree["D"])
    a = bulletin_factory(editor, area=tree["D"])
    cases = [
        [],
        [{"kind": "pause", "duration_ms": 1000}],  # nothing to air
        [{"kind": "bulletin", "bulletin_id": a.id}, {"kind": "pause", "duration_ms": -1}],
        [{"kind": "bulletin", "bulletin_id": a.id}, {"kind": "jingle"}],
        [{"kind": "bulletin"}],
    ]
    for items in cases:
        reply = client.post("/api/v1/playlists", json={"name": "x", "items": items}, headers=auth(token))
        assert reply.status_code == 400, items
        assert reply.json["detail"]
    reply = client.post("/api/v1/playlists", json={"name": "x", "items": cases[3]}, headers=auth(token))
    assert "Mục 2" in reply.json["detail"]


def test_bulletins_of_other_communes_cannot_be_used(client, auth, tree, make_user, bulletin_factory):
    c1_editor, _ = make_user("editor", tree["C1"])
    _, c2_token = make_user("editor", tree["C2"])
    theirs = bulletin_factory(c1_editor, area=tree["C1"])
    reply = client.post("/api/v1/playlists", json={"name": "x", "items": [
        {"kind": "bulletin", "bulletin_id": theirs.id}]}, headers=auth(c2_token))
    assert reply.status_code == 404


def test_a_change_to_a_scheduled_programme_airs_once_approved_and_bumps_its_stations(
        client, auth, tree, make_user, bulletin_factory, schedule_factory, station_factory):
    editor, token = make_user("editor", tree["D"])
    _, approver_token = make_user("approver", tree["D"])
    a = bulletin_factory(editor, area=tree["D"])
    b = bulletin_factory(editor, area=tree["D"])
    st, st_token = station_factory(tree["C1"])
    p = client.post("/api/v1/playlists", json={"name": "Sáng", "items": [
        {"kind": "bulletin", "bulletin_id": a.id}]}, headers=auth(token)).json
    from central.models import Playlist

    schedule_factory(playlist=Playlist.get_by_id(p["id"]), areas=[tree["C1"]])
    before = Station.get_by_id(st.id).manifest_version
    edited = client.patch(f"/api/v1/playlists/{p['id']}", json={"items": [
        {"kind": "bulletin", "bulletin_id": a.id}, {"kind": "bulletin", "bulletin_id": b.id}]},
        headers=auth(token))
    assert edited.status_code == 200
    assert len(edited.json["items"]) == 1 and len(edited.json["pending"]["items"]) == 2
    m = client.get("/api/v1/station/manifest", headers=auth(st_token)).json["manifest"]
    assert [i["bulletin_id"] for i in m["schedules"][0]["items"]] == [a.id]  # the approved one airs
    approved = client.post(f"/api/v1/playlists/{p['id']}/approve", headers=auth(approver_token))
    assert approved.status_code == 200 and approved.json["pending"] is None
    assert Station.get_by_id(st.id).manifest_version > before
    m = client.get("/api/v1/station/manifest", headers=auth(st_token)).json["manifest"]
    assert [i["bulletin_id"] for i in m["schedules"][0]["items"]] == [a.id, b.id]
    # a programme in use cannot be deleted
    assert client.delete(f"/api/v1/playlists/{p['id']}", headers=auth(token)).status_code == 409
