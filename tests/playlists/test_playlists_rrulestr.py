"""rules.occurrences (direct parser, per-day cache, shared lines, shortcuts) against plain dateutil.

``playlists/rules.py`` reads rrule's private attributes for its fast path, so python-dateutil is pinned
below 3; this property test is what catches a dateutil release that changes them. Every branch of a
rule is drawn: each FREQ from yearly to daily, INTERVAL, the BYxxx parts, COUNT or UNTIL, several lines,
EXDATEs, a zone with DST and one without, and windows anywhere around the start.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rruleset, rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from playlists import rules
from playlists.errors import ScheduleError
from playlists.model import Item, ItemKind, Schedule

ITEMS = (Item(ItemKind.BULLETIN, bulletin_id=1),)
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


@st.composite
def lines(draw: st.DrawFn) -> str:
    """One RRULE value with any mix of the parts operators and imports use."""
    freq = draw(st.sampled_from(["YEARLY", "MONTHLY", "WEEKLY", "DAILY"]))
    parts = [f"FREQ={freq}"]
    if draw(st.booleans()):
        parts.append(f"INTERVAL={draw(st.integers(1, 4))}")
    if draw(st.booleans()):
        parts.append("BYMONTH=" + ",".join(map(str, sorted(draw(st.sets(st.integers(1, 12), min_size=1,
                                                                         max_size=3))))))
    if draw(st.booleans()):
        days = sorted(draw(st.sets(st.sampled_from(DAYS), min_size=1, max_size=3)))
        parts.append("BYDAY=" + ",".join(days))
    elif draw(st.booleans()):
        monthdays = draw(st.sets(st.sampled_from([1, 2, 10, 15, 28, -1]), min_size=1, max_size=3))
        parts.append("BYMONTHDAY=" + ",".join(map(str, sorted(monthdays))))
    if draw(st.booleans()):
        parts.append("BYHOUR=" + ",".join(map(str, sorted(draw(st.sets(st.integers(0, 23), min_size=1,
                                                                        max_size=2))))))
        parts.append(f"BYMINUTE={draw(st.sampled_from([0, 15, 30, 45]))};BYSECOND=0")
    end = draw(st.sampled_from(["", "count", "until"]))
    if end == "count":
        parts.append(f"COUNT={draw(st.integers(1, 40))}")
    elif end == "until":
        until = datetime(2026, 1, 1) + timedelta(days=draw(st.integers(0, 900)), hours=draw(st.integers(0, 23)))
        parts.append("UNTIL=" + until.strftime("%Y%m%dT%H%M%S"))
    return ";".join(parts)


def _reference(dtstart: datetime, values: list[str], exdates: tuple[datetime, ...], zone: str,
               lo: datetime, hi: datetime) -> list[datetime]:
    """What plain ``rrulestr`` says, placed in the zone as rules.py promises (gap → forward, fold=0)."""
    rs = rruleset()
    for value in values:
        rs.rrule(rrulestr("RRULE:" + value, dtstart=dtstart))  # type: ignore[arg-type]
    for ex in exdates:
        rs.exdate(ex)
    tz = ZoneInfo(zone)
    local_lo = lo.astimezone(tz).replace(tzinfo=None) - timedelta(days=1)
    local_hi = hi.astimezone(tz).replace(tzinfo=None) + timedelta(days=1)
    found = {t.replace(tzinfo=tz).astimezone(UTC) for t in rs.between(local_lo, local_hi, inc=True)}
    return sorted(t for t in found if lo <= t < hi)


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(lines(), min_size=1, max_size=2),
    start=st.datetimes(datetime(2025, 6, 1), datetime(2027, 6, 1)).map(lambda d: d.replace(second=0,
                                                                                            microsecond=0)),
    zone=st.sampled_from(["Asia/Ho_Chi_Minh", "Europe/Berlin"]),
    offset_days=st.integers(-30, 700),
    length_days=st.integers(1, 45),
    drop=st.lists(st.integers(0, 30), max_size=3),
)
def test_occurrences_equal_plain_rrulestr(values: list[str], start: datetime, zone: str, offset_days: int,
                                          length_days: int, drop: list[int]) -> None:
    lo = datetime.combine(start.date(), datetime.min.time(), UTC) + timedelta(days=offset_days)
    hi = lo + timedelta(days=length_days)
    try:
        first = list(rrulestr("RRULE:" + values[0], dtstart=start).xafter(start, count=31, inc=True))
    except ValueError:
        return
    exdates = tuple(first[i] for i in drop if i < len(first)) + (start + timedelta(minutes=7),)
    schedule = Schedule(hash((tuple(values), start)) & 0xFFFF, ITEMS, start, timezone=zone,
                        rrule="\n".join(values), exdates=exdates)
    try:
        got = rules.occurrences(schedule, lo, hi)
    except ScheduleError:
        return  # a line no date satisfies (e.g. 31 February): refused, never searched to 9999
    assert got == _reference(start, values, exdates, zone, lo, hi)
    # the same window again, now from the per-day cache, still agrees
    assert rules.occurrences(schedule, lo, hi) == got
