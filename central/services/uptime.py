"""Uptime: the share of a period each station was on line, per station and per area.

Off line is read from the outage history (``StationOutage``, kept by ``services.presence`` from the push
channel). A station that never spoke on the push channel has no such history; for it the heartbeats
stand in: a gap between two heartbeats longer than ``GAP_INTERVALS`` heartbeat intervals is off line
beyond the expected interval, and so is the time since its last contact. A station counts only from
its enrollment, and nobody counts the future.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from ..models import Area, Heartbeat, Station, StationOutage, utcnow
from .area_tree import subtree_ids
from .reports import utc_bounds

GAP_INTERVALS = 3  # heartbeats this many intervals apart: the station was off line in between
PRUNED_AT = 1900  # a station with about this many heartbeats kept has had older ones pruned


def _window(s: Station, lo: datetime, hi: datetime) -> tuple[datetime, datetime] | None:
    start = max(lo, s.enrolled_at or s.created_at)
    return (start, hi) if hi > start else None


def _outage_seconds(s: Station, lo: datetime, hi: datetime) -> float:
    rows = StationOutage.select().where((StationOutage.station == s.id) & (StationOutage.started_at < hi)
                                        & (StationOutage.ended_at.is_null() | (StationOutage.ended_at > lo)))
    return sum(max(0.0, (min(o.ended_at or hi, hi) - max(o.started_at, lo)).total_seconds()) for o in rows)


def _heartbeat_seconds(s: Station, lo: datetime, hi: datetime) -> float:
    """Off line by the heartbeats (for a station without presence): each contact covers the next
    ``GAP_INTERVALS`` intervals, and the rest of the window is off line."""
    allowed = timedelta(seconds=GAP_INTERVALS * s.heartbeat_interval_s)
    times = [t for (t,) in Heartbeat.select(Heartbeat.received_at)
             .where((Heartbeat.station == s.id) & (Heartbeat.received_at >= lo - allowed)
                    & (Heartbeat.received_at < hi)).tuples()]
    if s.last_seen is not None and lo - allowed <= s.last_seen < hi:
        times.append(s.last_seen)  # a manifest poll is contact too
    covered, reach = 0.0, lo
    for t in sorted(times):
        a, b = max(t, reach), min(t + allowed, hi)
        if b > a:
            covered += (b - a).total_seconds()
            reach = b
    return max(0.0, (hi - lo).total_seconds() - covered)


def _known_from(s: Station, lo: datetime, has_presence: bool) -> datetime:
    """Heartbeats are pruned (``heartbeats.prune``): before the oldest one kept, nothing is known."""
    if has_presence:
        return lo
    oldest = Heartbeat.select(Heartbeat.received_at).where(Heartbeat.station == s.id) \
        .order_by(Heartbeat.id).limit(1).scalar()
    pruned = oldest is not None and Heartbeat.select().where(Heartbeat.station == s.id).count() >= PRUNED_AT
    return max(lo, Heartbeat.received_at.python_value(oldest)) if pruned else lo


def station_seconds(s: Station, lo: datetime, hi: datetime) -> tuple[float, float] | None:
    """(seconds counted, seconds on line) of ``s`` in ``[lo, hi)``; None if it did not exist then."""
    window = _window(s, lo, hi)
    if window is None:
        return None
    has_presence = s.online is not None or StationOutage.select().where(StationOutage.station == s.id).exists()
    a, b = max(window[0], _known_from(s, window[0], has_presence)), window[1]
    if b <= a:
        return None
    off = _outage_seconds(s, a, b) if has_presence else _heartbeat_seconds(s, a, b)
    total = (b - a).total_seconds()
    return total, max(0.0, total - min(off, total))


def uptime(area: Area | None, date_from: date, date_to: date, now: datetime | None = None) -> dict[str, Any]:
    """Uptime % of every active station under ``area`` (None: all) over local days, and of the area."""
    lo, hi = utc_bounds(date_from, date_to)
    hi = min(hi, now or utcnow())
    q = Station.select().where((Station.active == True) & Station.enrolled_at.is_null(False))  # noqa: E712
    if area is not None:
        q = q.where(Station.area.in_(sorted(subtree_ids(area.id))))
    rows, total, on = [], 0.0, 0.0
    for s in q.order_by(Station.name, Station.id):
        got = station_seconds(s, lo, hi) if hi > lo else None
        if got is None:
            continue
        total, on = total + got[0], on + got[1]
        rows.append({"station_id": s.id, "name": s.name, "area_id": s.area_id,
                     "uptime_pct": _pct(got[1], got[0]), "counted_s": round(got[0], 1),
                     "offline_s": round(got[0] - got[1], 1)})
    return {"area_code": area.code if area else None, "from": date_from.isoformat(), "to": date_to.isoformat(),
            "uptime_pct": _pct(on, total), "stations": rows}


def _pct(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 2) if whole > 0 else None


def by_area(result: dict[str, Any], group: Any) -> dict[str, float | None]:
    """Uptime % per group key, folding ``uptime``'s stations by ``group(area_id) -> (key, label)``."""
    sums: dict[str, list[float]] = {}
    for r in result["stations"]:
        acc = sums.setdefault(group(r["area_id"])[0], [0.0, 0.0])
        acc[0] += r["counted_s"]
        acc[1] += r["counted_s"] - r["offline_s"]
    return {k: _pct(on, total) for k, (total, on) in sums.items()}
