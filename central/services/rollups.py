"""Daily and monthly rollups of play logs: what reports and the dashboard read instead of ``play_log``.

A log lands in the station-local day of its ``started_at`` (or ``planned_start`` when it never started),
under its bulletin, or, without one, under the audio it played (a local announcement: ``LOCAL``); a play of
a TEST emergency (a drill, ``emergencies.test_schedules``) under ``TEST``, apart from every broadcast.
``fold`` turns freshly stored logs into cells and ``add`` upserts them (``count = count + new``) in the caller's transaction, so a log is counted
exactly when it is stored: a re-sent UUID stores nothing and adds nothing, and a log arriving days late
adds to the day it played. A ``completed``/``interrupted`` log with neither bulletin nor audio (a pause
from an older station) is not rolled up: nothing was heard, and reports never counted it.

A period reads whole months from ``play_month`` and the days at its edges from ``play_day``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from peewee import Database, DatabaseProxy

from playlists.model import DEFAULT_ZONE
from playlists.sound import AIRED
from playlists.words import OUTCOMES as PLAY_STATUSES
from playlists.words import PlayStatus

from ..db import database, is_postgres, tuples_of
from ..models import PlayLog, Station
from ..words import EmergencyMode

COUNTS = tuple(f"n_{s}" for s in PLAY_STATUSES)  # the contract's six, then not_audible, failed_to_sound
VALUES = (*COUNTS, "aired_us", "local_us")
KEY = ("station_id", "bulletin_id", "asset_sha256")
_CHUNK = 100

#: ``bulletin_id`` of a local announcement (a ``local`` play naming no bulletin): its own key, so each
#: rollup row belongs to exactly one theme of the report
LOCAL = -1

#: ``bulletin_id`` of a TEST emergency's play: a drill, not a broadcast. Reports leave it out of what
#: aired (the period report lists tests apart); its ``asset_sha256`` is "" (one row per station and day)
TEST = -2
#: the outcomes of a pause (a play that names no bulletin and no audio): reports leave those out
_PAUSE_LIKE = (PlayStatus.COMPLETED, PlayStatus.INTERRUPTED, PlayStatus.NOT_AUDIBLE)

Cell = tuple[int, date, int, str]  # station id, day, bulletin id (0 = none), sha256 ("" = none)


def log_day(row: dict[str, Any], zone: ZoneInfo) -> date | None:
    """The station-local day a log belongs to, or None when it carries no time at all."""
    when = row.get("started_at") or row.get("planned_start")
    return None if when is None else when.astimezone(zone).date()


def rolled(row: dict[str, Any]) -> bool:
    """False for what reports never count: a pause (aired, with no bulletin and no audio)."""
    if row["status"] not in PLAY_STATUSES or row.get("relay") is not None:
        return False  # relay time is not bulletin time: services.relay_rollups counts it
    return bool(row.get("bulletin_id") or row.get("asset_sha256")) or row["status"] not in _PAUSE_LIKE


def _local(row: dict[str, Any]) -> bool:
    """A local announcement: ``local``, or one nobody heard (its station's own status kept in ``sound``)."""
    local = PlayStatus.LOCAL
    return row["status"] == local or (row.get("sound") or {}).get("reported_status") == local


def aired_us(row: dict[str, Any]) -> int:
    """Microseconds heard: ``ended_at - started_at`` for a play that aired; 0 otherwise or if negative."""
    start, end = row.get("started_at"), row.get("ended_at")
    if row["status"] not in AIRED or start is None or end is None or end <= start:
        return 0
    span = end - start
    return (span.days * 86_400 + span.seconds) * 1_000_000 + span.microseconds


def fold(rows: Iterable[dict[str, Any]], zone_of: Callable[[int], ZoneInfo],
         tests: Collection[int] = ()) -> dict[Cell, list[int]]:
    """Logs (row dicts with ``station``) → per-day cells of ``[*COUNTS, aired_us, local_us]``.

    ``tests``: the ids of TEST emergencies' schedules among the logs' (``emergencies.test_schedules``).
    """
    cells: dict[Cell, list[int]] = {}
    for row in rows:
        if not rolled(row):
            continue
        day = log_day(row, zone_of(row["station"]))
        if day is None:
            continue
        if row.get("schedule_id") is not None and row["schedule_id"] in tests:
            bulletin = TEST
        else:
            bulletin = row.get("bulletin_id") or (LOCAL if _local(row) else 0)
        sha = "" if bulletin else (row.get("asset_sha256") or "")
        cell = cells.setdefault((row["station"], day, bulletin, sha), [0] * len(VALUES))
        cell[PLAY_STATUSES.index(row["status"])] += 1
        cell[-1 if row["status"] == PlayStatus.LOCAL else -2] += aired_us(row)
    return cells


def by_month(cells: dict[Cell, list[int]]) -> dict[Cell, list[int]]:
    """The same cells with each day replaced by the first of its month."""
    out: dict[Cell, list[int]] = {}
    for (station, day, bulletin, sha), values in cells.items():
        cell = out.setdefault((station, day.replace(day=1), bulletin, sha), [0] * len(VALUES))
        for i, v in enumerate(values):
            cell[i] += v
    return out


def add(cells: dict[Cell, list[int]], db: Database | None = None) -> None:
    """Add ``cells`` to both rollups; call inside the transaction that stored their logs."""
    target: Any = db if db is not None else database
    if not cells:
        return
    for table, column, folded in (("play_day", "day", cells), ("play_month", "month", by_month(cells))):
        items = sorted(folded.items())  # one lock order for concurrent writers (no deadlocks on PostgreSQL)
        for start in range(0, len(items), _CHUNK):
            chunk = items[start:start + _CHUNK]
            params: list[Any] = []
            for (station, day, bulletin, sha), values in chunk:
                params += [station, day.isoformat(), bulletin, sha, *values]
            target.execute_sql(_upsert_sql(target, table, column, len(chunk)), params)


def _upsert_sql(db: Database, table: str, column: str, n: int) -> str:
    p = db.param
    cols = ["station_id", column, "bulletin_id", "asset_sha256", *VALUES]
    group = "(" + ", ".join([p] * len(cols)) + ")"
    sums = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in VALUES)
    return (f"INSERT INTO {table} ({', '.join(cols)}) VALUES {', '.join([group] * n)} "
            f"ON CONFLICT (station_id, {column}, bulletin_id, asset_sha256) DO UPDATE SET {sums}")


def zones() -> Callable[[int], ZoneInfo]:
    """Station id → its zone, read once per call site and cached."""
    cache: dict[int, ZoneInfo] = {}
    names: dict[int, str] = {}

    def zone_of(station_id: int) -> ZoneInfo:
        if station_id not in cache:
            if not names:
                names.update(tuples_of(Station.select(Station.id, Station.timezone)))
            cache[station_id] = ZoneInfo(names.get(station_id) or DEFAULT_ZONE)
        return cache[station_id]

    return zone_of


# --- backfill ------------------------------------------------------------------------------

_LOG_FIELDS = ("station", "status", "schedule_id", "bulletin_id", "asset_sha256", "planned_start", "started_at",
               "ended_at", "sound")


def rebuild(db: Database | None = None, batch: int = 20_000) -> int:
    """Empty both rollups and fold every stored play log into them again; returns the logs read.

    PostgreSQL does it in one ``INSERT … SELECT`` per table (zones from ``station.timezone``); SQLite
    has no zones in SQL, so its logs are folded in Python, ``batch`` at a time, by the same ``fold``.
    """
    target: Any = db if db is not None else database.obj  # the database itself: is_postgres sees its class
    with target.atomic():
        target.execute_sql("DELETE FROM play_day")
        target.execute_sql("DELETE FROM play_month")
        from .relay_rollups import rebuild as rebuild_relays

        rebuild_relays(target)
        if is_postgres(target):
            target.execute_sql("SET LOCAL work_mem = '256MB'")  # one big GROUP BY: hash it in memory
            return _rebuild_sql(target)
        return _rebuild_python(target, batch)


def _has_relay(db: Database) -> bool:
    """Whether ``play_log`` has the relay column yet (migration 16; an older step may rebuild before it)."""
    return "relay" in {c.name for c in db.get_columns("play_log")}


def _test_schedules(db: Database) -> set[int]:
    """Every TEST emergency's schedule id (none before the emergencies' migration made the table)."""
    if not db.table_exists("emergency"):
        return set()
    return {int(schedule_id) for (schedule_id,) in db.execute_sql(f"SELECT schedule_id FROM emergency WHERE mode = '{EmergencyMode.TEST}'")}


def _rebuild_python(db: Database, batch: int) -> int:
    zone_of, tests = zones(), _test_schedules(db)
    last, read = 0, 0
    names = (*_LOG_FIELDS, "relay") if _has_relay(db) else _LOG_FIELDS
    with db.bind_ctx([PlayLog, Station]):
        while True:
            fields = [PlayLog.id, *(getattr(PlayLog, f) for f in names)]
            rows = list(tuples_of(PlayLog.select(*fields).where(PlayLog.id > last).order_by(PlayLog.id)
                                  .limit(batch)))
            if not rows:
                return read
            last, read = rows[-1][0], read + len(rows)
            add(fold((dict(zip(names, r[1:], strict=True)) for r in rows), zone_of, tests), db)


# The same rules as ``fold``, in SQL: the local day, 0/"" for none, pauses left out, spans in µs.
_WHEN = "COALESCE(l.started_at, l.planned_start)"
_DAY = f"CAST(({_WHEN} AT TIME ZONE 'UTC') AT TIME ZONE s.timezone AS DATE)"
_SPAN = ("CASE WHEN l.status IN ({}) AND l.ended_at > l.started_at "
         "THEN CAST(ROUND(EXTRACT(EPOCH FROM l.ended_at - l.started_at) * 1000000) AS BIGINT) ELSE 0 END")


def _sql_words(words: Iterable[str]) -> str:
    """Fixed words (the enum's values, never user input) as an SQL list: ``'completed', 'local'``."""
    return ", ".join(f"'{w}'" for w in words)


def _rebuild_sql(db: Database) -> int:
    counts = ", ".join(f"SUM(CASE WHEN l.status = '{s}' THEN 1 ELSE 0 END)" for s in PLAY_STATUSES)
    is_local = (f"(l.status = '{PlayStatus.LOCAL}' OR (l.sound IS NOT NULL "
                f"AND CAST(l.sound AS json)->>'reported_status' = '{PlayStatus.LOCAL}'))")  # see _local
    bulletin = f"COALESCE(l.bulletin_id, CASE WHEN {is_local} THEN {LOCAL} ELSE 0 END)"
    sha = f"CASE WHEN l.bulletin_id IS NULL AND NOT {is_local} THEN COALESCE(l.asset_sha256, '') ELSE '' END"
    if db.table_exists("emergency"):  # a TEST emergency's play: its own key (see fold)
        test = f"l.schedule_id IN (SELECT e.schedule_id FROM emergency e WHERE e.mode = '{EmergencyMode.TEST}')"
        bulletin = f"CASE WHEN {test} THEN {TEST} ELSE {bulletin} END"
        sha = f"CASE WHEN {test} THEN '' ELSE {sha} END"
    aired = _SPAN.format(_sql_words((PlayStatus.COMPLETED, PlayStatus.INTERRUPTED)))
    local = _SPAN.format(_sql_words((PlayStatus.LOCAL,)))
    cols = f"station_id, {{}}, bulletin_id, asset_sha256, {', '.join(VALUES)}"
    db.execute_sql(
        f"INSERT INTO play_day ({cols.format('day')}) "
        f"SELECT l.station_id, {_DAY}, {bulletin}, {sha}, {counts}, SUM({aired}), SUM({local}) "
        "FROM play_log l JOIN station s ON s.id = l.station_id "
        f"WHERE {_WHEN} IS NOT NULL AND l.status IN ({_sql_words(PLAY_STATUSES)}) "
        f"AND NOT (l.status IN ({_sql_words(_PAUSE_LIKE)}) AND l.bulletin_id IS NULL "
        "AND COALESCE(l.asset_sha256, '') = '') "
        f"{'AND l.relay IS NULL ' if _has_relay(db) else ''}"  # relay time is counted in relay_day
        "GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4")  # in index order: appends, not random page writes
    sums = ", ".join(f"SUM({c})" for c in VALUES)
    db.execute_sql(
        f"INSERT INTO play_month ({cols.format('month')}) "
        f"SELECT station_id, CAST(date_trunc('month', day) AS DATE), bulletin_id, asset_sha256, {sums} "
        "FROM play_day GROUP BY 1, 2, 3, 4")
    cursor = db.execute_sql("SELECT COUNT(*) FROM play_log")
    return int(cursor.fetchone()[0])


# --- reading a period ----------------------------------------------------------------------


def spans(start: date, end: date) -> tuple[list[tuple[date, date]], list[tuple[date, date]]]:
    """Split the inclusive days ``start..end`` into whole months and leftover day ranges (inclusive)."""
    months: list[tuple[date, date]] = []
    days: list[tuple[date, date]] = []
    cursor, after_month = start, False
    while cursor <= end:
        month_end = (cursor.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        if cursor.day == 1 and month_end <= end:
            if after_month:  # contiguous months: one range of month starts
                months[-1] = (months[-1][0], cursor)
            else:
                months.append((cursor, cursor))
            cursor, after_month = month_end + timedelta(days=1), True
            continue
        stop = min(end, month_end)
        days.append((cursor, stop))
        cursor, after_month = stop + timedelta(days=1), False
    return months, days


def period_sql(db: Database | DatabaseProxy, start: date, end: date, station_filter: str = "",
               filter_params: list[Any] | None = None) -> tuple[str, list[Any]]:
    """``SELECT station_id, bulletin_id, asset_sha256, n_…, aired_us, local_us`` over the period.

    Whole months come from ``play_month``, the rest from ``play_day`` (UNION ALL); ``station_filter`` is
    extra SQL on ``r.station_id`` with ``filter_params``.
    """
    p = db.param
    months, days = spans(start, end)
    parts: list[str] = []
    params: list[Any] = []
    cols = ", ".join(f"r.{c}" for c in (*KEY, *VALUES))
    for table, column, ranges in (("play_month", "month", months), ("play_day", "day", days)):
        for lo, hi in ranges:
            parts.append(f"SELECT {cols} FROM {table} r WHERE r.{column} >= {p} AND r.{column} <= {p}"
                         f"{' AND ' + station_filter if station_filter else ''}")
            params += [lo.isoformat(), hi.isoformat(), *(filter_params or [])]
    if not parts:  # an empty period: keep the shape
        parts.append(f"SELECT {cols} FROM play_day r WHERE 1 = 0")
    return " UNION ALL ".join(parts), params


def last_days(station_ids: list[int], until: date) -> dict[int, date | None]:
    """Each station's last day with a log on or before ``until`` (None if it never sent one)."""
    p = database.param
    out: dict[int, date | None] = {}
    for start in range(0, len(station_ids), 500):
        ids = station_ids[start:start + 500]
        sql = (f"SELECT s.id, (SELECT MAX(d.day) FROM play_day d WHERE d.station_id = s.id AND d.day <= {p}) "
               f"FROM station s WHERE s.id IN ({', '.join([p] * len(ids))})")
        for station_id, day in database.execute_sql(sql, [until.isoformat(), *ids]).fetchall():
            out[station_id] = _as_date(day)
    return out


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return datetime.strptime(str(value)[:10], "%Y-%m-%d").date()
