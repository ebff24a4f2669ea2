"""Schedule a campaign in one action: its bulletins in rotation over its days, at chosen times, for chosen areas.

Rotation: the campaign's slots, taken day by day and within a day by time, play its bulletins in turn
(slot k plays bulletin k mod n). That pattern repeats every ``n / gcd(times, n)`` days, so it is a
handful of ordinary daily schedules with an INTERVAL, not one row per airing. Each goes through the
schedules service: created ``submitted`` and approved by a second person (two-person rule), like any
other schedule. A campaign already running is scheduled from today, not from its first day.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from math import gcd
from typing import Any

from central import shapes
from central.db import database
from central.errors import Conflict
from central.messages import msg
from central.models import Bulletin, Campaign, Schedule, User
from central.policy import check_role
from central.services import audit, schedules
from central.services import bulletins as bulletins_service
from central.services import campaigns as campaigns_service
from central.shapes.plans import CampaignSchedule
from playlists import rules
from playlists.words import Approval


@dataclass(frozen=True)
class Slot:
    """One schedule of a rotation: a bulletin (by index), its first day, its times, every ``interval`` days."""

    bulletin: int
    first_day: date
    times: tuple[time, ...]
    interval: int


def rotation(first: date, last: date, times: Sequence[time], n: int) -> list[Slot]:
    """The daily schedules that play ``n`` bulletins in turn over ``first``…``last`` at ``times``."""
    if n < 1 or not times or last < first:
        return []
    period = n // gcd(len(times), n)
    grouped: dict[tuple[int, int], list[time]] = {}
    for d in range(min(period, (last - first).days + 1)):
        for i, t in enumerate(times):
            grouped.setdefault((d, (d * len(times) + i) % n), []).append(t)
    return [Slot(b, first + timedelta(days=d), tuple(ts), period) for (d, b), ts in sorted(grouped.items())]


def _bulletins(actor: User, c: Campaign, raw: list[int]) -> list[Bulletin]:
    """The bulletins to rotate: those given (by id), else the campaign's approved ones, oldest first."""
    if raw:
        rows = [bulletins_service.get(actor, bid) for bid in dict.fromkeys(raw)]
    else:
        rows = sorted(bulletins_service.listing(actor, status=Approval.APPROVED, campaign=str(c.id)), key=lambda b: b.id)
    if not rows:
        raise Conflict(msg("Đợt tuyên truyền chưa có bản tin đã duyệt."))
    for b in rows:
        if b.status != Approval.APPROVED:
            raise Conflict(msg("Bản tin %(id)s chưa được duyệt.", id=b.id))
    return rows


def _days(c: Campaign, data: Mapping[str, Any], today: date) -> tuple[date, date]:
    first = max(c.starts_on, today)
    if data.get("first_day"):
        first = max(first, date.fromisoformat(data["first_day"]))
    last = min(c.ends_on, date.fromisoformat(data["last_day"])) if data.get("last_day") else c.ends_on
    if last < first:
        raise Conflict(msg("Đợt tuyên truyền đã kết thúc, không còn ngày nào để phát."))
    return first, last


def _rrule(slot: Slot, last: date) -> str:
    text = rules.daily(slot.first_day, last, list(slot.times)).rrule
    if slot.interval == 1:
        return text
    return text.replace("FREQ=DAILY", f"FREQ=DAILY;INTERVAL={slot.interval}")


def schedule(actor: User, cid: int, data: Mapping[str, Any], today: date) -> list[Schedule]:
    """Make (and submit, unless ``submit`` is false) the rotation's schedules for ``data["targets"]``."""
    check_role(actor, schedules.SCHEDULERS, "đặt lịch phát")
    c = campaigns_service.get(actor, cid)
    shape = shapes.read(CampaignSchedule, data)  # the API's own check, for the web form too
    times = sorted({time.fromisoformat(t) for t in shape.times})
    chosen = _bulletins(actor, c, shape.bulletin_ids)
    first, last = _days(c, data, today)
    priority = shape.priority
    raw = data.get("targets") or {}
    targets = {k: raw.get(k) or [] for k in ("areas", "stations")}  # its open shape may carry more: a schedule's not
    made = []
    with database.atomic():
        for slot in rotation(first, last, times, len(chosen)):
            b = chosen[slot.bulletin]
            made.append(schedules.create(actor, {
                "title": f"{c.name} — {b.title}"[:300], "bulletin_id": b.id, "targets": targets,
                "dtstart": datetime.combine(slot.first_day, slot.times[0]).isoformat(),
                "rrule": _rrule(slot, last), "priority": priority, "submit": data.get("submit", True)}))
        audit.record(actor, "campaign.schedule", c, schedules=[s.id for s in made], first_day=str(first),
                     last_day=str(last), times=[t.strftime("%H:%M") for t in times])
    return made


def scheduled_campaign_ids(campaign_ids: Sequence[int]) -> set[int]:
    """Those of ``campaign_ids`` that have a live (not deleted, not rejected) schedule of one of their bulletins."""
    if not campaign_ids:
        return set()
    q = (Bulletin.select(Bulletin.campaign).join(Schedule, on=(Schedule.bulletin == Bulletin.id))
         .where(Bulletin.campaign.in_(list(campaign_ids)) & (Schedule.deleted == False)  # noqa: E712
                & (Schedule.status != Approval.REJECTED)).distinct())
    return {row.campaign_id for row in q if row.campaign_id is not None}
