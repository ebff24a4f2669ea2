"""The OpenAPI description of alerts, alert subscriptions and uptime (strict response shapes)."""

from __future__ import annotations

from ..shapes import reports as R
from .openapi_schemas import (
    REPORT_DAY,
    J,
    json_body,
    ok,
    op,
    path_id,
    query,
    ref,
    text,
)

_PAGE: J = {"type": "integer", "minimum": 1, "maximum": 1000}


def paths() -> J:
    t = "alerts"
    return {
        "/api/v1/alerts": {"get": op(
            "List alerts in your scope", t, ok(ref(R.AlertList)),
            params=[query("state", {"type": "string", "enum": ["all", "open", "closed"]}, "all (default), open or closed"),
                    query("limit", _PAGE, "at most 1000 (default 100)"),
                    query("offset", {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}, "rows to skip")],
            errors=(400, 401))},
        "/api/v1/alerts/read": {"post": op(
            "Mark every alert so far as read", t, {"204": {"description": "Read"}}, errors=(401,))},
        "/api/v1/alerts/subscriptions": {
            "get": op("List your alert subscriptions and mail address", t, ok(ref(R.Subscriptions)), errors=(401,)),
            "put": op("Set your mail address for alerts", t, ok(ref(R.Subscriptions)),
                      body=json_body(ref(R.MailAddress)),
                      errors=(400, 401)),
            "post": op("Subscribe to alerts", t, ok(ref(R.Subscription), "Created", "201"), body=json_body(ref(R.SubscriptionNew)),
                       errors=(400, 401, 404)),
        },
        "/api/v1/alerts/subscriptions/{id}": {
            "parameters": [path_id()],
            "delete": op("Remove one of your alert subscriptions", t, {"204": {"description": "Removed"}},
                         errors=(401, 404)),
        },
        "/api/v1/reports/uptime": {"get": op(
            "Uptime per station and of an area", "reports", ok(ref(R.Uptime)),
            params=[query("from", REPORT_DAY, "first local day (inclusive)"),
                    query("to", REPORT_DAY, "last local day (inclusive)"),
                    query("preset", {"type": "string", "enum": ["six-month", "year"]}, "a plan period"),
                    query("area", text(64, filled=True), "area code (default: the user's area)")],
            errors=(400, 401, 403, 404, 422))},
    }
