"""Schedules (lịch phát): a bulletin or programme, targets, an RFC 5545 recurrence, a tier, grace.

Workflow: a schedule airs only when ``approved`` (``Schedule.airing``). It is created ``submitted``
(or ``draft`` with ``"submit": false``) and approved or rejected by an approver or admin other
than its creator (two-person rule, as for bulletins). An *emergency* schedule may only be made by
an approver or admin, and is approved at once: an emergency cannot wait for a second person, and
the bulletin it airs has already passed the two-person rule. Editing an approved schedule's
content sends it back to ``submitted`` (except emergencies); pausing (``active``) and deleting do
not need approval. Every change bumps the manifests of the stations targeted before and after.

Targets must lie in the actor's subtree. People see the schedules made in their subtree and those
that reach it (a target area in or above their area, or one of their stations). Times: ``dtstart`` is local wall-clock time in
``timezone``; an alternative ``repeat`` object uses the ``playlists.rules`` forms:
``{"form": "once"|"daily"|"weekly"|"monthly", "times": ["06:00", "17:30"], "first_day",
"last_day", "weekdays": ["MO", …], "days": [1, 15]}``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from peewee import JOIN, fn

from central import shapes
from central.auth import area_subtree_ids, check_area
from central.db import database, tuples_of
from central.errors import Conflict, Forbidden, Invalid, NotFound, Unprocessable
from central.messages import N_, msg
from central.models import (
    Area,
    Bulletin,
    Playlist,
    Schedule,
    ScheduleTarget,
    Station,
    User,
    utcnow,
)
from central.policy import APPROVERS, ancestors_of_user, check_owner, check_role
from central.services import area_tree, audit, manifests, relay_items, review
from central.services import bulletins as bulletins_service
from central.services import programmes as programmes_service
from central.shapes.workflow import ScheduleInput, SchedulePatch, Targets, TargetsInput
from central.times import parse_time
from central.words import Role
from playlists import model as pm
from playlists import rules
from playlists.errors import ScheduleError
from playlists.model import DEFAULT_ZONE, Priority
from playlists.words import Approval

log = logging.getLogger(__name__)

SCHEDULERS = (Role.EDITOR, Role.APPROVER, Role.ADMIN)
CONTENT_FIELDS = ("bulletin_id", "playlist_id", "relay", "targets", "dtstart", "rrule", "repeat", "timezone",
                  "priority", "grace_s", "valid_from", "valid_until", "exdates", "title")


# --- parsing: the shape is ScheduleInput's (central/shapes/workflow.py), the meaning is here ----------


def rule_from_repeat(repeat: Mapping[str, Any]) -> rules.Rule:
    """``dtstart``/``rrule`` from the operator's form (once, daily, weekly, monthly), checked by ``Repeat``."""
    times = [time.fromisoformat(t) for t in repeat["times"]]
    first = date.fromisoformat(repeat["first_day"])
    last = date.fromisoformat(repeat["last_day"]) if repeat.get("last_day") else None
    if repeat["form"] == "once":
        return rules.once(first, times)
    if repeat["form"] == "daily":
        return rules.daily(first, last or first, times)
    if repeat["form"] == "weekly":
        return rules.weekly(repeat.get("weekdays") or [], times, first, last)
    return rules.monthly(repeat.get("days") or [], times, first, last)


def _local(value: str | None, tzname: str, what: str) -> datetime:
    """A naive local time from ISO text; an aware value is converted into ``tzname``."""
    if not value:  # the document's "dtstart, or repeat", which the model states only as schema
        raise Invalid(msg("Thiếu %(what)s (giờ địa phương ISO, ví dụ 2026-12-01T06:00).", what=what), field=what)
    try:
        t = datetime.fromisoformat(value)
        if t.tzinfo is not None:
            t = t.astimezone(rules.zone(tzname)).replace(tzinfo=None)
    except (ValueError, OverflowError):  # the shape checked the form: no such day or hour, or not in 1–9999
        raise Unprocessable(msg("%(what)s '%(value)s' không phải thời gian ISO 8601 dùng được.", what=what, value=value), field=what) from None
    return t.replace(microsecond=0)


def _timing(data: Mapping[str, Any], tzname: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    try:
        rules.zone(tzname)
        if data.get("repeat") is not None:
            rule = rule_from_repeat(data["repeat"])
            out["dtstart"], out["rrule"] = rule.dtstart, rule.rrule
        else:
            out["dtstart"] = _local(data.get("dtstart"), tzname, "dtstart")
            out["rrule"] = (data.get("rrule") or "").strip()
    except ScheduleError as exc:
        raise Unprocessable(msg(exc.msgid, **exc.params), field="rrule") from exc
    out["exdates"] = [_local(x, tzname, "exdates").isoformat() for x in data.get("exdates") or []]
    return out


def parse(actor: User, data: Mapping[str, Any], current: Schedule | None = None) -> dict[str, Any]:
    """Column values (plus ``_targets``) from a request body; for an edit, missing keys keep theirs."""
    shapes.read(ScheduleInput if current is None else SchedulePatch, data)  # the API's own check, for every door

    def has(key: str) -> bool:
        return current is None or key in data

    out: dict[str, Any] = {}
    if has("bulletin_id") or has("playlist_id") or has("relay"):
        out.update(_content(actor, data))
    tzname = data.get("timezone") or (current.timezone if current else DEFAULT_ZONE)
    out["timezone"] = tzname
    if current is None or any(k in data for k in ("dtstart", "rrule", "repeat", "exdates", "timezone")):
        merged = dict(data)
        if current is not None and "dtstart" not in data and "repeat" not in data:
            merged.setdefault("dtstart", current.dtstart.isoformat())
            merged.setdefault("rrule", current.rrule)
        if current is not None and "exdates" not in data:
            merged["exdates"] = current.exdates or []
        out.update(_timing(merged, tzname))
    if has("priority"):
        out["priority"] = data.get("priority", Priority.NORMAL)
    if has("grace_s"):
        out["grace_s"] = data.get("grace_s")
    for key in ("valid_from", "valid_until"):
        if has(key):
            out[key] = parse_time(data.get(key), key)
    if has("title"):
        out["title"] = data.get("title") or ""
    if has("targets"):
        out["_targets"] = _targets(actor, data["targets"])
    return out


def _content(actor: User, data: Mapping[str, Any]) -> dict[str, Any]:
    bulletin_id, programme_id, relay = data.get("bulletin_id"), data.get("playlist_id"), data.get("relay")
    if [bulletin_id, programme_id, relay].count(None) != 2:  # the document's "exactly one of", schema only
        raise Invalid(msg("Chọn đúng một trong bulletin_id, playlist_id hoặc relay."))
    if relay is not None:
        return {"bulletin": None, "playlist": None,
                "relay": relay_items.parse(actor, 1, relay)}
    if bulletin_id is not None:
        b = bulletins_service.get(actor, bulletin_id)
        if b.status != Approval.APPROVED:
            raise Conflict(msg("Bản tin %(id)s chưa được duyệt (đang '%(status)s').", id=b.id, status=b.status))
        return {"bulletin": b, "playlist": None, "relay": None}
    return {"bulletin": None, "playlist": programmes_service.get(actor, data["playlist_id"]), "relay": None}


def _targets(actor: User, raw: Mapping[str, Any]) -> tuple[list[Area], list[Station]]:
    """The areas and stations ``raw`` (a ``TargetsInput``) names, each in ``actor``'s scope."""
    codes, ids = raw.get("areas") or [], raw.get("stations") or []
    if not (codes or ids):  # the document's "at least one target", schema only
        raise Invalid(msg("Cần ít nhất một đơn vị hoặc một đài nhận."), field="targets")
    areas = []
    for code in codes:
        a = Area.get_or_none(Area.code == code)
        if a is None:
            raise Unprocessable(msg("Không có đơn vị mã '%(code)s'.", code=code), field="targets")
        check_area(actor, a)
        areas.append(a)
    stations = []
    for station_id in ids:
        st = Station.get_or_none(Station.id == station_id)
        if st is None:
            raise Unprocessable(msg("Không có đài số %(station_id)s.", station_id=station_id), field="targets")
        check_area(actor, st.area_id)
        stations.append(st)
    return areas, stations


def targets_of(actor: User, raw: Any) -> tuple[list[Area], list[Station]]:
    """The areas and stations an emergency's or a live's targets (``SomeTargets``: more members ignored) name."""
    known = {k: raw[k] for k in ("areas", "stations") if k in raw} if isinstance(raw, Mapping) else raw
    return _targets(actor, shapes.read(TargetsInput, known).model_dump())


def target_stations(actor: User, raw: Any) -> tuple[list[Area], list[Station], set[int]]:
    """The target areas and stations ``raw`` names (checked against ``actor``'s scope) and the ids of
    every station they reach."""
    areas, stations = targets_of(actor, raw)
    return areas, stations, manifests.stations_under([a.id for a in areas]) | {st.id for st in stations}


def unsaved(actor: User, data: Mapping[str, Any]) -> tuple[Schedule, set[int]]:
    """An unsaved, validated schedule row from ``data`` (for a preview) and the stations it reaches."""
    fields = parse(actor, data)
    areas, stations = fields.pop("_targets")
    s = Schedule(id=0, area=actor.area_id, created_by=actor, **fields)
    validate(s)
    return s, manifests.stations_under([a.id for a in areas]) | {st.id for st in stations}


# --- the domain model, for validation and previews -----------------------------------------


def items_of(s: Schedule) -> list[pm.Item]:
    """What the schedule plays, as ``playlists`` items (every bulletin, whatever its status)."""
    if s.relay is not None:
        return [relay_items.model_item(s.relay, s.relay.get("duration_ms", 0), relay_items.preview_fallback)]
    if s.bulletin is not None:
        b = s.bulletin
        return [pm.Item(pm.ItemKind.BULLETIN, bulletin_id=b.id,
                        duration_ms=b.asset.duration_ms if b.asset is not None else 0)]
    items = []
    assert s.playlist is not None  # a schedule plays a relay, a bulletin or a programme (parse)
    for it in programmes_service.ordered_items(s.playlist):
        kind = pm.ItemKind(it.kind)
        if kind is pm.ItemKind.RELAY:
            items.append(relay_items.model_item(it.relay, it.duration_ms, relay_items.preview_fallback))
            continue
        items.append(pm.Item(kind, bulletin_id=it.bulletin_id, asset_sha256=it.asset_id,
                             duration_ms=programmes_service.item_duration(it)))
    return items


def to_model(s: Schedule) -> pm.Schedule:
    return pm.Schedule(
        id=s.id or 0,
        title=s.title or "",
        items=tuple(items_of(s)),
        dtstart=s.dtstart.replace(tzinfo=None),
        timezone=s.timezone,
        rrule=s.rrule or "",
        exdates=tuple(datetime.fromisoformat(x) for x in (s.exdates or [])),
        priority=pm.Priority(s.priority),
        grace_s=s.grace_s,
        valid_from=s.valid_from,
        valid_until=s.valid_until,
        play_by=s.play_by,
    )


def validate(s: Schedule) -> None:
    try:
        rules.validate(to_model(s))
    except ScheduleError as exc:
        raise Unprocessable(msg(exc.msgid, **exc.params)) from exc


# --- changes -------------------------------------------------------------------------------


def _check_tier(actor: User, priority: str) -> None:
    if priority == Priority.EMERGENCY and actor.role not in APPROVERS:
        raise Forbidden(
            msg("Chỉ người duyệt (hoặc quản trị) được đặt lịch phát khẩn cấp.")
        )


def _write_targets(s: Schedule, targets: tuple[list[Area], list[Station]]) -> None:
    ScheduleTarget.delete().where(ScheduleTarget.schedule == s).execute()
    for a in targets[0]:
        ScheduleTarget.create(schedule=s, area=a)
    for st in targets[1]:
        ScheduleTarget.create(schedule=s, station=st)


def _bump(s: Schedule) -> None:
    manifests.bump_for_schedule(s)


def create(actor: User, data: Mapping[str, Any]) -> Schedule:
    check_role(actor, SCHEDULERS, "đặt lịch phát")
    fields = parse(actor, data)
    targets = fields.pop("_targets")
    _check_tier(actor, fields["priority"])
    s = Schedule(area=actor.area_id, created_by=actor, **fields)
    if s.priority == Priority.EMERGENCY:
        s.status, s.approved_by = Approval.APPROVED, actor
    else:
        s.status = Approval.DRAFT if data.get("submit") is False else Approval.SUBMITTED
    validate(s)
    with database.atomic():
        s.save()
        _write_targets(s, targets)
        audit.record(actor, "schedule.create", s, status=s.status, priority=s.priority,
                     areas=[a.code for a in targets[0]], stations=[t.id for t in targets[1]])
        _bump(s)
    log.info("schedule %s created by %s (%s, %s)", s.id, actor.name, s.priority, s.status)
    return s


def update(actor: User, schedule_id: int, data: Mapping[str, Any]) -> Schedule:
    """Change a schedule; content changes of an approved non-emergency one need approval again."""
    check_role(actor, SCHEDULERS, "sửa lịch phát")
    s = get(actor, schedule_id)
    check_owner(actor, s.area_id, "Lịch phát")
    fields = parse(actor, data, current=s)
    targets = fields.pop("_targets", None)
    _check_tier(actor, fields.get("priority", s.priority))
    if s.priority == Priority.EMERGENCY and actor.role not in APPROVERS:
        raise Forbidden(msg("Chỉ người duyệt được sửa lịch phát khẩn cấp."))
    content_changed = any(k in data for k in CONTENT_FIELDS)
    with database.atomic():
        _bump(s)  # the stations targeted before the change
        for k, v in fields.items():
            setattr(s, k, v)
        if "active" in data:
            s.active = bool(data["active"])
        if content_changed and s.status == Approval.APPROVED and s.priority != "emergency":
            s.status, s.approved_by = Approval.SUBMITTED, None
        if s.priority == Priority.EMERGENCY and s.status != Approval.APPROVED:
            s.status, s.approved_by = Approval.APPROVED, actor
        s.updated_at = utcnow()
        validate(s)
        s.save()
        if targets is not None:
            _write_targets(s, targets)
        audit.record(actor, "schedule.update", s, fields=sorted(k for k in data if k != "submit"),
                     status=s.status)
        _bump(s)  # and after it
    return s


def delete(actor: User, schedule_id: int) -> None:
    check_role(actor, SCHEDULERS, "xóa lịch phát")
    s = get(actor, schedule_id)
    check_owner(actor, s.area_id, "Lịch phát")
    if s.priority == Priority.EMERGENCY and actor.role not in APPROVERS:
        raise Forbidden(msg("Chỉ người duyệt được xóa lịch phát khẩn cấp."))
    with database.atomic():
        s.deleted, s.updated_at = True, utcnow()
        s.save()
        audit.record(actor, "schedule.delete", s, title=s.title)
        _bump(s)


# --- reading -------------------------------------------------------------------------------


def visible(user: User) -> Any:
    """Schedules ``user`` may see: owned in their subtree, or reaching it (through a target area
    in it or above it, or a station in it); None = all."""
    scope = area_subtree_ids(user)
    if scope is None:
        return None
    reach = sorted(scope | set(ancestors_of_user(user)))
    station_ids = Station.select(Station.id).where(Station.area.in_(sorted(scope)))
    targeted = ScheduleTarget.select(ScheduleTarget.schedule).where(
        ScheduleTarget.area.in_(reach) | ScheduleTarget.station.in_(station_ids)
    )
    return Schedule.area.in_(sorted(scope)) | Schedule.id.in_(targeted)


def listing(user: User, station: int | None = None, area: str | None = None,
            status: str | None = None) -> list[Schedule]:
    q = Schedule.select().where(Schedule.deleted == False)  # noqa: E712
    cond = visible(user)
    if cond is not None:
        q = q.where(cond)
    if status:
        q = q.where(Schedule.status == status)
    if station is not None:

        st = Station.get_or_none(Station.id == station)
        if st is None:
            return []
        ids = ScheduleTarget.select(ScheduleTarget.schedule).where(
            (ScheduleTarget.station == st.id)
            | ScheduleTarget.area.in_(area_tree.ancestor_ids(st.area_id))
        )
        q = q.where(Schedule.id.in_(ids))
    if area:
        a = Area.get_or_none(Area.code == area)
        if a is None:
            return []
        q = q.where(Schedule.id.in_(ScheduleTarget.select(ScheduleTarget.schedule)
                                    .where(ScheduleTarget.area == a)))
    rows = list(_with_relations(q).order_by(Schedule.id.desc()))
    _attach_targets(rows)
    return rows


def _with_relations(q: Any) -> Any:
    """Join what ``answer`` shows, so a list costs a few queries, not several per row."""
    creator, approver = User.alias(), User.alias()
    return (
        q.select_extend(Bulletin, Playlist, Area, creator, approver)
        .join_from(Schedule, Bulletin, JOIN.LEFT_OUTER)
        .join_from(Schedule, Playlist, JOIN.LEFT_OUTER)
        .join_from(Schedule, Area, JOIN.LEFT_OUTER)
        .join_from(Schedule, creator, JOIN.LEFT_OUTER, on=(Schedule.created_by == creator.id),
                   attr="created_by")
        .join_from(Schedule, approver, JOIN.LEFT_OUTER, on=(Schedule.approved_by == approver.id),
                   attr="approved_by")
    )


def _attach_targets(rows: list[Schedule]) -> None:
    """Load every row's targets in one query (``answer`` reads them from ``_targets``)."""
    by_id: dict[int, tuple[list[str], list[int]]] = {s.id: ([], []) for s in rows}
    if not by_id:
        return
    q = (ScheduleTarget.select(ScheduleTarget.schedule, ScheduleTarget.station, Area.code)
         .join(Area, JOIN.LEFT_OUTER).where(ScheduleTarget.schedule.in_(sorted(by_id))).tuples())
    for schedule_id, station_id, code in tuples_of(q):
        if code is not None:
            by_id[schedule_id][0].append(code)
        if station_id is not None:
            by_id[schedule_id][1].append(station_id)
    for s in rows:
        s._targets = by_id[s.id]


def waiting_count(user: User) -> int:
    """How many submitted schedules ``user`` may see wait for someone other than their author."""
    q = Schedule.select().where((Schedule.deleted == False) & (Schedule.status == Approval.SUBMITTED)  # noqa: E712
                                & (Schedule.created_by.is_null() | (Schedule.created_by != user.id)))
    cond = visible(user)
    return int((q if cond is None else q.where(cond)).count())


def get(user: User, schedule_id: int) -> Schedule:
    s = Schedule.get_or_none((Schedule.id == schedule_id) & (Schedule.deleted == False))  # noqa: E712
    cond = visible(user)
    if s is not None and cond is not None:
        seen = Schedule.select(fn.COUNT(Schedule.id)).where((Schedule.id == schedule_id) & cond).scalar()
        s = s if seen else None
    if s is None:
        raise NotFound(msg("Không có lịch phát số %(sid)s.", sid=schedule_id))
    return s


# --- review (the steps are services.review's) --------------------------------------------------


def _ready(s: Schedule) -> None:
    """409 unless what the schedule airs has passed its own review."""
    if s.bulletin is not None and s.bulletin.status != Approval.APPROVED:
        raise Conflict(msg("Bản tin %(id)s chưa được duyệt.", id=s.bulletin_id))
    relay_items.check_approvable(s)


def _columns(verb: str, actor: User, _reason: str | None) -> dict[str, Any]:
    """A schedule keeps only its approver (a rejection's reason is in the audit log)."""
    return {"approved_by": actor} if verb == "approve" else {}


KIND: review.Kind[Schedule] = review.Kind(
    model=Schedule, action="schedule", label="schedule", noun="lịch phát", find=get,
    bump=lambda s, _before: _bump(s), submitters=SCHEDULERS, author="created_by", ready=_ready, columns=_columns,
    wrong_state=N_("Không thể %(doing)s lịch phát đang '%(status)s'."),
    own=N_("Không ai được tự duyệt lịch phát của mình."), own_reject=N_("Không ai tự quyết định lịch phát của mình."),
)


submit, approve, reject = KIND.submit, KIND.approve, KIND.reject  # the steps, written once in services.review


def label(s: Schedule) -> str:
    """What a schedule is called: its own title, else what it plays (a bulletin, programme or relay)."""
    b: Bulletin | None = s.bulletin if s.bulletin_id else None
    p: Playlist | None = s.playlist if s.playlist_id else None
    return s.title or (b.title if b else p.name if p else relay_items.title(s.relay))


def answer(s: Schedule) -> shapes.workflow.Schedule:
    if getattr(s, "_targets", None) is None:
        _attach_targets([s])
    areas, stations = s._targets
    return shapes.workflow.Schedule(
        id=s.id,
        title=label(s),
        bulletin_id=s.bulletin_id,
        playlist_id=s.playlist_id,
        relay=relay_items.describe_schedule(s.relay),
        targets=Targets(areas=sorted(areas), stations=sorted(stations)),
        dtstart=s.dtstart.isoformat(),
        rrule=s.rrule,
        exdates=list(s.exdates or []),
        timezone=s.timezone,
        priority=s.priority,
        grace_s=s.grace_s,
        valid_from=s.valid_from.isoformat() if s.valid_from else None,
        valid_until=s.valid_until.isoformat() if s.valid_until else None,
        status=s.status,
        active=s.active,
        area_code=s.area.code if s.area is not None else None,
        created_by=s.created_by.name if s.created_by is not None else None,
        approved_by=s.approved_by.name if s.approved_by is not None else None,
    )
