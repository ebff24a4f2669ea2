"""Relay play logs (issue 13): stored and shown with their counters; relay minutes reported per source,
beside bulletin minutes and never inside them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from central.models import PlayLog
from central.relay_models import RelayDay, RelaySource
from central.services import rollups

from .test_playlogs import _post, make_log
from .test_web_pages import login

START = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
BOTH_DATABASES = pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])


def relay_log(source: int, relayed_ms: int = 1_790_000, **over: Any) -> dict[str, Any]:
    return make_log(**{"schedule_id": 9, "slot_id": "9@20261201T060000Z", "bulletin_id": None,
                       "asset_sha256": None, "planned_start": START.isoformat(),
                       "started_at": START.isoformat(), "ended_at": (START + timedelta(minutes=30)).isoformat(),
                       "relay": {"source_id": source, "relayed_ms": relayed_ms, "gap_ms": 10_000, "gaps": 1,
                                 "fallback_ms": 0}, **over})


@BOTH_DATABASES
def test_a_relay_log_is_stored_shown_and_counted_apart_from_bulletins(client: Any, auth: Any, tree: dict,
                                                                      make_user: Any, station_factory: Any,
                                                                      backend: str) -> None:
    station, token = station_factory(tree["C1"])
    admin, admin_token = make_user("admin", None)
    src = RelaySource.create(name="VOV1", url="http://127.0.0.1:8000/vov1.ogg", status="approved", author=admin)
    bulletin = make_log(started_at=START.isoformat(), ended_at=(START + timedelta(minutes=2)).isoformat(),
                        planned_start=START.isoformat())
    logs = [relay_log(src.id), bulletin]
    assert _post(client, token, logs).json == {"accepted": 2, "duplicates": 0}
    assert _post(client, token, logs[:1]).json == {"accepted": 0, "duplicates": 1}  # re-sent: counted once
    row = PlayLog.get(PlayLog.uuid == logs[0]["id"])
    assert row.relay == {"source_id": src.id, "relayed_ms": 1_790_000, "gap_ms": 10_000, "gaps": 1, "fallback_ms": 0}
    listed = client.get(f"/api/v1/play-logs?station={station.id}", headers=auth(admin_token)).json
    by_id = {x["id"]: x for x in (listed["play_logs"])}
    assert by_id[logs[0]["id"]]["relay"]["relayed_ms"] == 1_790_000 and by_id[bulletin["id"]]["relay"] is None
    (day,) = RelayDay.select()
    assert (day.source_id, day.n_plays, day.relayed_ms, day.gaps, day.gap_ms) == (src.id, 1, 1_790_000, 1, 10_000)
    summary = client.get("/api/v1/reports/summary?from=2026-12-01&to=2026-12-01&group_by=station",
                         headers=auth(admin_token)).json
    assert summary["total"]["minutes_aired"] == 2.0  # the bulletin only: relay time is not bulletin time
    assert summary["total"]["plays"] == 1
    (relay,) = summary["relays"]
    assert (relay["name"], relay["plays"], relay["relayed_minutes"], relay["gaps"]) == ("VOV1", 1, 29.8, 1)
    csv = client.get("/api/v1/reports/summary?from=2026-12-01&to=2026-12-01&format=csv",
                     headers=auth(admin_token)).get_data().decode("utf-8-sig")
    assert "Tiếp sóng" in csv and "29.8" in csv
    period = client.get("/api/v1/reports/period?from=2026-12-01&to=2026-12-01&area=P",
                        headers=auth(admin_token)).json
    assert period["relay_minutes"] == 29.8 and period["total"]["minutes_aired"] == 2.0


def test_a_bad_relay_field_refuses_the_batch(client: Any, tree: dict, station_factory: Any) -> None:
    _, token = station_factory(tree["C1"])
    for bad in ({"relayed_ms": 5}, {"source_id": 1, "gap_ms": -1}, {"source_id": "1"}, "x"):
        reply = _post(client, token, [make_log(), relay_log(1, relay=bad)])
        assert reply.status_code == 400, (bad, reply.json)
    assert PlayLog.select().count() == 0


@BOTH_DATABASES
def test_rebuild_folds_relay_logs_again_and_keeps_them_out_of_play_day(client: Any, tree: dict,
                                                                      station_factory: Any, db: Any,
                                                                      backend: str) -> None:
    _, token = station_factory(tree["C1"])
    _post(client, token, [relay_log(3, 600_000), relay_log(3, 300_000, status="interrupted"),
                          relay_log(3, 0, status="failed")])
    before = [(d.n_plays, d.relayed_ms) for d in RelayDay.select()]
    assert before == [(3, 900_000)]
    rollups.rebuild()
    assert [(d.n_plays, d.relayed_ms) for d in RelayDay.select()] == before
    from central.models import PlayDay

    assert PlayDay.select().count() == 0  # no bulletin cell for relay logs


def test_the_play_log_page_shows_the_relay(client: Any, tree: dict, make_user: Any, station_factory: Any) -> None:
    _, token = station_factory(tree["C1"])
    make_user("editor", tree["D"], name="bien.tap")
    src = RelaySource.create(name="Đài tỉnh Đắk Nông", url="http://127.0.0.1:8000/tinh.ogg", status="approved")
    _post(client, token, [relay_log(src.id, 1_800_000)])
    login(client, "bien.tap")
    page = client.get("/play-logs?from=2026-12-01&to=2026-12-01").get_data(as_text=True)
    assert "Tiếp sóng Đài tỉnh Đắk Nông: 30.0 phút" in page and "mất tín hiệu 1 lần" in page
