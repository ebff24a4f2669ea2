"""Proof of play: validate a station's batch whole, store it idempotently, list it for operators.

Idempotence rests on the unique index ``(station, uuid)`` and ``INSERT … ON CONFLICT DO NOTHING``
(SQLite and PostgreSQL alike), so concurrent re-sends of the same logs store each exactly once. The
logs stored (``RETURNING``) are added to the daily and monthly rollups in the same transaction.
"""

from __future__ import annotations

import uuid as uuidlib
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from peewee import ModelSelect, fn
from pydantic import ValidationError

from central.messages import msg
from playlists.errors import ScheduleError
from playlists.model import DEFAULT_ZONE, relay_log_from_dict, relay_log_to_dict
from playlists.sound import outcome

from .. import shapes
from ..db import database
from ..errors import Invalid, TooLarge, Unprocessable
from ..models import PlayLog, Station, db_time, utcnow
from ..shapes.operator import PlayLogRow
from ..shapes.station import PlayLog as PlayLogShape
from . import emergencies, relay_rollups, rollups

MAX_BATCH = 1000
_CHUNK = 250  # rows per INSERT: well under SQLite's bound-variable limit

def _bad(index: int, field: str, why: str) -> Invalid:
    return Invalid(msg("Nhật ký thứ %(index)s, trường '%(field)s': %(why)s.", index=index, field=field, why=why),
                   index=index, field=field)


def _time(index: int, field: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except OverflowError:  # well-formed, but before year 1 or after 9999 in UTC
        raise Unprocessable(msg("Nhật ký thứ %(index)s, trường '%(field)s': ngoài năm 1–9999.", index=index, field=field), index=index, field=field) from None


_KEPT = {"slot_id", "schedule_id", "bulletin_id", "asset_sha256", "status", "reason", "clock_trusted",
         "clock_offset_ms"}


def validate(index: int, log: Any) -> dict[str, Any]:
    """One log (the contract's ``PlayLog`` shape) as row values, or ``Invalid`` naming the index and field."""
    try:
        parsed = PlayLogShape.model_validate(log)
    except ValidationError as exc:
        raise _bad(index, *shapes.fault(exc)) from None
    row: dict[str, Any] = {"uuid": str(uuidlib.UUID(parsed.id)), **parsed.model_dump(include=_KEPT)}
    for field in ("planned_start", "started_at", "ended_at"):
        row[field] = _time(index, field, getattr(parsed, field))
    sound = parsed.sound
    row["sound"] = None if sound is None else sound.model_dump(exclude_unset=True, exclude_none=True)
    row["relay"] = _relay(index, log.get("relay"))  # the model checked its form; playlists reads it
    if row["sound"] is not None:  # the outcome is stored; the station's own word is kept beside it
        row["sound"]["reported_status"] = parsed.status
        row["status"] = outcome(parsed.status, row["sound"])
    return row


def _relay(index: int, value: Any) -> dict[str, int] | None:
    """The optional ``relay`` object of a relay item's log (issue 13); None if absent."""
    if value is None:
        return None
    try:
        return relay_log_to_dict(relay_log_from_dict(value))
    except ScheduleError as exc:
        raise _bad(index, "relay", str(exc)) from None


def ingest(station: Station, logs: Any) -> tuple[int, int]:
    """Store a batch for ``station``; returns ``(accepted, duplicates)``. Invalid anywhere → nothing stored."""
    if not isinstance(logs, list) or not logs:
        raise Invalid(msg("'logs' phải là một danh sách 1–1000 nhật ký."))
    if len(logs) > MAX_BATCH:
        raise TooLarge(msg("Tối đa %(MAX_BATCH)s nhật ký mỗi lần, nhận %(value)s.", MAX_BATCH=MAX_BATCH, value=len(logs)))
    rows = [validate(i, log) for i, log in enumerate(logs)]
    now = utcnow()
    unique: dict[str, dict[str, Any]] = {}
    for row in rows:
        unique.setdefault(row["uuid"], {**row, "station": station.id, "received_at": now})
    batch = list(unique.values())
    stored: set[str] = set()
    with database.atomic():
        for start in range(0, len(batch), _CHUNK):
            chunk = batch[start:start + _CHUNK]
            params = [_db_value(f, row[f]) for row in chunk for f in _FIELDS]
            stored.update(r[0] for r in database.execute_sql(_insert_sql(len(chunk)), params).fetchall())
        # only the logs stored now count: a re-sent UUID was counted when it was first stored
        zone = ZoneInfo(station.timezone or DEFAULT_ZONE)
        new = [r for r in batch if r["uuid"] in stored]
        tests = emergencies.test_schedules(r["schedule_id"] for r in new)  # drills roll up apart
        rollups.add(rollups.fold(new, lambda _: zone, tests))
        relay_rollups.add(relay_rollups.fold(new, lambda _: zone))  # relay minutes apart from bulletins
    return len(stored), len(rows) - len(stored)


_FIELDS = ("station", "uuid", "slot_id", "schedule_id", "bulletin_id", "asset_sha256", "planned_start",
           "started_at", "ended_at", "status", "reason", "clock_trusted", "clock_offset_ms", "received_at", "sound",
           "relay")
_INSERT_SQL: dict[tuple[int, int], str] = {}


def _db_value(field: str, value: Any) -> Any:
    return getattr(PlayLog, field).db_value(value)


def _insert_sql(n: int) -> str:
    """``INSERT … VALUES (…) × n … RETURNING uuid`` that skips rows whose ``(station, uuid)`` exists.

    peewee writes the one-row statement; repeating its VALUES group avoids regenerating SQL for every
    row (which took most of the time of a 500-log batch).
    """
    key = (id(database.obj), n)
    if key not in _INSERT_SQL:
        fields = [getattr(PlayLog, f) for f in _FIELDS]
        one, _ = PlayLog.insert_many([(None,) * len(fields)], fields=fields).on_conflict_ignore().sql()
        head, _, tail = one.partition(" VALUES ")
        group, rest = tail[: tail.index(")") + 1], tail[tail.index(")") + 1:]
        rest = rest.partition(" RETURNING ")[0]
        # the stored rows' UUIDs come back (SQLite ≥ 3.35 and PostgreSQL alike); skipped ones do not
        _INSERT_SQL[key] = f'{head} VALUES {", ".join([group] * n)}{rest} RETURNING "uuid"'
    return _INSERT_SQL[key]


def query(stations: ModelSelect[Station] | None = None, station_id: int | None = None,
          start: datetime | None = None, end: datetime | None = None) -> ModelSelect[PlayLog]:
    """Play logs, newest first; ``stations`` limits them to a visible set (a query of Station)."""
    q = PlayLog.select(PlayLog, Station).join(Station)
    if stations is not None:
        q = q.where(PlayLog.station.in_(stations.select(Station.id)))
    if station_id is not None:
        q = q.where(PlayLog.station == station_id)
    when = fn.COALESCE(PlayLog.started_at, PlayLog.planned_start)  # missed plays never started
    if start is not None:
        q = q.where(when >= db_time(start))
    if end is not None:
        q = q.where(when < db_time(end))
    return q.order_by(when.desc(), PlayLog.id.desc())


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat()


def answer(log: PlayLog, drill: bool) -> PlayLogRow:
    """One stored play as the operator API shows it; ``drill``: a play of a TEST emergency."""
    return PlayLogRow(
        id=log.uuid,
        station_id=log.station_id,
        station_name=log.station.name,
        slot_id=log.slot_id,
        schedule_id=log.schedule_id,
        bulletin_id=log.bulletin_id,
        asset_sha256=log.asset_sha256,
        planned_start=_iso(log.planned_start),
        started_at=_iso(log.started_at),
        ended_at=_iso(log.ended_at),
        status=log.status,
        reason=log.reason,
        clock_trusted=log.clock_trusted,
        clock_offset_ms=log.clock_offset_ms,
        received_at=_iso(log.received_at),
        sound=log.sound,  # stored as shapes.operator.PlayedSound (validate above)
        relay=log.relay,
        emergency_test=drill,
    )
