"""The speed-ups in rules.py must not change what a rule means: caches, the direct parser."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from playlists import rules
from playlists.errors import ScheduleError
from playlists.model import Item, ItemKind, Schedule

ITEMS = (Item(ItemKind.BULLETIN, bulletin_id=1),)


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


def test_an_edited_rule_under_the_same_id_is_expanded_afresh() -> None:
    lo, hi = utc(2026, 7, 1), utc(2026, 7, 8)
    first = rules.daily(date(2026, 6, 1), date(2026, 12, 31), time(6, 0))
    before = Schedule(7, ITEMS, first.dtstart, rrule=first.rrule)
    assert len(rules.occurrences(before, lo, hi)) == 7
    edited = rules.weekly(["MO"], [time(6, 0), time(17, 30)], date(2026, 6, 1))
    after = Schedule(7, ITEMS, edited.dtstart, rrule=edited.rrule)
    got = rules.occurrences(after, lo, hi)
    assert [t.astimezone(rules.zone("Asia/Ho_Chi_Minh")).strftime("%a %H:%M") for t in got] == [
        "Mon 06:00", "Mon 17:30"]
    assert len(rules.occurrences(before, lo, hi)) == 7  # the old rule is still its own


def test_an_added_exdate_or_another_zone_is_not_served_from_the_cache() -> None:
    r = rules.daily(date(2026, 6, 1), date(2026, 12, 31), time(6, 0))
    lo, hi = utc(2026, 7, 1), utc(2026, 7, 4)
    plain = Schedule(1, ITEMS, r.dtstart, rrule=r.rrule)
    assert len(rules.occurrences(plain, lo, hi)) == 3
    cut = Schedule(1, ITEMS, r.dtstart, rrule=r.rrule, exdates=(datetime(2026, 7, 2, 6, 0),))
    assert len(rules.occurrences(cut, lo, hi)) == 2
    berlin = Schedule(1, ITEMS, r.dtstart, rrule=r.rrule, timezone="Europe/Berlin")
    assert rules.occurrences(berlin, lo, hi)[0] == utc(2026, 7, 1, 4)


def test_windows_that_overlap_cached_days_agree_with_one_fresh_expansion() -> None:
    r = rules.weekly([0, 3], [time(5, 15), time(20, 45)], date(2026, 1, 5))
    s = Schedule(3, ITEMS, r.dtstart, rrule=r.rrule)
    rules.occurrences(s, utc(2026, 9, 10), utc(2026, 9, 12))  # a few days cached in the middle
    whole = rules.occurrences(s, utc(2026, 9, 1), utc(2026, 9, 30))
    fresh = Schedule(4, ITEMS, r.dtstart, rrule=r.rrule + "\n")  # another cache key, same rule
    assert whole == rules.occurrences(fresh, utc(2026, 9, 1), utc(2026, 9, 30))
    assert len(whole) == 2 * 8  # Thursdays 3…24 and Mondays 7…28, twice a day


LINES = [
    "FREQ=DAILY;BYHOUR=6,17;BYMINUTE=30;BYSECOND=0",
    "freq=weekly;byday=mo,we,fr;byhour=5;byminute=0;bysecond=0",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU;BYHOUR=7;BYMINUTE=0;BYSECOND=0",
    "FREQ=MONTHLY;BYMONTHDAY=1,15,-1;BYHOUR=8;BYMINUTE=0;BYSECOND=0",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
    "FREQ=DAILY;INTERVAL=3",
    "FREQ=HOURLY;INTERVAL=5;BYMINUTE=10",
    "FREQ=MONTHLY;BYDAY=1MO",  # ordinal weekday: left to rrulestr
    "FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO,TU,WE,TH,FR",  # BYSETPOS: left to rrulestr
]


@pytest.mark.parametrize("line", LINES)
def test_the_direct_parser_builds_what_rrulestr_builds(line: str) -> None:
    dtstart = datetime(2026, 3, 31, 9, 45)
    until = datetime(2027, 1, 1, 23, 59, 59)
    mine = rules._parse(line, dtstart, until)
    theirs = rrulestr("RRULE:" + line, dtstart=dtstart).replace(until=until)  # type: ignore[union-attr]
    assert str(mine) == str(theirs)
    assert list(mine) == list(theirs)


@pytest.mark.parametrize("line", ["FREQ=DAILY;BYHOUR=25", "FREQ=WEEKLY;BYDAY=XX", "FREQ=DAILY;"])
def test_the_direct_parser_still_refuses_what_rrulestr_refuses(line: str) -> None:
    s = Schedule(9, ITEMS, datetime(2026, 6, 1, 6, 0), rrule=line)
    with pytest.raises(ScheduleError):
        rules.occurrences(s, utc(2026, 6, 1), utc(2026, 6, 8))


@settings(max_examples=150, deadline=None)
@given(
    freq=st.sampled_from(["DAILY", "WEEKLY", "MONTHLY"]),
    interval=st.integers(1, 60),
    days=st.sets(st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]), max_size=3),
    hour=st.integers(0, 30),
    minute=st.integers(0, 65),
    monthdays=st.sets(st.integers(-31, 31).filter(bool), max_size=3),
    start=st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1)),
)
def test_the_every_period_shortcut_agrees_with_the_search(
    freq: str, interval: int, days: set[str], hour: int, minute: int, monthdays: set[int],
    start: datetime,
) -> None:
    line = f"FREQ={freq};INTERVAL={interval};BYHOUR={hour};BYMINUTE={minute}"
    if days:
        line += ";BYDAY=" + ",".join(sorted(days))
    if monthdays:
        line += ";BYMONTHDAY=" + ",".join(map(str, sorted(monthdays)))
    try:
        r = rrulestr("RRULE:" + line, dtstart=start)
    except ValueError:
        return  # an hour or minute dateutil cannot build at all
    if rules._every_period(r):  # type: ignore[arg-type]
        probe = r.replace(dtstart=r._dtstart.replace(year=9968), count=None, until=None)  # type: ignore[union-attr]
        assert next(iter(probe), None) is not None


def test_a_station_week_after_week_keeps_the_cache_bounded() -> None:
    r = rules.daily(date(2026, 1, 1), date(2029, 12, 31), time(6, 0))
    s = Schedule(11, ITEMS, r.dtstart, rrule=r.rrule)
    t = utc(2026, 1, 1)
    for _ in range(150):
        assert len(rules.occurrences(s, t, t + timedelta(days=7))) == 7
        t += timedelta(days=7)
    days = rules._expander(s.dtstart, s.rrule, s.exdates, s.timezone)
    assert len(days.days) <= rules._KEEP_DAYS + 10


@pytest.mark.parametrize("line", [
    "FREQ=DAILY;BYHOUR=6,17;BYMINUTE=0;BYSECOND=0",
    "FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=6,17;BYMINUTE=0;BYSECOND=0",
    "FREQ=MONTHLY;BYMONTHDAY=1,2,3;BYHOUR=6,17;BYMINUTE=0;BYSECOND=0",
])
def test_schedules_sharing_a_line_keep_their_own_first_day(line: str) -> None:
    tz = rules.zone("Asia/Ho_Chi_Minh")
    for sid, dtstart in enumerate([datetime(2026, 6, 1, 17, 0), datetime(2026, 6, 1, 6, 0),
                                   datetime(2026, 6, 2, 17, 0)], start=20):
        s = Schedule(sid, ITEMS, dtstart, rrule=line)
        for lo in (utc(2026, 5, 30), utc(2026, 6, 20), utc(2026, 9, 1)):
            hi = lo + timedelta(days=10)
            plain = rrulestr("RRULE:" + line, dtstart=dtstart)
            want = [t.replace(tzinfo=tz).astimezone(UTC) for t in plain.between(
                lo.astimezone(tz).replace(tzinfo=None) - timedelta(days=1),
                hi.astimezone(tz).replace(tzinfo=None) + timedelta(days=1))]
            assert rules.occurrences(s, lo, hi) == [t for t in want if lo <= t < hi], (sid, lo)


def test_threads_sharing_the_caches_get_the_same_answers() -> None:
    import threading

    r = rules.weekly([1, 4], [time(6, 0), time(18, 15)], date(2026, 1, 1))
    s = Schedule(12, ITEMS, r.dtstart, rrule=r.rrule)
    starts = [utc(2026, 1, 1) + timedelta(days=3 * k) for k in range(400)]
    want = {t: rules.occurrences(Schedule(13, ITEMS, r.dtstart, rrule=r.rrule + "\n\n"), t,
                                 t + timedelta(days=10)) for t in starts}
    bad: list[datetime] = []

    def run(offset: int) -> None:
        for t in starts[offset:] + starts[:offset]:
            try:
                ok = rules.occurrences(s, t, t + timedelta(days=10)) == want[t]
            except Exception:  # a cache emptied under another thread's feet
                ok = False
            if not ok:
                bad.append(t)

    threads = [threading.Thread(target=run, args=(k * 97,)) for k in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert bad == []
