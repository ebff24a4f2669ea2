"""The one door to ``playlists``: what plays when, for the applied manifest and the station's history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import datetime, timedelta
from typing import Any

from playlists import timeline
from playlists.model import (
    ItemKind,
    ManifestContent,
    Slot,
    SlotRecord,
    StationSettings,
    describe_reason,
)


def expand(
    content: ManifestContent, settings: StationSettings, start: datetime, end: datetime,
    history: Mapping[str, SlotRecord], busy_until: datetime | None, local_until: datetime | None,
    unready: AbstractSet[str] = frozenset(),
) -> list[Slot]:
    """Resolved slots in ``[start, end)``: what the central previews, with this station's missing audio waited for."""
    return timeline.expand(
        content.schedules, content.bulletins, settings, start, end,
        history=history, busy_until=busy_until, local_until=local_until, unready=unready,
    )


def lookback(content: ManifestContent) -> timedelta:
    return timeline.lookback(content.schedules, content.bulletins)


def slot_rows(slots: Sequence[Slot], content: ManifestContent | None, lang: str = "vi") -> list[dict[str, Any]]:
    """Slots as plain rows for `station status` and the local page."""
    rows = []
    for s in slots:
        titles = [content.bulletins[i.bulletin_id].title for i in s.items
                  if content and i.bulletin_id is not None and i.bulletin_id in content.bulletins]
        sched = next((x for x in content.schedules if x.id == s.schedule_id), None) if content else None
        titles += _relay_titles(s, sched, content)
        rows.append({
            "id": s.id, "start": s.start.isoformat(timespec="seconds"), "end": s.end.isoformat(timespec="seconds"),
            "priority": s.priority.value, "status": s.status.value, "reason": describe_reason(s.reason, lang),
            "title": (sched.title if sched and sched.title else "") or ", ".join(titles),
        })
    return rows


def _relay_titles(s: Slot, sched: Any, content: ManifestContent | None) -> list[str]:
    """``Tiếp sóng VOV1`` for each relay item of the slot (its source's name, as the manifest gives it)."""
    if content is None or sched is None:
        return []
    names = {r.id: r.name for r in content.relay_sources}
    items = [sched.items[i.index] for i in s.items if i.kind == ItemKind.RELAY and i.index is not None
             and i.index < len(sched.items)]
    return [f"Tiếp sóng {names.get(it.relay_source_id, '')}".strip() for it in items]
