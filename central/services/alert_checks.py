"""The conditions alerts watch: each check finds today's problems; a problem no longer found recovered.

A check answers ``Finding``s, each with a dedupe key naming the condition and its object; and, for an
open alert whose key it no longer finds, ``recovered`` says why it closed and whether to tell anyone
(a day that ended is not a recovery). The texts are Vietnamese: they go out by mail and webhook as is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from peewee import fn

from central.db import tuples_of
from central.times import ZONE
from central.words import EmergencyMode
from playlists.words import Approval, PlayStatus

from ..config import Settings
from ..models import (
    Area,
    Bulletin,
    Emergency,
    Heartbeat,
    Plan,
    PlayLog,
    Report,
    ReportPeriod,
    Schedule,
    Station,
    StationOutage,
    db_time,
)
from . import emergencies, stations

#: play outcomes that count against a station's day (the last two only once stations report them)
BAD_PLAYS = (PlayStatus.MISSED, PlayStatus.FAILED, PlayStatus.NOT_AUDIBLE, PlayStatus.FAILED_TO_SOUND)
BAD_LABELS = {PlayStatus.MISSED: "bị lỡ", PlayStatus.FAILED: "lỗi", PlayStatus.NOT_AUDIBLE: "không nghe được (không có loa hoặc âm lượng 0)",
              PlayStatus.FAILED_TO_SOUND: "không phát ra tiếng"}


@dataclass
class Finding:
    """One problem as a check sees it now."""

    key: str
    title: str
    body: str
    area_id: int | None
    station_id: int | None = None
    object_type: str = ""
    object_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Check:
    kind: str
    find: Callable[[Settings, datetime], list[Finding]]
    recovered: Callable[[Any, datetime], tuple[str, bool]]  # (why it closed, tell people)


def when(t: datetime | None) -> str:
    """A time as people in Vietnam read it: 07:05 01/12/2026."""
    return "—" if t is None else t.astimezone(ZONE).strftime("%H:%M %d/%m/%Y")


def _station_rows() -> list[Station]:
    return list(Station.select(Station, Area).join(Area)
                .where((Station.active == True) & Station.token_hash.is_null(False)))  # noqa: E712


def _where(s: Station) -> str:
    return f"đài «{s.name}» ({s.area.name})"


# --- stations ------------------------------------------------------------------------------------


def _offline_since(s: Station, now: datetime) -> datetime | None:
    """Since when the station is off line (None: it is on line, or was never seen)."""
    if stations.is_online(s, now) or s.last_seen is None:
        return None
    if s.online is False:
        open_ = (StationOutage.select().where((StationOutage.station == s.id) & StationOutage.ended_at.is_null())
                 .order_by(StationOutage.started_at.desc()).first())
        if open_ is not None:
            return open_.started_at
    return s.last_seen


def find_offline(cfg: Settings, now: datetime) -> list[Finding]:
    limit = timedelta(minutes=cfg.alert_offline_minutes)
    out = []
    for s in _station_rows():
        since = _offline_since(s, now)
        if since is None or now - since < limit:
            continue
        minutes = int((now - since).total_seconds() // 60)
        out.append(Finding(
            f"offline:station:{s.id}", f"Mất kết nối: {_where(s)}",
            f"Loa: {_where(s)} mất kết nối từ {when(since)} (đã {minutes} phút, ngưỡng "
            f"{cfg.alert_offline_minutes:g} phút).", s.area_id, s.id, "station", str(s.id),
            {"since": since.isoformat(), "minutes": minutes}))
    return out


def recovered_offline(alert: Any, now: datetime) -> tuple[str, bool]:
    s = Station.get_or_none(Station.id == alert.station_id)
    if s is None or not s.active:
        return "Đài đã ngừng hoạt động hoặc bị xoá, không còn theo dõi.", False
    return f"Đài đã kết nối lại lúc {when(s.presence_at if s.online else s.last_seen)}.", True


def find_plays(cfg: Settings, now: datetime) -> list[Finding]:
    """Stations whose bad plays of their local today reach the threshold."""
    by_station = {s.id: s for s in _station_rows()}
    at = fn.COALESCE(PlayLog.started_at, PlayLog.planned_start)
    rows = (PlayLog.select(PlayLog.station, PlayLog.status, at.alias("at"))
            .where(PlayLog.status.in_(BAD_PLAYS) & (at >= db_time(now - timedelta(hours=36)))).tuples())
    counts: dict[tuple[int, date], dict[str, int]] = {}
    for station_id, status, t in tuples_of(rows):
        s = by_station.get(station_id)
        if s is None:
            continue
        t = PlayLog.started_at.python_value(t)
        zone = ZoneInfo(s.timezone)
        if t.astimezone(zone).date() != now.astimezone(zone).date():
            continue
        day = counts.setdefault((station_id, t.astimezone(zone).date()), {})
        day[status] = day.get(status, 0) + 1
    out = []
    for (station_id, day_), by_status in sorted(counts.items()):
        total = sum(by_status.values())
        if total < cfg.alert_bad_plays_per_day:
            continue
        s = by_station[station_id]
        parts = ", ".join(f"{by_status[k]} lượt {BAD_LABELS[k]}" for k in BAD_PLAYS if k in by_status)
        out.append(Finding(
            f"plays:station:{station_id}:{day_.isoformat()}", f"{total} lượt phát không đạt: {_where(s)}",
            f"Ngày {day_:%d/%m/%Y}, {_where(s)} có {total} lượt phát không đạt: {parts} "
            f"(ngưỡng {cfg.alert_bad_plays_per_day} lượt/ngày).", s.area_id, station_id, "station", str(station_id),
            {"day": day_.isoformat(), "counts": by_status}))
    return out


def recovered_plays(alert: Any, now: datetime) -> tuple[str, bool]:
    return "Đã hết ngày.", False  # a count per day lapses with the day: nothing recovered


def find_disk(cfg: Settings, now: datetime) -> list[Finding]:
    """Stations whose latest heartbeat reports less free disk than the setting."""
    by_station = {s.id: s for s in _station_rows()}
    latest = Heartbeat.select(fn.MAX(Heartbeat.id)).group_by(Heartbeat.station)
    rows = Heartbeat.select(Heartbeat.station, Heartbeat.disk_free_bytes).where(Heartbeat.id.in_(latest)).tuples()
    minimum = cfg.alert_disk_min_mb * 1024 * 1024
    out = []
    for station_id, free in tuples_of(rows):
        s = by_station.get(station_id)
        if s is None or free is None or free >= minimum:
            continue
        mb = free // (1024 * 1024)
        out.append(Finding(
            f"disk:station:{station_id}", f"Sắp hết dung lượng: {_where(s)}",
            f"Loa: {_where(s)} chỉ còn {mb} MB trống (ngưỡng {cfg.alert_disk_min_mb} MB); đài có thể không "
            f"tải được bản tin mới.", s.area_id, station_id, "station", str(station_id), {"free_mb": mb}))
    return out


def recovered_disk(alert: Any, now: datetime) -> tuple[str, bool]:
    return "Dung lượng trống của đài đã đủ trở lại.", True


def find_clock(cfg: Settings, now: datetime) -> list[Finding]:
    out = []
    for s in _station_rows():
        if s.clock_trusted is False:
            out.append(Finding(
                f"clock:station:{s.id}", f"Đồng hồ không tin cậy: {_where(s)}",
                f"Loa: {_where(s)} báo đồng hồ chưa được đồng bộ (lệch {s.clock_offset_ms or 0} ms): "
                f"giờ phát có thể sai.", s.area_id, s.id, "station", str(s.id),
                {"offset_ms": s.clock_offset_ms}))
    return out


def recovered_clock(alert: Any, now: datetime) -> tuple[str, bool]:
    return "Đồng hồ của đài đã được đồng bộ lại.", True


# --- emergencies, approvals, deadlines ---------------------------------------------------------------


def find_emergency(cfg: Settings, now: datetime) -> list[Finding]:
    """Target stations of a running emergency not sounding after N minutes (``emergencies.steps``' late)."""
    out = []
    recent = (Emergency.select(Emergency, Schedule).join(Schedule)
              .where(Emergency.stopped_at.is_null() & (Emergency.created_at >= now - timedelta(days=1))))
    for e in recent:
        if emergencies.over(e, now):
            continue
        label = "THỬ NGHIỆM" if e.mode == EmergencyMode.TEST else "khẩn cấp"
        for r in emergencies.steps(e, now, late_after=cfg.emergency_late_minutes):
            if not r.late:
                continue
            s = r.station
            state = "đã nhận lệnh nhưng chưa phát" if r.delivered else "chưa nhận được lệnh"
            out.append(Finding(
                f"emergency:{e.id}:station:{s.id}", f"Lệnh {label} chưa phát tại đài «{s.name}»",
                f"Lệnh {label} «{e.title}» gửi lúc {when(e.created_at)}: đài «{s.name}» {state} sau "
                f"{cfg.emergency_late_minutes:g} phút.", s.area_id, s.id, "emergency", str(e.id),
                {"emergency_id": e.id, "delivered": r.delivered, "mode": e.mode}))
    return out


def recovered_emergency(alert: Any, now: datetime) -> tuple[str, bool]:
    e = Emergency.select(Emergency, Schedule).join(Schedule).where(Emergency.id == alert.object_id).first()
    if e is None or emergencies.over(e, now):
        return "Lệnh khẩn cấp đã kết thúc.", True
    return "Đài đã phát lệnh khẩn cấp.", True


def find_approval(cfg: Settings, now: datetime) -> list[Finding]:
    """Bulletins and schedules a second person has not decided on after N hours."""
    cutoff = now - timedelta(hours=cfg.alert_approval_hours)
    out = []
    bulletins = Bulletin.select().where((Bulletin.status == Approval.SUBMITTED) & (Bulletin.submitted_at <= cutoff))
    for b in bulletins:
        out.append(Finding(
            f"approval:bulletin:{b.id}", f"Bản tin chờ duyệt quá {cfg.alert_approval_hours:g} giờ: «{b.title}»",
            f"Bản tin «{b.title}» gửi duyệt lúc {when(b.submitted_at)} vẫn chưa được duyệt.",
            b.area_id, None, "bulletin", str(b.id)))
    # a schedule's last change before it waits is its submission (services.schedules updates it then)
    waiting = Schedule.select().where((Schedule.status == Approval.SUBMITTED) & (Schedule.deleted == False)  # noqa: E712
                                      & (Schedule.updated_at <= cutoff))
    for s in waiting:
        name = s.title or f"số {s.id}"
        out.append(Finding(
            f"approval:schedule:{s.id}", f"Lịch phát chờ duyệt quá {cfg.alert_approval_hours:g} giờ: «{name}»",
            f"Lịch phát «{name}» gửi duyệt lúc {when(s.updated_at)} vẫn chưa được duyệt.",
            s.area_id, None, "schedule", str(s.id)))
    return out


def recovered_approval(alert: Any, now: datetime) -> tuple[str, bool]:
    model = Bulletin if alert.object_type == "bulletin" else Schedule
    row = model.get_or_none(model.id == alert.object_id)
    done: dict[str, str] = {Approval.APPROVED: "đã được duyệt", Approval.REJECTED: "đã bị từ chối"}
    status = done.get(getattr(row, "status", ""), "")
    return (f"Đã xử lý: {status}." if status else "Không còn chờ duyệt."), True


def _periods(year: int) -> list[tuple[str, str, Area | None, date, date, date]]:
    """Report periods of ``year``: (key, name, area, from, to, deadline) from plans, else the presets."""
    rows = ReportPeriod.select(ReportPeriod, Plan).join(Plan).where(Plan.year == year)
    found = [(f"period:{p.id}", f"{p.name} ({p.plan.title})", p.plan.area, p.starts_on, p.ends_on, p.deadline)
             for p in rows]
    if found:
        return found
    from .plans import default_periods

    return [(f"preset:{year}:{p['code']}", p["name"], None, p["starts_on"], p["ends_on"], p["deadline"])
            for p in default_periods(year)]


def _submitted(area: Area | None, start: date, end: date) -> bool:
    q = Report.select().where((Report.status == Approval.SUBMITTED) & (Report.date_from == start) & (Report.date_to == end))
    if area is not None:
        q = q.where(Report.area == area.id)
    return q.exists()


def find_deadline(cfg: Settings, now: datetime) -> list[Finding]:
    """Report periods due within N days whose report is not submitted yet."""
    today = now.astimezone(ZONE).date()
    out = []
    for year in sorted({today.year, (today + timedelta(days=cfg.alert_deadline_days)).year}):
        for key, name, area, start, end, deadline in _periods(year):
            days = (deadline - today).days
            if not 0 <= days <= cfg.alert_deadline_days or _submitted(area, start, end):
                continue
            out.append(Finding(
                f"deadline:{key}", f"Sắp đến hạn nộp {name}: {deadline:%d/%m/%Y}",
                f"{name} (từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}) phải nộp trước {deadline:%d/%m/%Y}, còn "
                f"{days} ngày; chưa có báo cáo nào được nộp.", area.id if area else None, None, "report_period",
                key.split(":", 1)[1], {"deadline": deadline.isoformat(), "days_left": days}))
    return out


def recovered_deadline(alert: Any, now: datetime) -> tuple[str, bool]:
    deadline = date.fromisoformat(alert.detail.get("deadline", "1970-01-01"))
    if now.astimezone(ZONE).date() > deadline:
        return "Đã qua hạn nộp.", False
    return "Báo cáo đã được nộp.", True


CHECKS: tuple[Check, ...] = (
    Check("offline", find_offline, recovered_offline),
    Check("plays", find_plays, recovered_plays),
    Check("emergency", find_emergency, recovered_emergency),
    Check("approval", find_approval, recovered_approval),
    Check("deadline", find_deadline, recovered_deadline),
    Check("disk", find_disk, recovered_disk),
    Check("clock", find_clock, recovered_clock),
)
