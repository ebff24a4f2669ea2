"""The figures of a period report for an area: per theme, per campaign by area, by language, completeness.

Everything comes from the rollups (``services.rollups``) in one SQL statement, folded in the database:

- a row airs under its bulletin; a bulletin-less row under the bulletin whose audio it played, or the
  chime ("Nhạc hiệu") whose audio it is; a bulletin-less ``local`` play is "Phát tại chỗ" — the same
  rules as ``services.reports``;
- ``bulletins`` of a theme or campaign = distinct bulletins with at least one aired play (số tin, bài);
- ``stations_reached`` = distinct stations with at least one aired play, of ``stations_total`` in the area;
- the by-language table counts bulletins only (chimes and local announcements have no language);
- ``relay_minutes`` is 0 until relays exist (``relay_minutes``: the one place to fill; exports and
  readers already carry it);
- a TEST emergency's plays (``rollups.TEST``) are drills: in no table and no total, only in ``tests``.

Completeness: a station is *silent* when its last log is more than ``offline_days`` before the period's
end (or it never sent one); *offline* when the push channel's outage history (``StationOutage``), or its
last contact, puts it off line more than ``offline_days`` days within the period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from central.db import database, is_postgres, tuples_of
from central.models import (
    Area,
    Bulletin,
    Campaign,
    Category,
    Plan,
    PlanTarget,
    Station,
    StationOutage,
    utcnow,
)
from central.services import languages, rollups
from central.services.area_tree import subtree_ids
from central.services.reports import CHIME_LABEL, LOCAL_LABEL, NO_GROUP_LABEL, utc_bounds
from playlists.sound import STATUSES as PLAY_STATUSES

DEFAULT_OFFLINE_DAYS = 3
TESTS_LABEL = "Phát thử nghiệm (khẩn cấp)"
_SUMS = rollups.VALUES  # n_completed … n_local, n_not_audible, n_failed_to_sound, aired_us, local_us


@dataclass
class Figures:
    """Plays, minutes, statuses and reach of one line of a table."""

    key: str
    label: str
    plays: int = 0
    minutes_aired: float = 0.0
    completed: int = 0
    interrupted: int = 0
    failed: int = 0
    missed: int = 0
    skipped: int = 0
    local: int = 0
    not_audible: int = 0  # played where nobody could hear it: not aired (playlists.sound)
    failed_to_sound: int = 0
    completion_rate: float | None = None
    stations_reached: int = 0
    stations_total: int = 0
    bulletins: int = 0
    titles: list[str] = field(default_factory=list)

    def fill(self, stations: int, sums: list[Any]) -> Figures:
        n = dict(zip(_SUMS, (int(v or 0) for v in sums), strict=True))
        for status in PLAY_STATUSES:
            setattr(self, status, n[f"n_{status}"])
        self.plays = self.completed + self.interrupted + self.local
        self.minutes_aired = round((n["aired_us"] + n["local_us"]) / 60e6, 1)
        attempts = (self.completed + self.interrupted + self.failed + self.missed + self.not_audible
                    + self.failed_to_sound)
        self.completion_rate = round(self.completed / attempts, 4) if attempts else None
        self.stations_reached = int(stations or 0)
        return self

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


# --- the one statement ----------------------------------------------------------------------


def _statement(start: date, end: date, where: str, where_params: list[Any]) -> tuple[str, list[Any]]:
    """Every breakdown as rows ``(kind, key, area_id, stations, *sums)`` from the rollups.

    ``o`` resolves each rollup row's owner once; ``sb`` folds it per station and theme/campaign/language
    (reach), ``ba`` per bulletin and area (the bulletins aired); the tables are small groupings of those.
    """
    inner, params = rollups.period_sql(database, start, end, where, where_params)
    sums = ", ".join(f"SUM(o.{c}) AS {c}" for c in _SUMS)
    ssum = ", ".join(f"SUM({c})" for c in _SUMS)
    aired = "(o.n_completed + o.n_interrupted + o.n_local)"
    # integer keys while folding the big input; the theme's text key is made from the small result
    theme = ("CASE WHEN kind = 'b' THEN COALESCE(CAST(category_id AS VARCHAR(20)), '') "
             "WHEN kind = 'unknown' THEN '' ELSE kind END")
    reach = "COUNT(DISTINCT CASE WHEN aired > 0 THEN station_id END)"
    zeros = ", ".join(["0"] * len(_SUMS))
    sql = f"""
WITH o AS (
  SELECT r.station_id, s.area_id,
         CASE WHEN r.bulletin_id > 0 THEN r.bulletin_id WHEN r.bulletin_id = 0 AND ch.asset_id IS NULL
              THEN ab.bid END AS owner,
         CASE WHEN r.bulletin_id > 0 THEN 'b' WHEN r.bulletin_id = {rollups.TEST} THEN 'test'
              WHEN r.bulletin_id < 0 THEN 'local'
              WHEN ch.asset_id IS NOT NULL THEN 'chime' WHEN ab.bid IS NOT NULL THEN 'b' ELSE 'unknown' END AS kind,
         {', '.join(f'r.{c}' for c in _SUMS)}
  FROM ({inner}) r
  JOIN station s ON s.id = r.station_id
  LEFT JOIN (SELECT asset_id, MIN(id) AS bid FROM bulletin WHERE asset_id IS NOT NULL GROUP BY asset_id) ab
         ON r.bulletin_id = 0 AND ab.asset_id = r.asset_sha256
  LEFT JOIN (SELECT DISTINCT asset_id FROM chime) ch ON r.bulletin_id = 0 AND ch.asset_id = r.asset_sha256
),
sb AS (
  SELECT o.station_id, o.area_id, o.kind, b.category_id, b.campaign_id, b.language,
         {sums}, SUM{aired} AS aired
  FROM o LEFT JOIN bulletin b ON b.id = o.owner
  GROUP BY o.station_id, o.area_id, o.kind, b.category_id, b.campaign_id, b.language
),
ba AS (
  SELECT o.owner, o.area_id, {sums}, SUM{aired} AS aired FROM o WHERE o.kind = 'b' GROUP BY o.owner, o.area_id
)
SELECT 'theme', {theme}, NULL, {reach}, {ssum} FROM sb WHERE kind <> 'test' GROUP BY {theme}
UNION ALL SELECT 'campaign', CAST(campaign_id AS VARCHAR(20)), area_id, {reach}, {ssum}
  FROM sb WHERE campaign_id IS NOT NULL GROUP BY campaign_id, area_id
UNION ALL SELECT 'language', language, NULL, {reach}, {ssum} FROM sb WHERE kind = 'b' GROUP BY language
UNION ALL SELECT 'total', '', NULL, {reach}, {ssum} FROM sb WHERE kind <> 'test'
UNION ALL SELECT 'test', '', NULL, {reach}, {ssum} FROM sb WHERE kind = 'test'
UNION ALL SELECT 'bulletin', CAST(owner AS VARCHAR(20)), NULL, 0, {ssum} FROM ba GROUP BY owner
UNION ALL SELECT 'cb', CAST(b.campaign_id AS VARCHAR(20)), ba.area_id, ba.owner, {zeros}
  FROM ba JOIN bulletin b ON b.id = ba.owner WHERE b.campaign_id IS NOT NULL AND ba.aired > 0
"""
    return sql, params


def _run(start: date, end: date, where: str, where_params: list[Any]) -> list[tuple[Any, ...]]:
    sql, params = _statement(start, end, where, where_params)
    with database.atomic():
        if is_postgres():
            database.execute_sql("SET LOCAL work_mem = '64MB'")  # the groupings sort in memory, not on disk
        return list(database.execute_sql(sql, params).fetchall())


# --- folding the rows into tables -----------------------------------------------------------


def _heads(base: Area | None) -> dict[int, Area]:
    """Every area id → the child of ``base`` it lies under (or ``base`` itself / its own root)."""
    areas = {a.id: a for a in Area.select()}
    out: dict[int, Area] = {}
    for aid in areas:
        node: int | None = aid
        path: list[int] = []
        while node is not None and node in areas:
            path.append(node)
            if base is not None and node == base.id:
                break
            node = areas[node].parent_id
        if base is None:
            out[aid] = areas[path[-1]]
        elif path and path[-1] == base.id:
            out[aid] = areas[path[-2]] if len(path) >= 2 else base
    return out


def station_counts(base: Area | None) -> dict[int, int]:
    """Active stations per area id, under ``base`` (everything when None)."""
    q = Station.select(Station.area, Station.id).where(Station.active == True)  # noqa: E712
    if base is not None:
        q = q.where(Station.area.in_(sorted(subtree_ids(base.id))))
    out: dict[int, int] = {}
    for area_id, _ in tuples_of(q):
        out[area_id] = out.get(area_id, 0) + 1
    return out


def _theme_labels(keys: set[str]) -> dict[str, str]:
    ids = [int(k) for k in keys if k.isdigit()]
    labels = {str(c.id): c.name for c in Category.select().where(Category.id.in_(ids))} if ids else {}
    labels.update({"": NO_GROUP_LABEL["category"], "chime": CHIME_LABEL, "local": LOCAL_LABEL})
    return labels


def _bulletins(rows: list[tuple[Any, ...]]) -> dict[int, Bulletin]:
    """The aired bulletins (at least one play) named by the statement's ``bulletin`` rows."""
    ids = [int(r[1]) for r in rows if r[0] == "bulletin" and (int(r[4] or 0) + int(r[5] or 0) + int(r[9] or 0))]
    if not ids:
        return {}
    return {b.id: b for b in Bulletin.select(Bulletin.id, Bulletin.title, Bulletin.category, Bulletin.campaign,
                                             Bulletin.language).where(Bulletin.id.in_(ids))}


def build(base: Area | None, start: date, end: date, where: str, where_params: list[Any],
          plan: Plan | None = None, offline_days: int = DEFAULT_OFFLINE_DAYS) -> dict[str, Any]:
    """The report's figures for stations under ``base`` (``where`` limits rows to them)."""
    rows = _run(start, end, where, where_params)
    aired = _bulletins(rows)
    per_area = station_counts(base)
    total_stations = sum(per_area.values())
    return {
        "stations_total": total_stations,
        "themes": _themes(rows, aired, total_stations, plan, start, end),
        "campaigns": _campaigns(rows, aired, base, per_area, start, end),
        "languages": _languages(rows, aired, total_stations),
        "total": _total(rows, aired, total_stations),
        "tests": _tests(rows, total_stations),
        "relay_minutes": relay_minutes(base, start, end),
        "completeness": completeness(base, start, end, offline_days),
    }


def relay_minutes(base: Area | None, start: date, end: date) -> float:
    """Minutes relayed from a live source by stations under ``base``: 0 until relays exist (issue 13)."""
    return 0.0


def _total(rows: list[tuple[Any, ...]], aired: dict[int, Bulletin], stations: int) -> dict[str, Any]:
    row = next((r for r in rows if r[0] == "total"), None)
    f = Figures("", "Tổng cộng", stations_total=stations)
    if row is not None:
        f.fill(row[3], list(row[4:]))
    f.bulletins = len(aired)
    return f.to_dict()


def _tests(rows: list[tuple[Any, ...]], stations: int) -> dict[str, Any]:
    """TEST emergencies' plays: drills, kept out of every table above and shown apart."""
    row = next((r for r in rows if r[0] == "test"), None)
    f = Figures("test", TESTS_LABEL, stations_total=stations)
    if row is not None:
        f.fill(row[3], list(row[4:]))
    return f.to_dict()


def _themes(rows: list[tuple[Any, ...]], aired: dict[int, Bulletin], stations: int, plan: Plan | None,
            start: date, end: date) -> list[dict[str, Any]]:
    labels = _theme_labels({r[1] for r in rows if r[0] == "theme"})
    targets = _targets(plan, start, end)
    out = []
    for r in (r for r in rows if r[0] == "theme"):
        f = Figures(r[1], labels.get(r[1], NO_GROUP_LABEL["category"]), stations_total=stations)
        f.fill(r[3], list(r[4:]))
        titles = sorted(b.title for b in aired.values() if str(b.category_id or "") == r[1]) \
            if r[1] not in ("chime", "local") else []
        f.bulletins, f.titles = len(titles), titles
        d = f.to_dict()
        d["target_bulletins"] = targets.get(r[1])
        out.append(d)
    for key, minimum in targets.items():  # a theme the plan asks for that nothing aired: show it, at 0
        if key not in {d["key"] for d in out}:
            label = _theme_labels({key}).get(key, key)
            out.append({**Figures(key, label, stations_total=stations).to_dict(), "target_bulletins": minimum})
    return sorted(out, key=lambda d: (d["key"] in ("", "chime", "local"), d["label"].casefold()))


def _targets(plan: Plan | None, start: date, end: date) -> dict[str, int]:
    """Category id (text) → minimum bulletins the plan sets for the period matching these dates."""
    if plan is None:
        return {}
    out: dict[str, int] = {}
    for t in PlanTarget.select().where(PlanTarget.plan == plan):
        period = t.period
        if period is None or (period.starts_on == start and period.ends_on == end):
            out[str(t.category_id)] = max(out.get(str(t.category_id), 0), t.min_bulletins)
    return out


def _campaigns(rows: list[tuple[Any, ...]], aired: dict[int, Bulletin], base: Area | None,
               per_area: dict[int, int], start: date, end: date) -> list[dict[str, Any]]:
    """One section per campaign that aired or overlaps the period, with a line per area below ``base``."""
    heads = _heads(base)
    wanted = {int(r[1]) for r in rows if r[0] == "campaign"}
    overlapping = Campaign.select().where((Campaign.starts_on <= end) & (Campaign.ends_on >= start))
    campaigns = {c.id: c for c in overlapping} | (
        {c.id: c for c in Campaign.select().where(Campaign.id.in_(sorted(wanted)))} if wanted else {})
    stations_under: dict[int, int] = {}
    for area_id, n in per_area.items():
        head = heads.get(area_id)
        if head is not None:
            stations_under[head.id] = stations_under.get(head.id, 0) + n
    out = []
    for c in sorted(campaigns.values(), key=lambda c: (c.starts_on, c.name)):
        by_head: dict[int, list[Any]] = {}
        for r in (r for r in rows if r[0] == "campaign" and int(r[1]) == c.id):
            head = heads.get(r[2])
            if head is None:
                continue
            acc = by_head.setdefault(head.id, [0] * (1 + len(_SUMS)))
            for i, v in enumerate([r[3], *r[4:]]):
                acc[i] += int(v or 0)  # stations partition by area, so distinct counts add up
        aired_here: dict[int, set[int]] = {}  # head → distinct bulletins of the campaign aired there
        for r in (r for r in rows if r[0] == "cb" and int(r[1]) == c.id):
            head = heads.get(r[2])
            if head is not None:
                aired_here.setdefault(head.id, set()).add(int(r[3]))
        areas_out = []
        for head_id, acc in sorted(by_head.items(), key=lambda kv: heads_name(heads, kv[0])):
            f = Figures(heads_code(heads, head_id), heads_name(heads, head_id),
                        stations_total=stations_under.get(head_id, 0)).fill(acc[0], acc[1:])
            f.bulletins = len(aired_here.get(head_id, ()))
            areas_out.append(f.to_dict())
        titles = sorted(b.title for b in aired.values() if b.campaign_id == c.id)
        total = Figures(str(c.id), c.name, stations_total=sum(per_area.values()))
        total.fill(sum(a["stations_reached"] for a in areas_out),
                   [sum(acc[i + 1] for acc in by_head.values()) for i in range(len(_SUMS))])
        total.bulletins, total.titles = len(titles), titles
        out.append({**total.to_dict(), "starts_on": c.starts_on.isoformat(), "ends_on": c.ends_on.isoformat(),
                    "areas": areas_out})
    return out


def heads_name(heads: dict[int, Area], head_id: int) -> str:
    return next((a.name for a in heads.values() if a.id == head_id), "")


def heads_code(heads: dict[int, Area], head_id: int) -> str:
    return next((a.code for a in heads.values() if a.id == head_id), "")


def _languages(rows: list[tuple[Any, ...]], aired: dict[int, Bulletin], stations: int) -> list[dict[str, Any]]:
    out = []
    for r in (r for r in rows if r[0] == "language"):
        code = r[1] or ""
        f = Figures(code, languages.name(code) or "(không rõ)", stations_total=stations)
        f.fill(r[3], list(r[4:]))
        titles = sorted(b.title for b in aired.values() if (b.language or "") == code)
        f.bulletins, f.titles = len(titles), titles
        out.append(f.to_dict())
    return sorted(out, key=lambda d: (d["key"] != languages.VIETNAMESE, d["label"].casefold()))


# --- completeness ---------------------------------------------------------------------------


def completeness(base: Area | None, start: date, end: date, offline_days: int) -> dict[str, Any]:
    """Silent stations (logs stop before the end) and stations off line more than ``offline_days`` days."""
    q = Station.select(Station.id, Station.name, Station.last_seen, Station.enrolled_at).where(
        Station.active == True)  # noqa: E712
    if base is not None:
        q = q.where(Station.area.in_(sorted(subtree_ids(base.id))))
    stations = {sid: (name, seen or enrolled) for sid, name, seen, enrolled in tuples_of(q)}
    last = rollups.last_days(sorted(stations), end)
    cutoff = end - timedelta(days=offline_days)
    silent = [{"station_id": sid, "name": stations[sid][0], "last_log_day": None if d is None else d.isoformat()}
              for sid, d in last.items() if d is None or d < cutoff]
    silent.sort(key=lambda s: (s["last_log_day"] or "", s["name"]))
    offline = [{"station_id": sid, "name": stations[sid][0], "days_offline": days}
               for sid, days in offline_days_in(stations, start, end).items() if days > offline_days]
    offline.sort(key=lambda s: (-s["days_offline"], s["name"]))
    since = min((s["last_log_day"] for s in silent if s["last_log_day"]), default=None)
    from central.services.uptime import uptime  # on line share of the period, next to completion

    return {"stations_total": len(stations), "silent": silent, "silent_since": since, "offline": offline,
            "offline_days": offline_days, "uptime_pct": uptime(base, start, end)["uptime_pct"]}


def offline_days_in(stations: dict[int, tuple[str, Any]], start: date, end: date) -> dict[int, float]:
    """Days each station was off line within the period: its outages, or the time since it was last seen."""
    lo, hi = utc_bounds(start, end)
    hi = min(hi, utcnow())
    if hi <= lo:
        return {}
    out: dict[int, float] = {}
    outages = (StationOutage.select(StationOutage.station, StationOutage.started_at, StationOutage.ended_at)
               .where(StationOutage.started_at < hi,
                      (StationOutage.ended_at.is_null()) | (StationOutage.ended_at > lo)))
    for sid, began, ended in tuples_of(outages):
        if sid in stations:
            span = min(ended or hi, hi) - max(began, lo)
            out[sid] = out.get(sid, 0.0) + span.total_seconds() / 86400
    for sid, (_, seen) in stations.items():
        if seen is None or seen >= hi:
            continue
        gap = (hi - max(seen, lo)).total_seconds() / 86400  # silent since its last contact
        out[sid] = max(out.get(sid, 0.0), gap)
    return {sid: round(d, 1) for sid, d in out.items() if d > 0}
