"""The words of the schedule domain as plain dataclasses, and their wire shape in a manifest.

Both sides use this module: the central serialises its rows with ``to_dict`` into a station's
manifest, the station reads them back with ``*_from_dict``. Every datetime here is timezone-aware;
local wall-clock times (``Schedule.dtstart``, exdates) are naive and read in ``Schedule.timezone``.
"""

from __future__ import annotations

import enum
import functools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

from .errors import ScheduleError


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
    """One entry of a programme: a bulletin, a chime (its own asset) or a pause."""

    kind: ItemKind
    bulletin_id: int | None = None
    asset_sha256: str | None = None
    duration_ms: int = 0


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


#: Machine codes in ``Slot.reason`` / ``SlotRecord.reason`` and their text for people.
REASONS: dict[str, tuple[str, str]] = {
    "conflict": ("Trùng giờ với lịch phát khác", "another slot was playing"),
    "quiet_hours": ("Trong giờ yên lặng của đài", "inside the station's quiet hours"),
    "station_off": ("Đài tắt hoặc mất kết nối", "the station was off or unavailable"),
    "local_override": ("Đang phát thông báo tại chỗ", "a local announcement was playing"),
    "bulletin_invalid": ("Bản tin ngoài thời gian hiệu lực", "no bulletin valid at that time"),
    "bulletin_missing": ("Bản tin đã bị rút hoặc không có", "bulletin withdrawn or unknown"),
    "expired": ("Lịch phát đã hết hiệu lực", "the schedule's validity ended first"),
    "emergency": ("Bị ngắt bởi bản tin khẩn cấp", "interrupted by an emergency broadcast"),
    # what the station itself records (play logs and slot history)
    "agent_restart": ("Phần mềm đài khởi động lại", "the station agent restarted"),
    "operator_stop": ("Người vận hành dừng phát", "stopped by the operator"),
    # both the operator's own play and the item it cut carry this code: worded to fit both
    "operator_play": ("Người vận hành cho phát ngay", "played now by the operator"),
    "asset_missing": ("Thiếu tệp âm thanh đã xác minh", "verified audio file not available"),
    "player_failed": ("Lỗi trình phát âm thanh", "the audio player failed"),
    "local_announcement": ("Thông báo tại chỗ của người vận hành", "the operator's local announcement"),
    # on a play that started late (detail: seconds after the planned start)
    "late_start": ("Phát muộn so với lịch", "started later than planned"),
    "late_asset": ("Phát muộn do chờ tải xong âm thanh", "started late: waited for its audio to download"),
    # how it sounded (playlists.sound)
    "failed_to_sound": ("Thiết bị nghe thử không thu được âm thanh", "the monitor heard silence"),
    # emergencies, by manifest (Schedule.play_by) or by order over the push channel (playlists.orders)
    "stale": ("Nhận quá muộn: đã qua giờ phát chậm nhất", "received too late: past its play-no-later-than time"),
    "emergency_stop": ("Trung tâm dừng bản tin khẩn cấp", "the central stopped the emergency"),
    # live announcements from the central (station.live): the live play itself, and what it cut or ended it
    "live": ("Phát trực tiếp từ trung tâm", "a live announcement from the central"),
    "live_lost": ("Mất tín hiệu phát trực tiếp", "the live stream was lost"),
}


def describe_reason(code: str | None, language: str = "vi") -> str:
    """The person-readable text of a reason code (unknown codes are shown as they are).

    A code may carry a detail after ``": "`` (``"player_failed: exit status 1"``); the detail is
    kept as it is after the translated code.
    """
    if not code:
        return ""
    head, sep, detail = code.partition(": ")
    text = REASONS.get(head)
    if text is None:
        return code
    readable = text[1] if language == "en" else text[0]
    return f"{readable}: {detail}" if sep else readable


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
    return {
        "kind": i.kind.value,
        "bulletin_id": i.bulletin_id,
        "asset_sha256": i.asset_sha256,
        "duration_ms": i.duration_ms,
    }


def item_from_dict(d: dict[str, Any]) -> Item:
    try:
        return Item(
            kind=ItemKind(d["kind"]),
            bulletin_id=None if d.get("bulletin_id") is None else int(d["bulletin_id"]),
            asset_sha256=d.get("asset_sha256"),
            duration_ms=int(d.get("duration_ms") or 0),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ScheduleError(f"bad programme item in manifest: {exc}") from exc


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
    schedules: tuple[Schedule, ...] = ()


def manifest_content(m: dict[str, Any]) -> ManifestContent:
    """Parse the ``manifest`` object of a station manifest (signature checked elsewhere)."""
    try:
        bulletins = {b.id: b for b in (bulletin_from_dict(x) for x in m.get("bulletins", []))}
        return ManifestContent(
            version=int(m["version"]),
            settings=settings_from_dict(m.get("station", {})),
            bulletins=bulletins,
            schedules=tuple(schedule_from_dict(x) for x in m.get("schedules", [])),
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
