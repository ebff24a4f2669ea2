"""What a station will play: its own manifest, expanded by ``playlists.timeline`` as the station does.

The preview is built from exactly what the station receives: ``manifests.preview`` makes the manifest
object ``build`` would sign, ``playlists.model.manifest_content`` parses it, ``playlists.timeline.expand`` resolves it.
It shows the plan (no station history, no ``busy_until``): what the station would play if it is on.
A preview is read-only: ``manifests.preview`` writes no row (no version bound, no ETag cached).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from central.errors import Unprocessable
from central.messages import msg
from central.models import Bulletin, Schedule, Station, User, utcnow
from central.services import manifests, programmes, stations
from central.services import schedules as schedules_service
from playlists import model as pm
from playlists import timeline as pt
from playlists.words import Approval

MAX_WINDOW = timedelta(days=31)
DEFAULT_WINDOW = timedelta(days=1)


def window(start: datetime | None, end: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    """Defaults (from now, one day) and limits (end after start, at most 31 days)."""
    start = start or now
    end = end or start + DEFAULT_WINDOW
    if end <= start:
        raise Unprocessable(msg("'to' phải sau 'from'."))
    if end - start > MAX_WINDOW:
        raise Unprocessable(msg("Khoảng xem tối đa 31 ngày."))
    return start, end


def station_timeline(user: User, station_id: int, start: datetime | None = None,
                     end: datetime | None = None, now: datetime | None = None) -> dict[str, Any]:
    """``{"station_id", "version", "from", "to", "slots": [...]}`` for the station's window."""
    now = now or utcnow()
    station = stations.visible(user, station_id)
    content = pm.manifest_content(manifests.preview(station, now))
    try:
        start, end = window(start, end, now)
        slots = pt.expand(list(content.schedules), content.bulletins, content.settings, start, end)
    except OverflowError:  # a window at the edge of the calendar (year 1 or 9999) in some zone
        raise Unprocessable(msg("Khoảng xem nằm ngoài năm 1–9999.")) from None
    return {
        "station_id": station.id,
        "version": content.version,
        "timezone": content.settings.timezone,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "slots": [pm.slot_to_dict(s) for s in slots],
    }


def schedule_preview(s: Schedule, station_ids: set[int], days: int, limit: int,
                     now: datetime | None = None) -> list[dict[str, Any]]:
    """Per target station (at most ``limit``), the occurrences of ``s`` (saved or not) in the next
    ``days`` as that station would play them alongside everything it already has (so clashes show)."""
    now = now or utcnow()
    model = schedules_service.to_model(s)
    extra = _bulletins_of(s)
    out = []
    for st in Station.select().where(Station.id.in_(sorted(station_ids))).order_by(Station.name)[:limit]:
        content = pm.manifest_content(manifests.preview(st, now))
        others = [x for x in content.schedules if x.id != model.id]
        bulletins = {**content.bulletins, **extra}
        slots = pt.expand([*others, model], bulletins, content.settings, now, now + timedelta(days=days))
        out.append({"station": st, "slots": [pm.slot_to_dict(sl) for sl in slots if sl.schedule_id == model.id]})
    return out


def _bulletins_of(s: Schedule) -> dict[int, pm.Bulletin]:
    """The schedule's bulletins as a station sees them (only approved ones would be in a manifest)."""
    rows: list[Bulletin | None] = [s.bulletin] if s.bulletin_id else [] if s.playlist is None else [
        i.bulletin for i in programmes.ordered_items(s.playlist) if i.bulletin_id]
    rows += [Bulletin.get_by_id(i.bulletin_id) for item in schedules_service.items_of(s) for i in item.fallback
             if i.bulletin_id is not None]  # a relay's fallback plays if the stream fails
    out = {}
    for b in rows:
        if b is not None and b.status == Approval.APPROVED and b.asset is not None:
            out[b.id] = pm.Bulletin(id=b.id, title=b.title, asset_sha256=b.asset.sha256,
                                    duration_ms=b.asset.duration_ms, valid_from=b.valid_from,
                                    valid_until=b.valid_until)
    return out
