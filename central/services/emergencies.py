"""Emergencies (phát khẩn cấp): send, stop, all-clear, and time-to-air per station.

An emergency is an approved emergency-tier schedule (``services.schedules``) plus this record: LIVE or
TEST, the audio (an approved bulletin, or a standing alert's, cached in advance), "play no later
than" (``play_by``, default 30 minutes: a station that receives it later logs it missed, ``stale``)
and its stop. A TEST names its stations one by one and never reaches an area: it plays only there,
its schedule title says THỬ NGHIỆM, and it is listed and exported as a test.

Delivery travels two ways at once: the signed manifest (every target's version is bumped; it
reconciles everything, and stations without the push channel get it by poll), and where the push
channel exists, a signed emergency order per area topic (``_publish``).

Time-to-air, per target station (``steps``): created → nudged (the order went out; "—" without the
push channel) → manifest fetched (its manifest GET served a version that carries the emergency,
``note_manifest``) → audio ready (the station's heartbeat says when it had the audio verified,
``note_heartbeat``; a standing alert's audio was usually ready before the emergency) → sound
started (heartbeat's now playing, or the play log's ``started_at``). The two words every view uses
are defined here once: a station is **delivered** when it holds the emergency (fetched the manifest
that carries it, or has its audio ready or sounding from the order), and **sounding** when its sound
started. A station not sounding ``late_minutes`` after the emergency was sent is **late**.
"""

from __future__ import annotations

import csv
import io
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypedDict

from central.auth import area_subtree_ids, check_area
from central.config import settings
from central.db import database, tuples_of
from central.errors import Conflict, NotFound, Unprocessable
from central.messages import msg
from central.models import (
    Area,
    Bulletin,
    Emergency,
    EmergencyDelivery,
    PlayLog,
    Schedule,
    Station,
    User,
    utcnow,
)
from central.policy import APPROVERS, check_role
from central.services import audit, manifests, standing_alerts
from central.services import schedules as schedules_service
from central.shapes import emergencies as shapes
from central.shapes import read
from central.shapes.workflow import SomeTargets, Targets
from central.times import ZONE
from central.words import EmergencyMode
from playlists import orders
from playlists.model import DEFAULT_ZONE, Priority
from playlists.words import Approval, PlayStatus

log = logging.getLogger(__name__)

LATE_MINUTES_DEFAULT = 5.0
_NOT_STARTED = (PlayStatus.MISSED, PlayStatus.SKIPPED)  # a play log of any other status started the player


# --- sending -------------------------------------------------------------------------------------


def read_body(data: Mapping[str, Any]) -> shapes.EmergencyNew:
    """The body as the API's shape: a web form's minutes come as its text (the API's were checked already)."""
    return read(shapes.EmergencyNew, data, form=True)


def choose_audio(actor: User, body: shapes.EmergencyNew) -> tuple[Bulletin, Any]:
    """The bulletin to air and the standing alert it comes from (or None)."""
    if body.standing_alert:
        alert = standing_alerts.by_key(actor, body.standing_alert)
        if alert.bulletin.status != Approval.APPROVED:
            raise Conflict(msg("Bản ghi của cảnh báo '%(key)s' không còn được duyệt.", key=alert.key))
        return alert.bulletin, alert
    if "bulletin_id" not in body.model_fields_set:
        raise Unprocessable(msg("Chọn một cảnh báo soạn sẵn hoặc một bản tin đã duyệt."),
                      field="bulletin_id")
    from central.services import bulletins as bulletins_service

    bid = body.bulletin_id
    if not 0 < bid < 2**63:  # beyond a row id: none
        raise NotFound(msg("Không có bản tin số %(bid)s.", bid=bid))
    return bulletins_service.get(actor, bid), None


def check_targets(mode: str, given: SomeTargets) -> dict[str, list[Any]]:
    """A TEST names stations one by one and never an area."""
    areas, stations = list(given.areas), list(given.stations)
    if mode == EmergencyMode.TEST and areas:
        raise Unprocessable(msg("Phát THỬ chỉ tới từng đài được chọn, không tới cả đơn vị."), field="targets.areas")
    if mode == EmergencyMode.TEST and not stations:
        raise Unprocessable(msg("Chọn đài để phát THỬ."), field="targets.stations")
    return {"areas": areas, "stations": stations}


def review(user: User, data: Mapping[str, Any]) -> dict[str, Any]:
    """What the confirmation step shows before sending: the audio and every station it will reach."""
    body = read_body(data)
    bulletin, alert = choose_audio(user, body)
    areas, _stations, ids = schedules_service.target_stations(user, check_targets(body.mode, body.targets))
    return {"bulletin": bulletin, "alert": alert, "areas": areas,
            "stations": list(Station.select().where(Station.id.in_(sorted(ids))).order_by(Station.name))}


def create(actor: User, data: Mapping[str, Any], all_clear_of: Emergency | None = None) -> Emergency:
    """Send an emergency now: ``{"standing_alert": key | "bulletin_id", "mode", "targets",
    "play_by_minutes", "valid_minutes", "title"}``; approvers only."""
    check_role(actor, APPROVERS, "phát khẩn cấp")
    body = read_body(data)
    mode = body.mode
    bulletin, alert = choose_audio(actor, body)
    targets = check_targets(mode, body.targets)
    sent = utcnow()  # the instant (to the ms the API shows): time-to-air and "cached before" count from it
    sent = sent.replace(microsecond=sent.microsecond // 1000 * 1000)
    now = sent.replace(microsecond=0)  # the schedule's start: a whole second, as rules want
    play_by = sent + timedelta(minutes=body.play_by_minutes)
    until = now + max(timedelta(minutes=body.valid_minutes), play_by - sent)
    title = _title(mode, body.title.strip() or (alert.name if alert else bulletin.title))
    local = now.astimezone(ZONE).replace(tzinfo=None)
    schedule = {"bulletin_id": bulletin.id, "title": title, "dtstart": local.isoformat(), "rrule": "",
                "timezone": DEFAULT_ZONE, "priority": "emergency", "valid_until": until.isoformat(),
                "targets": targets}
    with database.atomic():  # the manifests that carry it are bumped in here: play_by goes with them
        s = schedules_service.create(actor, schedule)
        Schedule.update(play_by=play_by).where(Schedule.id == s.id).execute()
        e = Emergency.create(schedule=s, bulletin=bulletin, standing_alert=alert, mode=mode, title=title,
                             area=actor.area_id, play_by=play_by, created_by=actor, created_at=sent,
                             all_clear_of=all_clear_of)
        _deliveries(e)
        audit.record(actor, "emergency.create", e, mode=mode, schedule=s.id, bulletin=bulletin.id,
                     standing_alert=alert.key if alert else None, play_by=play_by.isoformat(), **targets)
    log.warning("EMERGENCY %s (%s) sent by %s to %s", e.id, mode, actor.name, targets)
    _publish(e, "start")
    return e


def _title(mode: str, text: str) -> str:
    head = "THỬ NGHIỆM" if mode == EmergencyMode.TEST else "KHẨN CẤP"
    return (text if text.startswith(head) else f"{head}: {text}")[:300]  # a schedule's title holds 300


def _deliveries(e: Emergency) -> None:
    """One row per target, with the manifest version (just bumped) that first carries the emergency."""
    ids = sorted(manifests.stations_for_schedule(e.schedule_id))
    rows = [{"emergency": e.id, "station": station_id, "carried_version": v}
            for station_id, v in tuples_of(Station.select(Station.id, Station.manifest_version)
                                    .where(Station.id.in_(ids)))]
    for start in range(0, len(rows), 500):
        EmergencyDelivery.insert_many(rows[start:start + 500]).execute()


def _publish(e: Emergency, action: str) -> None:
    """The signed order on the push channel, if this central has one; the manifest carries it anyway.

    The order goes first: the nudges of the thousands of stations whose manifests were bumped
    follow when the request ends (``services.push``), and an emergency must not wait behind them.
    """
    try:
        from central.services import push

        conf = settings()
    except (ImportError, RuntimeError):
        return
    if not getattr(conf, "mqtt_url", None) or not hasattr(push, "publish_order"):
        return
    try:
        seq = push.publish_order(_order(e, action), conf)
    except Exception:  # the push channel is a shortcut: without it the manifest still delivers
        log.exception("emergency %s: the push channel refused the %s order", e.id, action)
        return
    if action == "start" and seq is not None:
        e.nudged_at, e.order_seq = utcnow(), seq
        Emergency.update(nudged_at=e.nudged_at, order_seq=seq).where(Emergency.id == e.id).execute()


def _order(e: Emergency, action: str) -> Any:
    """The signed order's content (``playlists.orders``); the push service numbers and signs it."""
    s = Schedule.get_by_id(e.schedule_id)
    areas, stations = _target_lists(s)
    asset = e.bulletin.asset
    assert asset is not None  # an emergency's audio is an approved bulletin's (choose_audio)
    start = action == "start"
    return orders.EmergencyOrder(
        order_id=e.order_id if start else str(uuid.uuid4()), seq=1, action=action, mode=e.mode,
        schedule_id=s.id, asset_sha256=asset.sha256 if start else None, asset_size=asset.size if start else None,
        duration_ms=asset.duration_ms, title=e.title, areas=tuple(areas), stations=tuple(stations),
        issued_at=utcnow(), play_by=e.play_by, valid_until=s.valid_until or e.play_by,
        stops=None if start else e.order_id,
    )


def _target_lists(s: Schedule) -> tuple[list[str], list[int]]:
    targets = schedules_service.answer(s).targets
    return targets.areas, targets.stations


# --- stopping --------------------------------------------------------------------------------------


def stop(actor: User, eid: int) -> Emergency:
    """End an emergency on every station: off the manifests now, and a stop order on the push channel."""
    check_role(actor, APPROVERS, "dừng phát khẩn cấp")
    e = get(actor, eid)
    check_area(actor, e.area_id)
    if e.stopped_at is not None:
        return e
    _end(actor, e, "emergency.stop")
    _publish(e, "stop")
    return e


def _end(actor: User, e: Emergency, action: str, **detail: Any) -> None:
    now = utcnow()
    with database.atomic():
        Schedule.update(active=False, updated_at=now).where(Schedule.id == e.schedule_id).execute()
        e.stopped_at, e.stopped_by = now, actor
        e.save()
        audit.record(actor, action, e, schedule=e.schedule_id, **detail)
        manifests.bump_for_schedule(e.schedule_id)
    log.warning("EMERGENCY %s stopped by %s", e.id, actor.name)


def stop_area(actor: User, area_code: str) -> tuple[list[Emergency], list[Emergency]]:
    """Stop every running emergency that reaches a station in the area (an approver's big red button).

    Returns (stopped, left): ``left`` are the ones reaching the area that were sent from above the
    actor's scope, which only someone there may stop.
    """
    check_role(actor, APPROVERS, "dừng phát khẩn cấp")
    area = Area.get_or_none(Area.code == str(area_code))
    if area is None:
        raise Unprocessable(msg("Không có đơn vị mã '%(code)s'.", code=area_code), field="area")
    check_area(actor, area)
    inside = manifests.stations_under([area.id])
    stopped, left = [], []
    for e in running(actor):
        if not inside & manifests.stations_for_schedule(e.schedule_id):
            continue
        scope = area_subtree_ids(actor)
        if scope is not None and e.area_id not in scope:
            left.append(e)
            continue
        _end(actor, e, "emergency.stop_area", area=area.code)
        _publish(e, "stop")
        stopped.append(e)
    return stopped, left


def all_clear(actor: User, eid: int) -> Emergency:
    """Stop the emergency and send the prepared all-clear (standing alert ``all_clear``) to its targets."""
    e = get(actor, eid)
    alert = standing_alerts.by_key(actor, standing_alerts.ALL_CLEAR)
    areas, stations = _target_lists(Schedule.get_by_id(e.schedule_id))
    stop(actor, eid)
    body = {"standing_alert": alert.key, "mode": e.mode, "targets": {"areas": areas, "stations": stations}}
    return create(actor, body, all_clear_of=e)


# --- reading ---------------------------------------------------------------------------------------


def _visible(user: User) -> Any:
    q = Emergency.select(Emergency, Schedule).join(Schedule)
    cond = schedules_service.visible(user)
    return q if cond is None else q.where(cond)


def listing(user: User, limit: int = 100) -> list[Emergency]:
    return list(_visible(user).order_by(Emergency.id.desc()).limit(limit))


def running(user: User) -> list[Emergency]:
    return [e for e in _visible(user).where(Emergency.stopped_at.is_null()).order_by(Emergency.id)
            if not over(e)]


def on_air(user: User, now: datetime | None = None) -> list[Schedule]:
    """Emergency-tier schedules airing now or sent in the last day that reach ``user``'s area.

    Reaching is the schedules' own visibility: sent from the viewer's subtree, or aimed at it (so a
    province emergency aimed at a commune shows on that commune's dashboard).
    """
    now = now or utcnow()
    q = Schedule.select().where(Schedule.airing(), Schedule.priority == Priority.EMERGENCY,
                                Schedule.valid_until.is_null() | (Schedule.valid_until > now),
                                Schedule.created_at >= now - timedelta(days=1))
    cond = schedules_service.visible(user)
    return list((q if cond is None else q.where(cond)).order_by(Schedule.created_at.desc()))


def over(e: Emergency, now: datetime | None = None) -> bool:
    """Stopped, or past its schedule's validity."""
    now = now or utcnow()
    until = e.schedule.valid_until
    return e.stopped_at is not None or (until is not None and until <= now)


def get(user: User, eid: int) -> Emergency:
    e = _visible(user).where(Emergency.id == eid).first() if 0 < eid < 2**63 else None  # beyond a row id: none
    if e is None:
        raise NotFound(msg("Không có lệnh khẩn cấp số %(eid)s.", eid=eid))
    return e


def by_schedule(user: User, schedule_id: int) -> Emergency | None:
    """The emergency sent as schedule ``schedule_id`` (None for an emergency-tier schedule made directly)."""
    e = Emergency.get_or_none(Emergency.schedule == schedule_id)
    return None if e is None else get(user, e.id)


def test_schedules(schedule_ids: Any) -> set[int]:
    """Of these schedule ids, those of TEST emergencies: their play logs are reported as tests."""
    ids = sorted({int(i) for i in schedule_ids if i is not None})
    if not ids:
        return set()
    q = Emergency.select(Emergency.schedule).where(Emergency.schedule.in_(ids) & (Emergency.mode == EmergencyMode.TEST))
    return {schedule_id for (schedule_id,) in tuples_of(q)}


# --- time-to-air ------------------------------------------------------------------------------------


@dataclass
class Steps:
    """One target station's way to air (times are UTC; None = not yet)."""

    station: Station
    created_at: datetime
    nudged_at: datetime | None
    fetched_at: datetime | None
    audio_at: datetime | None
    started_at: datetime | None
    outcome: str | None  # the play log's status (with its reason after ": "), None before any
    late: bool = False

    @property
    def delivered(self) -> bool:
        """The station holds the emergency: by the manifest that carries it, or by the order."""
        return self.fetched_at is not None or self.audio_at is not None or self.started_at is not None

    @property
    def sounding(self) -> bool:
        """Its sound started (it may have ended since)."""
        return self.started_at is not None

    @property
    def audio_cached(self) -> bool:
        """The audio was already on the station before the emergency (a standing alert)."""
        return self.audio_at is not None and self.audio_at <= self.created_at


def late_minutes() -> float:
    """N of "stations not reached after N minutes": the deployment's setting, else the default."""
    try:
        return float(getattr(settings(), "emergency_late_minutes", LATE_MINUTES_DEFAULT))
    except RuntimeError:  # outside an app (a script): the default
        return LATE_MINUTES_DEFAULT


def steps(e: Emergency, now: datetime | None = None, late_after: float | None = None) -> list[Steps]:
    """Every target station's steps, by station name."""
    now = now or utcnow()
    limit = timedelta(minutes=late_minutes() if late_after is None else late_after)
    logs = _first_logs(e.schedule_id)
    out = []
    rows = (EmergencyDelivery.select(EmergencyDelivery, Station).join(Station)
            .where(EmergencyDelivery.emergency == e.id).order_by(Station.name, Station.id))
    for d in rows:
        log_start, outcome = logs.get(d.station_id, (None, None))
        started = log_start or d.started_at  # the play log's time is exact; the heartbeat's is to the second
        row = Steps(d.station, e.created_at, e.nudged_at, d.fetched_at, d.audio_at, started, outcome)
        cutoff = min(now, e.stopped_at) if e.stopped_at else now
        row.late = not row.sounding and outcome is None and cutoff - e.created_at >= limit
        out.append(row)
    return out


def _first_logs(schedule_id: int) -> dict[int, tuple[datetime | None, str]]:
    """Per station: when its first play of the schedule started, and how its last play ended."""
    out: dict[int, tuple[datetime | None, str]] = {}
    for log_row in PlayLog.select().where(PlayLog.schedule_id == schedule_id).order_by(PlayLog.id):
        start, _ = out.get(log_row.station_id, (None, ""))
        if log_row.started_at is not None and log_row.status not in _NOT_STARTED:
            start = min(start, log_row.started_at) if start else log_row.started_at
        outcome = log_row.status + (f": {log_row.reason}" if log_row.reason else "")
        out[log_row.station_id] = (start, outcome)
    return out


class Counts(TypedDict):
    """How many target stations, and how many of them got it, sound it, were late."""

    station_count: int
    delivered: int
    sounding: int
    late: int


def counts(rows: list[Steps]) -> Counts:
    """``x of y stations sounding`` and the rest of the page's head line."""
    return {"station_count": len(rows), "delivered": sum(r.delivered for r in rows),
            "sounding": sum(r.sounding for r in rows), "late": sum(r.late for r in rows)}


def note_manifest(station_id: int, version: int, now: datetime) -> None:
    """The station's manifest GET served ``version``: every emergency it carries is fetched now."""
    EmergencyDelivery.update(fetched_at=now).where(
        (EmergencyDelivery.station == station_id) & EmergencyDelivery.fetched_at.is_null()
        & (EmergencyDelivery.carried_version <= version)
    ).execute()


def note_heartbeat(station: Station, body: Mapping[str, Any], now: datetime) -> None:
    """Audio ready (``emergency_audio``: sha256 → when verified) and sound started (``now_playing``)."""
    ready = body.get("emergency_audio")
    playing = body.get("now_playing")
    emergency_playing = isinstance(playing, Mapping) and playing.get("priority") == "emergency"
    if not (isinstance(ready, Mapping) and ready) and not emergency_playing:
        return  # the common heartbeat costs nothing here
    open_rows = list(EmergencyDelivery.select(EmergencyDelivery, Emergency, Bulletin)
                     .join(Emergency).join(Bulletin)
                     .where((EmergencyDelivery.station == station.id)
                            & (EmergencyDelivery.audio_at.is_null() | EmergencyDelivery.started_at.is_null())))
    for d in open_rows:
        e = d.emergency
        if d.audio_at is None and isinstance(ready, Mapping):
            d.audio_at = _time(ready.get(e.bulletin.asset_id))
        if (d.started_at is None and emergency_playing and isinstance(playing, Mapping)
                and _schedule_of(playing.get("slot_id")) == e.schedule_id):
            d.started_at = _time(playing.get("started_at")) or now
        if d.is_dirty():
            d.save()


def _schedule_of(slot_id: Any) -> int | None:
    try:
        return int(str(slot_id).split("@", 1)[0])
    except ValueError:
        return None


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        return None
    return t if t.tzinfo is not None else None


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat(timespec="milliseconds")


def step_answer(r: Steps) -> shapes.Steps:
    return shapes.Steps(
        station_id=r.station.id, station_name=r.station.name,
        created_at=r.created_at.isoformat(timespec="milliseconds"), nudged_at=_iso(r.nudged_at),
        manifest_fetched_at=_iso(r.fetched_at), audio_ready_at=_iso(r.audio_at), audio_cached=r.audio_cached,
        sound_started_at=_iso(r.started_at), outcome=r.outcome, delivered=r.delivered, sounding=r.sounding,
        late=r.late)


def summary(e: Emergency, rows: list[Steps]) -> shapes.EmergencySummary:
    """The emergency and how many of its ``rows`` (target stations) got it, sound it, were late."""
    s = e.schedule
    areas, stations = _target_lists(s)
    return shapes.EmergencySummary(
        id=e.id, title=e.title, mode=e.mode, schedule_id=s.id, bulletin_id=e.bulletin_id,
        standing_alert=e.standing_alert.key if e.standing_alert is not None else None,
        all_clear_of=e.all_clear_of_id, targets=Targets(areas=areas, stations=stations),
        created_at=e.created_at.isoformat(timespec="milliseconds"),
        created_by=e.created_by.name if e.created_by is not None else None,
        play_by=e.play_by.isoformat(timespec="milliseconds"), valid_until=_iso(s.valid_until),
        nudged_at=_iso(e.nudged_at), stopped_at=_iso(e.stopped_at), running=not over(e), **counts(rows))


def answer(e: Emergency, rows: list[Steps]) -> shapes.Emergency:
    """The summary with each target station's way to air."""
    return shapes.Emergency(**dict(summary(e, rows)), stations=[step_answer(r) for r in rows])


CSV_COLUMNS = ("station_id", "station_name", "created_at", "nudged_at", "manifest_fetched_at",
               "audio_ready_at", "audio_cached", "sound_started_at", "outcome", "delivered", "sounding", "late")


def steps_csv(e: Emergency, rows: list[Steps]) -> tuple[str, str]:
    """The time-to-air table for Excel (UTF-8 with a BOM, a line per station) and its file name."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS)
    w.writeheader()
    for r in rows:
        w.writerow(step_answer(r).model_dump())
    return f"emergency-{e.id}.csv", "\ufeff" + buf.getvalue()
