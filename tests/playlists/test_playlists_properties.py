"""Property tests: whatever the schedules, the resolved timeline keeps its promises."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playlists import rules, timeline
from playlists.model import (
    DEFAULT_GRACE_S,
    REASONS,
    Bulletin,
    Item,
    ItemKind,
    Priority,
    QuietHours,
    Schedule,
    Slot,
    SlotRecord,
    SlotStatus,
    StationSettings,
    slot_id,
)
from playlists.resolve import duration
from tests.playlists.playlists_helpers import at, chime

START, END = at(1, 5), at(1, 11)
#: Where and when a generated station lives: Vietnam, and Berlin across both DST changes.
PLACES = [
    ("Asia/Ho_Chi_Minh", datetime(2026, 6, 1, 5, 0)),
    ("Europe/Berlin", datetime(2026, 3, 29, 0, 30)),  # 02:00 → 03:00
    ("Europe/Berlin", datetime(2026, 10, 25, 0, 30)),  # 03:00 → 02:00
]
PLAYED = (SlotStatus.PLANNED, SlotStatus.INTERRUPTED)
ACCOUNTED = {SlotStatus.PLANNED, SlotStatus.INTERRUPTED, SlotStatus.MISSED, SlotStatus.SKIPPED}


@dataclass(frozen=True)
class World:
    schedules: list[Schedule]
    bulletins: dict[int, Bulletin]
    settings: StationSettings
    busy_until: datetime | None = None
    start: datetime = START
    end: datetime = END


@st.composite
def bulletin_sets(draw: st.DrawFn, max_minutes: int, start: datetime = START) -> dict[int, Bulletin]:
    out = {}
    for n in range(1, draw(st.integers(1, 4)) + 1):
        ms = draw(st.integers(0, max_minutes * 60)) * 1000
        until = draw(st.one_of(st.none(), st.integers(0, 360).map(lambda m: start + timedelta(minutes=m))))
        out[n] = Bulletin(n, f"Bản tin {n}", f"{n:064x}", ms, valid_until=until)
    return out


@st.composite
def schedule_sets(
    draw: st.DrawFn, n_bulletins: int, tiers: list[Priority], place: tuple[str, datetime] = PLACES[0]
) -> list[Schedule]:
    out = []
    for sid in range(1, draw(st.integers(1, 8)) + 1):
        items = draw(st.lists(
            st.one_of(
                st.integers(1, n_bulletins + 1).map(lambda i: Item(ItemKind.BULLETIN, bulletin_id=i)),
                st.just(chime(4)),
            ),
            min_size=1, max_size=3,
        ))
        minute = draw(st.integers(0, 300))
        dtstart = place[1] + timedelta(minutes=minute)
        repeat = draw(st.sampled_from(["", "FREQ=MINUTELY;INTERVAL=40;COUNT=4", "FREQ=HOURLY;COUNT=3"]))
        out.append(Schedule(
            id=sid, items=tuple(items), dtstart=dtstart, rrule=repeat, timezone=place[0],
            priority=draw(st.sampled_from(tiers)),
            grace_s=draw(st.sampled_from([None, 0, 300, 900])),
        ))
    return out


@st.composite
def worlds(draw: st.DrawFn, gates: bool = True, max_minutes: int = 20) -> World:
    place = draw(st.sampled_from(PLACES))
    start = place[1].replace(tzinfo=rules.zone(place[0])).astimezone(UTC)
    bs = draw(bulletin_sets(max_minutes, start))
    schedules = draw(schedule_sets(len(bs), list(Priority), place))
    quiet = None
    busy = None
    if gates and draw(st.booleans()):
        a, b_ = draw(st.integers(5 * 60, 11 * 60)), draw(st.integers(0, 24 * 60 - 1))
        quiet = QuietHours(time(a // 60, a % 60), time(b_ // 60, b_ % 60))
    if gates and draw(st.booleans()):
        busy = start + timedelta(minutes=draw(st.integers(0, 200)))
    settings = StationSettings(timezone=place[0], quiet_hours=quiet)
    return World(schedules, bs, settings, busy, start, start + timedelta(hours=6))


def resolve(w: World, start: datetime | None = None, end: datetime | None = None) -> list[Slot]:
    return timeline.expand(w.schedules, w.bulletins, w.settings, start or w.start, end or w.end,
                           busy_until=w.busy_until)


def items_of(slots: list[Slot]):  # type: ignore[no-untyped-def]
    placed = [(i.start, i.end, s) for s in slots if s.status in PLAYED for i in s.items]
    return sorted(placed, key=lambda x: (x[0], x[1]))


# PLAYLISTS_EXAMPLES=5000 for a long hunt; the default keeps the suite quick
SETTINGS = settings(max_examples=int(os.environ.get("PLAYLISTS_EXAMPLES", "150")), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(worlds())
def test_playing_intervals_never_overlap(w: World) -> None:
    placed = items_of(resolve(w))
    for (a0, a1, _), (b0, _b1, _) in zip(placed, placed[1:], strict=False):
        assert a0 <= a1 <= b0


@SETTINGS
@given(worlds())
def test_resolution_is_deterministic_and_ignores_input_order(w: World) -> None:
    first = resolve(w)
    assert resolve(w) == first
    assert resolve(dataclasses.replace(w, schedules=list(reversed(w.schedules)))) == first


@SETTINGS
@given(worlds())
def test_every_occurrence_is_accounted_for_exactly_once(w: World) -> None:
    slots = resolve(w)
    ids = [s.id for s in slots]
    assert len(ids) == len(set(ids))
    by_id = {s.id: s for s in slots}
    for sch in w.schedules:
        for t in rules.occurrences(sch, w.start, w.end):
            slot = by_id[slot_id(sch.id, t)]
            assert slot.status in ACCOUNTED
            if slot.status in (SlotStatus.MISSED, SlotStatus.SKIPPED):
                assert slot.reason in REASONS and slot.items == ()
            else:
                assert slot.items
                if any(i.kind is ItemKind.BULLETIN for i in sch.items):  # a chime alone never airs
                    assert any(i.kind is ItemKind.BULLETIN for i in slot.items)
                assert slot.status is SlotStatus.PLANNED or any(i.interrupted for i in slot.items)
    for s in slots:  # and nothing else is reported but what plays in the window
        assert w.start <= s.planned_start < w.end or any(i.end > w.start for i in s.items)


def _deadline(s: Schedule, planned: datetime) -> datetime:
    g = s.grace_s if s.grace_s is not None else DEFAULT_GRACE_S[s.priority]
    return planned + (timeline.EMERGENCY_MAX_LATE if g is None else timedelta(seconds=g))


@SETTINGS
@given(worlds(gates=False))
def test_a_higher_tier_is_never_delayed_for_a_lower_one(w: World) -> None:
    slots = resolve(w)
    ranks = {s.id: s.priority.rank for s in w.schedules}
    placed = items_of(slots)
    sched = {s.id: s for s in w.schedules}
    for h in slots:
        rank = ranks[h.schedule_id]
        lower = [(a, b_) for a, b_, s in placed if ranks[s.schedule_id] < rank]
        if h.status in PLAYED:
            waits = [(h.planned_start, h.items[0].start)]
            waits += [(x.end, y.start) for x, y in zip(h.items, h.items[1:], strict=False)]
        elif h.status is SlotStatus.MISSED:
            waits = [(h.planned_start, _deadline(sched[h.schedule_id], h.planned_start))]
        else:
            continue
        for w0, w1 in waits:
            # nothing of a lower tier may start while this slot waits to start or resume
            assert not any(w0 <= a < w1 for a, _ in lower)
            if rank == Priority.EMERGENCY.rank:  # and an emergency does not even wait for an item
                assert not any(a < w1 and b_ > w0 for a, b_ in lower)
        if rank == Priority.EMERGENCY.rank and h.status in PLAYED:
            assert not any(i.interrupted for i in h.items)


@SETTINGS
@given(worlds(max_minutes=4), st.integers(1, 120))
def test_a_window_starting_mid_day_agrees_with_the_whole_day(w: World, minutes: int) -> None:
    """Every slot of a later window is the same as in the whole day (content here stays short)."""
    later = w.start + timedelta(minutes=minutes)
    whole = {s.id: s for s in resolve(w)}
    for s in resolve(w, later, w.end):
        assert whole[s.id] == s


@st.composite
def long_rules(draw: st.DrawFn) -> tuple[str, datetime]:
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY", "HOURLY"]))
    parts = [f"FREQ={freq}", f"INTERVAL={draw(st.integers(1, 4))}"]
    if freq in ("DAILY", "WEEKLY", "MONTHLY") and draw(st.booleans()):
        parts.append("BYHOUR=" + ",".join(map(str, sorted(draw(st.sets(st.integers(0, 23), min_size=1, max_size=3))))))
        parts.append(f"BYMINUTE={draw(st.sampled_from([0, 15, 30, 45]))}")
        if draw(st.booleans()):  # fully timed: the form the constructors write
            parts.append(f"BYSECOND={draw(st.sampled_from([0, 30]))}")
    if freq in ("WEEKLY", "MONTHLY") and draw(st.booleans()):
        parts.append(f"WKST={draw(st.sampled_from(['MO', 'SU', 'WE']))}")
    if freq == "WEEKLY" and draw(st.booleans()):
        parts.append("BYDAY=" + ",".join(draw(st.sets(st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]), min_size=1))))
    if freq in ("MONTHLY", "YEARLY") and draw(st.booleans()):
        parts.append(f"BYMONTHDAY={draw(st.sampled_from([1, 5, 15, 28, -1]))}")
    if freq == "MONTHLY" and not any(p.startswith("BYMONTHDAY") for p in parts) and draw(st.booleans()):
        # (not with BYMONTHDAY: "first Monday that is the 15th" never happens; validate refuses it)
        parts.append(f"BYDAY={draw(st.sampled_from(['1MO', '-1FR', 'TU', '2SA,4SA']))}")
    if draw(st.booleans()):
        until = datetime(2025, 5, 1) + timedelta(minutes=draw(st.integers(0, 500 * 24 * 60)))
        parts.insert(draw(st.integers(0, len(parts))), f"UNTIL={until:%Y%m%dT%H%M%S}")
    dtstart = datetime(2023, 1, 1) + timedelta(minutes=draw(st.integers(0, 3 * 365 * 24 * 60)))
    return ";".join(parts), dtstart.replace(second=0)


@SETTINGS
@given(long_rules(), st.integers(0, 400 * 24), st.integers(1, 20 * 24))
def test_expansion_matches_plain_dateutil(rule: tuple[str, datetime], offset_h: int, span_h: int) -> None:
    """Week caching and moving dtstart forward never change a single occurrence."""
    from dateutil.rrule import rrulestr

    text, dtstart = rule
    s = Schedule(1, (chime(),), dtstart, timezone="Europe/Berlin", rrule=text)
    a = datetime(2025, 6, 1, tzinfo=UTC) + timedelta(hours=offset_h)
    b_ = a + timedelta(hours=span_h)
    tz = rules.zone("Europe/Berlin")
    lo = a.astimezone(tz).replace(tzinfo=None) - timedelta(hours=3)
    hi = b_.astimezone(tz).replace(tzinfo=None) + timedelta(hours=3)
    plain = rrulestr("RRULE:" + text, dtstart=dtstart).between(lo, hi, inc=True)
    expect = sorted({u for u in (t.replace(tzinfo=tz).astimezone(UTC) for t in plain) if a <= u < b_})
    assert rules.occurrences(s, a, b_) == expect


def _history_at(plan: list[Slot], w: World, t: datetime) -> dict[str, SlotRecord]:
    """What a station that followed ``plan`` until ``t`` would have recorded."""
    sched = {s.id: s for s in w.schedules}
    out: dict[str, SlotRecord] = {}
    for s in plan:
        if s.status not in PLAYED:
            if timeline.deadline(sched[s.schedule_id], s.planned_start) < t:
                out[s.id] = SlotRecord(s.status, reason=s.reason)
            continue
        done = [i for i in s.items if i.start < t]
        if not done:
            continue
        if s.items[-1].end <= t and s.items[-1].start < t:
            out[s.id] = SlotRecord(s.status, s.items[0].start, s.items[-1].end, reason=s.reason)
            continue
        cur = done[-1] if done[-1].end > t else None
        if cur is not None:  # the station knows when the item should end, not whether it will be cut
            full = duration(sched[s.schedule_id].items[cur.index or 0], w.bulletins)
            cur = dataclasses.replace(cur, end=cur.start + full, interrupted=False)
        nxt = cur.index if cur is not None else s.items[len(done)].index
        out[s.id] = SlotRecord(SlotStatus.PLAYING, s.items[0].start, None, next_item=nxt or 0,
                               current=cur, interrupted=any(i.interrupted for i in done if i is not cur))
    return out


@SETTINGS
@given(worlds(), st.integers(1, 300))
def test_a_station_reporting_its_history_keeps_to_the_plan(w: World, minutes: int) -> None:
    """Follow the preview until ``t``, report that as history: the rest of the plan is unchanged."""
    plan = resolve(w)
    t = w.start + timedelta(minutes=minutes)
    history = _history_at(plan, w, t)
    busy = t if w.busy_until is None else max(t, w.busy_until)
    again = timeline.expand(w.schedules, w.bulletins, w.settings, t, w.end, history=history,
                            busy_until=busy)
    before = {s.id: s for s in plan}
    for s in again:
        rec = history.get(s.id)
        if rec is not None and rec.status is not SlotStatus.PLAYING:
            assert s.status is rec.status and s.items == ()
            continue
        old = before[s.id]
        if rec is None:
            assert s == old
        else:  # in progress: from the item sounding at t on, it plays as planned
            assert [i for i in s.items if i.end > t] == [i for i in old.items if i.end > t]
            assert s.status is old.status
    for s in plan:  # and nothing planned to sound after t went missing
        if any(i.end > t for i in s.items):
            assert s.id in {x.id for x in again}
