"""The words of the schedule domain as plain dataclasses, and their wire shape in a manifest.

Both sides use this module: the central serialises its rows with ``to_dict`` into a station's
manifest, the station reads them back with ``*_from_dict``. Every datetime here is timezone-aware;
local wall-clock times (``Schedule.dtstart``, exdates) are naive and read in ``Schedule.timezone``.
"""

from __future__ import annotations

import enum
import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

from .errors import ScheduleError
from .words import REASONS, Reason, describe_reason  # noqa: F401  (the reason words, re-exported)


class Priority(enum.StrEnum):
    """The three tiers of the regulation; compare with ``rank``."""

    NORMAL = "normal"
    PRIORITY = "priority"
    EMERGENCY = "emergency"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {Priority.NORMAL: 0, Priority.PRIORITY: 1, Priority.EMERGENCY: 2}

#: Default grace (seconds) per tier; ``None`` means "until the occurrence's validity ends".
DEFAULT_GRACE_S: dict[Priority, int | None] = {
    Priority.NORMAL: 15 * 60,
    Priority.PRIORITY: 60 * 60,
    Priority.EMERGENCY: None,
}


class ItemKind(enum.StrEnum):
    BULLETIN = "bulletin"
    CHIME = "chime"
    PAUSE = "pause"
    RELAY = "relay"  # rebroadcast a relay source's stream for ``duration_ms`` (docs/contract.md, "Relays")


#: How long a relay stream may stay unreachable or silent before its fallback plays (seconds).
DEFAULT_MAX_GAP_S = 15


@dataclass(frozen=True)
class Bulletin:
    """An approved piece of audio as a station knows it."""

    id: int
    title: str
    asset_sha256: str
    duration_ms: int
    category: str | None = None
    language: str = "vi"
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    def valid_at(self, t: datetime) -> bool:
        """True if ``t`` lies inside ``[valid_from, valid_until)`` (open ends are unbounded)."""
        if self.valid_from is not None and t < self.valid_from:
            return False
        return not (self.valid_until is not None and t >= self.valid_until)


@dataclass(frozen=True)
class Item:
    """One entry of a programme: a bulletin, a chime (its own asset), a pause or a relay slot.

    A relay item relays ``relay_source_id`` for ``duration_ms``; when the stream stays down longer
    than ``max_gap_s`` the station plays ``fallback`` (bulletin, chime and pause items; empty =
    silence) and keeps trying to return to the stream.
    """

    kind: ItemKind
    bulletin_id: int | None = None
    asset_sha256: str | None = None
    duration_ms: int = 0
    relay_source_id: int | None = None
    max_gap_s: int = DEFAULT_MAX_GAP_S
    fallback: tuple[Item, ...] = ()


@dataclass(frozen=True)
class RelaySource:
    """An approved stream a station may relay (national or provincial radio)."""

    id: int
    name: str
    url: str


@dataclass(frozen=True)
class RelayLog:
    """The optional ``relay`` field of a relay item's play log (milliseconds and outage count)."""

    source_id: int
    relayed_ms: int = 0  # stream audio actually sent to the loudspeaker
    gap_ms: int = 0  # time the stream was unreachable or silent
    gaps: int = 0  # number of outages
    fallback_ms: int = 0  # time the fallback played


@dataclass(frozen=True)
class QuietHours:
    """Local wall-clock hours during which normal and priority slots are held back."""

    start: time
    end: time

    def contains(self, local: time) -> bool:
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # spans midnight, e.g. 21:30–05:00


#: The zone of a station or schedule that names none (Vietnam's; no DST). The one definition: the
#: central (``central.times``) and the station import it from here.
DEFAULT_ZONE = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True)
class StationSettings:
    timezone: str = DEFAULT_ZONE
    quiet_hours: QuietHours | None = None
    volume: int = 80


@dataclass(frozen=True)
class Schedule:
    """A programme or single bulletin, a recurrence in a local zone, a tier and a late policy."""

    id: int
    items: tuple[Item, ...]
    dtstart: datetime  # naive local wall-clock time in ``timezone``
    timezone: str = DEFAULT_ZONE
    rrule: str = ""  # RRULE values, one per line ("RRULE:" optional); empty = once (see rules.py)
    exdates: tuple[datetime, ...] = ()  # naive local times of cancelled occurrences
    priority: Priority = Priority.NORMAL
    grace_s: int | None = None  # None = the tier's default
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    title: str = ""
    # "play no later than": an occurrence not started by then is missed as ``stale`` (an outdated
    # "evacuate now" must not air); None = no such bound (manifest field optional, see contract.md)
    play_by: datetime | None = None

    @property
    def grace(self) -> int | None:
        return self.grace_s if self.grace_s is not None else DEFAULT_GRACE_S[self.priority]


class SlotStatus(enum.StrEnum):
    PLANNED = "planned"  # will play (or is playing) as resolved
    MISSED = "missed"  # could not start within its grace; ``reason`` says why
    SKIPPED = "skipped"  # nothing valid left to play in it
    INTERRUPTED = "interrupted"  # an emergency cut one of its items (the rest may still play)
    COMPLETED = "completed"  # history only: the station played it to the end
    PLAYING = "playing"  # history only: the station is in the middle of it (see SlotRecord)


@dataclass(frozen=True)
class SlotItem:
    """One item placed in time; ``index`` is its position in ``Schedule.items``."""

    kind: ItemKind
    start: datetime
    end: datetime
    bulletin_id: int | None = None
    asset_sha256: str | None = None
    index: int | None = None
    interrupted: bool = False  # cut at ``end`` by an emergency; it is not replayed


@dataclass(frozen=True)
class Slot:
    """One occurrence of a schedule, resolved: when it really plays and what it plays."""

    id: str
    schedule_id: int
    planned_start: datetime
    start: datetime
    end: datetime
    priority: Priority
    status: SlotStatus
    items: tuple[SlotItem, ...] = ()
    reason: str | None = None


def slot_id(schedule_id: int, planned_start: datetime) -> str:
    """The deterministic name of an occurrence, the same on the station and the central."""
    return f"{schedule_id}@{_stamp(planned_start)}"


@functools.lru_cache(maxsize=4096)
def _stamp(t: datetime) -> str:
    # many schedules share start times: format each instant once (same text as strftime)
    return t.astimezone(_UTC).strftime("%Y%m%dT%H%M%SZ")


def parse_slot_id(sid: str) -> tuple[int, datetime]:
    """The (schedule id, planned start in UTC) a ``slot_id`` names."""
    try:
        left, right = sid.split("@", 1)
        return int(left), datetime.strptime(right, "%Y%m%dT%H%M%SZ").replace(tzinfo=_UTC)
    except ValueError as exc:
        raise ScheduleError(f"not a slot id: {sid!r}") from exc


@dataclass(frozen=True)
class SlotRecord:
    """What the station knows happened to one slot id; ``timeline.expand`` takes a map of them.

    - ``COMPLETED``, ``INTERRUPTED``, ``MISSED``, ``SKIPPED``: final; the slot is reported as
      recorded and never played again (this is what makes a restart safe).
      ``started_at``/``ended_at`` (when it played) keep the player busy in that interval.
    - ``PLAYING``: in progress. ``current`` is the item sounding now (its ``start`` is when it
      really started, ``end`` when it will end); with ``current=None`` the slot is suspended
      (an emergency or priority slot went first) and resumes at ``Schedule.items[next_item]``.
      ``interrupted`` says an item of it was already cut. After a crash the station should turn
      a stale ``PLAYING`` record into ``INTERRUPTED`` before calling ``expand``.
    """

    status: SlotStatus
    started_at: datetime | None = None
    ended_at: datetime | None = None
    next_item: int = 0
    current: SlotItem | None = None
    interrupted: bool = False
    reason: str | None = None


# --- wire shape (manifest JSON) ------------------------------------------------------------

_UTC = UTC


def canonical_bytes(obj: Any) -> bytes:
    """The one serialisation a manifest signature covers (docs/contract.md)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat()


def _parse_aware(s: str | None, what: str) -> datetime | None:
    if s is None:
        return None
    t = _parse(s, what)
    if t.tzinfo is None:
        raise ScheduleError(f"{what} must carry a UTC offset: {s!r}")
    return t


def _parse(s: str, what: str) -> datetime:
    try:
        return datetime.fromisoformat(s)
    except (TypeError, ValueError) as exc:
        raise ScheduleError(f"{what} is not an ISO 8601 time: {s!r}") from exc


def bulletin_to_dict(b: Bulletin) -> dict[str, Any]:
    return {
        "id": b.id,
        "title": b.title,
        "asset_sha256": b.asset_sha256,
        "duration_ms": b.duration_ms,
        "category": b.category,
        "language": b.language,
        "valid_from": _iso(b.valid_from),
        "valid_until": _iso(b.valid_until),
    }


def bulletin_from_dict(d: dict[str, Any]) -> Bulletin:
    try:
        return Bulletin(
            id=int(d["id"]),
            title=str(d.get("title", "")),
            asset_sha256=str(d["asset_sha256"]),
            duration_ms=int(d["duration_ms"]),
            category=d.get("category"),
            language=str(d.get("language") or "vi"),
            valid_from=_parse_aware(d.get("valid_from"), "valid_from"),
            valid_until=_parse_aware(d.get("valid_until"), "valid_until"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ScheduleError(f"bad bulletin in manifest: {exc}") from exc


def item_to_dict(i: Item) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": i.kind.value,
        "bulletin_id": i.bulletin_id,
        "asset_sha256": i.asset_sha256,
        "duration_ms": i.duration_ms,
    }
    if i.kind is ItemKind.RELAY:  # only here: other items read exactly as before relays existed
        out["relay_source_id"] = i.relay_source_id
        out["max_gap_s"] = i.max_gap_s
        out["fallback"] = [item_to_dict(f) for f in i.fallback]
    return out


def item_from_dict(d: dict[str, Any], *, in_fallback: bool = False) -> Item:
    try:
        kind = ItemKind(d["kind"])
        if kind is ItemKind.RELAY and in_fallback:
            raise ValueError("a relay's fallback cannot be another relay")
        relay = kind is ItemKind.RELAY
        return Item(
            kind=kind,
            bulletin_id=None if d.get("bulletin_id") is None else int(d["bulletin_id"]),
            asset_sha256=d.get("asset_sha256"),
            duration_ms=int(d.get("duration_ms") or 0),
            relay_source_id=int(d["relay_source_id"]) if relay else None,
            max_gap_s=int(d.get("max_gap_s", DEFAULT_MAX_GAP_S)) if relay else DEFAULT_MAX_GAP_S,
            fallback=tuple(item_from_dict(f, in_fallback=True) for f in d.get("fallback") or ()) if relay else (),
        )
    except ScheduleError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise ScheduleError(f"bad programme item in manifest: {exc}") from exc


def is_relay_schedule(s: Schedule) -> bool:
    """True if the schedule has a relay item: it then goes to ``relay_schedules``, never ``schedules``."""
    return any(i.kind is ItemKind.RELAY for i in s.items)


def schedules_to_dict(schedules: Iterable[Schedule]) -> dict[str, list[dict[str, Any]]]:
    """The manifest's ``schedules`` and, only when there are any, ``relay_schedules`` (an older agent
    refuses an unknown item kind, so it must never see a relay item among ``schedules``)."""
    plain = [schedule_to_dict(s) for s in schedules if not is_relay_schedule(s)]
    relay = [schedule_to_dict(s) for s in schedules if is_relay_schedule(s)]
    return {"schedules": plain, "relay_schedules": relay} if relay else {"schedules": plain}


def relay_source_to_dict(r: RelaySource) -> dict[str, Any]:
    return {"id": r.id, "name": r.name, "url": r.url}


def relay_source_from_dict(d: dict[str, Any]) -> RelaySource:
    try:
        return RelaySource(id=int(d["id"]), name=str(d.get("name", "")), url=str(d["url"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ScheduleError(f"bad relay source in manifest: {exc}") from exc


def relay_log_to_dict(r: RelayLog) -> dict[str, int]:
    return {"source_id": r.source_id, "relayed_ms": r.relayed_ms, "gap_ms": r.gap_ms,
            "gaps": r.gaps, "fallback_ms": r.fallback_ms}


def relay_log_from_dict(d: Any) -> RelayLog:
    """Parse a play log's ``relay`` field; every number is a non-negative integer."""
    if not isinstance(d, dict):
        raise ScheduleError("relay must be an object")
    values: dict[str, int] = {}
    for key in ("source_id", "relayed_ms", "gap_ms", "gaps", "fallback_ms"):
        v = d.get(key, 0 if key != "source_id" else None)
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ScheduleError(f"relay.{key} must be a non-negative integer")
        values[key] = v
    return RelayLog(**values)


def schedule_to_dict(s: Schedule) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": s.id,
        "title": s.title,
        "items": [item_to_dict(i) for i in s.items],
        "dtstart": s.dtstart.isoformat(),
        "timezone": s.timezone,
        "rrule": s.rrule,
        "exdates": [t.isoformat() for t in s.exdates],
        "priority": s.priority.value,
        "grace_s": s.grace_s,
        "valid_from": _iso(s.valid_from),
        "valid_until": _iso(s.valid_until),
    }
    if s.play_by is not None:  # optional: absent, the manifest reads exactly as before the field existed
        out["play_by"] = _iso(s.play_by)
    return out


def schedule_from_dict(d: dict[str, Any]) -> Schedule:
    try:
        return Schedule(
            id=int(d["id"]),
            title=str(d.get("title", "")),
            items=tuple(item_from_dict(i) for i in d["items"]),
            dtstart=_parse(d["dtstart"], "dtstart").replace(tzinfo=None),
            timezone=str(d.get("timezone") or DEFAULT_ZONE),
            rrule=str(d.get("rrule") or ""),
            exdates=tuple(_parse(x, "exdate").replace(tzinfo=None) for x in d.get("exdates", [])),
            priority=Priority(d.get("priority", "normal")),
            grace_s=None if d.get("grace_s") is None else int(d["grace_s"]),
            valid_from=_parse_aware(d.get("valid_from"), "valid_from"),
            valid_until=_parse_aware(d.get("valid_until"), "valid_until"),
            play_by=_parse_aware(d.get("play_by"), "play_by"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ScheduleError(f"bad schedule in manifest: {exc}") from exc


def settings_to_dict(s: StationSettings) -> dict[str, Any]:
    qh = None
    if s.quiet_hours is not None:
        qh = {"start": s.quiet_hours.start.strftime("%H:%M"), "end": s.quiet_hours.end.strftime("%H:%M")}
    return {"timezone": s.timezone, "quiet_hours": qh, "volume": s.volume}


def settings_from_dict(d: dict[str, Any]) -> StationSettings:
    try:
        qh = d.get("quiet_hours")
        quiet = None
        if qh:
            quiet = QuietHours(time.fromisoformat(qh["start"]), time.fromisoformat(qh["end"]))
        return StationSettings(
            timezone=str(d.get("timezone") or DEFAULT_ZONE),
            quiet_hours=quiet,
            volume=int(d.get("volume", 80)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ScheduleError(f"bad station settings in manifest: {exc}") from exc


@dataclass(frozen=True)
class ManifestContent:
    """The schedule-relevant part of a manifest, parsed."""

    version: int
    settings: StationSettings
    bulletins: dict[int, Bulletin] = field(default_factory=dict)
    schedules: tuple[Schedule, ...] = ()  # ``schedules`` then ``relay_schedules``: resolved together
    relay_sources: tuple[RelaySource, ...] = ()


def manifest_content(m: dict[str, Any]) -> ManifestContent:
    """Parse the ``manifest`` object of a station manifest (signature checked elsewhere)."""
    try:
        bulletins = {b.id: b for b in (bulletin_from_dict(x) for x in m.get("bulletins", []))}
        wire = list(m.get("schedules", [])) + list(m.get("relay_schedules") or [])
        sources = (relay_source_from_dict(x) for x in m.get("relay_sources") or [])
        return ManifestContent(
            version=int(m["version"]),
            settings=settings_from_dict(m.get("station", {})),
            bulletins=bulletins,
            schedules=tuple(schedule_from_dict(x) for x in wire),
            relay_sources=tuple(sources),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ScheduleError(f"bad manifest: {exc}") from exc


def slot_item_to_dict(i: SlotItem) -> dict[str, Any]:
    return {
        "kind": i.kind.value,
        "start": i.start.isoformat(),
        "end": i.end.isoformat(),
        "bulletin_id": i.bulletin_id,
        "asset_sha256": i.asset_sha256,
        "index": i.index,
        "interrupted": i.interrupted,
    }


def slot_to_dict(s: Slot) -> dict[str, Any]:
    """The timeline preview shape (the operator API's timeline, see the OpenAPI document): ``{"id", "start", "end", "priority", "status", "items"}``."""
    return {
        "id": s.id,
        "schedule_id": s.schedule_id,
        "planned_start": s.planned_start.isoformat(),
        "start": s.start.isoformat(),
        "end": s.end.isoformat(),
        "priority": s.priority.value,
        "status": s.status.value,
        "reason": s.reason,
        "reason_text": describe_reason(s.reason),
        "items": [slot_item_to_dict(i) for i in s.items],
    }
