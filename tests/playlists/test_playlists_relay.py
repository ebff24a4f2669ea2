"""Relay items and relay sources: their wire shape, validation, and the timeline treating them as items."""

from __future__ import annotations

import json
import re
from datetime import time

import pytest

from playlists import rules, timeline
from playlists.errors import ScheduleError
from playlists.model import (
    REASONS,
    Item,
    ItemKind,
    Priority,
    QuietHours,
    RelayLog,
    RelaySource,
    Schedule,
    SlotStatus,
    StationSettings,
    canonical_bytes,
    describe_reason,
    item_from_dict,
    item_to_dict,
    manifest_content,
    relay_log_from_dict,
    relay_log_to_dict,
    relay_source_to_dict,
    schedule_to_dict,
    schedules_to_dict,
    settings_to_dict,
)
from tests.playlists.playlists_helpers import (
    MIN,
    at,
    b,
    bulletins,
    by_schedule,
    chime,
    local,
    once,
    pause,
    spans,
)

ST = StationSettings()


def relay(minutes: int = 30, source: int = 3, fallback: tuple[Item, ...] = (), gap: int = 15) -> Item:
    return Item(ItemKind.RELAY, duration_ms=minutes * MIN, relay_source_id=source, max_gap_s=gap,
                fallback=fallback)


def test_a_relay_item_has_the_contract_shape_and_round_trips() -> None:
    item = relay(30, fallback=(b(9), chime(4), pause(2)))
    d = item_to_dict(item)
    assert d == {"kind": "relay", "bulletin_id": None, "asset_sha256": None, "duration_ms": 1_800_000,
                 "relay_source_id": 3, "max_gap_s": 15,
                 "fallback": [{"kind": "bulletin", "bulletin_id": 9, "asset_sha256": None, "duration_ms": 0},
                              {"kind": "chime", "bulletin_id": None, "asset_sha256": "c" * 64,
                               "duration_ms": 4000},
                              {"kind": "pause", "bulletin_id": None, "asset_sha256": None, "duration_ms": 2000}]}
    assert item_from_dict(json.loads(json.dumps(d))) == item
    # max_gap_s is optional on the wire (default 15 s), fallback too (silence)
    assert item_from_dict({"kind": "relay", "duration_ms": 60_000, "relay_source_id": 4}) == Item(
        ItemKind.RELAY, duration_ms=60_000, relay_source_id=4, max_gap_s=15, fallback=())


def test_other_items_read_exactly_as_before_relays_existed() -> None:
    for item in (b(1), chime(5), pause(3)):
        assert set(item_to_dict(item)) == {"kind", "bulletin_id", "asset_sha256", "duration_ms"}
    sch = once(1, local(1, 6), [chime(5), b(1)])
    assert schedules_to_dict([sch]) == {"schedules": [schedule_to_dict(sch)]}  # no relay_schedules key


def test_relay_schedules_go_only_to_relay_schedules_and_are_resolved_with_the_others() -> None:
    plain = once(1, local(1, 6), [b(1)])
    rel = once(2, local(1, 6, 30), [chime(5), relay(30, fallback=(b(1),))])
    keys = schedules_to_dict([plain, rel])
    assert [s["id"] for s in keys["schedules"]] == [1]
    assert [s["id"] for s in keys["relay_schedules"]] == [2]
    src = RelaySource(3, "VOV1 — Đài Tiếng nói Việt Nam", "http://127.0.0.1:8000/vov1.ogg")
    m = {"version": 5, "station": settings_to_dict(ST), "bulletins": [],
         "relay_sources": [relay_source_to_dict(src)], **keys}
    back = manifest_content(json.loads(canonical_bytes(m)))
    assert back.schedules == (plain, rel)
    assert back.relay_sources == (src,)
    assert "Tiếng nói".encode() in canonical_bytes(m)
    # a manifest without the keys parses as before
    assert manifest_content({"version": 1, "schedules": []}).relay_sources == ()


def test_a_relay_with_a_relay_as_fallback_or_no_source_is_refused() -> None:
    with pytest.raises(ScheduleError, match="fallback"):
        item_from_dict({"kind": "relay", "duration_ms": 60_000, "relay_source_id": 3,
                        "fallback": [{"kind": "relay", "duration_ms": 1, "relay_source_id": 3}]})
    with pytest.raises(ScheduleError, match="bad programme item"):
        item_from_dict({"kind": "relay", "duration_ms": 60_000})
    base = once(1, local(1, 6), [relay()])
    rules.validate(base)  # a well-formed relay schedule passes
    bad = {
        "Mục 1: tiếp sóng chưa chọn nguồn.": Item(ItemKind.RELAY, duration_ms=MIN),
        "Mục 1: tiếp sóng cần thời lượng.": Item(ItemKind.RELAY, relay_source_id=3),
        "Mục 1: thời gian chờ tín hiệu (max_gap_s) không được âm.": Item(ItemKind.RELAY, duration_ms=MIN,
                                                                          relay_source_id=3, max_gap_s=-1),
        "Mục 1: dự phòng không thể là tiếp sóng.": relay(fallback=(relay(),)),
        "Mục 1: dự phòng thiếu bản tin.": relay(fallback=(Item(ItemKind.BULLETIN),)),
    }
    for message, item in bad.items():
        with pytest.raises(ScheduleError, match=re.escape(message)):
            rules.validate(Schedule(id=1, items=(item,), dtstart=local(1, 6)))


def test_a_relay_item_is_placed_like_any_item_of_its_duration() -> None:
    bs = bulletins(2)
    rel = once(1, local(1, 6), [chime(5), relay(30), b(1)])
    (slot,) = timeline.expand([rel], bs, ST, at(1, 0), at(2, 0))
    assert slot.status is SlotStatus.PLANNED
    assert spans(slot) == [("06:00", "06:00:05"), ("06:00:05", "06:30:05"), ("06:30:05", "06:32:05")]
    assert slot.items[1].kind is ItemKind.RELAY and slot.items[1].index == 1
    assert slot.items[1].asset_sha256 is None


def test_an_emergency_interrupts_a_relay_and_a_relay_queues_behind_higher_tiers() -> None:
    bs = bulletins(5)
    rel = once(1, local(1, 6), [relay(30)])
    alarm = once(2, local(1, 6, 10), [b(1)], priority=Priority.EMERGENCY)
    slots = by_schedule(timeline.expand([rel, alarm], bs, ST, at(1, 0), at(2, 0)))
    assert spans(slots[2]) == [("06:10", "06:15")]
    (cut,) = slots[1].items
    assert cut.interrupted and slots[1].status is SlotStatus.INTERRUPTED
    assert slots[1].reason == "emergency"


def test_quiet_hours_hold_back_a_relay_like_any_normal_slot() -> None:
    quiet = StationSettings(quiet_hours=QuietHours(time(21, 30), time(5, 0)))
    (slot,) = timeline.expand([once(1, local(1, 22), [relay(30)])], {}, quiet, at(1, 12), at(2, 12))
    assert slot.status is SlotStatus.MISSED and slot.reason == "quiet_hours"


def test_relay_play_log_field_and_reason() -> None:
    log = RelayLog(source_id=3, relayed_ms=1_790_000, gap_ms=10_000, gaps=1, fallback_ms=0)
    d = relay_log_to_dict(log)
    assert d == {"source_id": 3, "relayed_ms": 1_790_000, "gap_ms": 10_000, "gaps": 1, "fallback_ms": 0}
    assert relay_log_from_dict(d) == log
    assert relay_log_from_dict({"source_id": 3}) == RelayLog(3)
    for bad in ({"relayed_ms": 5}, {"source_id": 3, "gap_ms": -1}, {"source_id": 3, "gaps": True},
                {"source_id": "3"}, [3]):
        with pytest.raises(ScheduleError):
            relay_log_from_dict(bad)
    assert "relay_fallback" in REASONS
    assert describe_reason("relay_fallback: VOV1", "en").startswith("fallback played")
