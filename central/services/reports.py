"""Proof-of-play reports: plays, minutes aired, completion and reach, grouped over a date range.

The figures follow one set of definitions, used by the API, the CSV and the web UI alike:

- every aired asset counts, under what it is: a log names a bulletin (``bulletin_id``), or else the
  audio it played (``asset_sha256``). Audio that is a chime's (nhạc hiệu, the house chime included)
  is grouped under "Nhạc hiệu" when grouping by category or campaign; audio that is a bulletin's is
  attributed to that bulletin; a ``local`` play (an announcement made at the station) is grouped
  under "Phát tại chỗ". A log with neither bulletin nor audio that ``completed``/``interrupted`` is a
  pause from an older station and is not counted: nothing was heard;
- ``plays`` = logs that aired (``playlists.sound.aired``): ``completed`` + ``interrupted`` + ``local``;
  a play into the null output or at volume 0 (``not_audible``), or one the station's monitor heard
  as silence (``failed_to_sound``), did not air: it is counted in its own column only;
- ``minutes_aired`` = the sum of ``ended_at - started_at`` over those plays;
- ``completion_rate`` = completed / (completed + interrupted + failed + missed + not_audible +
  failed_to_sound); ``skipped`` (nothing valid was left to play) and ``local`` plays are not
  scheduled attempts and stay out of the rate;
- ``stations_reached`` = distinct stations with at least one play;
- a TEST emergency's plays (a drill, ``services.emergencies``) are not broadcasts and count nowhere
  here; the play-log list marks them, and the period report lists them apart.

A range ``[from, to]`` names whole local days (both inclusive); a log falls in it by the station-local
day of its ``started_at``, or of ``planned_start`` when it never started. Figures come from the daily
and monthly rollups (``services.rollups``), never from a scan of ``play_log``.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from central.auth import area_subtree_ids, check_area
from central.db import database, tuples_of
from central.errors import Invalid, Unprocessable
from central.messages import DEFAULT_LANGUAGE, N_, gettext_for, msg
from central.models import Area, Bulletin, Campaign, Category, Chime
from central.services.area_tree import subtree_ids, whole_tree
from central.shapes import operator as shapes
from central.shapes.relays import RelayMinutes
from playlists.model import DEFAULT_ZONE
from playlists.sound import STATUSES as STATUSES
from playlists.sound import aired
from playlists.words import PlayStatus

log = logging.getLogger(__name__)

GROUPS = ("category", "campaign", "area", "station")
ATTEMPTED = frozenset({PlayStatus.COMPLETED, PlayStatus.INTERRUPTED, PlayStatus.FAILED, PlayStatus.MISSED,
                       PlayStatus.NOT_AUDIBLE, PlayStatus.FAILED_TO_SOUND})

NO_GROUP_LABEL = {
    "category": N_("(chưa phân loại)"),
    "campaign": N_("(không thuộc đợt tuyên truyền)"),
    "area": N_("(không rõ đơn vị)"),
    "station": N_("(không rõ đài)"),
}
LOCAL_LABEL = N_("Phát tại chỗ")
#: the CSV's relay table (issue 13): relay minutes per source, apart from the bulletin rows
RELAY_CSV_HEADER = (N_("Mã nguồn"), N_("Tiếp sóng"), N_("Số lần"), N_("Số phút tiếp sóng"), N_("Số lần mất tín hiệu"),
                    N_("Số phút mất tín hiệu"), N_("Số phút phát dự phòng"))
CHIME_KEY, CHIME_LABEL = "chime", N_("Nhạc hiệu")
TOTAL_LABEL = N_("Tổng cộng")

#: Preset ranges of the provincial plan: the six-month report is due before 15/6, the yearly one
#: before 1/12, so each covers 1/1 up to the day before its deadline.
PRESETS = ("six-month", "year")
MIN_YEAR, MAX_YEAR = 2000, 2100  # the years a report may name


@dataclass(frozen=True)
class LogFact:
    """``count`` play logs of one station, status and group, with their aired ``seconds`` in all.

    The database hands these out already summed (one per station × bulletin × status), so a
    year of a province's logs is folded in SQL, not in Python.
    """

    station_id: int
    status: str
    group_key: str
    group_label: str
    has_bulletin: bool = True
    count: int = 1
    seconds: float = 0.0
    has_asset: bool = False  # audio named without a bulletin: a chime, or a bulletin's audio


@dataclass
class PlayFigures:
    """A report line's plays, minutes aired, play outcomes and reach: the summary's and the period report's."""

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

    def rate(self) -> None:
        """Set ``completion_rate``: completed among the plays attempted (None when none was)."""
        attempts = sum(getattr(self, s) for s in ATTEMPTED)
        self.completion_rate = round(self.completed / attempts, 4) if attempts else None


@dataclass
class SummaryRow(PlayFigures):
    uptime_pct: float | None = None  # on line share of the period (services.uptime); total and area/station rows
    _stations: set[int] = field(default_factory=set, repr=False)
    _seconds: float = field(default=0.0, repr=False)

    def add(self, f: LogFact) -> None:
        setattr(self, f.status, getattr(self, f.status) + f.count)
        if aired(f.status) and f.count:
            self.plays += f.count
            self._stations.add(f.station_id)
            self._seconds += max(0.0, f.seconds)

    def finish(self) -> SummaryRow:
        self.rate()
        self.stations_reached = len(self._stations)
        self.minutes_aired = round(self._seconds / 60.0, 1)
        return self

    def answer(self) -> shapes.SummaryRow:
        return shapes.SummaryRow(
            key=self.key, label=self.label, plays=self.plays, minutes_aired=self.minutes_aired,
            completed=self.completed, interrupted=self.interrupted, failed=self.failed, missed=self.missed,
            skipped=self.skipped, local=self.local, not_audible=self.not_audible,
            failed_to_sound=self.failed_to_sound, completion_rate=self.completion_rate,
            stations_reached=self.stations_reached, uptime_pct=self.uptime_pct)


@dataclass(frozen=True)
class Summary:
    group_by: str
    date_from: date
    date_to: date
    area: str | None
    rows: list[SummaryRow]
    total: SummaryRow
    # relay minutes per source (issue 13), beside the bulletin minutes above and never inside them
    relays: list[dict[str, Any]] = field(default_factory=list)

    def answer(self) -> shapes.Summary:
        return shapes.Summary(
            from_=self.date_from.isoformat(),
            to=self.date_to.isoformat(),
            area=self.area,
            group_by=self.group_by,
            rows=[r.answer() for r in self.rows],
            total=self.total.answer(),
            relays=[RelayMinutes.model_validate(r) for r in self.relays],  # relay_rollups.by_source's rows
        )


def counted(f: LogFact) -> bool:
    """False for pauses (no bulletin, no audio: nothing aired) and unknown statuses."""
    if f.status not in STATUSES:
        return False
    return f.has_bulletin or f.has_asset or f.status not in (PlayStatus.COMPLETED, PlayStatus.INTERRUPTED, PlayStatus.NOT_AUDIBLE)


def summarise(facts: Iterable[LogFact]) -> tuple[list[SummaryRow], SummaryRow]:
    """Fold logs into one row per group (sorted by label) and a total row."""
    rows: dict[str, SummaryRow] = {}
    total = SummaryRow(key="", label=TOTAL_LABEL)
    for f in facts:
        if not counted(f):
            continue
        row = rows.get(f.group_key)
        if row is None:
            row = rows[f.group_key] = SummaryRow(key=f.group_key, label=f.group_label)
        row.add(f)
        total.add(f)
    ordered = sorted(rows.values(), key=lambda r: (r.label.casefold(), r.key))
    return [r.finish() for r in ordered], total.finish()


# --- ranges --------------------------------------------------------------------------------


def preset_range(name: str, year: int) -> tuple[date, date]:
    """The inclusive local-day range of a preset report of ``year``."""
    if name == "six-month":
        return date(year, 1, 1), date(year, 6, 14)
    if name == "year":
        return date(year, 1, 1), date(year, 11, 30)
    raise Invalid(msg("Kỳ báo cáo không hợp lệ: %(name)r (dùng six-month hoặc year)", name=name))


def parse_day(value: str | None, what: str) -> date | None:
    if value is None or value == "":
        return None
    try:
        day = date.fromisoformat(value[:10])
    except ValueError as exc:
        raise Invalid(msg("Tham số %(what)s phải là ngày dạng YYYY-MM-DD, nhận được %(value)r", what=what, value=value)) from exc
    if not MIN_YEAR <= day.year <= MAX_YEAR:  # year 1 or 9999 overflow time zone and month arithmetic
        raise Invalid(msg("Tham số %(what)s phải trong các năm %(MIN_YEAR)s–%(MAX_YEAR)s, nhận được %(value)r", what=what, MIN_YEAR=MIN_YEAR, MAX_YEAR=MAX_YEAR, value=value))
    return day


def resolve_range(
    date_from: str | None, date_to: str | None, preset: str | None, today: date
) -> tuple[date, date]:
    """Turn query parameters into an inclusive day range; default: the last 30 days."""
    if preset:
        return preset_range(preset, today.year)
    start = parse_day(date_from, "from")
    end = parse_day(date_to, "to")
    end = end or today
    start = start or end - timedelta(days=29)
    if start > end:
        raise Unprocessable(msg("Ngày bắt đầu (from) phải trước hoặc bằng ngày kết thúc (to)."))
    return start, end


def utc_bounds(start: date, end: date, tz: str = DEFAULT_ZONE) -> tuple[datetime, datetime]:
    """The half-open aware instant range covering local days ``start``..``end``."""
    zone = ZoneInfo(tz)
    lo = datetime.combine(start, time(0), zone)
    hi = datetime.combine(end + timedelta(days=1), time(0), zone)
    return lo, hi


# --- CSV -----------------------------------------------------------------------------------

GROUP_HEADER = {
    "category": N_("Chủ đề"),
    "campaign": N_("Đợt tuyên truyền"),
    "area": N_("Đơn vị hành chính"),
    "station": N_("Đài"),
}
CSV_COLUMNS = (
    ("plays", N_("Số lượt phát")),
    ("minutes_aired", N_("Số phút phát")),
    ("completed", N_("Hoàn thành")),
    ("interrupted", N_("Bị ngắt")),
    ("failed", N_("Lỗi")),
    ("missed", N_("Bị lỡ")),  # the same word as the pages
    ("skipped", N_("Bỏ qua")),
    ("local", N_("Phát tại chỗ")),
    ("not_audible", N_("Không nghe được")),
    ("failed_to_sound", N_("Không phát ra tiếng")),
    ("completion_rate", N_("Tỉ lệ hoàn thành (%)")),
    ("stations_reached", N_("Số đài đã phát")),
    ("uptime_pct", N_("Thời gian hoạt động (%)")),
)


def _csv_cell(key: str, row: SummaryRow) -> str:
    value = getattr(row, key)
    if key == "completion_rate":
        return "" if value is None else f"{value * 100:.1f}"
    if key == "uptime_pct":
        return "" if value is None else f"{value:.1f}"
    return str(value)


#: the labels the summary itself gives rows (everything else is a name from the database)
OWN_LABELS = frozenset({*NO_GROUP_LABEL.values(), LOCAL_LABEL, CHIME_LABEL, TOTAL_LABEL})


def to_csv(summary: Summary, lang: str = DEFAULT_LANGUAGE) -> bytes:
    """The summary as CSV in ``lang`` (headings and the summary's own labels), UTF-8 with a BOM so
    Excel shows Vietnamese diacritics."""
    t = gettext_for(lang)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([msg("Báo cáo từ %(start)s đến %(end)s", start=f"{summary.date_from:%d/%m/%Y}",
                    end=f"{summary.date_to:%d/%m/%Y}").render(t)])
    w.writerow([t(N_("Mã")), t(GROUP_HEADER[summary.group_by]), *(t(h) for _, h in CSV_COLUMNS)])
    for row in [*summary.rows, summary.total]:
        label = t(row.label) if row.label in OWN_LABELS else row.label
        w.writerow([row.key, label, *(_csv_cell(k, row) for k, _ in CSV_COLUMNS)])
    if summary.relays:  # relay minutes apart: they are not bulletin minutes
        w.writerow([])
        w.writerow([t(h) for h in RELAY_CSV_HEADER])
        for r in summary.relays:
            w.writerow([r["source_id"], r["name"], r["plays"], r["relayed_minutes"], r["gaps"], r["gap_minutes"],
                        r["fallback_minutes"]])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


# --- database side -------------------------------------------------------------------------


def base_area(user: Any, area_code: str | None) -> Any:
    """The area the report covers: the one asked for (in scope), else the user's, else the root."""
    from central.services import areas

    if area_code:
        a = areas.get(area_code)
        check_area(user, a)
        return a
    if user.area_id is not None:
        return user.area
    roots = list(Area.select().where(Area.parent.is_null()).limit(2))
    return roots[0] if len(roots) == 1 else None


def _area_grouper(base: Any) -> Any:
    """Station area id → (code, name) of the child of ``base`` that holds it (or ``base`` itself)."""
    from central.services.area_tree import heads

    rows = {a.id: a for a in Area.select()}
    head_of = heads(base.id if base is not None else None)

    def group(area_id: int) -> tuple[str, str]:
        head = rows.get(head_of.get(area_id, -1))
        return ("", NO_GROUP_LABEL["area"]) if head is None else (head.code, head.name)

    return group


def _labels(group_by: str, bulletin_ids: set[int]) -> dict[int, tuple[str, str]]:
    if group_by not in ("category", "campaign") or not bulletin_ids:
        return {}
    out: dict[int, tuple[str, str]] = {}
    if group_by == "category":
        q = (Bulletin.select(Bulletin.id, Category.code, Category.name)
             .join(Category).where(Bulletin.id.in_(sorted(bulletin_ids))).tuples())
        out = {bid: (code, name) for bid, code, name in tuples_of(q)}
    else:
        q = (Bulletin.select(Bulletin.id, Campaign.id, Campaign.name)
             .join(Campaign).where(Bulletin.id.in_(sorted(bulletin_ids))).tuples())
        out = {bid: (str(cid), name) for bid, cid, name in tuples_of(q)}
    return out


def audio_owners(shas: set[str]) -> dict[str, Any]:
    """What each played sha256 is: ``"chime"`` (any chime's audio) or the id of the first bulletin using it.

    The one rule for a log that names audio but no bulletin; the summary and the period report both ask it.
    """
    if not shas:
        return {}
    wanted = sorted(shas)
    out: dict[str, Any] = {}
    q = Bulletin.select(Bulletin.id, Bulletin.asset).where(Bulletin.asset.in_(wanted)).order_by(Bulletin.id)
    for bid, sha in tuples_of(q):
        out.setdefault(sha, bid)
    for (sha,) in tuples_of(Chime.select(Chime.asset).where(Chime.asset.in_(wanted))):
        out[sha] = CHIME_KEY  # a chime is a chime, even if a bulletin happens to share its bytes
    return out


def scope_filter(user: Any, base: Any) -> tuple[str, list[Any]]:
    """SQL on ``r.station_id`` limiting rows to stations under ``base`` (or the user's scope); "" = all."""
    scope = subtree_ids(base.id) if base is not None else area_subtree_ids(user)
    if scope is None or (base is not None and whole_tree(base)):
        return "", []  # the one root: every station, and no list of thousands of ids to send
    ids = sorted(scope)
    p = database.param
    return (f"r.station_id IN (SELECT s2.id FROM station s2 WHERE s2.area_id IN ({', '.join([p] * len(ids))}))",
            ids)


def _rows(user: Any, base: Any, start: date, end: date) -> list[tuple[Any, ...]]:
    """``(station, bulletin, sha256, station name, area, *counts, aired µs)`` summed from the rollups."""
    from central.services import rollups

    where, where_params = scope_filter(user, base)
    inner, params = rollups.period_sql(database, start, end, where, where_params)
    sums = ", ".join(f"SUM(r.{c})" for c in rollups.VALUES)
    sql = (f"SELECT r.station_id, r.bulletin_id, r.asset_sha256, s.name, s.area_id, {sums} "
           f"FROM ({inner}) r JOIN station s ON s.id = r.station_id "
           f"WHERE r.bulletin_id <> {rollups.TEST} "  # drills are not broadcasts
           "GROUP BY r.station_id, r.bulletin_id, r.asset_sha256, s.name, s.area_id")
    return list(database.execute_sql(sql, params).fetchall())


def _seconds_of(status: str, values: list[Any]) -> float:
    """The aired seconds a per-status fact carries: local ones, or the rest on the first aired status."""
    n = dict(zip(STATUSES, values, strict=False))
    if status == PlayStatus.LOCAL:
        return int(values[-1]) / 1e6
    if status == PlayStatus.COMPLETED or (status == PlayStatus.INTERRUPTED and not n[PlayStatus.COMPLETED]):
        return int(values[-2]) / 1e6
    return 0.0


def summary(user: Any, date_from: date, date_to: date, area_code: str | None = None,
            group_by: str = "category") -> Summary:
    """The report table for ``user``'s scope (or ``area_code`` inside it) over local days."""
    if group_by not in GROUPS:
        raise Invalid(msg("group_by phải là một trong %(value)s.", value=', '.join(GROUPS)))
    base = base_area(user, area_code)
    rows = _rows(user, base, date_from, date_to)
    audio = audio_owners({r[2] for r in rows if r[1] == 0 and r[2]})
    by_audio = {v for v in audio.values() if isinstance(v, int)}
    labels = _labels(group_by, {r[1] for r in rows if r[1] > 0} | by_audio)
    area_of = _area_grouper(base) if group_by == "area" else None
    facts = []
    for station_id, bulletin_id, sha, station_name, area_id, *values in rows:
        is_local = bulletin_id < 0
        bulletin_id, sha = (bulletin_id if bulletin_id > 0 else None), sha or None  # LOCAL (-1): none
        owner = bulletin_id if bulletin_id is not None else audio.get(sha) if sha else None
        for status, count in zip(STATUSES, values, strict=False):
            if not count:
                continue
            if group_by == "station":
                key, label = str(station_id), station_name
            elif area_of is not None:
                key, label = area_of(area_id)
            elif is_local:  # a local announcement, heard or not
                key, label = "local", LOCAL_LABEL
            elif owner == CHIME_KEY:
                key, label = CHIME_KEY, CHIME_LABEL
            else:
                key, label = labels.get(owner, ("", NO_GROUP_LABEL[group_by]))  # type: ignore[arg-type]
            seconds = _seconds_of(status, values)
            facts.append(LogFact(station_id, status, key, label, has_bulletin=bulletin_id is not None,
                                 count=int(count), seconds=seconds, has_asset=bool(sha) or is_local))
    table, total = summarise(facts)
    _add_uptime(table, total, base, date_from, date_to, group_by, area_of)
    from central.services.relay_rollups import by_source

    relays = by_source(date_from, date_to, *scope_filter(user, base))
    return Summary(group_by, date_from, date_to, base.code if base is not None else None, table, total, relays)


def _add_uptime(table: list[SummaryRow], total: SummaryRow, base: Any, date_from: date, date_to: date,
                group_by: str, area_of: Any) -> None:
    """Uptime next to completion: the whole scope's on the total, each station's or area's on its row."""
    from central.services import uptime as uptime_service

    result = uptime_service.uptime(base, date_from, date_to)
    total.uptime_pct = result["uptime_pct"]
    if group_by == "station":
        per = {str(r["station_id"]): r["uptime_pct"] for r in result["stations"]}
    elif group_by == "area":
        per = uptime_service.by_area(result, area_of)
    else:
        return
    for row in table:
        row.uptime_pct = per.get(row.key)
