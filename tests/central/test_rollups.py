"""Daily/monthly rollups: late logs land in their day and period, re-sends never count twice, and the
rollups always equal a raw scan of the stored logs (random data, hypothesis), incremental or rebuilt."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central.db import database
from central.models import Category, PlayDay, PlayLog, PlayMonth
from central.services import playlogs, reports, rollups

HANOI = timezone(timedelta(hours=7))
BOTH_DATABASES = pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)


def log(start: datetime | None, status: str = "completed", seconds: int = 60, **fields):
    t = None if start is None else start.isoformat()
    end = None if start is None else (start + timedelta(seconds=seconds)).isoformat()
    return {"id": str(uuid.uuid4()), "status": status, "started_at": t, "ended_at": end,
            "planned_start": fields.pop("planned", start).isoformat(), **fields}


def totals(user, start, end, area=None):
    s = reports.summary(user, start, end, area, "station")
    return s.total.plays, s.total.minutes_aired, s.total.missed


@BOTH_DATABASES
def test_a_log_arriving_days_late_lands_in_its_own_day_and_period(tree, make_user, station_factory,
                                                                   bulletin_factory, backend):
    admin, _ = make_user("admin")
    b = bulletin_factory(admin, category=Category.get(code="drugs"))
    st_, _ = station_factory(tree["C1"], "Đài xã Đắk Môl")
    june14 = datetime(2026, 6, 14, 23, 30, tzinfo=HANOI)  # 16:30 UTC: still 14/6 where it played
    assert playlogs.ingest(st_, [log(datetime(2026, 6, 20, 6, 30, tzinfo=HANOI), bulletin_id=b.id)]) == (1, 0)
    # the station was offline a week: its log of 14/6 arrives after logs of later days
    late = log(june14, bulletin_id=b.id, seconds=90)
    assert playlogs.ingest(st_, [late]) == (1, 0)
    day = {(r.day, r.n_completed, r.aired_us) for r in PlayDay.select().where(PlayDay.bulletin_id == b.id)}
    assert day == {(date(2026, 6, 14), 1, 90_000_000), (date(2026, 6, 20), 1, 60_000_000)}
    assert [(m.month, m.n_completed) for m in PlayMonth.select()] == [(date(2026, 6, 1), 2)]
    six_month = reports.preset_range("six-month", 2026)  # 1/1–14/6: the late log is in, 20/6 is not
    assert totals(admin, *six_month) == (1, 1.5, 0)
    assert totals(admin, date(2026, 6, 15), date(2026, 6, 30)) == (1, 1.0, 0)
    assert totals(admin, *reports.preset_range("year", 2026)) == (2, 2.5, 0)


@BOTH_DATABASES
def test_a_resent_log_never_counts_twice(tree, make_user, station_factory, bulletin_factory, backend):
    admin, _ = make_user("admin")
    b = bulletin_factory(admin)
    st_, _ = station_factory(tree["C2"])
    at = datetime(2026, 3, 2, 6, 30, tzinfo=HANOI)
    batch = [log(at, bulletin_id=b.id), log(at + timedelta(hours=1), "missed", bulletin_id=b.id)]
    assert playlogs.ingest(st_, batch) == (2, 0)
    assert playlogs.ingest(st_, batch + batch) == (0, 4)  # the outbox re-sends, twice over
    assert playlogs.ingest(st_, [*batch, log(at, bulletin_id=b.id)]) == (1, 2)
    assert totals(admin, date(2026, 3, 1), date(2026, 3, 31)) == (2, 2.0, 1)
    assert sum(r.n_completed for r in PlayDay.select()) == 2 == sum(r.n_completed for r in PlayMonth.select())


def test_periods_split_into_whole_months_and_edge_days():
    months, days = rollups.spans(date(2026, 1, 1), date(2026, 6, 14))
    assert months == [(date(2026, 1, 1), date(2026, 5, 1))]
    assert days == [(date(2026, 6, 1), date(2026, 6, 14))]
    months, days = rollups.spans(date(2026, 2, 10), date(2026, 4, 30))
    assert (months, days) == ([(date(2026, 3, 1), date(2026, 4, 1))], [(date(2026, 2, 10), date(2026, 2, 28))])
    assert rollups.spans(date(2026, 5, 3), date(2026, 5, 3)) == ([], [(date(2026, 5, 3), date(2026, 5, 3))])


# --- random logs: the rollups equal a raw scan --------------------------------------------------

STATUSES = ("completed", "interrupted", "failed", "missed", "skipped", "local")
BASE = datetime(2026, 5, 29, 12, 0, tzinfo=UTC)  # spans a month end and local-midnight edges

a_log = st.fixed_dictionaries({
    "status": st.sampled_from(STATUSES),
    "minute": st.integers(0, 60 * 24 * 5),  # five days from BASE
    "seconds": st.integers(-5, 400),  # a negative span (clock jump) counts 0
    "started": st.booleans(),
    "bulletin": st.sampled_from([None, 0, 1]),  # index into the bulletins, or none
    "audio": st.sampled_from([None, "b", "c"]),  # a bulletin's audio, a chime's, or none
    "station": st.integers(0, 2),
})


def _raw(stations, start: date, end: date) -> tuple[int, int, int, Counter]:
    """Plays, aired µs, missed and per-status counts straight from ``play_log``, by the report's rules."""
    zone = {s.id: s.timezone for s in stations}
    plays = aired = 0
    statuses: Counter = Counter()
    for p in PlayLog.select():
        row = {"status": p.status, "bulletin_id": p.bulletin_id, "asset_sha256": p.asset_sha256,
               "started_at": p.started_at, "ended_at": p.ended_at, "planned_start": p.planned_start}
        day = rollups.log_day(row, __import__("zoneinfo").ZoneInfo(zone[p.station_id]))
        if day is None or not start <= day <= end or not rollups.rolled(row):
            continue
        statuses[p.status] += 1
        if p.status in rollups.AIRED:
            plays += 1
            aired += rollups.aired_us(row)
    return plays, aired, statuses["missed"], statuses


def _stored(start: date, end: date) -> tuple[int, int, int, Counter]:
    inner, params = rollups.period_sql(database, start, end)
    sums = ", ".join(f"SUM(r.{c})" for c in rollups.VALUES)
    got = database.execute_sql(f"SELECT {sums} FROM ({inner}) r", params).fetchone()
    n = Counter({s: int(v or 0) for s, v in zip(STATUSES, got, strict=False)})
    return n["completed"] + n["interrupted"] + n["local"], int(got[-2] or 0) + int(got[-1] or 0), \
        n["missed"], +n


@BOTH_DATABASES
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(logs=st.lists(a_log, max_size=40), cut=st.integers(1, 39), resend=st.integers(0, 40),
       period=st.tuples(st.integers(0, 6), st.integers(0, 6)))
def test_rollups_equal_a_raw_scan(db, tree, make_user, station_factory, bulletin_factory, logs, cut, resend,
                                  period, backend):
    stations, bulletins, shas = _fixtures(tree, make_user, station_factory, bulletin_factory)
    for model in (PlayLog, PlayDay, PlayMonth):
        model.delete().execute()
    sent = [_as_sent(x, bulletins, shas) for x in logs]
    # two uploads out of order (the later half first, as after an outage), then a re-send of a prefix
    for part in (sent[cut:], sent[:cut], sent[:resend]):
        by_station: dict[int, list] = {}
        for station_index, body in part:
            by_station.setdefault(station_index, []).append(body)
        for station_index, bodies in by_station.items():
            playlogs.ingest(stations[station_index], bodies)
    lo = date(2026, 5, 28) + timedelta(days=min(period))
    hi = date(2026, 5, 28) + timedelta(days=max(period))
    assert _stored(lo, hi) == _raw(stations, lo, hi)
    assert _stored(date(2026, 5, 1), date(2026, 6, 30)) == _raw(stations, date(2026, 5, 1), date(2026, 6, 30))
    incremental = _table()
    rollups.rebuild()  # the migration's backfill (SQL on PostgreSQL) folds the same logs to the same rows
    assert _table() == incremental


def _table():
    return sorted(PlayDay.select(PlayDay.station, PlayDay.day, PlayDay.bulletin_id, PlayDay.asset_sha256,
                                 *(getattr(PlayDay, c) for c in rollups.VALUES)).tuples())


_CACHE: dict[str, tuple] = {}  # per test run: hypothesis calls the test body many times


def _fixtures(tree, make_user, station_factory, bulletin_factory):
    """Three stations (one in another zone) and two bulletins, made once per test database."""
    from central.models import Chime

    key = str(id(tree))  # one test invocation (its fresh database) per key
    if key not in _CACHE:
        admin, _ = make_user("admin")
        bulletins = [bulletin_factory(admin), bulletin_factory(admin)]
        chime = Chime.create(title="Nhạc hiệu", status="approved", builtin=True,
                             asset=bulletin_factory(admin, status="draft").asset)
        stations = [station_factory(tree[c])[0] for c in ("C1", "C2", "V")]
        stations[2].timezone = "Asia/Bangkok"  # same offset today, but read per station
        stations[2].save()
        stations[1].timezone = "UTC"  # local days split elsewhere than Hà Nội's
        stations[1].save()
        _CACHE.clear()
        _CACHE[key] = (stations, bulletins, {"b": bulletins[0].asset_id, "c": chime.asset_id})
    return _CACHE[key]


def _as_sent(x, bulletins, shas):
    at = BASE + timedelta(minutes=x["minute"])
    body = log(at if x["started"] else None, x["status"], x["seconds"], planned=at,
               bulletin_id=None if x["bulletin"] is None else bulletins[x["bulletin"]].id,
               asset_sha256=shas.get(x["audio"]) if x["audio"] else None)
    return x["station"], body
