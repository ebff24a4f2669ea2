"""Operator API: alerts in the caller's scope (the bell), their own subscriptions and mail address, uptime."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from central.messages import msg
from central.times import ZONE

from ..auth import require
from ..errors import Invalid
from ..models import Area
from ..services import alerts, reports, uptime
from . import ALL_ROLES, caller, json_body, query_int, reply

bp = Blueprint("api_alerts", __name__, url_prefix="/api/v1")

@bp.get("/alerts")
@require(roles=ALL_ROLES)
def list_alerts() -> ResponseReturnValue:
    """Alerts in the caller's scope, newest first, and how many are unread."""
    limit, offset = query_int("limit", 100), query_int("offset", 0)
    rows = alerts.listing(caller(), request.args.get("state") or "all", limit, offset)
    return reply({"alerts": [alerts.answer(a) for a in rows], "unread": alerts.unread(caller()),
                    "limit": limit, "offset": offset})


@bp.post("/alerts/read")
@require(roles=ALL_ROLES)
def read_alerts() -> ResponseReturnValue:
    """Mark every alert in scope so far as read (the bell goes quiet)."""
    alerts.mark_read(caller())
    return "", 204


def _subscriptions() -> ResponseReturnValue:
    user = caller()
    return reply({"email": alerts.profile(user).email,
                  "subscriptions": [alerts.subscription_answer(s) for s in alerts.subscriptions(user)]})


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
    alerts.set_email(caller(), email)
    return _subscriptions()


@bp.post("/alerts/subscriptions")
@require(roles=ALL_ROLES)
def subscribe() -> ResponseReturnValue:
    """Subscribe to a kind of alert (or every kind) in an area of the caller's scope, at once or daily."""
    body = json_body()
    area, kind, mode = body.get("area_code"), body.get("kind") or "", body.get("mode") or "immediate"
    if not all(isinstance(v, str) for v in (kind, mode)) or not (area is None or isinstance(area, str)):
        raise Invalid(msg("'area_code', 'kind' và 'mode' phải là chuỗi."))
    sub = alerts.subscribe(caller(), area or None, kind, mode)
    return reply(alerts.subscription_answer(sub), 201)


@bp.delete("/alerts/subscriptions/<int:sub_id>")
@require(roles=ALL_ROLES)
def unsubscribe(sub_id: int) -> ResponseReturnValue:
    alerts.unsubscribe(caller(), sub_id)
    return "", 204


@bp.get("/reports/uptime")
@require(roles=ALL_ROLES)
def report_uptime() -> ResponseReturnValue:
    """Uptime % per station and of the area over local days (default: the caller's scope, this year)."""
    args = request.args
    today = datetime.now(ZONE).date()
    start, end = reports.resolve_range(args.get("from"), args.get("to"), args.get("preset"), today)
    base = reports.base_area(caller(), args.get("area") or None)  # checks the scope
    result = uptime.uptime(base, start, end)
    codes = {a.id: a.code for a in Area.select(Area.id, Area.code)} if result["stations"] else {}
    for r in result["stations"]:
        r["area_code"] = codes.get(r.pop("area_id"))
    return jsonify(result)
