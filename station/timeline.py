"""The one door to ``playlists``: what plays when, for the applied manifest and the station's history."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from playlists import timeline
from playlists.model import ManifestContent, Slot, SlotRecord, StationSettings


def expand(
    content: ManifestContent, settings: StationSettings, start: datetime, end: datetime,
    history: Mapping[str, SlotRecord], busy_until: datetime | None, local_until: datetime | None,
) -> list[Slot]:
    """Resolved slots in ``[start, end)``: exactly what the central previews for this station."""
    return timeline.expand(
        content.schedules, content.bulletins, settings, start, end,
        history=history, busy_until=busy_until, local_until=local_until,
    )


def lookback(content: ManifestContent) -> timedelta:
    return timeline.lookback(content.schedules, content.bulletins)
