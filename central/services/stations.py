"""Stations: who is calling (by token), when they were last seen, and their health for operators."""

from __future__ import annotations

import hmac
import uuid
from datetime import datetime, timedelta
from datetime import time as dtime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..auth import check_area, hash_token, in_scope, visible_stations
from ..db import database, is_postgres
from ..errors import Invalid, NotFound, Unauthorized, Unprocessable
from ..messages import N_, msg
from ..models import Area, Heartbeat, Station, User, utcnow
from ..shapes import operator as shapes
from ..words import StationState
from . import areas, audit, manifests
from .area_tree import subtree_ids

ONLINE_SYNC_INTERVALS = 3  # a station is online if seen within this many sync intervals


class StationTokenRevoked(Unauthorized):
    """A token a person revoked: the station must be enrolled again with a new code."""

    title = N_("Mã đài đã bị thu hồi")


def by_token(token: str | None) -> Station:
    """The active, enrolled station holding ``token``, or 401 (saying so when the token was revoked)."""
    if token:
        digest = hash_token(token)
        station = (
            Station.select(Station, Area).join(Area)
            .where((Station.token_hash == digest) & (Station.active == True))  # noqa: E712
            .first()
        )
        if station is not None and hmac.compare_digest(station.token_hash, digest):
            return station
        _refuse_revoked(digest)
    raise Unauthorized(msg("Mã đài không hợp lệ hoặc đã bị thay; hãy đăng ký lại đài bằng mã đăng ký mới (`station enroll --force URL MÃ`)."))


def _refuse_revoked(digest: str) -> None:
    revoked = Station.get_or_none(Station.revoked_token_hash == digest)
    if revoked is None or not hmac.compare_digest(revoked.revoked_token_hash or "", digest):
        return
    when = revoked.token_revoked_at.isoformat(timespec="seconds") if revoked.token_revoked_at else "?"
    raise StationTokenRevoked(
        msg("Mã của đài số %(id)s đã bị thu hồi lúc %(when)s (UTC). Đài cần đăng ký lại: xin mã đăng ký mới ở trang của đài rồi chạy `station enroll --force URL MÃ`.", id=revoked.id, when=when)
    )


class SyncState(NamedTuple):
    """The few columns a conditional manifest request needs (see ``sync_state``)."""

    id: int
    token_hash: str
    manifest_version: int
    manifest_etag: str | None
    manifest_built_at: datetime | None
    last_seen: datetime | None
    sync_interval_s: int


_SYNC_SQL: dict[int, tuple[str, list[Any]]] = {}


def _sync_sql() -> tuple[str, list[Any]]:
    # peewee builds the statement once per database; hot requests only bind the token's hash
    key = id(database.obj)
    if key not in _SYNC_SQL:
        cols = [getattr(Station, f) for f in SyncState._fields]
        query = Station.select(*cols).where((Station.token_hash == "?") & (Station.active == True))  # noqa: E712
        _SYNC_SQL[key] = query.sql()
    return _SYNC_SQL[key]


def sync_state(token: str | None) -> SyncState | None:
    """The sync columns of the active station holding ``token`` — one indexed read, no ORM rows."""
    if not token:
        return None
    digest = hash_token(token)
    sql, params = _sync_sql()
    row = database.execute_sql(sql, [digest, *params[1:]]).fetchone()
    if row is None or not hmac.compare_digest(row[1], digest):
        return None
    built, seen = Station.manifest_built_at.python_value(row[4]), Station.last_seen.python_value(row[5])
    return SyncState(row[0], row[1], row[2], row[3], built, seen, row[6])


def touch(station: Station | SyncState, now: datetime) -> None:
    """Record that the station called, writing at most once per half sync interval."""
    stale = now - timedelta(seconds=max(1, station.sync_interval_s // 2))
    if station.last_seen is None or station.last_seen < stale:
        _write_last_seen(station.id, now)
        if isinstance(station, Station):
            station.last_seen = now


def _write_last_seen(station_id: int, now: datetime) -> None:
    update = Station.update(last_seen=now).where(Station.id == station_id)
    if not is_postgres():
        update.execute()  # SQLite in WAL with synchronous=normal does not wait for the disk anyway
        return
    with database.atomic():
        # "last seen" may be lost in a crash without harm; not waiting for the WAL flush keeps a
        # poll cheap (play logs and everything else keep the default, durable commit)
        database.execute_sql("SET LOCAL synchronous_commit TO OFF")
        update.execute()


def is_online(station: Station, now: datetime | None = None) -> bool:
    """The push channel's presence when it has spoken (it sees a dropped link within seconds), else
    whether the station polled within the last few sync intervals."""
    if station.online is not None:
        return bool(station.online)
    if station.last_seen is None:
        return False
    now = now or utcnow()
    return now - station.last_seen <= timedelta(seconds=ONLINE_SYNC_INTERVALS * station.sync_interval_s)


def get(station_id: int) -> Station:
    station = Station.select(Station, Area).join(Area).where(Station.id == station_id).first()
    if station is None:
        raise NotFound(msg("Không có đài số %(station_id)s.", station_id=station_id))
    return station


def visible(user: User, station_id: int) -> Station:
    """The station if it lies in ``user``'s scope; 404 otherwise (never confirm one outside it exists)."""
    station = get(station_id)
    if not in_scope(user, station.area_id):
        raise NotFound(msg("Không có đài số %(station_id)s.", station_id=station_id))
    return station


def state(h: shapes.Station) -> str:
    """One word for a ``health`` row: never (not enrolled or never seen), offline, out_of_sync, online."""
    if not h.enrolled or h.last_seen is None:
        return StationState.NEVER
    if not h.online:
        return StationState.OFFLINE
    return StationState.ONLINE if h.in_sync else StationState.OUT_OF_SYNC


class Row(shapes.Station):
    """A station's health as the web pages list it, with its one word ``state`` (not an API answer)."""

    state: str


def row(station: Station, now: datetime | None = None) -> Row:
    """``health`` with its ``state``, for the pages."""
    h = health(station, now)
    return Row(**dict(h), state=state(h))


def listing(user: User, area_code: str | None = None) -> Any:
    """The stations ``user`` may see (with their area), by name; only under ``area_code`` if given."""
    query = visible_stations(user).join_from(Station, Area).select(Station, Area)
    if area_code:
        area = areas.get(area_code)
        check_area(user, area)
        query = query.where(Station.area.in_(sorted(subtree_ids(area.id))))
    return query.order_by(Station.name, Station.id)


def health_rows(user: User, area_code: str | None = None, now: datetime | None = None) -> list[Row]:
    """``row`` of each station ``listing`` gives."""
    now = now or utcnow()
    return [row(s, now) for s in listing(user, area_code)]


def health(station: Station, now: datetime | None = None) -> shapes.Station:
    """What an operator wants at a glance: online, last seen, versions, clock, now playing."""
    now = now or utcnow()
    applied = station.applied_version
    return shapes.Station(
        id=station.id,
        name=station.name,
        area_code=station.area.code,
        area_name=station.area.name,
        timezone=station.timezone,
        enrolled=station.token_hash is not None,
        active=station.active,
        online=is_online(station, now),
        presence_at=_iso(station.presence_at),  # when the push channel last changed "online"
        last_seen=_iso(station.last_seen),
        last_heartbeat_at=_iso(station.last_heartbeat_at),
        manifest_version=station.manifest_version,
        applied_version=applied,
        in_sync=applied is not None and applied >= station.manifest_version,
        agent_version=station.agent_version,
        clock_offset_ms=station.clock_offset_ms,
        clock_trusted=station.clock_trusted,
        now_playing=station.now_playing,
        last_error=station.last_error,
        volume=station.volume,
        quiet_hours=(
            shapes.QuietHours(start=station.quiet_start, end=station.quiet_end)
            if station.quiet_start and station.quiet_end else None
        ),
    )


def detail(station: Station) -> shapes.Station:
    """One station's own answer: its ``health`` and how it sounds (``sound``)."""
    return shapes.Station(**{**dict(health(station)), **sound(station)})


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat()


SETTINGS = ("name", "timezone", "quiet_hours", "volume", "sync_interval_s", "heartbeat_interval_s", "active")


def _clean_settings(body: dict[str, Any]) -> dict[str, Any]:
    """Row values for the settings in ``body``; ``Invalid`` names the first bad one."""
    out: dict[str, Any] = {}
    unknown = set(body) - set(SETTINGS)
    if unknown:
        raise Invalid(msg("Không sửa được trường %(value)s.", value=', '.join(sorted(unknown))))
    if "name" in body:
        if not isinstance(body["name"], str) or not body["name"].strip():
            raise Invalid(msg("Tên đài không được trống."), field="name")
        out["name"] = body["name"].strip()[:200]
    if "timezone" in body:
        try:
            ZoneInfo(str(body["timezone"]))
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America" is a directory
            raise Unprocessable(msg("Múi giờ '%(timezone)s' không có.", timezone=body['timezone']),
                                field="timezone") from None
        out["timezone"] = str(body["timezone"])
    if "quiet_hours" in body:
        out["quiet_start"], out["quiet_end"] = _quiet(body["quiet_hours"])
    for key, lo, hi in (("volume", 0, 100), ("sync_interval_s", 10, 3600), ("heartbeat_interval_s", 30, 86400)):
        if key in body:
            value = body[key]
            if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
                raise Invalid(msg("'%(key)s' phải là số nguyên từ %(lo)s đến %(hi)s.", key=key, lo=lo, hi=hi), field=key)
            out[key] = value
    if "active" in body:
        if not isinstance(body["active"], bool):
            raise Invalid(msg("'active' phải là true/false."), field="active")
        out["active"] = body["active"]
    return out


def _quiet(value: Any) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    try:
        start, end = dtime.fromisoformat(value["start"]), dtime.fromisoformat(value["end"])
    except (KeyError, TypeError, ValueError):
        raise Invalid(msg("Giờ yên lặng dạng {\"start\": \"21:30\", \"end\": \"05:00\"} hoặc null."),
                      field="quiet_hours") from None
    return start.strftime("%H:%M"), end.strftime("%H:%M")


def sound(station: Station) -> dict[str, Any]:
    """How the station last said it sounds (its heartbeat's ``sound``, None from older agents), and a
    speaker test asked for here that it has not reported yet."""
    beat = (Heartbeat.select(Heartbeat.payload).where(Heartbeat.station == station.id)
            .order_by(Heartbeat.id.desc()).first())
    said = (beat.payload or {}).get("sound") if beat is not None else None
    done = (said or {}).get("speaker_test") or {}
    waiting = None
    if station.speaker_test_id and done.get("id") != station.speaker_test_id:
        waiting = {"id": station.speaker_test_id, "requested_at": _iso(station.speaker_test_at)}
    return {"sound": said if isinstance(said, dict) else None, "speaker_test_waiting": waiting}


def request_speaker_test(actor: User | None, station: Station, now: datetime | None = None) -> str:
    """Ask the station to play its short test signal: a new id in its (signed) manifest, synced at once.

    The station plays it when nothing else sounds, within ten minutes of the request (``station.speaker``), and
    reports what its monitor heard in its heartbeat's ``sound.speaker_test``.
    """
    test_id = str(uuid.uuid4())
    with database.atomic():
        Station.update(speaker_test_id=test_id, speaker_test_at=now or utcnow()).where(
            Station.id == station.id).execute()
        audit.record(actor, "station.speaker_test", station, test_id=test_id)
        manifests.bump([station])
    return test_id


def update_settings(actor: User | None, station: Station, body: dict[str, Any]) -> Station:
    """Change a station's settings, audit it, and raise its manifest version so it syncs them."""
    values = _clean_settings(body)
    with database.atomic():
        if values:
            Station.update(**values).where(Station.id == station.id).execute()
            audit.record(actor, "station.update", station, **body)
            manifests.bump([station])
    return get(station.id)
