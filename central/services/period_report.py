"""The figures of a period report for an area: per theme, per campaign by area, by language, completeness.

Everything comes from the rollups (``services.rollups``) in one SQL statement that folds the period's
rows per bulletin, reported area and word of station bits (reach without a row per station), then in
Python into the lines below:

- a row airs under its bulletin; a bulletin-less row under the bulletin whose audio it played, or the
  chime ("Nhạc hiệu") whose audio it is; a bulletin-less ``local`` play is "Phát tại chỗ" — the same
  rules as ``services.reports``;
- ``bulletins`` of a theme or campaign = distinct bulletins with at least one aired play (số tin, bài);
- ``stations_reached`` = distinct stations with at least one aired play, of ``stations_total`` in the area;
- the by-language table counts bulletins only (chimes and local announcements have no language);
- ``relay_minutes``: stream minutes relayed (``relay_minutes``, from ``relay_rollups``; exports and
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
from central.services import area_tree, languages, reports, rollups, uptime
from central.services.area_tree import within
from central.services.reports import CHIME_KEY, CHIME_LABEL, LOCAL_LABEL, NO_GROUP_LABEL, utc_bounds
from playlists.sound import STATUSES as PLAY_STATUSES

from .relay_rollups import by_source
from .reports import scope_filter

DEFAULT_OFFLINE_DAYS = 3
TESTS_LABEL = "Phát thử nghiệm (khẩn cấp)"
_SUMS = rollups.VALUES  # n_completed … n_local, n_not_audible, n_failed_to_sound, aired_us, local_us


@dataclass
class Figures(reports.PlayFigures):
    """Plays, minutes, statuses and reach of one line of a table, with its stations and bulletins."""

    stations_total: int = 0
    bulletins: int = 0
    titles: list[str] = field(default_factory=list)

    def fill(self, stations: int, sums: list[Any]) -> Figures:
        n = dict(zip(_SUMS, (int(v or 0) for v in sums), strict=True))
        for status in PLAY_STATUSES:
            setattr(self, status, n[f"n_{status}"])
        self.plays = self.completed + self.interrupted + self.local
        self.minutes_aired = round((n["aired_us"] + n["local_us"]) / 60e6, 1)
        self.rate()
        self.stations_reached = int(stations or 0)
        return self

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


# --- the one statement ----------------------------------------------------------------------

#: stations per bitmap word: reach (distinct stations) is folded in the database as OR-ed station bits
#: per word, so the statement groups by bulletin, head area and word, never by station (PostgreSQL)
_WORD = 64
_AIRED = ("n_completed", "n_interrupted", "n_local")


def _words() -> tuple[str, str]:
    """SQL of a row's word of stations and its bits (set when the row aired; counts are never negative,
    so a sum over the period is above 0 exactly when one row is). SQLite has no ``bit_or``: a word is a
    station there."""
    aired = " + ".join(f"r.{c}" for c in _AIRED)
    if not is_postgres():
        return "r.station_id", f"MAX(CASE WHEN {aired} > 0 THEN 1 ELSE 0 END)"
    return (f"r.station_id / {_WORD}",
            f"bit_or(CASE WHEN {aired} > 0 THEN CAST(1 AS BIGINT) << CAST(MOD(r.station_id, {_WORD}) AS INTEGER) "
            "ELSE 0 END)")


def _statements(heads: dict[int, int], start: date, end: date, where: str,
                where_params: list[Any]) -> list[tuple[str, list[Any]]]:
    """The period's rollup rows in two groupings, each a few thousand rows, never one per station:

    - every row per key (``bulletin_id``, ``asset_sha256``) and word: ``(key…, NULL, word, bits, *sums)``;
    - the rows of campaigns' bulletins (or their audio) per key, reported area and word: ``(key…, head,
      word, bits, *sums)``. Only these need the station's area, so only they pay for the join; ``heads``
      maps each area under the report's base to the line (child area) it is reported under.
    """
    word, bits = _words()
    sums = ", ".join(f"SUM(r.{c})" for c in _SUMS)
    inner, params = rollups.period_sql(database, start, end, where, where_params)
    out = [(f"SELECT r.bulletin_id, r.asset_sha256, NULL, {word}, {bits}, {sums} FROM ({inner}) r "
            f"GROUP BY r.bulletin_id, r.asset_sha256, {word}", params)]
    ids = [i for (i,) in tuples_of(Bulletin.select(Bulletin.id).where(Bulletin.campaign.is_null(False)))]
    if ids:  # integers from the database, written out: the planner then reads only their rows
        pairs = ", ".join(f"({int(a)}, {int(h)})" for a, h in sorted(heads.items()))
        out.append((f"WITH h (area_id, head) AS (VALUES {pairs}) "
                    f"SELECT r.bulletin_id, r.asset_sha256, h.head, {word}, {bits}, {sums} "
                    f"FROM ({inner}) r JOIN station s ON s.id = r.station_id JOIN h ON h.area_id = s.area_id "
                    f"WHERE r.bulletin_id IN ({', '.join(str(int(i)) for i in ids)}) OR (r.bulletin_id = 0 AND "
                    "r.asset_sha256 IN (SELECT b.asset_id FROM bulletin b WHERE b.campaign_id IS NOT NULL)) "
                    f"GROUP BY r.bulletin_id, r.asset_sha256, h.head, {word}", list(params)))
    return out


def _run(heads: dict[int, int], start: date, end: date, where: str,
         where_params: list[Any]) -> list[tuple[Any, ...]]:
    with database.atomic():  # one snapshot for both groupings
        if is_postgres():
            database.execute_sql("SET LOCAL work_mem = '64MB'")  # the groupings hash in memory
            database.execute_sql("SET LOCAL jit = off")  # compiling costs more than these statements run
        return [row for sql, params in _statements(heads, start, end, where, where_params)
                for row in database.execute_sql(sql, params).fetchall()]


# --- folding the rows into lines ------------------------------------------------------------


@dataclass
class _Line:
    """One line's sums and the stations it reached (OR-ed bits per word) while folding."""

    sums: list[int] = field(default_factory=lambda: [0] * len(_SUMS))
    words: dict[int, int] = field(default_factory=dict)

    def add(self, word: int, bits: int, sums: list[int]) -> None:
        for i, v in enumerate(sums):
            self.sums[i] += v
        if bits:
            self.words[word] = self.words.get(word, 0) | bits

    def reached(self) -> int:
        return sum(bin(b).count("1") for b in self.words.values())

    def fill(self, f: Figures) -> Figures:
        return f.fill(self.reached(), self.sums)


@dataclass
class _Fold:
    """The statement's rows folded into every line the report shows."""

    themes: dict[str, _Line] = field(default_factory=dict)
    languages: dict[str, _Line] = field(default_factory=dict)
    campaigns: dict[tuple[int, int], _Line] = field(default_factory=dict)  # (campaign, head)
    total: _Line = field(default_factory=_Line)
    tests: _Line = field(default_factory=_Line)
    aired: dict[int, Bulletin] = field(default_factory=dict)  # bulletins with at least one aired play
    aired_at: set[tuple[int, int]] = field(default_factory=set)  # (campaign bulletin, head) aired there

    @classmethod
    def of(cls, rows: list[tuple[Any, ...]]) -> _Fold:
        """Fold the rows of ``_statements``: every row (no head), then the campaigns' by area."""
        fold = cls()
        every = [(bid, sha, *rest) for bid, sha, head, *rest in rows if head is None]
        by_area = [r for r in rows if r[2] is not None]
        owners = _owners({(int(r[0]), r[1] or "") for r in rows})
        ids = sorted({o for _, o in owners.values() if o})
        attrs = {b.id: b for b in Bulletin.select(Bulletin.id, Bulletin.title, Bulletin.category, Bulletin.campaign,
                                                  Bulletin.language).where(Bulletin.id.in_(ids))} if ids else {}
        mask = (1 << _WORD) - 1  # PostgreSQL's bigint words come back signed
        for bid, sha, word, bits, *raw in every:
            kind, owner = owners[(int(bid), sha or "")]
            sums = [int(v or 0) for v in raw]
            fold._add(kind, attrs.get(owner) if owner else None, int(word), int(bits or 0) & mask, sums)
        for bid, sha, head, word, bits, *raw in by_area:
            kind, owner = owners[(int(bid), sha or "")]
            b = attrs.get(owner) if owner else None
            if kind != "b" or b is None or b.campaign_id is None:
                continue  # not a campaign's after all (the statement takes a superset)
            sums = [int(v or 0) for v in raw]
            fold.campaigns.setdefault((b.campaign_id, int(head)), _Line()).add(int(word), int(bits or 0) & mask, sums)
            if _aired(sums):
                fold.aired_at.add((b.id, int(head)))
        return fold

    def _add(self, kind: str, b: Bulletin | None, word: int, bits: int, sums: list[int]) -> None:
        if kind == "test":
            self.tests.add(word, bits, sums)
            return
        self.total.add(word, bits, sums)
        theme = kind if kind in ("chime", "local") else str(b.category_id or "") if b is not None else ""
        self.themes.setdefault(theme, _Line()).add(word, bits, sums)
        if kind == "b":
            self.languages.setdefault((b.language or "") if b is not None else "", _Line()).add(word, bits, sums)
            if b is not None and _aired(sums):
                self.aired[b.id] = b


def _aired(sums: list[int]) -> bool:
    """True when these sums hold a play that was heard (completed, interrupted or local)."""
    return any(sums[_SUMS.index(c)] > 0 for c in _AIRED)


def _owners(keys: set[tuple[int, str]]) -> dict[tuple[int, str], tuple[str, int | None]]:
    """Each rollup key → what aired: a bulletin ("b", id), a chime, a local announcement, a TEST, unknown."""
    audio = reports.audio_owners({sha for bid, sha in keys if bid == 0 and sha})
    out: dict[tuple[int, str], tuple[str, int | None]] = {}
    for bid, sha in keys:
        if bid > 0:
            out[(bid, sha)] = ("b", bid)
        elif bid == rollups.TEST:
            out[(bid, sha)] = ("test", None)
        elif bid < 0:
            out[(bid, sha)] = ("local", None)
        elif audio.get(sha) == CHIME_KEY:
            out[(bid, sha)] = ("chime", None)
        else:
            owner = audio.get(sha)
            out[(bid, sha)] = ("b", owner) if isinstance(owner, int) else ("unknown", None)
    return out


def _head_areas(heads: dict[int, int]) -> dict[int, Area]:
    """The areas the lines are reported under (the values of ``heads``)."""
    ids = sorted(set(heads.values()))
    return {a.id: a for a in Area.select().where(Area.id.in_(ids))} if ids else {}


def station_counts(base: Area | None) -> dict[int, int]:
    """Active stations per area id, under ``base`` (everything when None)."""
    q = within(Station.select(Station.area, Station.id).where(Station.active == True),  # noqa: E712
               Station.area, base)
    out: dict[int, int] = {}
    for area_id, _ in tuples_of(q):
        out[area_id] = out.get(area_id, 0) + 1
    return out


def _theme_labels(keys: set[str]) -> dict[str, str]:
    ids = [int(k) for k in keys if k.isdigit()]
    labels = {str(c.id): c.name for c in Category.select().where(Category.id.in_(ids))} if ids else {}
    labels.update({"": NO_GROUP_LABEL["category"], "chime": CHIME_LABEL, "local": LOCAL_LABEL})
    return labels


def build(base: Area | None, start: date, end: date, where: str, where_params: list[Any],
          plan: Plan | None = None, offline_days: int = DEFAULT_OFFLINE_DAYS) -> dict[str, Any]:
    """The report's figures for stations under ``base`` (``where`` limits rows to them)."""
    heads = area_tree.heads(base.id if base is not None else None)
    fold = _Fold.of(_run(heads, start, end, where, where_params))
    per_area = station_counts(base)
    total_stations = sum(per_area.values())
    return {
        "stations_total": total_stations,
        "themes": _themes(fold, total_stations, plan, start, end),
        "campaigns": _campaigns(fold, heads, per_area, start, end),
        "languages": _languages(fold, total_stations),
        "total": _total(fold, total_stations),
        "tests": _tests(fold, total_stations),
        "relay_minutes": relay_minutes(base, start, end),
        "completeness": completeness(base, start, end, offline_days),
    }


def relay_minutes(base: Area | None, start: date, end: date) -> float:
    """Minutes relayed from relay sources by stations under ``base`` (issue 13): stream time actually
    sent to the loudspeakers, never counted as bulletin minutes (``services.relay_rollups``)."""
    where, params = scope_filter(None, base) if base is not None else ("", [])
    return round(sum(r["relayed_ms"] for r in by_source(start, end, where, params)) / 60_000, 1)


def _total(fold: _Fold, stations: int) -> dict[str, Any]:
    f = fold.total.fill(Figures("", "Tổng cộng", stations_total=stations))
    f.bulletins = len(fold.aired)
    return f.to_dict()


def _tests(fold: _Fold, stations: int) -> dict[str, Any]:
    """TEST emergencies' plays: drills, kept out of every table above and shown apart."""
    return fold.tests.fill(Figures("test", TESTS_LABEL, stations_total=stations)).to_dict()


def _themes(fold: _Fold, stations: int, plan: Plan | None, start: date, end: date) -> list[dict[str, Any]]:
    labels = _theme_labels(set(fold.themes))
    targets = _targets(plan, start, end)
    out = []
    for key, line in fold.themes.items():
        f = line.fill(Figures(key, labels.get(key, NO_GROUP_LABEL["category"]), stations_total=stations))
        titles = sorted(b.title for b in fold.aired.values() if str(b.category_id or "") == key) \
            if key not in ("chime", "local") else []
        f.bulletins, f.titles = len(titles), titles
        d = f.to_dict()
        d["target_bulletins"] = targets.get(key)
        out.append(d)
    for key, minimum in targets.items():  # a theme the plan asks for that nothing aired: show it, at 0
        if key not in fold.themes:
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


def _campaigns(fold: _Fold, heads: dict[int, int], per_area: dict[int, int], start: date,
               end: date) -> list[dict[str, Any]]:
    """One section per campaign that aired or overlaps the period, with a line per area below the base."""
    wanted = sorted({cid for cid, _ in fold.campaigns})
    overlapping = Campaign.select().where((Campaign.starts_on <= end) & (Campaign.ends_on >= start))
    campaigns = {c.id: c for c in overlapping} | (
        {c.id: c for c in Campaign.select().where(Campaign.id.in_(wanted))} if wanted else {})
    areas = _head_areas(heads)
    stations_under: dict[int, int] = {}
    for area_id, n in per_area.items():
        if area_id in heads:
            stations_under[heads[area_id]] = stations_under.get(heads[area_id], 0) + n
    out = []
    for c in sorted(campaigns.values(), key=lambda c: (c.starts_on, c.name)):
        lines = sorted(((areas[h], line) for (cid, h), line in fold.campaigns.items() if cid == c.id),
                       key=lambda al: al[0].name)
        areas_out = []
        for area, line in lines:
            f = line.fill(Figures(area.code, area.name, stations_total=stations_under.get(area.id, 0)))
            f.bulletins = len({b for b, h in fold.aired_at if h == area.id and fold.aired[b].campaign_id == c.id})
            areas_out.append(f.to_dict())
        titles = sorted(b.title for b in fold.aired.values() if b.campaign_id == c.id)
        total = Figures(str(c.id), c.name, stations_total=sum(per_area.values()))
        # stations partition by area, so the areas' reach adds up
        total.fill(sum(a["stations_reached"] for a in areas_out),
                   [sum(line.sums[i] for _, line in lines) for i in range(len(_SUMS))])
        total.bulletins, total.titles = len(titles), titles
        out.append({**total.to_dict(), "starts_on": c.starts_on.isoformat(), "ends_on": c.ends_on.isoformat(),
                    "areas": areas_out})
    return out


def _languages(fold: _Fold, stations: int) -> list[dict[str, Any]]:
    out = []
    for code, line in fold.languages.items():
        f = line.fill(Figures(code, languages.name(code) or "(không rõ)", stations_total=stations))
        titles = sorted(b.title for b in fold.aired.values() if (b.language or "") == code)
        f.bulletins, f.titles = len(titles), titles
        out.append(f.to_dict())
    return sorted(out, key=lambda d: (d["key"] != languages.VIETNAMESE, d["label"].casefold()))


# --- completeness ---------------------------------------------------------------------------


def completeness(base: Area | None, start: date, end: date, offline_days: int) -> dict[str, Any]:
    """Silent stations (logs stop before the end) and stations off line more than ``offline_days`` days."""
    rows = list(within(Station.select(*uptime.FIELDS).where(Station.active == True),  # noqa: E712
                       Station.area, base))
    stations = {s.id: (s.name, s.last_seen or s.enrolled_at) for s in rows}
    last = rollups.last_days(sorted(stations), end)
    cutoff = end - timedelta(days=offline_days)
    silent = [{"station_id": station_id, "name": stations[station_id][0], "last_log_day": None if d is None else d.isoformat()}
              for station_id, d in last.items() if d is None or d < cutoff]
    silent.sort(key=lambda s: (s["last_log_day"] or "", s["name"]))
    offline = [{"station_id": station_id, "name": stations[station_id][0], "days_offline": days}
               for station_id, days in offline_days_in(stations, start, end).items() if days > offline_days]
    offline.sort(key=lambda s: (-s["days_offline"], s["name"]))
    since = min((s["last_log_day"] for s in silent if s["last_log_day"]), default=None)
    on_line = uptime.uptime(base, start, end, stations=rows)["uptime_pct"]
    return {"stations_total": len(stations), "silent": silent, "silent_since": since, "offline": offline,
            "offline_days": offline_days, "uptime_pct": on_line}


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
    for station_id, began, ended in tuples_of(outages):
        if station_id in stations:
            span = min(ended or hi, hi) - max(began, lo)
            out[station_id] = out.get(station_id, 0.0) + span.total_seconds() / 86400
    for station_id, (_, seen) in stations.items():
        if seen is None or seen >= hi:
            continue
        gap = (hi - max(seen, lo)).total_seconds() / 86400  # silent since its last contact
        out[station_id] = max(out.get(station_id, 0.0), gap)
    return {station_id: round(d, 1) for station_id, d in out.items() if d > 0}
