"""Operator API: alerts in the caller's scope (the bell), their own subscriptions and mail address, uptime."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from central.messages import msg
from central.times import ZONE

from ..auth import current_user, require
from ..errors import Invalid
from ..models import Area, User
from ..services import alerts, reports, uptime
from ..words import ROLES
from . import json_body

bp = Blueprint("api_alerts", __name__, url_prefix="/api/v1")

ALL_ROLES = ROLES  # every role (scope still applies)


def _user() -> User:
    user = current_user()
    assert user is not None  # @require ran first
    return user


def _int(name: str, default: int) -> int:
    value = request.args.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise Invalid(msg("Tham số '%(name)s' phải là số nguyên.", name=name), field=name) from None


@bp.get("/alerts")
@require(roles=ALL_ROLES)
def list_alerts() -> ResponseReturnValue:
    """Alerts in the caller's scope, newest first, and how many are unread."""
    limit, offset = _int("limit", 100), _int("offset", 0)
    rows = alerts.listing(_user(), request.args.get("state") or "all", limit, offset)
    return jsonify({"alerts": [alerts.to_dict(a) for a in rows], "unread": alerts.unread(_user()),
                    "limit": limit, "offset": offset})


@bp.post("/alerts/read")
@require(roles=ALL_ROLES)
def read_alerts() -> ResponseReturnValue:
    """Mark every alert in scope so far as read (the bell goes quiet)."""
    alerts.mark_read(_user())
    return "", 204


def _subscriptions() -> ResponseReturnValue:
    user = _user()
    return jsonify({"email": alerts.profile(user).email,
                    "subscriptions": [alerts.subscription_dict(s) for s in alerts.subscriptions(user)]})


@bp.get("/alerts/subscriptions")
@require(roles=ALL_ROLES)
def list_subscriptions() -> ResponseReturnValue:
    return _subscriptions()


@bp.put("/alerts/subscriptions")
@require(roles=ALL_ROLES)
def set_email() -> ResponseReturnValue:
    """Set the caller's mail address for alerts ("" stops mail; the bell stays)."""
    email = json_body().get("email")
    if not isinstance(email, str):
        raise Invalid(msg("'email' phải là chuỗi."), field="email")
    alerts.set_email(_user(), email)
    return _subscriptions()


@bp.post("/alerts/subscriptions")
@require(roles=ALL_ROLES)
def subscribe() -> ResponseReturnValue:
    """Subscribe to a kind of alert (or every kind) in an area of the caller's scope, at once or daily."""
    body = json_body()
    area, kind, mode = body.get("area_code"), body.get("kind") or "", body.get("mode") or "immediate"
    if not all(isinstance(v, str) for v in (kind, mode)) or not (area is None or isinstance(area, str)):
        raise Invalid(msg("'area_code', 'kind' và 'mode' phải là chuỗi."))
    sub = alerts.subscribe(_user(), area or None, kind, mode)
    return jsonify(alerts.subscription_dict(sub)), 201


@bp.delete("/alerts/subscriptions/<int:sub_id>")
@require(roles=ALL_ROLES)
def unsubscribe(sub_id: int) -> ResponseReturnValue:
    alerts.unsubscribe(_user(), sub_id)
    return "", 204


@bp.get("/reports/uptime")
@require(roles=ALL_ROLES)
def report_uptime() -> ResponseReturnValue:
    """Uptime % per station and of the area over local days (default: the caller's scope, this year)."""
    args = request.args
    today = datetime.now(ZONE).date()
    start, end = reports.resolve_range(args.get("from"), args.get("to"), args.get("preset"), today)
    base = reports.base_area(_user(), args.get("area") or None)  # checks the scope
    result = uptime.uptime(base, start, end)
    codes = {a.id: a.code for a in Area.select(Area.id, Area.code)} if result["stations"] else {}
    for r in result["stations"]:
        r["area_code"] = codes.get(r.pop("area_id"))
    return jsonify(result)
