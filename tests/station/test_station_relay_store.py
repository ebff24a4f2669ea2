"""A relay's play log in the station's store: the ``relay`` field is kept and sent (issue 13)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from station.store import Store

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
