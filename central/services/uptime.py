"""Uptime: the share of a period each station was on line, per station and per area.

Off line is read from the outage history (``StationOutage``, kept by ``services.presence`` from the push
channel). A station that never spoke on the push channel has no such history; for it the heartbeats
stand in: a gap between two heartbeats longer than ``GAP_INTERVALS`` heartbeat intervals is off line
beyond the expected interval, and so is the time since its last contact. A station counts only from
its enrollment, and nobody counts the future.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from peewee import fn

from central.db import tuples_of

from ..models import Area, Heartbeat, Station, StationOutage, utcnow
from .area_tree import within
from .reports import utc_bounds

GAP_INTERVALS = 3  # heartbeats this many intervals apart: the station was off line in between
PRUNED_AT = 1900  # a station with about this many heartbeats kept has had older ones pruned


_CHUNK = 500  # station ids per query (well under SQLite's bound-variable limit)


@dataclass
class History:
    """What uptime reads of a set of stations over ``[lo, hi)``, fetched in a few queries, not per station."""

    outages: dict[int, list[tuple[datetime, datetime | None]]] = field(default_factory=dict)  # overlapping
    with_outages: set[int] = field(default_factory=set)  # stations with any outage at all (presence)
    beats: dict[int, list[datetime]] = field(default_factory=dict)  # heartbeats near/in the window
    oldest: dict[int, tuple[datetime, int]] = field(default_factory=dict)  # first heartbeat kept, count

    @classmethod
    def load(cls, stations: list[Station], lo: datetime, hi: datetime) -> History:
        h = cls()
        ids = [s.id for s in stations]
        for chunk in _chunks([s.id for s in stations if s.online is None]):
            q = StationOutage.select(StationOutage.station).where(StationOutage.station.in_(chunk)).distinct()
            h.with_outages.update(station_id for (station_id,) in tuples_of(q))
        for chunk in _chunks(ids):
            q = (StationOutage.select(StationOutage.station, StationOutage.started_at, StationOutage.ended_at)
                 .where(StationOutage.station.in_(chunk), StationOutage.started_at < hi,
                        StationOutage.ended_at.is_null() | (StationOutage.ended_at > lo)))
            for station_id, began, ended in tuples_of(q):
                h.outages.setdefault(station_id, []).append((began, ended))
        deaf = [s for s in stations if s.online is None and s.id not in h.with_outages]
        h._load_beats(deaf, lo, hi)
        return h

    def _load_beats(self, stations: list[Station], lo: datetime, hi: datetime) -> None:
        """Heartbeats of stations without presence: the window's (widest allowance), and the oldest kept."""
        widest = max((_allowed(s) for s in stations), default=timedelta(0))
        for chunk in _chunks([s.id for s in stations]):
            firsts = (Heartbeat.select(Heartbeat.station, fn.MIN(Heartbeat.id), fn.COUNT(Heartbeat.id))
                      .where(Heartbeat.station.in_(chunk)).group_by(Heartbeat.station))
            counts = {first: (station_id, n) for station_id, first, n in tuples_of(firsts)}
            if counts:
                q = Heartbeat.select(Heartbeat.id, Heartbeat.received_at).where(Heartbeat.id.in_(sorted(counts)))
                for hid, at in tuples_of(q):
                    station_id, n = counts[hid]
                    self.oldest[station_id] = (at, n)
            q = (Heartbeat.select(Heartbeat.station, Heartbeat.received_at)
                 .where(Heartbeat.station.in_(chunk), Heartbeat.received_at >= lo - widest,
                        Heartbeat.received_at < hi))
            for station_id, at in tuples_of(q):
                self.beats.setdefault(station_id, []).append(at)


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i:i + _CHUNK] for i in range(0, len(ids), _CHUNK)]


def _allowed(s: Station) -> timedelta:
    return timedelta(seconds=GAP_INTERVALS * s.heartbeat_interval_s)


def _window(s: Station, lo: datetime, hi: datetime) -> tuple[datetime, datetime] | None:
    start = max(lo, s.enrolled_at or s.created_at)
    return (start, hi) if hi > start else None


def _outage_seconds(s: Station, lo: datetime, hi: datetime, history: History) -> float:
    rows = [(a, b) for a, b in history.outages.get(s.id, ()) if a < hi and (b is None or b > lo)]
    return sum(max(0.0, (min(b or hi, hi) - max(a, lo)).total_seconds()) for a, b in rows)


def _heartbeat_seconds(s: Station, lo: datetime, hi: datetime, history: History) -> float:
    """Off line by the heartbeats (for a station without presence): each contact covers the next
    ``GAP_INTERVALS`` intervals, and the rest of the window is off line."""
    allowed = _allowed(s)
    times = [t for t in history.beats.get(s.id, ()) if lo - allowed <= t < hi]
    if s.last_seen is not None and lo - allowed <= s.last_seen < hi:
        times.append(s.last_seen)  # a manifest poll is contact too
    covered, reach = 0.0, lo
    for t in sorted(times):
        a, b = max(t, reach), min(t + allowed, hi)
        if b > a:
            covered += (b - a).total_seconds()
            reach = b
    return max(0.0, (hi - lo).total_seconds() - covered)


def _known_from(s: Station, lo: datetime, has_presence: bool, history: History) -> datetime:
    """Heartbeats are pruned (``heartbeats.prune``): before the oldest one kept, nothing is known."""
    if has_presence or s.id not in history.oldest:
        return lo
    oldest, kept = history.oldest[s.id]
    return max(lo, oldest) if kept >= PRUNED_AT else lo


def station_seconds(s: Station, lo: datetime, hi: datetime,
                    history: History | None = None) -> tuple[float, float] | None:
    """(seconds counted, seconds on line) of ``s`` in ``[lo, hi)``; None if it did not exist then."""
    window = _window(s, lo, hi)
    if window is None:
        return None
    history = history if history is not None else History.load([s], lo, hi)
    has_presence = s.online is not None or s.id in history.with_outages
    a, b = max(window[0], _known_from(s, window[0], has_presence, history)), window[1]
    if b <= a:
        return None
    off = _outage_seconds(s, a, b, history) if has_presence else _heartbeat_seconds(s, a, b, history)
    total = (b - a).total_seconds()
    return total, max(0.0, total - min(off, total))


#: what uptime reads of a station (a province's thousands of whole rows would cost more than their history)
FIELDS = (Station.id, Station.name, Station.area, Station.enrolled_at, Station.created_at, Station.online,
          Station.last_seen, Station.heartbeat_interval_s, Station.active)


def uptime(area: Area | None, date_from: date, date_to: date, now: datetime | None = None,
           stations: list[Station] | None = None) -> dict[str, Any]:
    """Uptime % of every active station under ``area`` (None: all) over local days, and of the area.

    ``stations``: the rows under ``area`` (``FIELDS`` at least) the caller has read already; the lines
    then follow their order, not the names'.
    """
    lo, hi = utc_bounds(date_from, date_to)
    hi = min(hi, now or utcnow())
    if stations is None:
        q = Station.select(*FIELDS).where((Station.active == True) & Station.enrolled_at.is_null(False))  # noqa: E712
        stations = list(within(q, Station.area, area).order_by(Station.name, Station.id))
    stations = [s for s in stations if s.active and s.enrolled_at is not None]
    history = History.load(stations, lo, hi) if hi > lo else History()
    rows, total, on = [], 0.0, 0.0
    for s in stations:
        got = station_seconds(s, lo, hi, history) if hi > lo else None
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
