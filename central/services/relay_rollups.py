"""Relay time per station, local day and source (``relay_day``), kept with the play logs (issue 13).

A relay item's play log carries ``relay`` (``playlists.model.RelayLog``): the stream time actually
sent to the loudspeaker, the outages and the fallback's time. Relay time is never bulletin time:
``rollups.fold`` leaves these logs out of ``play_day``/``play_month`` (the fallback's own bulletins
come as ordinary logs, reason ``relay_fallback``, and count there), and they are folded here instead,
in the same transaction, so a re-sent log counts once. A play nobody heard (``playlists.sound``)
counts as a relay play with no minutes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from peewee import Database, fn

from playlists.sound import aired

from ..db import database, tuples_of
from ..models import PlayLog, Station
from ..relay_models import RelayDay, RelaySource
from .rollups import log_day, zones

VALUES = ("n_plays", "relayed_ms", "gap_ms", "gaps", "fallback_ms")
Cell = tuple[int, date, int]  # station id, local day, source id


def fold(rows: Iterable[dict[str, Any]], zone_of: Callable[[int], ZoneInfo]) -> dict[Cell, list[int]]:
    """Stored logs (row dicts with ``station`` and ``relay``) → per-day cells of ``VALUES``."""
    cells: dict[Cell, list[int]] = {}
    for row in rows:
        relay = row.get("relay")
        day = log_day(row, zone_of(row["station"])) if isinstance(relay, dict) else None
        if relay is None or day is None:
            continue
        cell = cells.setdefault((row["station"], day, int(relay["source_id"])), [0] * len(VALUES))
        cell[0] += 1
        if aired(row["status"]):
            for i, key in enumerate(VALUES[1:], start=1):
                cell[i] += int(relay.get(key, 0))
    return cells


def add(cells: dict[Cell, list[int]], db: Database | None = None) -> None:
    """Upsert ``cells`` (``count = count + new``) in the caller's transaction."""
    target: Any = db if db is not None else database
    p = target.param
    cols = ["station_id", "day", "source_id", *VALUES]
    sums = ", ".join(f"{c} = relay_day.{c} + excluded.{c}" for c in VALUES)
    for (station, day, source), values in sorted(cells.items()):  # one lock order for concurrent writers
        target.execute_sql(
            f"INSERT INTO relay_day ({', '.join(cols)}) VALUES ({', '.join([p] * len(cols))}) "
            f"ON CONFLICT (station_id, day, source_id) DO UPDATE SET {sums}",
            [station, day.isoformat(), source, *values])


def by_source(start: date, end: date, station_filter: str = "", filter_params: list[Any] | None = None
              ) -> list[dict[str, Any]]:
    """Relay minutes per source over the inclusive local days, for the stations ``station_filter`` keeps.

    ``station_filter`` is SQL on ``r.station_id`` (``reports.scope_filter``), "" for every station.
    """
    p = database.param
    where = f"r.day >= {p} AND r.day <= {p}" + (f" AND {station_filter}" if station_filter else "")
    sums = ", ".join(f"SUM(r.{c})" for c in VALUES)
    sql = (f"SELECT r.source_id, COUNT(DISTINCT r.station_id), {sums} FROM relay_day r WHERE {where} "
           "GROUP BY r.source_id ORDER BY r.source_id")
    rows = database.execute_sql(sql, [start.isoformat(), end.isoformat(), *(filter_params or [])]).fetchall()
    names = {r.id: r.name for r in RelaySource.select().where(RelaySource.id.in_([row[0] for row in rows]))}
    return [{"source_id": int(src), "name": names.get(int(src), f"#{src}"), "stations": int(stations),
             "plays": int(n), "relayed_ms": int(relayed), "relayed_minutes": round(int(relayed) / 60_000, 1),
             "gap_minutes": round(int(gap) / 60_000, 1), "gaps": int(gaps),
             "fallback_minutes": round(int(fb) / 60_000, 1)}
            for src, stations, n, relayed, gap, gaps, fb in rows]


def rebuild(db: Database) -> int:
    """Empty ``relay_day`` and fold every stored relay log into it again; returns the logs read."""
    if not db.table_exists("relay_day") or "relay" not in {c.name for c in db.get_columns("play_log")}:
        return 0  # a database from before relays (migration 16 adds them)
    with db.bind_ctx([PlayLog, Station, RelayDay]):
        RelayDay.delete().execute()
        fields = (PlayLog.station, PlayLog.status, PlayLog.started_at, PlayLog.planned_start, PlayLog.relay)
        rows = [dict(zip(("station", "status", "started_at", "planned_start", "relay"), r, strict=True))
                for r in tuples_of(PlayLog.select(*fields).where(PlayLog.relay.is_null(False)))]
        add(fold(rows, zones()), db)
        return int(PlayLog.select(fn.COUNT(PlayLog.id)).where(PlayLog.relay.is_null(False)).scalar() or 0)
