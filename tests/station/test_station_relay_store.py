"""A relay on the station without a stream: its play log's ``relay`` field in the store, its timeline row."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playlists.model import RelaySource, manifest_content
from station.store import Store
from station.timeline import expand, slot_rows

from .station_helpers import Central, local, utc

RELAY = {"source_id": 3, "relayed_ms": 1790000, "gap_ms": 10000, "gaps": 1, "fallback_ms": 0}


def test_a_database_from_before_relays_gains_the_column_and_sends_the_relay_field(tmp_path: Path) -> None:
    path = tmp_path / "station.db"
    old = Store(path)
    old.db.execute_sql('ALTER TABLE "play" DROP COLUMN "relay"')  # as a Pi's file from before relays is
    old.close()
    store = Store(path)
    now = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
    relay_id, plain_id = str(uuid.uuid4()), str(uuid.uuid4())
    for play_id in (relay_id, plain_id):
        store.start_play(id=play_id, slot_id="s", schedule_id=40, status="playing", started_at=now,
                         recorded_at=now)
    store.end_item(relay_id, "completed", None, now, now, None, 1, relay=RELAY)
    store.end_item(plain_id, "completed", None, now, now, None, 1)
    _, logs = store.mark_batch()
    by_id = {log["id"]: log for log in logs}
    assert by_id[relay_id]["relay"] == RELAY and by_id[relay_id]["bulletin_id"] is None
    assert "relay" not in by_id[plain_id], "a plain play's log reads exactly as before relays"
    assert {p["id"]: p["relay"] for p in store.recent_plays()} == {relay_id: RELAY, plain_id: None}


def test_the_station_s_own_timeline_names_a_relay_by_its_source() -> None:
    central = Central()
    central.relay(40, RelaySource(3, "VOV1", "http://127.0.0.1:9/vov1.mp3"), local(2026, 6, 1, 6, 0), 1800)
    central.schedules = [replace(s, title="") for s in central.schedules]  # a schedule nobody titled
    content = manifest_content(central.manifest(utc(local(2026, 6, 1, 5, 0)))["manifest"])
    start = utc(local(2026, 6, 1, 5, 0))
    slots = expand(content, content.settings, start, start + timedelta(hours=2), {}, None, None)
    [row] = slot_rows(slots, content)
    assert row["title"] == "Tiếp sóng VOV1"
    assert row["end"] == utc(local(2026, 6, 1, 6, 30)).astimezone(slots[0].end.tzinfo).isoformat(timespec="seconds")
