"""The calendar (lịch tháng): a month of observances, campaigns, schedules and report deadlines, per area.

An area narrows it to what concerns that area: campaigns and plans owned province-wide, above, at or
below it, and schedules with a target there (an area above, at or below it, or one of its stations).
Schedules are shown by their airings that day (local time), approved or waiting for approval.
"""

from __future__ import annotations

import calendar as cal
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from central.errors import Invalid, NotFound
from central.messages import msg
from central.models import Area, Campaign, Schedule, ScheduleTarget, Station, User
from central.services import campaigns as campaigns_service
from central.services import plans as plans_service
from central.services import schedules as schedules_service
from central.services.area_tree import ancestor_ids, subtree_ids
from central.services.campaign_schedule import scheduled_campaign_ids
from central.times import ZONE
from playlists import rules
from playlists.errors import ScheduleError
from playlists.words import Approval

MAX_AIRINGS_PER_DAY = 50  # shown per day; the rest are counted
_ORDER = {"deadline": 0, "observance": 1, "campaign": 2, "schedule": 3}


def today() -> date:
    return datetime.now(ZONE).date()


def month_range(year: int, month: int) -> tuple[date, date]:
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise Invalid(msg("Tháng phải dạng YYYY-MM trong 2000–2100."), field="month")
    return date(year, month, 1), date(year, month, cal.monthrange(year, month)[1])


def _related_areas(area: Area | None) -> set[int] | None:
    """Areas whose rows concern ``area``: its ancestors and its subtree (None = no narrowing)."""
    return None if area is None else set(ancestor_ids(area.id)) | subtree_ids(area.id)


def _concerns(owner: int | None, related: set[int] | None) -> bool:
    return related is None or owner is None or owner in related


def _area(code: str | None) -> Area | None:
    if not code:
        return None
    a = Area.get_or_none(Area.code == code)
    if a is None:
        raise NotFound(msg("Không có đơn vị mã '%(code)s'.", code=code))
    return a


def month(user: User, year: int, month_no: int, area_code: str | None = None) -> dict[str, Any]:
    """Every day of the month with its events, each ``{"kind", "title", …}``, in a stable order."""
    first, last = month_range(year, month_no)
    related = _related_areas(_area(area_code))
    days: dict[date, list[dict[str, Any]]] = {first + timedelta(d): [] for d in range((last - first).days + 1)}
    for c in campaigns_service.listing(user, between=(first, last)):
        if _concerns(c.area_id, related):
            _add_campaign(days, c)
    for p in plans_service.periods(user, first, last):
        if _concerns(p.plan.area_id, related):
            days[p.deadline].append({"kind": "deadline", "title": p.name, "plan_id": p.plan_id,
                                     "plan_title": p.plan.title, "period": p.code})
    for s in _schedules(user, related):
        _add_airings(days, s, first, last)
    for evs in days.values():  # deadlines first, then the day's drives, then airings by time
        evs.sort(key=lambda e: (_ORDER[e["kind"]], (e.get("times") or [""])[0], e["title"]))
    return {"year": year, "month": month_no, "area_code": area_code or None,
            "days": [{"date": d.isoformat(), "events": evs} for d, evs in days.items()]}


def _add_campaign(days: dict[date, list[dict[str, Any]]], c: Campaign) -> None:
    kind = "observance" if c.starts_on == c.ends_on else "campaign"
    for d in days:
        if c.starts_on <= d <= c.ends_on:
            days[d].append({"kind": kind, "title": c.name, "campaign_id": c.id,
                            "starts_on": c.starts_on.isoformat(), "ends_on": c.ends_on.isoformat()})


def _schedules(user: User, related: set[int] | None) -> list[Schedule]:
    rows = [s for s in schedules_service.listing(user) if s.status in (Approval.APPROVED, Approval.SUBMITTED) and s.active]
    if related is None:
        return rows
    stations = {st.id for st in Station.select(Station.id).where(Station.area.in_(sorted(related)))}
    reach = {t.schedule_id for t in ScheduleTarget.select().where(
        ScheduleTarget.area.in_(sorted(related)) | ScheduleTarget.station.in_(sorted(stations) or [0]))}
    return [s for s in rows if s.id in reach]


def _add_airings(days: dict[date, list[dict[str, Any]]], s: Schedule, first: date, last: date) -> None:
    tz = ZoneInfo(s.timezone)
    lo = datetime.combine(first, time(), tz).astimezone(UTC)
    hi = datetime.combine(last + timedelta(days=1), time(), tz).astimezone(UTC)
    try:
        starts = rules.occurrences(schedules_service.to_model(s), lo, hi)
    except ScheduleError:
        return  # an old schedule whose rule no longer expands shows nothing rather than breaking the month
    for day, times in _by_day(t.astimezone(tz) for t in starts).items():
        if day in days:
            days[day].append({"kind": "schedule", "title": s.title or _content_title(s), "schedule_id": s.id,
                              "status": s.status, "times": times[:MAX_AIRINGS_PER_DAY], "count": len(times)})


def _by_day(starts: Iterable[datetime]) -> dict[date, list[str]]:
    out: dict[date, list[str]] = {}
    for t in starts:
        out.setdefault(t.date(), []).append(t.strftime("%H:%M"))
    return out


def _content_title(s: Schedule) -> str:
    if s.bulletin is not None:
        return str(s.bulletin.title)
    return str(s.playlist.name) if s.playlist is not None else ""


def upcoming(user: User, on: date, days: int = 30, soon: int = 14) -> dict[str, Any]:
    """For the dashboard: deadlines due within ``days``, and campaigns starting within ``soon`` days unscheduled."""
    due = [{"plan_id": p.plan_id, "plan_title": p.plan.title, **plans_service.period_answer(p).model_dump(),
            "days_left": (p.deadline - on).days} for p in plans_service.periods(user, on, on + timedelta(days))]
    starting = [c for c in campaigns_service.listing(user, between=(on, on + timedelta(soon)))
                if c.starts_on >= on]
    planned = scheduled_campaign_ids([c.id for c in starting])
    return {"deadlines": due,
            "unscheduled_campaigns": [{"campaign": campaigns_service.answer(c).model_dump(mode="json"), "days_left": (c.starts_on - on).days}
                                      for c in starting if c.id not in planned]}
