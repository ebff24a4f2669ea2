"""Alerts: open one per ongoing problem, close it on recovery, and queue who is told (``alert_send``).

``run_checks`` applies every check of ``alert_checks``: a finding whose key has no open alert opens one
(the open key is unique, so two workers cannot both open it), and an open alert whose key the check no
longer finds closes. Opening and a closing worth telling queue one delivery per subscriber whose
subscription matches (area within their scope, kind) and one for the webhook; a delivery is unique
per (alert, event, target), so nothing is queued twice.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from peewee import JOIN, IntegrityError

from central.messages import msg

from ..alert_models import (
    ALERT_KINDS,
    SUBSCRIPTION_MODES,
    Alert,
    AlertDelivery,
    AlertProfile,
    AlertSubscription,
)
from ..auth import area_subtree_ids, in_scope
from ..config import Settings
from ..db import database
from ..errors import Invalid, NotFound
from ..models import Area, Station, User, utcnow
from ..shapes import reports as shapes
from . import alert_checks, area_tree, areas, audit

log = logging.getLogger(__name__)

KIND_NAMES = {"offline": "Đài mất kết nối", "plays": "Lượt phát không đạt", "emergency": "Khẩn cấp chưa phát",
              "approval": "Chờ duyệt quá lâu", "deadline": "Sắp đến hạn báo cáo", "disk": "Đài sắp hết dung lượng",
              "clock": "Đồng hồ đài không tin cậy"}


def run_checks(cfg: Settings, now: datetime | None = None) -> dict[str, int]:
    """Apply every check once; answers how many alerts opened and closed."""
    now = now or utcnow()
    opened = closed = 0
    for check in alert_checks.CHECKS:
        try:
            findings = {f.key: f for f in check.find(cfg, now)}
            with database.atomic():
                opened += sum(_open(check.kind, f, cfg, now) for f in findings.values())
                closed += _close_missing(check, set(findings), cfg, now)
        except Exception:  # one broken check must not silence the others
            log.exception("alerts: the %s check failed", check.kind)
    return {"opened": opened, "closed": closed}


def _open(kind: str, f: alert_checks.Finding, cfg: Settings, now: datetime) -> bool:
    if Alert.select().where(Alert.open_key == f.key).exists():
        return False
    try:
        with database.atomic():  # a savepoint: a worker that lost the race leaves the rest intact
            alert = Alert.create(kind=kind, key=f.key, open_key=f.key, station=f.station_id, area=f.area_id,
                                 object_type=f.object_type, object_id=f.object_id, title=f.title[:300],
                                 body=f.body, detail=f.detail, opened_at=now)
    except IntegrityError:
        return False
    _queue(alert, "open", cfg, now)
    log.info("alert opened: %s", f.key)
    return True


def _close_missing(check: alert_checks.Check, found: set[str], cfg: Settings, now: datetime) -> int:
    n = 0
    for alert in Alert.select().where((Alert.kind == check.kind) & Alert.open_key.is_null(False)):
        if alert.key in found:
            continue
        note, notify = check.recovered(alert, now)
        changed = (Alert.update(open_key=None, closed_at=now, close_note=note, notify_close=notify)
                   .where((Alert.id == alert.id) & Alert.open_key.is_null(False)).execute())
        if changed and notify:
            alert.closed_at, alert.close_note = now, note
            _queue(alert, "close", cfg, now)
        n += changed
        log.info("alert closed: %s (%s)", alert.key, note)
    return n


def subscribers(alert: Alert) -> dict[int, str]:
    """Active people whose subscription matches ``alert``: user id → mode (immediate wins over digest)."""
    out: dict[int, str] = {}
    subs = (AlertSubscription.select(AlertSubscription, User).join(User)
            .where((User.active == True) & AlertSubscription.kind.in_(["", alert.kind])))  # noqa: E712
    for sub in subs:
        if not in_scope(sub.user, alert.area_id):
            continue
        if sub.area_id is not None and (alert.area_id is None or alert.area_id not in area_tree.subtree_ids(sub.area_id)):
            continue
        if out.get(sub.user_id) != "immediate":
            out[sub.user_id] = sub.mode
    return out


def _queue(alert: Alert, event: str, cfg: Settings, now: datetime) -> None:
    rows = [{"alert": alert.id, "event": event, "channel": "email", "target": f"user:{uid}", "user": uid,
             "digest": mode == "digest", "next_at": now, "created_at": now}
            for uid, mode in subscribers(alert).items()]
    if cfg.webhook_url:
        rows.append({"alert": alert.id, "event": event, "channel": "webhook", "target": "webhook", "user": None,
                     "digest": False, "next_at": now, "created_at": now})
    if rows:
        AlertDelivery.insert_many(rows).on_conflict_ignore().execute()


# --- reading: the bell, the list, the API ------------------------------------------------------------


def visible(user: User) -> Any:
    """The alerts ``user`` may see: those in their scope (province-wide ones only for the whole tree)."""
    q = Alert.select(Alert, Area, Station).join(Area, on=(Alert.area == Area.id), join_type=JOIN.LEFT_OUTER) \
        .switch(Alert).join(Station, on=(Alert.station == Station.id), join_type=JOIN.LEFT_OUTER)
    scope = area_subtree_ids(user)
    return q if scope is None else q.where(Alert.area.in_(sorted(scope)))


def profile(user: User) -> AlertProfile:
    found = AlertProfile.get_or_none(AlertProfile.user == user.id)
    if found is None:
        AlertProfile.insert(user=user.id).on_conflict_ignore().execute()
        found = AlertProfile.get(AlertProfile.user == user.id)
    return found


def unread(user: User) -> int:
    """How many alerts in scope opened since the person last opened the alert page."""
    mark = AlertProfile.select(AlertProfile.read_up_to).where(AlertProfile.user == user.id).scalar() or 0
    return visible(user).where(Alert.id > mark).count()


def mark_read(user: User) -> None:
    """Everything in scope so far counts as read."""
    top = visible(user).select(Alert.id).order_by(Alert.id.desc()).limit(1).scalar() or 0
    profile(user)
    AlertProfile.update(read_up_to=top).where(AlertProfile.user == user.id).execute()


def listing(user: User, state: str = "all", limit: int = 100, offset: int = 0) -> list[Alert]:
    if state not in ("all", "open", "closed"):
        raise Invalid(msg("'state' phải là all, open hoặc closed."), field="state")
    if not 1 <= limit <= 1000 or offset < 0:
        raise Invalid(msg("'limit' phải từ 1 đến 1000."), field="limit")
    q = visible(user)
    if state != "all":
        q = q.where(Alert.closed_at.is_null() if state == "open" else Alert.closed_at.is_null(False))
    return list(q.order_by(Alert.id.desc()).limit(limit).offset(offset))


def answer(a: Alert) -> shapes.Alert:
    area = a.area if a.area_id else None
    station = a.station if a.station_id else None
    return shapes.Alert(
        id=a.id, kind=a.kind, key=a.key, title=a.title, body=a.body,
        area_code=area.code if area else None, area_name=area.name if area else None,
        station_id=a.station_id, station_name=station.name if station else None,
        object_type=a.object_type or None, object_id=a.object_id,
        opened_at=a.opened_at.isoformat(), closed_at=a.closed_at.isoformat() if a.closed_at else None,
        close_note=a.close_note, open=a.closed_at is None)


# --- subscriptions --------------------------------------------------------------------------------------


def subscriptions(user: User) -> list[AlertSubscription]:
    return list(AlertSubscription.select(AlertSubscription, Area)
                .join(Area, on=(AlertSubscription.area == Area.id), join_type=JOIN.LEFT_OUTER)
                .where(AlertSubscription.user == user.id).order_by(AlertSubscription.id))


def subscribe(user: User, area_code: str | None, kind: str, mode: str) -> AlertSubscription:
    """Add (or change the mode of) a subscription; the area must lie within the person's scope."""
    if kind not in ("", *ALERT_KINDS):
        raise Invalid(msg("Loại cảnh báo '%(kind)s' không có.", kind=kind), field="kind")
    if mode not in SUBSCRIPTION_MODES:
        raise Invalid(msg("'mode' phải là immediate hoặc digest."), field="mode")
    area = areas.get(area_code) if area_code else None
    if area is not None and not in_scope(user, area.id):
        raise NotFound(msg("Không có đơn vị %(area_code)s.", area_code=area_code))
    area_id = area.id if area else None
    with database.atomic():
        same = AlertSubscription.select().where((AlertSubscription.user == user.id) & (AlertSubscription.kind == kind)
                                                & (AlertSubscription.area.is_null() if area_id is None
                                                   else AlertSubscription.area == area_id)).first()
        if same is not None:
            AlertSubscription.update(mode=mode).where(AlertSubscription.id == same.id).execute()
            sub: AlertSubscription = AlertSubscription.get_by_id(same.id)
        else:
            sub = AlertSubscription.create(user=user.id, area=area_id, kind=kind, mode=mode)
        audit.record(user, "alert.subscribe", sub, area=area_code or None, kind=kind or None, mode=mode)
    return sub


def unsubscribe(user: User, sub_id: int) -> None:
    with database.atomic():
        if not AlertSubscription.delete().where((AlertSubscription.id == sub_id)
                                                & (AlertSubscription.user == user.id)).execute():
            raise NotFound(msg("Không có đăng ký số %(sub_id)s.", sub_id=sub_id))
        audit.record(user, "alert.unsubscribe", sub_id)


def set_email(user: User, email: str) -> AlertProfile:
    email = email.strip()
    if email and ("@" not in email or len(email) > 254 or any(c.isspace() for c in email)):
        raise Invalid(msg("Địa chỉ thư điện tử không hợp lệ."), field="email")
    with database.atomic():
        profile(user)
        AlertProfile.update(email=email).where(AlertProfile.user == user.id).execute()
        audit.record(user, "alert.email", user, email=email)
    return profile(user)


def subscription_answer(s: AlertSubscription) -> shapes.Subscription:
    area = s.area if s.area_id else None
    return shapes.Subscription(id=s.id, area_code=area.code if area else None,
                               area_name=area.name if area else None, kind=s.kind or None, mode=s.mode)
