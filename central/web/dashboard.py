"""The dashboard: station health, today's broadcasts per area, pending approvals, emergencies, failures."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import redirect, render_template, url_for
from peewee import fn

from central import auth
from central.models import Area, PlayDay, PlayLog, Schedule, Station, utcnow
from central.services import bulletins as bulletins_service
from central.services import calendar as calendar_service
from central.services import rollups
from playlists.model import DEFAULT_ZONE
from playlists.sound import AIRED, FAILED_TO_SOUND, NOT_AUDIBLE

from . import bp, queries
from .context import me
from .stations import visible_health

FAILED = ("failed", "missed", FAILED_TO_SOUND)


@bp.route("/")
def index() -> Any:
    return redirect(url_for("web.dashboard"))


@bp.route("/dashboard")
def dashboard() -> Any:
    user = me()
    health = visible_health(user)
    counts = Counter(h["state"] for h in health)
    pending = [b for b in bulletins_service.listing(user, status="submitted")][:8]
    rejected = [b for b in bulletins_service.listing(user, status="rejected") if b.author_id == user.id][:8]
    return render_template(
        "web/dashboard.html", counts=counts, total=len(health),
        per_area=today_per_area(user), pending=pending, rejected=rejected,
        emergencies=active_emergencies(user), failures=latest_failures(user),
        troubled=[h for h in health if h["state"] in ("offline", "out_of_sync") or h["last_error"]][:8],
        upcoming=calendar_service.upcoming(user, calendar_service.today()),
    )


def today_bounds(now: datetime) -> tuple[datetime, datetime]:
    zone = ZoneInfo(DEFAULT_ZONE)
    day = now.astimezone(zone).date()
    start = datetime.combine(day, time(0), zone)
    return start, start + timedelta(days=1)


def today_per_area(user: Any) -> list[dict[str, Any]]:
    """Plays aired, failed and not audible today (local day), per area one level below the viewer's own area (or the roots)."""
    lo, _ = today_bounds(utcnow())
    stations = {s.id: s.area_id for s in auth.visible_stations(user)}
    if not stations:
        return []
    heads = _group_heads(user)
    parents = dict(Area.select(Area.id, Area.parent).tuples())
    names = dict(Area.select(Area.id, Area.name).tuples())
    rows: dict[int, Counter[str]] = {}
    # today's rollup rows, not a scan of the logs (a late log from today counts as soon as it lands)
    day = lo.date()
    shown = (*sorted(AIRED), *FAILED, NOT_AUDIBLE)
    cells = (PlayDay.select(PlayDay.station, *(getattr(PlayDay, f"n_{s}") for s in shown))
             .where(PlayDay.station.in_(list(stations)), PlayDay.day == day,
                    PlayDay.bulletin_id != rollups.TEST).tuples())  # drills are not broadcasts
    for station_id, *counts in cells:
        head = _head_of(stations[station_id], heads, parents)
        rows.setdefault(head, Counter()).update(dict(zip(shown, counts, strict=True)))
    out = []
    for head, c in rows.items():
        if not any(c.values()):
            continue
        out.append({"area": names.get(head, "—"), "aired": sum(c[s] for s in AIRED),
                    "failed": sum(c[s] for s in FAILED), "not_audible": c[NOT_AUDIBLE]})
    return sorted(out, key=lambda r: r["area"])


def _group_heads(user: Any) -> set[int]:
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


def active_emergencies(user: Any) -> list[Schedule]:
    """Emergency schedules on the air now or in the last day (approved, active, not deleted)."""
    now = utcnow()
    q = (Schedule.select().where(Schedule.airing(), Schedule.priority == "emergency",
                                 (Schedule.valid_until.is_null()) | (Schedule.valid_until > now),
                                 Schedule.created_at >= now - timedelta(days=1))
         .order_by(Schedule.created_at.desc()))
    return [s for s in q if auth.in_scope(user, s.area_id) or user.area_id is None]


def latest_failures(user: Any, limit: int = 6) -> list[dict[str, Any]]:
    stations = {s.id: s.name for s in auth.visible_stations(user).where(Station.active == True)}  # noqa: E712
    if not stations:
        return []
    logs = list(PlayLog.select().where(PlayLog.station.in_(list(stations)), PlayLog.status.in_(FAILED))
                .order_by(fn.COALESCE(PlayLog.started_at, PlayLog.planned_start).desc(), PlayLog.id.desc())
                .limit(limit))
    titles = queries.bulletin_titles({p.bulletin_id for p in logs})
    return [{"station": stations[p.station_id], "station_id": p.station_id,
             "title": titles.get(p.bulletin_id, "—"), "status": p.status, "reason": p.reason,
             "at": p.started_at or p.planned_start} for p in logs]
