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

from central.messages import msg
from playlists.errors import ScheduleError
from playlists.model import DEFAULT_ZONE, relay_log_from_dict, relay_log_to_dict
from playlists.sound import AUDIBILITIES, outcome

from ..db import database
from ..errors import Invalid, TooLarge, Unprocessable
from ..models import PLAY_STATUSES, PlayLog, Station, db_time, utcnow
from . import emergencies, relay_rollups, rollups

MAX_BATCH = 1000
_CHUNK = 250  # rows per INSERT: well under SQLite's bound-variable limit

_OPTIONAL_INT = ("schedule_id", "bulletin_id")
_OPTIONAL_TIME = ("planned_start", "started_at", "ended_at")


def _bad(index: int, field: str, why: str) -> Invalid:
    return Invalid(msg("Nhật ký thứ %(index)s, trường '%(field)s': %(why)s.", index=index, field=field, why=why),
                   index=index, field=field)


def _time(index: int, field: str, value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _bad(index, field, "must be an ISO 8601 string or null")
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise _bad(index, field, f"not an ISO 8601 time: {value!r}") from None
    if t.tzinfo is None:
        raise _bad(index, field, "must carry a UTC offset")
    try:
        return t.astimezone(UTC)
    except OverflowError:  # well-formed, but before year 1 or after 9999 in UTC
        raise Unprocessable(msg("Nhật ký thứ %(index)s, trường '%(field)s': ngoài năm 1–9999.", index=index, field=field), index=index, field=field) from None


def _str_or_none(index: int, field: str, value: Any, max_len: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > max_len:
        raise _bad(index, field, f"must be a string of at most {max_len} characters or null")
    return value


def validate(index: int, log: Any) -> dict[str, Any]:
    """One log as row values, or ``Invalid`` naming the index and field."""
    if not isinstance(log, dict):
        raise _bad(index, "-", "a log must be a JSON object")
    try:
        uid = str(uuidlib.UUID(str(log.get("id"))))
    except ValueError:
        raise _bad(index, "id", "must be a UUID") from None
    status = log.get("status")
    if status not in PLAY_STATUSES:
        raise _bad(index, "status", f"must be one of {', '.join(PLAY_STATUSES)}")
    row: dict[str, Any] = {"uuid": uid, "status": status}
    for field in _OPTIONAL_INT:
        value = log.get(field)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise _bad(index, field, "must be an integer or null")
        row[field] = value
    for field in _OPTIONAL_TIME:
        row[field] = _time(index, field, log.get(field))
    row["slot_id"] = _str_or_none(index, "slot_id", log.get("slot_id"), 64)
    row["asset_sha256"] = _str_or_none(index, "asset_sha256", log.get("asset_sha256"), 64)
    row["reason"] = _str_or_none(index, "reason", log.get("reason"), 2000)
    trusted = log.get("clock_trusted", True)
    offset = log.get("clock_offset_ms", 0)
    if not isinstance(trusted, bool):
        raise _bad(index, "clock_trusted", "must be true or false")
    if offset is None:
        offset = 0
    if not isinstance(offset, int) or isinstance(offset, bool):
        raise _bad(index, "clock_offset_ms", "must be an integer")
    row["clock_trusted"], row["clock_offset_ms"] = trusted, offset
    row["relay"] = _relay(index, log.get("relay"))
    row["sound"] = _sound(index, log.get("sound"))
    if row["sound"] is not None:  # the outcome is stored; the station's own word is kept beside it
        row["sound"]["reported_status"] = status
        row["status"] = outcome(status, row["sound"])
    return row


def _relay(index: int, value: Any) -> dict[str, int] | None:
    """The optional ``relay`` object of a relay item's log (issue 13); None if absent."""
    if value is None:
        return None
    try:
        return relay_log_to_dict(relay_log_from_dict(value))
    except ScheduleError as exc:
        raise _bad(index, "relay", str(exc)) from None


#: ``sound`` keys a station may send and their JSON types (anything else is dropped, not stored)
_SOUND_KEYS: dict[str, tuple[type, ...]] = {
    "output": (str,), "null_output": (bool,), "volume": (int,), "muted": (bool,), "quiet_hours": (bool,),
    "local_override": (bool,), "audibility": (str,), "level_lufs": (int, float), "monitor": (bool,),
}


def _sound(index: int, value: Any) -> dict[str, Any] | None:
    """The optional ``sound`` object of a log (issue 15), checked key by key; None if absent."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _bad(index, "sound", "must be an object or null")
    out: dict[str, Any] = {}
    for key, types in _SOUND_KEYS.items():
        v = value.get(key)
        if v is None:
            continue
        if not isinstance(v, types) or (isinstance(v, bool) and bool not in types):
            raise _bad(index, f"sound.{key}", f"must be a {types[0].__name__} or null")
        out[key] = v[:200] if isinstance(v, str) else v
    if out.get("audibility") not in (None, *AUDIBILITIES):
        raise _bad(index, "sound.audibility", f"must be one of {', '.join(AUDIBILITIES)}")
    if "volume" in out and not 0 <= out["volume"] <= 100:
        raise _bad(index, "sound.volume", "must be 0–100")
    return out


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


def to_dict(log: PlayLog) -> dict[str, Any]:
    def iso(t: datetime | None) -> str | None:
        return None if t is None else t.isoformat()

    return {
        "id": log.uuid,
        "station_id": log.station_id,
        "station_name": log.station.name,
        "slot_id": log.slot_id,
        "schedule_id": log.schedule_id,
        "bulletin_id": log.bulletin_id,
        "asset_sha256": log.asset_sha256,
        "planned_start": iso(log.planned_start),
        "started_at": iso(log.started_at),
        "ended_at": iso(log.ended_at),
        "status": log.status,
        "reason": log.reason,
        "clock_trusted": log.clock_trusted,
        "clock_offset_ms": log.clock_offset_ms,
        "received_at": iso(log.received_at),
        "sound": log.sound,
        "relay": log.relay,
    }
