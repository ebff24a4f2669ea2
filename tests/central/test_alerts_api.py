"""The alerts API (bell, subscriptions, mail address) and uptime: behaviour, scope, and the strict document."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

from central.alert_models import Alert
from central.models import Heartbeat, Station, StationOutage
from central.services import uptime

from .test_openapi import conforms

DAY = date(2026, 3, 2)
MIDNIGHT = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)  # 00:00 on 2/3 in Vietnam


def _alert(tree, area="C1", key="disk:station:1"):
    return Alert.create(kind="disk", key=key, open_key=key, area=tree[area], title="Sắp hết dung lượng")


def test_bell_counts_unread_in_scope_and_reading_clears_it(client, tree, make_user, auth):
    spec = client.get("/api/v1/openapi.json").json
    _, c1 = make_user("operator", tree["C1"])
    _, c2 = make_user("operator", tree["C2"])
    mine = _alert(tree, "C1", "disk:station:1")
    _alert(tree, "C2", "disk:station:2")
    reply = client.get("/api/v1/alerts", headers=auth(c1))
    conforms(spec, "GET", "/api/v1/alerts", reply)
    assert [a["id"] for a in reply.json["alerts"]] == [mine.id] and reply.json["unread"] == 1
    assert reply.json["alerts"][0]["area_code"] == "P-D-C1" and reply.json["alerts"][0]["open"] is True
    assert client.post("/api/v1/alerts/read", headers=auth(c1)).status_code == 204
    assert client.get("/api/v1/alerts", headers=auth(c1)).json["unread"] == 0
    assert client.get("/api/v1/alerts", headers=auth(c2)).json["unread"] == 1  # each person's own bell
    newer = _alert(tree, "C1", "disk:station:3")
    assert client.get("/api/v1/alerts?state=open", headers=auth(c1)).json["unread"] == 1
    assert newer.id in [a["id"] for a in client.get("/api/v1/alerts?state=open", headers=auth(c1)).json["alerts"]]
    assert client.get("/api/v1/alerts?state=closed", headers=auth(c1)).json["alerts"] == []
    bad = client.get("/api/v1/alerts?state=maybe", headers=auth(c1))
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"


def test_subscriptions_are_per_person_and_within_scope(client, tree, make_user, auth):
    spec = client.get("/api/v1/openapi.json").json
    _, token = make_user("editor", tree["D"])
    put = client.put("/api/v1/alerts/subscriptions", json={"email": "bientap@huyen.vn"}, headers=auth(token))
    conforms(spec, "PUT", "/api/v1/alerts/subscriptions", put)
    made = client.post("/api/v1/alerts/subscriptions", json={"area_code": "P-D-C1", "kind": "offline",
                                                              "mode": "digest"}, headers=auth(token))
    conforms(spec, "POST", "/api/v1/alerts/subscriptions", made)
    assert made.status_code == 201 and made.json["mode"] == "digest" and made.json["area_name"] == "Xã Đắk Môl"
    again = client.post("/api/v1/alerts/subscriptions", json={"area_code": "P-D-C1", "kind": "offline",
                                                               "mode": "immediate"}, headers=auth(token))
    assert again.json["id"] == made.json["id"] and again.json["mode"] == "immediate"  # changed, not doubled
    everything = client.post("/api/v1/alerts/subscriptions", json={}, headers=auth(token))
    assert everything.json["kind"] is None and everything.json["area_code"] is None
    listing = client.get("/api/v1/alerts/subscriptions", headers=auth(token))
    conforms(spec, "GET", "/api/v1/alerts/subscriptions", listing)
    assert listing.json["email"] == "bientap@huyen.vn" and len(listing.json["subscriptions"]) == 2
    outside = client.post("/api/v1/alerts/subscriptions", json={"area_code": "P"}, headers=auth(token))
    assert outside.status_code == 404  # the province lies above the district's scope
    assert client.post("/api/v1/alerts/subscriptions", json={"kind": "weather"},
                       headers=auth(token)).status_code == 400
    assert client.put("/api/v1/alerts/subscriptions", json={"email": "không phải thư"},
                      headers=auth(token)).status_code == 400
    assert client.delete(f"/api/v1/alerts/subscriptions/{made.json['id']}", headers=auth(token)).status_code == 204
    assert client.delete(f"/api/v1/alerts/subscriptions/{made.json['id']}", headers=auth(token)).status_code == 404


def _enrolled(station_factory, area, name, since):
    station, _ = station_factory(area, name)
    Station.update(enrolled_at=since, created_at=since).where(Station.id == station.id).execute()
    return Station.get_by_id(station.id)


def test_uptime_from_outages_and_from_heartbeats(client, tree, make_user, auth, station_factory):
    spec = client.get("/api/v1/openapi.json").json
    pushed = _enrolled(station_factory, tree["C1"], "Đài có kênh đẩy", MIDNIGHT - timedelta(days=5))
    Station.update(online=True).where(Station.id == pushed.id).execute()
    StationOutage.create(station=pushed, started_at=MIDNIGHT + timedelta(hours=6),
                         ended_at=MIDNIGHT + timedelta(hours=12))  # 6 h of 24 off line
    polled = _enrolled(station_factory, tree["C2"], "Đài chỉ gửi nhịp tim", MIDNIGHT - timedelta(days=5))
    Station.update(last_seen=None, heartbeat_interval_s=300).where(Station.id == polled.id).execute()
    for minute in range(0, 12 * 60, 5):  # heartbeats every 5 minutes until noon, then silence
        Heartbeat.create(station=polled, received_at=MIDNIGHT + timedelta(minutes=minute))
    now = MIDNIGHT + timedelta(days=2)
    result = uptime.uptime(None, DAY, DAY, now=now)
    by_name = {r["name"]: r for r in result["stations"]}
    assert by_name["Đài có kênh đẩy"]["uptime_pct"] == 75.0
    # the last heartbeat at 11:55 covers three intervals (until 12:10): 12 h 10 min of 24 h
    assert by_name["Đài chỉ gửi nhịp tim"]["uptime_pct"] == round(100 * (12 * 60 + 10) / (24 * 60), 2)
    assert abs(result["uptime_pct"] - (75.0 + by_name["Đài chỉ gửi nhịp tim"]["uptime_pct"]) / 2) < 0.02
    assert uptime.uptime(tree["C1"], DAY, DAY, now=now)["uptime_pct"] == 75.0
    # a station enrolled at noon counts from noon only
    late = _enrolled(station_factory, tree["C1"], "Đài mới", MIDNIGHT + timedelta(hours=18))
    Station.update(online=True).where(Station.id == late.id).execute()
    assert {r["name"]: r for r in uptime.uptime(tree["C1"], DAY, DAY, now=now)["stations"]}["Đài mới"][
        "counted_s"] == 6 * 3600
    _, token = make_user("operator", tree["C1"])
    reply = client.get(f"/api/v1/reports/uptime?area=P-D-C1&from={DAY}&to={DAY}", headers=auth(token))
    conforms(spec, "GET", "/api/v1/reports/uptime", reply)
    assert {r["area_code"] for r in reply.json["stations"]} == {"P-D-C1"}
    assert client.get("/api/v1/reports/uptime?area=P-D-C2", headers=auth(token)).status_code == 403


def test_the_report_shows_uptime_next_to_completion(client, tree, make_user, auth, station_factory):
    pushed = _enrolled(station_factory, tree["C1"], "Đài A", MIDNIGHT - timedelta(days=5))
    Station.update(online=True).where(Station.id == pushed.id).execute()
    StationOutage.create(station=pushed, started_at=MIDNIGHT, ended_at=MIDNIGHT + timedelta(hours=12))
    _, token = make_user("admin")
    reply = client.get(f"/api/v1/reports/summary?from={DAY}&to={DAY}&area=P-D-C1&group_by=station",
                       headers=auth(token))
    assert reply.status_code == 200 and reply.json["total"]["uptime_pct"] == 50.0
    csv = client.get(f"/api/v1/reports/summary?from={DAY}&to={DAY}&area=P-D-C1&format=csv", headers=auth(token))
    text = csv.data.decode("utf-8-sig")
    assert "Thời gian hoạt động (%)" in text.splitlines()[1] and text.splitlines()[-1].endswith(",50.0")


def test_the_period_report_shows_uptime_in_its_completeness(client, tree, make_user, auth, station_factory):
    from central.services import report_export

    spec = client.get("/api/v1/openapi.json").json
    pushed = _enrolled(station_factory, tree["C1"], "Đài A", MIDNIGHT - timedelta(days=5))
    Station.update(online=True).where(Station.id == pushed.id).execute()
    StationOutage.create(station=pushed, started_at=MIDNIGHT + timedelta(hours=18), ended_at=None)  # still out
    _, token = make_user("editor", tree["C1"])
    reply = client.get(f"/api/v1/reports/period?area=P-D-C1&from={DAY}&to={DAY}", headers=auth(token))
    conforms(spec, "GET", "/api/v1/reports/period", reply)
    assert reply.json["completeness"]["uptime_pct"] == 75.0
    assert report_export.offline_line(reply.json).endswith("Thời gian hoạt động của các đài: 75,0 %.")


def test_uptime_of_many_stations_reads_their_history_in_a_few_queries(tree, station_factory, caplog):
    """Pruned heartbeats count from the oldest kept; presence from any outage; and 30 stations cost a
    handful of queries, not a few per station (the period report reads uptime for thousands)."""
    pruned = _enrolled(station_factory, tree["C1"], "Đài nhịp tim đã xóa bớt", MIDNIGHT - timedelta(days=30))
    Station.update(last_seen=None, heartbeat_interval_s=60).where(Station.id == pruned.id).execute()
    kept_from = MIDNIGHT + timedelta(hours=18)  # older ones were pruned: nothing is known before 18:00
    Heartbeat.insert_many([{"station": pruned.id, "received_at": kept_from + timedelta(seconds=30 * i)}
                           for i in range(uptime.PRUNED_AT)]).execute()  # every 30 s until 09:49:30 the next day
    flapped = _enrolled(station_factory, tree["C2"], "Đài từng mất kết nối", MIDNIGHT - timedelta(days=30))
    Station.update(online=None, last_seen=None).where(Station.id == flapped.id).execute()
    StationOutage.create(station=flapped, started_at=MIDNIGHT - timedelta(days=3),
                         ended_at=MIDNIGHT + timedelta(hours=6))  # presence, though not on line now
    for i in range(30):
        s = _enrolled(station_factory, tree["C2"], f"Đài thôn {i + 1}", MIDNIGHT - timedelta(days=30))
        Station.update(online=True).where(Station.id == s.id).execute()
    with caplog.at_level(logging.DEBUG, logger="peewee"):  # peewee logs each statement it runs
        result = uptime.uptime(None, DAY, DAY, now=MIDNIGHT + timedelta(days=2))
    queries = [r for r in caplog.records if r.name == "peewee"]
    by_name = {r["name"]: r for r in result["stations"]}
    assert by_name["Đài nhịp tim đã xóa bớt"]["counted_s"] == 6 * 3600 and by_name["Đài nhịp tim đã xóa bớt"][
        "uptime_pct"] == 100.0
    assert by_name["Đài từng mất kết nối"]["uptime_pct"] == 75.0
    assert len(result["stations"]) == 32 and len(queries) <= 10, len(queries)
