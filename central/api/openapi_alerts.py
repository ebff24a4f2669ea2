"""The OpenAPI description of alerts, alert subscriptions and uptime (strict response shapes)."""

from __future__ import annotations

from ..alert_models import ALERT_KINDS, SUBSCRIPTION_MODES
from .openapi_schemas import (
    DAY,
    INT,
    REPORT_DAY,
    STR,
    TIME,
    TIME_N,
    VISIBLE,
    J,
    arr,
    json_body,
    nullable,
    obj,
    ok,
    op,
    path_id,
    query,
    text,
    values,
)

KIND: J = {"type": "string", "enum": values(ALERT_KINDS)}
MODE: J = {"type": "string", "enum": values(SUBSCRIPTION_MODES)}
_ALERT_FIELDS = ("id", "kind", "key", "title", "body", "area_code", "area_name", "station_id", "station_name",
                 "object_type", "object_id", "opened_at", "closed_at", "close_note", "open")
ALERT: J = obj(
    {"id": INT, "kind": KIND, "key": STR, "title": STR, "body": STR, "area_code": nullable("string"),
     "area_name": nullable("string"), "station_id": nullable("integer"), "station_name": nullable("string"),
     "object_type": nullable("string"), "object_id": nullable("string"), "opened_at": TIME, "closed_at": TIME_N,
     "close_note": nullable("string"), "open": {"type": "boolean"}},
    _ALERT_FIELDS, extra=False)
SUBSCRIPTION: J = obj(
    {"id": INT, "area_code": nullable("string"), "area_name": nullable("string"),
     "kind": {"type": ["string", "null"], "enum": values([*ALERT_KINDS, None])}, "mode": MODE},
    ("id", "area_code", "area_name", "kind", "mode"), extra=False)
SUBSCRIPTIONS: J = obj({"email": STR, "subscriptions": arr(SUBSCRIPTION)}, ("email", "subscriptions"), extra=False)
_PCT: J = {"type": ["number", "null"], "minimum": 0, "maximum": 100}
UPTIME: J = obj(
    {"area_code": nullable("string"), "from": DAY, "to": DAY, "uptime_pct": _PCT,
     "stations": arr(obj({"station_id": INT, "name": STR, "area_code": nullable("string"), "uptime_pct": _PCT,
                          "counted_s": {"type": "number", "minimum": 0},
                          "offline_s": {"type": "number", "minimum": 0}},
                         ("station_id", "name", "area_code", "uptime_pct", "counted_s", "offline_s"), extra=False))},
    ("area_code", "from", "to", "uptime_pct", "stations"), extra=False)
_PAGE: J = {"type": "integer", "minimum": 1, "maximum": 1000}


def paths() -> J:
    t = "alerts"
    listing = obj({"alerts": arr(ALERT), "unread": INT, "limit": INT, "offset": INT},
                  ("alerts", "unread", "limit", "offset"), extra=False)
    sub_in = obj({"area_code": nullable("string"), "kind": {"type": "string", "enum": values(["", *ALERT_KINDS])},
                  "mode": MODE})
    return {
        "/api/v1/alerts": {"get": op(
            "List alerts in your scope", t, ok(listing),
            params=[query("state", {"type": "string", "enum": ["all", "open", "closed"]}, "all (default), open or closed"),
                    query("limit", _PAGE, "at most 1000 (default 100)"),
                    query("offset", {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}, "rows to skip")],
            errors=(400, 401))},
        "/api/v1/alerts/read": {"post": op(
            "Mark every alert so far as read", t, {"204": {"description": "Read"}}, errors=(401,))},
        "/api/v1/alerts/subscriptions": {
            "get": op("List your alert subscriptions and mail address", t, ok(SUBSCRIPTIONS), errors=(401,)),
            "put": op("Set your mail address for alerts", t, ok(SUBSCRIPTIONS),
                      body=json_body(obj({"email": {"type": "string", "maxLength": 254,
                                                    "pattern": f"^({VISIBLE}*@{VISIBLE}*)?$",
                                                    "description": "empty: no mail"}}, ("email",), extra=False)),
                      errors=(400, 401)),
            "post": op("Subscribe to alerts", t, ok(SUBSCRIPTION, "Created", "201"), body=json_body(sub_in),
                       errors=(400, 401, 404)),
        },
        "/api/v1/alerts/subscriptions/{id}": {
            "parameters": [path_id()],
            "delete": op("Remove one of your alert subscriptions", t, {"204": {"description": "Removed"}},
                         errors=(401, 404)),
        },
        "/api/v1/reports/uptime": {"get": op(
            "Uptime per station and of an area", "reports", ok(UPTIME),
            params=[query("from", REPORT_DAY, "first local day (inclusive)"),
                    query("to", REPORT_DAY, "last local day (inclusive)"),
                    query("preset", {"type": "string", "enum": ["six-month", "year"]}, "a plan period"),
                    query("area", text(64, filled=True), "area code (default: the user's area)")],
            errors=(400, 401, 403, 404, 422))},
    }
