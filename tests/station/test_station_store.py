"""The station's local store on real SQLite files: one file per Store, plays listed as people read them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from station.store import Store


def test_two_stores_in_one_process_keep_their_own_files(tmp_path: Path) -> None:
    a = Store(tmp_path / "a" / "station.db")
    b = Store(tmp_path / "b" / "station.db")  # opened last: it used to take over the first one's tables
    a.put(station_id=1, ui_password="a-hash")
    b.put(station_id=2)
    t = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
    a.start_play(title="Bản tin của đài A", status="completed", started_at=t, planned_start=t)
    assert a.get("station_id") == 1 and b.get("station_id") == 2
    assert b.get("ui_password") is None
    assert [p["title"] for p in a.recent_plays()] == ["Bản tin của đài A"]
    assert b.recent_plays() == [] and b.outbox_size() == 0 and a.outbox_size() == 1
    a.close()
    b.close()
    again = Store(tmp_path / "a" / "station.db")
    assert again.get("station_id") == 1 and again.outbox_size() == 1


def test_recent_plays_are_in_the_order_of_the_times_shown(tmp_path: Path) -> None:
    store = Store(tmp_path / "station.db")
    six = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
    # The 06:00 slot is found missed at its deadline (06:05), after the operator played something at 06:03.
    store.start_play(title="Phát tay lúc 06:03", status="completed", started_at=six + timedelta(minutes=3),
                     recorded_at=six + timedelta(minutes=3))
    store.start_play(title="Lịch 06:00 bị lỡ", status="missed", planned_start=six, reason="asset_missing",
                     recorded_at=six + timedelta(minutes=5))
    store.start_play(title="Lịch 07:00", status="completed", planned_start=six + timedelta(hours=1),
                     started_at=six + timedelta(hours=1), recorded_at=six + timedelta(hours=1))
    assert [p["title"] for p in store.recent_plays()] == ["Lịch 07:00", "Phát tay lúc 06:03", "Lịch 06:00 bị lỡ"]
