"""Today at a glance, for the dashboard: plays per area from the daily rollups, the latest failures.

Aired, failed and not audible are the words of ``playlists.sound`` (``AIRED``, ``DID_NOT_SOUND``,
``NOT_AUDIBLE``), the same the reports and the station use; drills (``rollups.TEST``) are not counted.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from peewee import fn

from central import auth
from central.db import tuples_of
from central.models import Area, Bulletin, PlayDay, PlayLog, Station, User, utcnow
from central.services import rollups
from playlists.model import DEFAULT_ZONE
from playlists.sound import AIRED, DID_NOT_SOUND, NOT_AUDIBLE


def bounds(now: datetime) -> tuple[datetime, datetime]:
    """The local day (``DEFAULT_ZONE``) holding ``now``, as aware start and end."""
    zone = ZoneInfo(DEFAULT_ZONE)
    start = datetime.combine(now.astimezone(zone).date(), time(0), zone)
    return start, start + timedelta(days=1)


def per_area(user: User, now: datetime | None = None) -> list[dict[str, Any]]:
    """Plays aired, failed and not audible today, per area one level below the viewer's own (or the roots)."""
    lo, _ = bounds(now or utcnow())
    stations = {s.id: s.area_id for s in auth.visible_stations(user)}
    if not stations:
        return []
    heads = _group_heads(user)
    parents = dict(tuples_of(Area.select(Area.id, Area.parent)))
    names = dict(tuples_of(Area.select(Area.id, Area.name)))
    rows: dict[int, Counter[str]] = {}
    # today's rollup rows, not a scan of the logs (a late log from today counts as soon as it lands)
    shown = (*sorted(AIRED), *sorted(DID_NOT_SOUND), NOT_AUDIBLE)
    cells = tuples_of(PlayDay.select(PlayDay.station, *(getattr(PlayDay, f"n_{s}") for s in shown))
             .where(PlayDay.station.in_(list(stations)), PlayDay.day == lo.date(),
                    PlayDay.bulletin_id != rollups.TEST))  # drills are not broadcasts
    for station_id, *counts in cells:
        head = _head_of(stations[station_id], heads, parents)
        rows.setdefault(head, Counter()).update(dict(zip(shown, counts, strict=True)))
    out = [{"area": names.get(head, "—"), "aired": sum(c[s] for s in AIRED),
            "failed": sum(c[s] for s in DID_NOT_SOUND), "not_audible": c[NOT_AUDIBLE]}
           for head, c in rows.items() if any(c.values())]
    return sorted(out, key=lambda r: r["area"])


def _group_heads(user: User) -> set[int]:
    if user.area_id is None:
        roots = [a.id for a in Area.select(Area.id).where(Area.parent.is_null())]
        kids = [a.id for a in Area.select(Area.id).where(Area.parent.in_(roots))] if roots else []
        return set(kids or roots)
    kids = [a.id for a in Area.select(Area.id).where(Area.parent == user.area_id)]
    return set(kids or [user.area_id])


def _head_of(area_id: int, heads: set[int], parents: dict[int, int | None]) -> int:
    node: int | None = area_id
    seen = set()
    while node is not None and node not in heads and node not in seen:
        seen.add(node)
        node = parents.get(node)
    return node if node is not None else area_id


def latest_failures(user: User, limit: int = 6) -> list[dict[str, Any]]:
    """The last plays that did not sound on the viewer's active stations, newest first."""
    stations = {s.id: s.name for s in auth.visible_stations(user).where(Station.active == True)}  # noqa: E712
    if not stations:
        return []
    logs = list(PlayLog.select().where(PlayLog.station.in_(list(stations)), PlayLog.status.in_(sorted(DID_NOT_SOUND)))
                .order_by(fn.COALESCE(PlayLog.started_at, PlayLog.planned_start).desc(), PlayLog.id.desc())
                .limit(limit))
    ids = sorted({p.bulletin_id for p in logs if p.bulletin_id is not None})
    titles = dict(tuples_of(Bulletin.select(Bulletin.id, Bulletin.title).where(Bulletin.id.in_(ids)))) if ids else {}
    return [{"station": stations[p.station_id], "station_id": p.station_id,
             "title": titles.get(p.bulletin_id, "—"), "status": p.status, "reason": p.reason,
             "at": p.started_at or p.planned_start} for p in logs]
