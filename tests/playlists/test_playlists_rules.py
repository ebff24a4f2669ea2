"""Schedule rules: the four operator forms, RRULE sets, EXDATE, DST and validation."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from dateutil.rrule import rrulestr

from playlists import rules
from playlists.errors import ScheduleError
from playlists.model import Item, ItemKind, Schedule

ITEMS = (Item(ItemKind.BULLETIN, bulletin_id=1),)
VN = "Asia/Ho_Chi_Minh"


def sched(rule: rules.Rule | tuple[datetime, str], **kw: object) -> Schedule:
    dtstart, rrule = rule
    return Schedule(id=1, items=ITEMS, dtstart=dtstart, rrule=rrule, **kw)  # type: ignore[arg-type]


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


def local_times(s: Schedule, start: datetime, end: datetime, tz: str = VN) -> list[str]:
    z = rules.zone(tz)
    return [t.astimezone(z).strftime("%m-%d %H:%M") for t in rules.occurrences(s, start, end)]


def test_once_with_one_time_is_just_dtstart() -> None:
    rule = rules.once(date(2026, 6, 26), time(6, 0))
    assert rule == rules.Rule(datetime(2026, 6, 26, 6, 0), "")
    assert rules.occurrences(sched(rule), utc(2026, 1, 1), utc(2027, 1, 1)) == [utc(2026, 6, 25, 23)]


def test_once_with_two_times_plays_both_that_day_only() -> None:
    s = sched(rules.once(date(2026, 6, 26), [time(17, 30), time(6, 0)]))
    assert local_times(s, utc(2026, 1, 1), utc(2027, 1, 1)) == ["06-26 06:00", "06-26 17:30"]


def test_daily_has_exactly_the_given_times_on_every_day_both_ends_included() -> None:
    s = sched(rules.daily(date(2026, 6, 1), date(2026, 6, 3), [time(6, 0), time(17, 30)]))
    got = local_times(s, utc(2026, 5, 1), utc(2026, 7, 1))
    # not the four combinations a single BYHOUR=6,17;BYMINUTE=0,30 would give
    assert got == [f"06-0{d} {h}" for d in (1, 2, 3) for h in ("06:00", "17:30")]


def test_daily_groups_times_sharing_a_minute_into_one_line() -> None:
    rule = rules.daily(date(2026, 6, 1), date(2026, 6, 2), [time(6, 30), time(17, 30), time(11)])
    assert len(rule.rrule.splitlines()) == 2
    got = local_times(sched(rule), utc(2026, 5, 1), utc(2026, 7, 1))
    assert got[:3] == ["06-01 06:30", "06-01 11:00", "06-01 17:30"]
    assert len(got) == 6


def test_weekly_on_chosen_weekdays_accepts_numbers_and_codes() -> None:
    a = rules.weekly([0, 2], [time(7)], date(2026, 6, 1))  # 1 June 2026 is a Monday
    b = rules.weekly(["MO", "we"], time(7), date(2026, 6, 1))
    assert a == b == rules.weekly(["0", " 2"], time(7), date(2026, 6, 1))  # as a form sends them
    assert rules.monthly(["1", 2], time(6), date(2026, 6, 1)) == rules.monthly([1, 2], time(6), date(2026, 6, 1))
    got = local_times(sched(a), utc(2026, 5, 1), utc(2026, 6, 15))
    assert got == ["06-01 07:00", "06-03 07:00", "06-08 07:00", "06-10 07:00"]


def test_weekly_until_last_day_inclusive() -> None:
    s = sched(rules.weekly([4], time(19), date(2026, 6, 1), date(2026, 6, 12)))
    assert local_times(s, utc(2026, 1, 1), utc(2027, 1, 1)) == ["06-05 19:00", "06-12 19:00"]


def test_monthly_on_a_range_of_days() -> None:
    s = sched(rules.monthly(range(1, 4), time(6), date(2026, 6, 2), date(2026, 7, 31)))
    got = local_times(s, utc(2026, 1, 1), utc(2027, 1, 1))
    assert got == ["06-02 06:00", "06-03 06:00", "07-01 06:00", "07-02 06:00", "07-03 06:00"]


def test_monthly_day_31_skips_short_months_and_minus_one_is_last_day() -> None:
    s31 = sched(rules.monthly([31], time(6), date(2026, 1, 1)))
    assert [t[:2] for t in local_times(s31, utc(2026, 1, 1), utc(2026, 6, 1))] == ["01", "03", "05"]
    last = sched(rules.monthly([-1], time(6), date(2026, 1, 1)))
    got = local_times(last, utc(2026, 1, 1), utc(2026, 4, 1))
    assert got == ["01-31 06:00", "02-28 06:00", "03-31 06:00"]


@pytest.mark.parametrize(
    "call",
    [
        lambda: rules.daily(date(2026, 6, 3), date(2026, 6, 1), time(6)),
        lambda: rules.weekly([], time(6), date(2026, 6, 1)),
        lambda: rules.weekly([7], time(6), date(2026, 6, 1)),
        lambda: rules.weekly(["XX"], time(6), date(2026, 6, 1)),
        lambda: rules.monthly([0], time(6), date(2026, 6, 1)),
        lambda: rules.monthly([32], time(6), date(2026, 6, 1)),
        lambda: rules.monthly(["mùng 1"], time(6), date(2026, 6, 1)),
        lambda: rules.weekly([True], time(6), date(2026, 6, 1)),
        lambda: rules.once(date(2026, 6, 1), []),
    ],
)
def test_constructors_refuse_what_an_operator_got_wrong(call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ScheduleError):
        call()


def test_several_rrule_lines_with_prefix_and_exdates() -> None:
    s = Schedule(
        id=1,
        items=ITEMS,
        dtstart=datetime(2026, 6, 1, 6, 0),
        rrule="RRULE:FREQ=DAILY;COUNT=3\n\n  FREQ=WEEKLY;BYDAY=SA;BYHOUR=20;BYMINUTE=0;COUNT=1",
        exdates=(datetime(2026, 6, 2, 6, 0),),
    )
    got = local_times(s, utc(2026, 5, 1), utc(2026, 7, 1))
    assert got == ["06-01 06:00", "06-03 06:00", "06-06 20:00"]


def test_until_as_bare_date_covers_that_whole_day_and_utc_until_is_converted() -> None:
    bare = Schedule(1, ITEMS, datetime(2026, 6, 1, 17, 30), rrule="FREQ=DAILY;UNTIL=20260602")
    assert local_times(bare, utc(2026, 5, 1), utc(2026, 7, 1)) == ["06-01 17:30", "06-02 17:30"]
    # 2026-06-02T10:30Z is 17:30 in Vietnam: the 17:30 occurrence of that day is still in
    z = Schedule(1, ITEMS, datetime(2026, 6, 1, 17, 30), rrule="FREQ=DAILY;UNTIL=20260602T103000Z")
    assert local_times(z, utc(2026, 5, 1), utc(2026, 7, 1)) == ["06-01 17:30", "06-02 17:30"]


def test_validity_window_bounds_occurrences() -> None:
    s = sched(
        rules.daily(date(2026, 6, 1), date(2026, 6, 30), time(6)),
        valid_from=utc(2026, 6, 8, 23),  # 06:00 local on the 9th exactly
        valid_until=utc(2026, 6, 10, 23),  # 06:00 local on the 11th is 23:00Z on the 10th
    )
    assert local_times(s, utc(2026, 1, 1), utc(2027, 1, 1)) == ["06-09 06:00", "06-10 06:00"]


def test_dst_spring_gap_shifts_forward_and_autumn_repeat_plays_once() -> None:
    ber = "Europe/Berlin"
    gap = Schedule(1, ITEMS, datetime(2026, 3, 28, 2, 30), timezone=ber, rrule="FREQ=DAILY;COUNT=3")
    # 29 March 2026: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist → 03:30 CEST = 01:30Z
    assert rules.occurrences(gap, utc(2026, 3, 1), utc(2026, 4, 1)) == [
        utc(2026, 3, 28, 1, 30),
        utc(2026, 3, 29, 1, 30),
        utc(2026, 3, 30, 0, 30),
    ]
    rep = Schedule(1, ITEMS, datetime(2026, 10, 24, 2, 30), timezone=ber, rrule="FREQ=DAILY;COUNT=3")
    # 25 October 2026: 02:30 happens twice (CEST then CET); it plays at the first one only
    assert rules.occurrences(rep, utc(2026, 10, 1), utc(2026, 11, 1)) == [
        utc(2026, 10, 24, 0, 30),
        utc(2026, 10, 25, 0, 30),
        utc(2026, 10, 26, 1, 30),
    ]


def test_wall_clock_stays_put_across_dst() -> None:
    s = Schedule(1, ITEMS, datetime(2026, 3, 28, 6, 0), timezone="Europe/Berlin", rrule="FREQ=DAILY")
    got = rules.occurrences(s, utc(2026, 3, 28), utc(2026, 3, 30))
    assert got == [utc(2026, 3, 28, 5), utc(2026, 3, 29, 4)]


def test_two_local_times_on_one_instant_are_one_occurrence() -> None:
    # 02:30 (in the gap) and 03:30 on the spring-forward day are the same instant
    s = Schedule(1, ITEMS, datetime(2026, 3, 29, 2, 30), timezone="Europe/Berlin",
                 rrule="FREQ=DAILY;COUNT=1;BYHOUR=2,3;BYMINUTE=30")
    assert rules.occurrences(s, utc(2026, 3, 1), utc(2026, 4, 1)) == [utc(2026, 3, 29, 1, 30)]


@pytest.mark.parametrize(
    "rrule,freq_start",
    [
        ("FREQ=DAILY;BYHOUR=6,17;BYMINUTE=30", datetime(2024, 1, 1, 6, 30)),
        ("FREQ=DAILY;INTERVAL=3", datetime(2024, 2, 5, 17, 45)),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", datetime(2024, 3, 7, 5, 0)),
        ("FREQ=MONTHLY;BYMONTHDAY=1,15,-1", datetime(2023, 12, 15, 6, 0)),
        ("FREQ=MONTHLY;INTERVAL=5", datetime(2024, 1, 20, 6, 0)),
        ("FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=26", datetime(2019, 6, 26, 7, 0)),
        ("FREQ=HOURLY;INTERVAL=7", datetime(2026, 1, 1, 0, 10)),
        ("FREQ=MINUTELY;INTERVAL=45;BYHOUR=6,7", datetime(2026, 5, 1, 6, 0)),
        ("FREQ=DAILY;COUNT=1000", datetime(2024, 1, 1, 6, 0)),
    ],
)
def test_long_running_rules_give_what_plain_dateutil_gives(rrule: str, freq_start: datetime) -> None:
    """Moving dtstart forward (the speed-up) must not change a single occurrence."""
    s = Schedule(1, ITEMS, freq_start, rrule=rrule)
    a, b = utc(2026, 6, 20), utc(2026, 7, 5)
    tz = rules.zone(VN)
    lo = a.astimezone(tz).replace(tzinfo=None) - timedelta(hours=3)
    hi = b.astimezone(tz).replace(tzinfo=None) + timedelta(hours=3)
    plain = rrulestr("RRULE:" + rrule, dtstart=freq_start).between(lo, hi, inc=True)
    expect = [t.replace(tzinfo=tz).astimezone(UTC) for t in plain]
    assert rules.occurrences(s, a, b) == [t for t in expect if a <= t < b]


@pytest.mark.parametrize(
    "change,needle",
    [
        ({"rrule": "FREQ=DAILY;BYHOUR=25"}, "dòng 1"),
        ({"rrule": "FREQ=FORTNIGHTLY"}, "không hợp lệ"),
        ({"rrule": "FREQ=SECONDLY"}, "SECONDLY"),
        ({"rrule": "FREQ=DAILY;UNTIL=2026"}, "không hợp lệ"),
        ({"rrule": "UNTIL=20261231T235959"}, "không hợp lệ"),
        ({"timezone": "Asia/Hanoi_City"}, "Múi giờ"),
        ({"items": ()}, "chưa có nội dung"),
        ({"items": (Item(ItemKind.BULLETIN),)}, "thiếu bản tin"),
        ({"items": (Item(ItemKind.CHIME, duration_ms=3000),)}, "nhạc hiệu"),
        ({"grace_s": -5}, "grace_s"),
        ({"valid_from": utc(2026, 7, 1), "valid_until": utc(2026, 6, 1)}, "valid_until"),
        ({"rrule": "FREQ=DAILY;UNTIL=20250101"}, "không có lần phát nào"),
        ({"rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}, "không bao giờ xảy ra"),
        ({"rrule": "FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31"}, "không bao giờ xảy ra"),
        ({"rrule": "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6"}, "không bao giờ xảy ra"),
        ({"exdates": (datetime(2026, 6, 1, 6, tzinfo=UTC),)}, "exdates"),
    ],
)
def test_validate_says_what_to_fix(change: dict[str, object], needle: str) -> None:
    base = dict(id=1, items=ITEMS, dtstart=datetime(2026, 6, 1, 6), rrule="FREQ=DAILY")
    rules.validate(Schedule(**base))  # type: ignore[arg-type]
    with pytest.raises(ScheduleError) as err:
        rules.validate(Schedule(**{**base, **change}))  # type: ignore[arg-type]
    assert needle.lower() in str(err.value).lower()


def test_validate_accepts_every_constructor_form() -> None:
    for rule in (
        rules.once(date(2026, 6, 26), [time(6), time(17, 30)]),
        rules.daily(date(2026, 6, 1), date(2026, 6, 30), time(6)),
        rules.weekly(["MO", "TU"], time(6), date(2026, 6, 1)),
        rules.monthly([26], time(6), date(2026, 6, 1), date(2026, 12, 31)),
    ):
        rules.validate(sched(rule))


def test_occurrences_wants_aware_times() -> None:
    with pytest.raises(ScheduleError):
        rules.occurrences(sched(rules.once(date(2026, 6, 1), time(6))), datetime(2026, 1, 1), utc(2027, 1, 1))
