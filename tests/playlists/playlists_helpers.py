"""Small builders shared by the playlists tests (local times are Vietnam's unless said)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playlists.model import Bulletin, Item, ItemKind, Priority, Schedule, Slot, SlotStatus

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MIN = 60_000


def at(day: int, hh: int, mm: int = 0, ss: int = 0, *, month: int = 6) -> datetime:
    """An aware instant given as Vietnam local time in 2026."""
    return datetime(2026, month, day, hh, mm, ss, tzinfo=VN).astimezone(UTC)


def bulletins(*minutes: float, **valid: datetime | None) -> dict[int, Bulletin]:
    """Bulletins 1, 2, … lasting the given minutes."""
    return {
        n: Bulletin(n, f"Bản tin {n}", f"{n:064x}", int(m * MIN), **valid)  # type: ignore[arg-type]
        for n, m in enumerate(minutes, start=1)
    }


def b(bulletin_id: int) -> Item:
    return Item(ItemKind.BULLETIN, bulletin_id=bulletin_id)


def chime(seconds: int = 5) -> Item:
    return Item(ItemKind.CHIME, asset_sha256="c" * 64, duration_ms=seconds * 1000)


def pause(seconds: int) -> Item:
    return Item(ItemKind.PAUSE, duration_ms=seconds * 1000)


def once(
    sid: int,
    local: datetime,
    items: Sequence[Item],
    priority: Priority = Priority.NORMAL,
    **kw: object,
) -> Schedule:
    """A schedule playing once at the naive Vietnam local time ``local``."""
    return Schedule(id=sid, items=tuple(items), dtstart=local, priority=priority, **kw)  # type: ignore[arg-type]


def local(day: int, hh: int, mm: int = 0, *, month: int = 6) -> datetime:
    return datetime(2026, month, day, hh, mm)


def by_schedule(slots: Sequence[Slot]) -> dict[int, Slot]:
    out: dict[int, Slot] = {}
    for s in slots:
        assert s.schedule_id not in out, "one occurrence per schedule expected in this test"
        out[s.schedule_id] = s
    return out


def hm(t: datetime) -> str:
    """Vietnam local HH:MM[:SS] of an instant, for readable assertions."""
    lt = t.astimezone(VN)
    return lt.strftime("%H:%M:%S") if lt.second else lt.strftime("%H:%M")


def spans(slot: Slot) -> list[tuple[str, str]]:
    return [(hm(i.start), hm(i.end)) for i in slot.items]


def played(slots: Sequence[Slot]) -> list[Slot]:
    return [s for s in slots if s.status in (SlotStatus.PLANNED, SlotStatus.INTERRUPTED)]


DAY = timedelta(days=1)
