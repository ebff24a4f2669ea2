"""Manifests: content, signature, ETag/304, gzip, and a version that grows on every relevant change."""

from __future__ import annotations

import gzip
import json
from datetime import timedelta

from central import signing
from central.models import Playlist, PlaylistItem, Schedule, Station, utcnow
from central.services import manifests
from playlists.model import canonical_bytes, manifest_content


def _get(client, token, **headers):
    return client.get("/api/v1/station/manifest", headers={"Authorization": f"Bearer {token}", **headers})


def _manifest(client, token):
    reply = _get(client, token)
    assert reply.status_code == 200, reply.json
    return reply.json["manifest"], reply


def test_manifest_holds_what_the_station_needs_and_is_signed(app, client, tree, make_user, station_factory,
                                                               bulletin_factory, schedule_factory):
    author, _ = make_user("editor")
    station, token = station_factory(tree["V"], "Đài thôn 1")
    b = bulletin_factory(author, title="Tháng hành động phòng, chống ma túy")
    schedule_factory(bulletin=b, areas=[tree["P"]], priority="priority", grace_s=600)  # via an ancestor
    m, reply = _manifest(client, token)
    public = signing.public_key_b64(app.config["DATA_DIR"])
    assert signing.verify(public, canonical_bytes(m), reply.json["signature"])
    assert reply.headers["X-Loa-Server-Time"]
    assert m["version"] == 1
    assert m["station"]["timezone"] == "Asia/Ho_Chi_Minh"
    assert m["station"]["name"] == "Đài thôn 1" and m["station"]["area_code"] == "P-D-C1-V"
    assert m["station"]["area_name"] == "Thôn 1"
    assert m["assets"] == [{"sha256": b.asset_id, "size": b.asset.size, "duration_ms": 30_000, "codec": "opus"}]
    parsed = manifest_content(m)
    assert parsed.bulletins[b.id].title == "Tháng hành động phòng, chống ma túy"
    (sched,) = parsed.schedules
    assert sched.priority.value == "priority" and sched.grace == 600
    assert sched.items[0].bulletin_id == b.id
    # diacritics intact on the wire, not \\u escapes
    assert "Tháng hành động".encode() in reply.data


def test_tampered_manifest_does_not_verify(app, client, tree, station_factory):
    _, token = station_factory(tree["C1"])
    m, reply = _manifest(client, token)
    m["station"]["volume"] = 100
    public = signing.public_key_b64(app.config["DATA_DIR"])
    assert not signing.verify(public, canonical_bytes(m), reply.json["signature"])


def test_other_areas_schedules_stay_out(client, tree, make_user, station_factory, bulletin_factory,
                                        schedule_factory):
    author, _ = make_user("editor")
    _, token = station_factory(tree["C1"])
    other, _ = station_factory(tree["C2"])
    b = bulletin_factory(author)
    schedule_factory(bulletin=b, areas=[tree["C2"]])
    schedule_factory(bulletin=b, stations=[other])
    m, _ = _manifest(client, token)
    assert m["schedules"] == [] and m["bulletins"] == [] and m["assets"] == []


def test_etag_304_and_gzip(client, tree, station_factory):
    _, token = station_factory(tree["C1"])
    m, reply = _manifest(client, token)
    tag = reply.headers["ETag"]
    assert tag.startswith(f'"{m["version"]}-')
    cached = _get(client, token, **{"If-None-Match": tag})
    assert cached.status_code == 304 and cached.data == b""
    assert cached.headers["ETag"] == tag and "X-Loa-Server-Time" in cached.headers
    stale = _get(client, token, **{"If-None-Match": '"0-0000000000000000"'})
    assert stale.status_code == 200
    zipped = _get(client, token, **{"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(zipped.data))["manifest"]["version"] == m["version"]


def test_version_grows_on_every_kind_of_change(client, tree, make_user, station_factory, bulletin_factory,
                                               schedule_factory):
    author, _ = make_user("editor")
    station, token = station_factory(tree["C1"])
    seen = []

    def version():
        m, reply = _manifest(client, token)
        seen.append(m["version"])
        return m

    version()
    draft = bulletin_factory(author, status="submitted")
    sched = schedule_factory(bulletin=draft, stations=[station])
    manifests.bump_for_schedule(sched)
    assert version()["schedules"] == []  # not approved yet: nothing to air
    draft.status = "approved"
    draft.save()
    manifests.bump_for_bulletin(draft)  # approval
    assert [b["id"] for b in version()["bulletins"]] == [draft.id]
    sched.rrule = "FREQ=WEEKLY;BYDAY=MO"
    sched.save()
    manifests.bump_for_schedule(sched)  # schedule edit
    assert version()["schedules"][0]["rrule"] == "FREQ=WEEKLY;BYDAY=MO"
    Station.update(volume=55, quiet_start="21:30", quiet_end="05:00").where(Station.id == station.id).execute()
    manifests.bump([station])  # settings
    assert version()["station"]["quiet_hours"] == {"start": "21:30", "end": "05:00"}
    draft.status = "withdrawn"
    draft.save()
    manifests.bump_for_bulletin(draft)  # withdrawal: the bulletin disappears, and its schedule with it
    m = version()
    assert m["bulletins"] == [] and m["schedules"] == [] and m["assets"] == []
    other = schedule_factory(bulletin=bulletin_factory(author), areas=[tree["D"]])
    manifests.bump_for_schedule(other)
    assert len(version()["schedules"]) == 1
    Schedule.update(deleted=True).where(Schedule.id == other.id).execute()
    manifests.bump_for_schedule(other)  # deletion
    assert version()["schedules"] == []
    assert seen == sorted(seen) and len(set(seen)) == len(seen), seen


def test_unchanged_content_keeps_its_version_and_a_missed_bump_is_still_caught(
        app, client, tree, make_user, station_factory, bulletin_factory, schedule_factory):
    author, _ = make_user("editor")
    station, token = station_factory(tree["C1"])
    first, _ = _manifest(client, token)
    again, _ = _manifest(client, token)
    assert again["version"] == first["version"]
    b = bulletin_factory(author)
    schedule_factory(bulletin=b, stations=[station])  # nobody calls bump
    # a full request rebuilds the content and notices the change: a new version, never the old number
    m, _ = _manifest(client, token)
    assert m["version"] == first["version"] + 1 and len(m["schedules"]) == 1


def test_cache_expires_so_time_driven_changes_arrive(app, client, tree, make_user, station_factory,
                                                     bulletin_factory, schedule_factory):
    author, _ = make_user("editor")
    station, token = station_factory(tree["C1"])
    b = bulletin_factory(author, valid_until=utcnow() + timedelta(hours=1))
    schedule_factory(bulletin=b, stations=[station])
    m, reply = _manifest(client, token)
    assert len(m["bulletins"]) == 1
    # an hour later the bulletin has expired; and the cached ETag is older than MANIFEST_CACHE_S
    b.valid_until = utcnow() - timedelta(seconds=1)
    b.save()
    Station.update(manifest_built_at=utcnow() - timedelta(seconds=app.config["MANIFEST_CACHE_S"] + 1)).execute()
    later = _get(client, token, **{"If-None-Match": reply.headers["ETag"]})
    assert later.status_code == 200
    assert later.json["manifest"]["bulletins"] == []
    assert later.json["manifest"]["version"] > m["version"]


def test_playlist_items_chimes_and_pauses(client, tree, make_user, station_factory, bulletin_factory,
                                          schedule_factory):
    author, _ = make_user("editor")
    station, token = station_factory(tree["C1"])
    chime = bulletin_factory(author, duration_ms=4000).asset
    b1, b2 = bulletin_factory(author), bulletin_factory(author, status="withdrawn")
    playlist = Playlist.create(name="Chương trình sáng")
    for pos, (kind, kw) in enumerate([("chime", {"asset": chime}), ("bulletin", {"bulletin": b1}),
                                      ("pause", {"duration_ms": 2000}), ("bulletin", {"bulletin": b2})]):
        PlaylistItem.create(playlist=playlist, position=pos, kind=kind, **kw)
    schedule_factory(playlist=playlist, stations=[station], title="Sáng")
    m, _ = _manifest(client, token)
    (s,) = m["schedules"]
    assert [(i["kind"], i["bulletin_id"], i["duration_ms"]) for i in s["items"]] == [
        ("chime", None, 4000), ("bulletin", b1.id, 30_000), ("pause", None, 2000)]
    assert {a["sha256"] for a in m["assets"]} == {chime.sha256, b1.asset_id}
    assert [b["id"] for b in m["bulletins"]] == [b1.id]


def test_a_bump_during_a_build_makes_it_read_again(client, tree, station_factory):
    station, token = station_factory(tree["C1"])
    m, _ = _manifest(client, token)
    stale = Station.get_by_id(station.id)
    manifests.bump([station])  # lands between the build's read and its version update
    assert manifests._bind_version(stale, "0" * 64) is None  # refuses to bind content read before it
    body, tag = manifests.build(stale)
    fresh = Station.get_by_id(station.id)
    assert body["version"] == fresh.manifest_version == m["version"] + 1
    assert fresh.manifest_etag == tag


def test_a_programme_left_without_bulletins_brings_no_chime(client, tree, make_user, station_factory,
                                                           bulletin_factory, schedule_factory):
    author, _ = make_user("editor")
    station, token = station_factory(tree["C1"])
    chime = bulletin_factory(author, duration_ms=4000).asset
    playlist = Playlist.create(name="Chỉ còn nhạc hiệu")
    PlaylistItem.create(playlist=playlist, position=0, kind="chime", asset=chime)
    PlaylistItem.create(playlist=playlist, position=1, kind="bulletin",
                        bulletin=bulletin_factory(author, status="withdrawn"))
    schedule_factory(playlist=playlist, stations=[station])
    m, _ = _manifest(client, token)
    assert m["schedules"] == [] and m["assets"] == []
