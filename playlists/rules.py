"""Schedule rules: RFC 5545 recurrences in a station's local zone, and the four operator forms.

Decisions (both the station and the central rely on them, so they are fixed here):

- ``Schedule.rrule`` holds zero or more RRULE values, one per line, each optionally prefixed
  ``RRULE:``. They are expanded together with ``Schedule.exdates`` as one RFC 5545 set (what
  dateutil's ``rruleset`` means: the union of the rules' dates minus the exact EXDATE times).
  Several lines exist because one RRULE cannot say "06:00 and 17:30" (BYHOUR=6,17;BYMINUTE=0,30
  means four times), so the constructors below emit one line per minute-of-hour group.
  An empty ``rrule`` means "once, at ``dtstart``".
- Recurrence runs on the naive local wall clock of ``Schedule.timezone`` (floating time), so
  "every day at 06:00" stays 06:00 across DST changes. ``dtstart`` is an occurrence only when it
  matches a rule line (dateutil's reading, not RFC 5545's "DTSTART always counts").
- ``UNTIL`` may be local (``20261231T235959``), UTC (``...Z``, converted to the local zone) or a
  bare date (``20261231``, read as the whole of that day, inclusive); any other form is refused
  (dateutil's parser would guess the missing parts from today's date).
- Refused as well: ``FREQ=SECONDLY``, and a line no date can satisfy (30 February, a sixth
  Monday), which dateutil would otherwise search up to the year 9999 on every expansion.
  ``expand`` leaves such a schedule out with one logged warning rather than fail the station.
- DST gap (e.g. 02:30 on the spring-forward night in Europe/Berlin, which never happens): the
  occurrence is placed with the offset before the gap, i.e. shifted forward by the gap (03:30),
  as RFC 5545 says. DST repeat (02:30 happens twice in autumn): the first one only (fold=0).
  Two local times that land on the same instant are one occurrence.
- ``occurrences`` also honours the schedule's validity window ``[valid_from, valid_until)``:
  an occurrence planned outside it does not exist.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import operator
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta
from dateutil.rrule import (
    DAILY,
    FR,
    HOURLY,
    MINUTELY,
    MO,
    MONTHLY,
    SA,
    SU,
    TH,
    TU,
    WE,
    WEEKLY,
    YEARLY,
    rrulestr,
)
from dateutil.rrule import rrule as RRule

from .errors import ScheduleError
from .model import DEFAULT_ZONE, Item, ItemKind, Schedule

__all__ = [
    "Rule",
    "once",
    "daily",
    "weekly",
    "monthly",
    "occurrences",
    "validate",
    "zone",
]

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
#: DST changes move local time by at most this much; local windows are padded by it.
_PAD = timedelta(hours=3)


class Rule(NamedTuple):
    """What a constructor returns: a ``Schedule``'s ``dtstart`` and ``rrule`` fields."""

    dtstart: datetime
    rrule: str


# --- the four operator forms -------------------------------------------------------------


def once(day: date, times: time | Sequence[time]) -> Rule:
    """Once on ``day``, at each of ``times``."""
    ts = _times(times)
    if len(ts) == 1:
        return Rule(datetime.combine(day, ts[0]), "")
    return _rule("FREQ=DAILY", ts, day, day)


def daily(first_day: date, last_day: date, times: time | Sequence[time]) -> Rule:
    """Every day from ``first_day`` to ``last_day`` (both included), at each of ``times``."""
    return _rule("FREQ=DAILY", _times(times), first_day, last_day)


def weekly(
    weekdays: Iterable[int | str],
    times: time | Sequence[time],
    first_day: date,
    last_day: date | None = None,
) -> Rule:
    """On the given weekdays (0 = Monday as in ``date.weekday()``, or ``"MO"``…``"SU"``)."""
    days = sorted({_weekday(d) for d in weekdays})
    if not days:
        raise ScheduleError("Chọn ít nhất một ngày trong tuần.")
    byday = ",".join(WEEKDAYS[d] for d in days)
    return _rule(f"FREQ=WEEKLY;BYDAY={byday}", _times(times), first_day, last_day)


def monthly(
    days_of_month: Iterable[int | str],
    times: time | Sequence[time],
    first_day: date,
    last_day: date | None = None,
) -> Rule:
    """On the given days of each month (1…31, or -1 for the last day; ``range(1, 8)`` works).

    A month without that day (31 in April, 30 in February) is skipped, as RFC 5545 says.
    """
    days = sorted({_int(d) for d in days_of_month})
    if not days:
        raise ScheduleError("Chọn ít nhất một ngày trong tháng.")
    for d in days:
        if d == 0 or not -31 <= d <= 31:
            raise ScheduleError("Ngày trong tháng không hợp lệ: %(day)s (dùng 1…31, hoặc -31…-1 tính từ cuối tháng).", day=d)
    bymonthday = ",".join(str(d) for d in days)
    return _rule(f"FREQ=MONTHLY;BYMONTHDAY={bymonthday}", _times(times), first_day, last_day)


def _times(times: time | Sequence[time]) -> list[time]:
    ts = [times] if isinstance(times, time) else list(times)
    if not ts:
        raise ScheduleError("Cần ít nhất một giờ phát.")
    for t in ts:
        if t.tzinfo is not None:
            raise ScheduleError("Giờ phát là giờ địa phương, không kèm múi giờ.")
    return sorted(set(t.replace(microsecond=0) for t in ts))


def _weekday(d: int | str) -> int:
    if isinstance(d, str) and d.strip().upper()[:2] in WEEKDAYS:
        return WEEKDAYS.index(d.strip().upper()[:2])
    if isinstance(d, str) and d.strip().isdigit():
        d = int(d)
    if isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6:
        return d
    raise ScheduleError("Ngày trong tuần không hợp lệ: %(day)r (dùng 0–6, thứ Hai là 0, hoặc MO…SU).", day=d)


def _int(value: object) -> int:
    """An integer from a form or JSON value (``5`` or ``"5"``), or a ScheduleError naming it."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise ScheduleError("Ngày trong tháng không hợp lệ: %(day)r (cần một số nguyên).", day=value)


def _rule(head: str, times: list[time], first_day: date, last_day: date | None) -> Rule:
    if last_day is not None and last_day < first_day:
        raise ScheduleError("Ngày kết thúc %(last)s trước ngày bắt đầu %(first)s.", last=last_day, first=first_day)
    until = "" if last_day is None else f";UNTIL={last_day:%Y%m%d}T235959"
    groups: dict[tuple[int, int], list[int]] = {}
    for t in times:  # one line per (minute, second): its BYHOUR list never makes extra combos
        groups.setdefault((t.minute, t.second), []).append(t.hour)
    lines = [
        f"{head}{until};BYHOUR={','.join(map(str, hours))};BYMINUTE={m};BYSECOND={s}"
        for (m, s), hours in sorted(groups.items())
    ]
    return Rule(datetime.combine(first_day, times[0]), "\n".join(lines))


# --- expansion ---------------------------------------------------------------------------


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``, or a ScheduleError an operator can act on."""
    return _zone(name)


@functools.lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: "America" is a directory
        raise ScheduleError("Múi giờ không tồn tại: %(name)r (dùng tên múi giờ IANA, ví dụ %(example)s).",
                            name=name, example=DEFAULT_ZONE) from exc


def occurrences(schedule: Schedule, start: datetime, end: datetime) -> list[datetime]:
    """Planned starts (aware, UTC) of ``schedule`` in ``[start, end)``, sorted, without EXDATEs."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ScheduleError("occurrences() needs timezone-aware start and end")
    lo, hi = start, end
    if schedule.valid_from is not None:
        lo = max(lo, schedule.valid_from)
    if schedule.valid_until is not None:
        hi = min(hi, schedule.valid_until)
    if lo >= hi:
        return []
    tz = _zone(schedule.timezone)
    if not schedule.rrule.strip():
        d = schedule.dtstart
        t = d.replace(tzinfo=tz).astimezone(UTC)  # fold=0: gap → shifted on, repeat → first
        return [t] if lo <= t < hi and d not in schedule.exdates else []
    local_lo = lo.astimezone(tz).replace(tzinfo=None) - _PAD
    local_hi = hi.astimezone(tz).replace(tzinfo=None) + _PAD
    days = _expander(schedule.dtstart, schedule.rrule, schedule.exdates, schedule.timezone)
    out = sorted(set(itertools.chain.from_iterable(
        days.between((local_lo - _EPOCH).days, (local_hi - _EPOCH).days))))
    return out[bisect.bisect_left(out, lo):bisect.bisect_left(out, hi)]


#: Expansions are cached per schedule rule and local day, so a station loop re-expanding the
#: same days every few minutes, or a central previewing many stations, iterates each day once;
#: the days a call lacks are iterated together, by one dateutil iterator per rule line, and a
#: line several schedules share (same parts, same period grid) is iterated once for all of them.
_DAY = timedelta(days=1)
_EPOCH = datetime(2000, 1, 3)  # a Monday
_KEEP_DAYS = 200  # per rule (a few MB for 500 schedules); past this it is dropped, refilled on demand
_KEEP_WINDOWS = 5000  # shared line expansions kept; past this the lot is dropped

Pairs = tuple[tuple[datetime, datetime], ...]  # (local, UTC), sorted by local time


class _Days:
    """The occurrences (UTC) of one rule text + dtstart + exdates + zone, by local day."""

    def __init__(self, lines: tuple[_Line, ...], exdates: tuple[datetime, ...], tzname: str) -> None:
        self.lines, self.exdates, self.tzname = lines, frozenset(exdates), tzname
        self.days: dict[int, tuple[datetime, ...]] = {}

    def between(self, k0: int, k1: int) -> list[tuple[datetime, ...]]:
        """The cached days ``k0``…``k1`` (after ``_EPOCH``), iterating those not seen yet."""
        days = self.days  # days are only ever added to one dict: safe for several threads
        missing = [k for k in range(k0, k1 + 1) if k not in days]
        if missing:
            if len(days) > _KEEP_DAYS:
                self.days = days = {}
                missing = list(range(k0, k1 + 1))
            self._fill(days, missing[0], missing[-1])
        return [days[k] for k in range(k0, k1 + 1)]

    def _fill(self, days: dict[int, tuple[datetime, ...]], k0: int, k1: int) -> None:
        lo = _EPOCH + _DAY * k0
        hi = _EPOCH + _DAY * (k1 + 1)
        parts = [_window(line, lo, hi, self.tzname) for line in self.lines]
        # the union of the lines minus the exdates, as dateutil's rruleset defines it; done with
        # a dict because rruleset's generator merge costs more than the expansion itself
        merged: Sequence[tuple[datetime, datetime]] = (
            parts[0] if len(parts) == 1 else sorted(dict(itertools.chain.from_iterable(parts)).items()))
        if self.exdates:
            merged = [p for p in merged if p[0] not in self.exdates]
        local, utc = list(map(_LOCAL, merged)), tuple(map(_UTC_OF, merged))
        cut = bisect.bisect_left(local, lo)
        for k in range(k0, k1 + 1):
            nxt = bisect.bisect_left(local, lo + _DAY * (k - k0 + 1), cut)
            days.setdefault(k, utc[cut:nxt])
            cut = nxt


_LOCAL = operator.itemgetter(0)
_UTC_OF = operator.itemgetter(1)
_WINDOWS: dict[tuple[Any, ...], Pairs] = {}


def _window(line: _Line, lo: datetime, hi: datetime, tzname: str) -> Pairs:
    """The occurrences of one rule line with local time in ``[lo, hi)``, shared between schedules."""
    r = line.rule
    if line.n is not None:  # COUNT counts from dtstart: the rule cannot be moved
        d, stop = line.dtstart, line.until
    else:
        d = _rebased(r, lo) or line.dtstart
        stop = hi if line.until is None else min(line.until, hi)
    key = (line.key, d, stop, lo, hi, tzname)
    got = _WINDOWS.get(key)
    if got is None:
        # the stop matters beyond speed: dateutil searches up to the year 9999 for a rule that
        # can never match unless UNTIL ends the search
        bounded = r if line.n is not None else r.replace(dtstart=d, until=stop)
        tz = _zone(tzname)
        # fold=0: a time in a DST gap is shifted on by the gap, a repeat is its first instant
        got = tuple((t, t.replace(tzinfo=tz).astimezone(UTC))
                    for t in bounded.between(lo, hi, inc=True) if t < hi)
        if len(_WINDOWS) > _KEEP_WINDOWS:
            _WINDOWS.clear()
        _WINDOWS[key] = got
    return got


class _Line(NamedTuple):
    """One parsed rule line and what identifies it apart from its dtstart and UNTIL."""

    rule: RRule
    key: tuple[Any, ...]
    dtstart: datetime
    until: datetime | None
    n: int | None  # COUNT


def _line(r: RRule) -> _Line:
    # dateutil keeps the parsed parts private; replace() rebuilds a rule from exactly these
    a = vars(r)
    key = (a["_freq"], a["_interval"], a["_wkst"], tuple(sorted(a["_original_rule"].items())),
           a["_count"])
    return _Line(r, key, a["_dtstart"], a["_until"], a["_count"])


@functools.lru_cache(maxsize=4096)
def _expander(dtstart: datetime, text: str, exdates: tuple[datetime, ...], tzname: str) -> _Days:
    """The day cache of one rule; an edited schedule has another key, so it never sees stale days."""
    return _Days(tuple(_line(r) for r in _compiled(dtstart, text, tzname)), exdates, tzname)


@functools.lru_cache(maxsize=8192)
def _compiled(dtstart: datetime, text: str, tzname: str) -> tuple[RRule, ...]:
    """Parse the rule lines once; the same schedule is expanded again on every loop turn."""
    if dtstart.tzinfo is not None:
        raise ScheduleError("dtstart là giờ địa phương, không kèm múi giờ.")
    out = []
    for n, line in enumerate(_lines(text), start=1):
        value = _normalise_until(line, tzname)
        if re.search(r"FREQ=SECONDLY", value, re.I):
            raise ScheduleError("Dòng %(n)s: không lặp theo giây được (FREQ=SECONDLY).", n=n)
        try:
            value, until = _split_until(value)
            r = _parse(value, dtstart, until)
        except (ValueError, TypeError, IndexError, KeyError) as exc:
            raise ScheduleError("Quy tắc lặp dòng %(n)s không hợp lệ: %(line)r (%(why)s).", n=n, line=line, why=exc) from exc
        if _never_matches(r):
            raise ScheduleError("Quy tắc lặp dòng %(n)s không bao giờ xảy ra: %(line)r (ví dụ ngày 30 tháng 2).",
                                n=n, line=line)
        out.append(r)
    return tuple(out)


_FREQS = {"YEARLY": YEARLY, "MONTHLY": MONTHLY, "WEEKLY": WEEKLY, "DAILY": DAILY,
          "HOURLY": HOURLY, "MINUTELY": MINUTELY}
_INT_LISTS = {"BYHOUR": "byhour", "BYMINUTE": "byminute", "BYSECOND": "bysecond",
              "BYMONTHDAY": "bymonthday", "BYMONTH": "bymonth"}
_WEEKDAY_OBJS = dict(zip(WEEKDAYS, (MO, TU, WE, TH, FR, SA, SU), strict=True))
_PLAIN_INT = re.compile(r"-?\d{1,3}(,-?\d{1,3})*")


def _parse(value: str, dtstart: datetime, until: datetime | None) -> RRule:
    """``rrulestr`` of one line, with dateutil's ``rrule`` built directly for the plain parts.

    The constructors' lines (FREQ, INTERVAL, BYHOUR/MINUTE/SECOND, BYMONTHDAY, BYMONTH, BYDAY
    without ordinals) are split here and given to ``rrule`` as the keywords ``rrulestr`` would
    pass; anything else goes through ``rrulestr`` itself, which also words the errors.
    """
    kw = _plain_kwargs(value)
    if kw is None:
        r = rrulestr("RRULE:" + value, dtstart=dtstart)
        if not isinstance(r, RRule):  # pragma: no cover - one RRULE line always gives an rrule
            raise ValueError("not a single rule")
        return r if until is None else r.replace(until=until)
    return RRule(dtstart=dtstart, until=until, **kw)


@functools.lru_cache(maxsize=8192)
def _plain_kwargs(value: str) -> dict[str, Any] | None:
    """The rrule keywords of a plain line (shared: callers must not change them), else None."""
    kw: dict[str, Any] = {}
    for pair in value.upper().split(";"):
        name, eq, v = pair.partition("=")
        if not eq or not v or name.lower() in kw:
            return None
        if name == "FREQ" and v in _FREQS:
            kw["freq"] = _FREQS[v]
        elif name == "INTERVAL" and v.isdigit() and int(v) > 0:
            kw["interval"] = int(v)
        elif name in _INT_LISTS and _PLAIN_INT.fullmatch(v):
            kw[_INT_LISTS[name]] = tuple(int(x) for x in v.split(","))
        elif name == "BYDAY" and all(d in _WEEKDAY_OBJS for d in v.split(",")):
            kw["byweekday"] = tuple(_WEEKDAY_OBJS[d] for d in v.split(","))
        else:
            return None
    return kw if "freq" in kw else None


_LOCAL_UNTIL = re.compile(r"(?:^|;)UNTIL=(\d{8}T\d{6})(?=;|$)", re.I)


def _split_until(value: str) -> tuple[str, datetime | None]:
    """Take a local UNTIL out of the rule text (dateutil's general date parser is slow)."""
    m = _LOCAL_UNTIL.search(value)
    if m is None:
        if re.search(r"UNTIL=", value, re.I):  # dateutil would guess, even from today's date
            raise ValueError("UNTIL must be YYYYMMDD, YYYYMMDDTHHMMSS or YYYYMMDDTHHMMSSZ")
        return value, None
    v = m.group(1)
    until = datetime(int(v[:4]), int(v[4:6]), int(v[6:8]), int(v[9:11]), int(v[11:13]), int(v[13:]))
    return (value[: m.start()] + value[m.end():]).strip(";"), until


def _never_matches(r: RRule) -> bool:
    """True for a rule no date can satisfy (30 February, a sixth Monday…).

    dateutil would search such a rule up to the year 9999 on every expansion, so it is caught
    once here: the same rule without COUNT/UNTIL, started in 9968 (a leap year, 31 years before
    the end of its calendar), either matches within those years or never does.
    """
    dtstart: datetime | None = getattr(r, "_dtstart", None)
    if dtstart is None:  # pragma: no cover - rrulestr was always given a dtstart
        return False
    if _every_period(r):
        return False
    probe = r.replace(dtstart=dtstart.replace(year=9968), count=None, until=None)
    return next(iter(probe), None) is None


def _every_period(r: RRule) -> bool:
    """True for a daily, weekly or monthly rule every one of whose periods holds a match.

    That is: limited only by valid times of day, plain weekdays (weekly) or days of month that
    every month has (1…28, -28…-1), so the search of ``_never_matches`` is not needed.
    """
    a = vars(r)
    given = _given(r)
    freq, interval = a["_freq"], a["_interval"]
    if a["_bynweekday"] or not 1 <= interval <= 12:
        return False
    if freq == WEEKLY:
        days_ok = given <= {"byhour", "byminute", "bysecond", "byweekday"}
    elif freq == MONTHLY:
        days_ok = given <= {"byhour", "byminute", "bysecond", "bymonthday"} and not a["_byweekday"] \
            and all(1 <= d <= 28 for d in a["_bymonthday"]) \
            and all(-28 <= d <= -1 for d in a["_bynmonthday"])
    else:  # daily with BYDAY and an INTERVAL may never fall on one of its weekdays
        days_ok = freq == DAILY and given <= {"byhour", "byminute", "bysecond"}
    ranges = (("_byhour", 24), ("_byminute", 60), ("_bysecond", 60))
    return days_ok and all(all(0 <= x < top for x in a[name] or (0,)) for name, top in ranges)


def _lines(text: str) -> list[str]:
    out = []
    for raw in text.replace("\r", "\n").split("\n"):
        line = raw.strip()
        if line.upper().startswith("RRULE:"):
            line = line[6:].strip()
        if line:
            out.append(line)
    return out


_UNTIL = re.compile(r"UNTIL=(\d{8})(T(\d{6})(Z?))?(?=;|$)", re.I)


def _normalise_until(value: str, tzname: str) -> str:
    """Make UNTIL local and inclusive of a bare date, as the module docstring says."""

    def fix(m: re.Match[str]) -> str:
        day, clock, utc = m.group(1), m.group(3), m.group(4)
        if clock is None:
            return f"UNTIL={day}T235959"
        if not utc:
            return m.group(0)
        try:
            t = datetime.strptime(day + clock, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        except ValueError as exc:
            raise ScheduleError("UNTIL không hợp lệ: %(value)r.", value=m.group(0)) from exc
        return "UNTIL=" + t.astimezone(_zone(tzname)).strftime("%Y%m%dT%H%M%S")

    return _UNTIL.sub(fix, value)


_PERIOD = {DAILY: timedelta(days=1), WEEKLY: timedelta(days=7), HOURLY: timedelta(hours=1),
           MINUTELY: timedelta(minutes=1)}


@functools.lru_cache(maxsize=16384)
def _given(r: RRule) -> frozenset[str]:
    """The parts the rule text gave (dateutil records them in _original_rule, defaults as None)."""
    return frozenset(k for k, v in vars(r)["_original_rule"].items() if v is not None)


def _period_start(r: RRule, dtstart: datetime, interval: int, freq: int, lo: datetime) -> datetime | None:
    """The midnight starting the rule's period that holds ``lo``, when dtstart may move there.

    A rule that names its hours, minutes and seconds (and, weekly, its days; monthly, its days
    of month or week) takes nothing from dtstart but the period grid, so dtstart can be the
    very start of a later period: nothing before ``lo`` is iterated and nothing is lost. This is
    the form the constructors above write. The move must be to a later period than dtstart's.
    """
    given = _given(r)
    if not all(k in given for k in ("byhour", "byminute", "bysecond")) or "bysetpos" in given:
        return None
    day0 = datetime.combine(dtstart.date(), time())
    if freq == DAILY:
        k = (lo - day0).days // interval
        return day0 + timedelta(days=k * interval) if k > 0 else None
    if freq == WEEKLY and "byweekday" in given:
        wkst: int = getattr(r, "_wkst", 0)
        week0 = day0 - timedelta(days=(day0.weekday() - wkst) % 7)
        k = (lo - week0).days // (7 * interval)
        return week0 + timedelta(days=7 * interval * k) if k > 0 else None
    if freq == MONTHLY and ("bymonthday" in given or "byweekday" in given):
        month0 = day0.replace(day=1)
        k = ((lo.year - month0.year) * 12 + lo.month - month0.month) // interval
        return month0 + relativedelta(months=interval * k) if k > 0 else None
    return None


def _rebased(r: RRule, lo: datetime) -> datetime | None:
    """A later dtstart for ``r`` that yields the same occurrences from ``lo`` on, if there is one.

    dateutil iterates from dtstart, so a daily rule begun a year ago would walk 365 days to reach
    this week. Moving dtstart by whole multiples of the period (INTERVAL included) keeps the
    period grid and every BYxxx default, so the occurrences from the new dtstart on are the same.
    Only the period holding the new dtstart loses occurrences (those before dtstart's time of
    day); it ends at most one period after dtstart, and we stop a full period before ``lo``, so
    that loss lies outside the window. Rules with COUNT cannot be moved (the count starts at
    dtstart), nor monthly ones starting after the 28th (the day would not exist every month).
    """
    # dateutil keeps the parsed parts private and has no public getters for them
    dtstart: datetime | None = getattr(r, "_dtstart", None)
    if getattr(r, "_count", None) is not None or dtstart is None or lo <= dtstart:
        return None
    interval: int = getattr(r, "_interval", 1)
    freq: int = getattr(r, "_freq", -1)
    exact = _period_start(r, dtstart, interval, freq, lo)
    if exact is not None:
        return exact
    if freq in _PERIOD:
        step = _PERIOD[freq] * interval
        k = (lo - dtstart) // step - 1
        return dtstart + step * k if k > 0 else None
    if freq in (MONTHLY, YEARLY):
        months = interval * (1 if freq == MONTHLY else 12)
        k = ((lo.year - dtstart.year) * 12 + lo.month - dtstart.month) // months - 1
        if k <= 0 or dtstart.day > 28:
            return None
        return dtstart + relativedelta(months=months * k)
    return None


# --- validation --------------------------------------------------------------------------


def validate(schedule: Schedule) -> None:
    """Raise ScheduleError naming what to fix if ``schedule`` cannot be played as given."""
    tz = _zone(schedule.timezone)
    if schedule.dtstart.tzinfo is not None:
        raise ScheduleError("dtstart là giờ địa phương, không kèm múi giờ.")
    _validate_items(schedule)
    if schedule.grace_s is not None and schedule.grace_s < 0:
        raise ScheduleError("Thời gian chờ trễ (grace_s) không được âm: %(grace_s)s.", grace_s=schedule.grace_s)
    vf, vu = schedule.valid_from, schedule.valid_until
    for name, v in (("valid_from", vf), ("valid_until", vu)):
        if v is not None and v.tzinfo is None:
            raise ScheduleError("%(name)s phải kèm múi giờ.", name=name)
    if vf is not None and vu is not None and vu <= vf:
        raise ScheduleError("Hiệu lực kết thúc (valid_until) trước khi bắt đầu (valid_from).")
    for x in schedule.exdates:
        if x.tzinfo is not None:
            raise ScheduleError("Ngày loại trừ (exdates) là giờ địa phương, không kèm múi giờ.")
    _compiled(schedule.dtstart, schedule.rrule, schedule.timezone)
    _validate_fires(schedule, tz)


def _validate_items(schedule: Schedule) -> None:
    if not schedule.items:
        raise ScheduleError("Lịch phát chưa có nội dung.")
    for n, item in enumerate(schedule.items, start=1):
        if item.duration_ms < 0:
            raise ScheduleError("Mục %(n)s: thời lượng âm.", n=n)
        if item.kind is ItemKind.BULLETIN and item.bulletin_id is None:
            raise ScheduleError("Mục %(n)s: thiếu bản tin.", n=n)
        if item.kind is ItemKind.CHIME and not item.asset_sha256:
            raise ScheduleError("Mục %(n)s: nhạc hiệu thiếu tệp âm thanh.", n=n)
        if item.kind is ItemKind.RELAY:
            _validate_relay(n, item)


def _validate_relay(n: int, item: Item) -> None:
    """A relay needs a source and a length; its fallback holds only bulletins, chimes and pauses."""
    if item.relay_source_id is None:
        raise ScheduleError("Mục %(n)s: tiếp sóng chưa chọn nguồn.", n=n)
    if item.duration_ms <= 0:
        raise ScheduleError("Mục %(n)s: tiếp sóng cần thời lượng.", n=n)
    if item.max_gap_s < 0:
        raise ScheduleError("Mục %(n)s: thời gian chờ tín hiệu (max_gap_s) không được âm.", n=n)
    for f in item.fallback:
        if f.kind is ItemKind.RELAY:
            raise ScheduleError("Mục %(n)s: dự phòng không thể là tiếp sóng.", n=n)
        if f.kind is ItemKind.BULLETIN and f.bulletin_id is None:
            raise ScheduleError("Mục %(n)s: dự phòng thiếu bản tin.", n=n)
        if f.kind is ItemKind.CHIME and not f.asset_sha256:
            raise ScheduleError("Mục %(n)s: dự phòng thiếu tệp âm thanh.", n=n)


def _validate_fires(schedule: Schedule, tz: ZoneInfo) -> None:
    """A rule that never produces an occurrence is almost always a typo; say so."""
    first = schedule.dtstart.replace(tzinfo=tz).astimezone(UTC)
    if schedule.valid_from is not None:
        first = max(first, schedule.valid_from)
    horizon = first + timedelta(days=_horizon_days(schedule))
    if not occurrences(schedule, first - timedelta(days=1), horizon):
        raise ScheduleError("Lịch phát không có lần phát nào (quy tắc, ngày loại trừ và hiệu lực không để lại lần nào).")


def _horizon_days(schedule: Schedule) -> int:
    # yearly rules such as "29 February" need years to fire once; finer rules show within a year
    if re.search(r"FREQ=YEARLY", schedule.rrule, re.I):
        return 366 * 8
    return 31 if re.search(r"FREQ=(HOURLY|MINUTELY)", schedule.rrule, re.I) else 400

