"""The station timeline preview equals ``playlists.timeline.expand`` over the station's own manifest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from central.times import parse_time
from playlists import model as pm
from playlists import timeline as pt

HANOI = timezone(timedelta(hours=7))
#: a day a few days ahead, so the one-off emergency is still in the manifest whenever this runs
DAY = (datetime.now(HANOI) + timedelta(days=5)).replace(hour=0, minute=0, second=0, microsecond=0)


def utc(local: datetime) -> str:
    return local.replace(tzinfo=HANOI).astimezone(UTC).isoformat()


def test_timeline_is_expand_over_the_stations_manifest(client, auth, tree, make_user, station_factory,
                                                       bulletin_factory, schedule_factory):
    editor, token = make_user("editor", tree["D"])
    station, station_token = station_factory(tree["C1"])
    morning = bulletin_factory(editor, duration_ms=120_000, area=tree["D"])
    urgent = bulletin_factory(editor, duration_ms=30_000, area=tree["D"])
    schedule_factory(bulletin=morning, areas=[tree["D"]], dtstart=DAY.replace(hour=6, minute=30, tzinfo=None),
                     rrule="FREQ=DAILY")
    # an emergency one minute into the morning bulletin cuts it
    schedule_factory(bulletin=urgent, stations=[station], dtstart=(DAY + timedelta(days=1)).replace(hour=6, minute=31, tzinfo=None), rrule="",
                     priority="emergency")
    start, end = DAY, DAY + timedelta(days=2)
    reply = client.get(f"/api/v1/stations/{station.id}/timeline",
                       query_string={"from": start.isoformat(), "to": end.isoformat()}, headers=auth(token))
    assert reply.status_code == 200, reply.json
    got = reply.json

    signed = client.get("/api/v1/station/manifest", headers=auth(station_token)).json["manifest"]
    content = pm.manifest_content(signed)
    expected = pt.expand(list(content.schedules), content.bulletins, content.settings, start, end)
    assert got["slots"] == [pm.slot_to_dict(s) for s in expected]
    assert got["version"] == signed["version"]

    # and what that means, checked by hand: 06:30 on the 1st; on the 2nd the emergency cuts in
    starts = [(s["start"], s["priority"], s["status"]) for s in got["slots"]]
    day1, day2 = DAY.replace(tzinfo=None), (DAY + timedelta(days=1)).replace(tzinfo=None)
    assert starts[0] == (utc(day1.replace(hour=6, minute=30)), "normal", "planned")
    assert (utc(day2.replace(hour=6, minute=31)), "emergency", "planned") in starts
    cut = next(s for s in got["slots"] if s["start"] == utc(day2.replace(hour=6, minute=30)))
    assert cut["status"] == "interrupted"
    assert all(set(s) >= {"id", "start", "end", "priority", "status", "reason", "items"} for s in got["slots"])


def test_timeline_respects_scope_and_limits(client, auth, tree, make_user, station_factory):
    station, _ = station_factory(tree["C1"])
    _, inside = make_user("operator", tree["C1"])
    _, outside = make_user("operator", tree["C2"])
    url = f"/api/v1/stations/{station.id}/timeline"
    assert client.get(url, headers=auth(inside)).json["slots"] == []
    assert client.get(url, headers=auth(outside)).status_code == 404
    too_long = {"from": "2026-12-01T00:00:00+07:00", "to": "2027-02-01T00:00:00+07:00"}
    assert client.get(url, query_string=too_long, headers=auth(inside)).status_code == 422  # well-formed, too wide
    backwards = {"from": "2026-12-02T00:00:00+07:00", "to": "2026-12-01T00:00:00+07:00"}
    assert client.get(url, query_string=backwards, headers=auth(inside)).status_code == 422
    assert client.get("/api/v1/stations/9999/timeline", headers=auth(inside)).status_code == 404


def test_a_time_without_an_offset_means_the_same_everywhere(client, auth, tree, make_user, station_factory,
                                                            bulletin_factory, schedule_factory):
    """One reading of a naive time (the deployment's zone): the preview's window as a bulletin's validity."""
    editor, token = make_user("editor", tree["D"])
    station, _ = station_factory(tree["C1"])
    morning = bulletin_factory(editor, duration_ms=60_000, area=tree["D"])
    schedule_factory(bulletin=morning, areas=[tree["D"]], dtstart=DAY.replace(hour=6, minute=30, tzinfo=None),
                     rrule="FREQ=DAILY")
    url = f"/api/v1/stations/{station.id}/timeline"
    # 05:00–08:00 local holds the 06:30 slot; read as UTC it would be 12:00–15:00 local, without it
    naive = {"from": DAY.replace(hour=5, tzinfo=None).isoformat(), "to": DAY.replace(hour=8, tzinfo=None).isoformat()}
    aware = {"from": DAY.replace(hour=5).isoformat(), "to": DAY.replace(hour=8).isoformat()}
    got = client.get(url, query_string=naive, headers=auth(token)).json["slots"]
    assert got == client.get(url, query_string=aware, headers=auth(token)).json["slots"]
    assert [s["start"] for s in got] == [utc(DAY.replace(hour=6, minute=30, tzinfo=None))]
    # the same parser reads bulletins' and schedules' validity: a time or a day, in the same zone
    assert parse_time("2026-12-01T06:00", "valid_from") == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    assert parse_time("2026-12-01", "valid_from") == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
