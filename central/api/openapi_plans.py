"""The OpenAPI description of plans (kế hoạch), their report periods and deadlines."""

from __future__ import annotations

from playlists.model import Priority

from .openapi_schemas import (
    CLOCK,
    DAY,
    ID,
    INT,
    ONE_TARGET,
    STR,
    J,
    arr,
    json_body,
    nullable,
    obj,
    ok,
    op,
    path_id,
    query,
    ref,
    text,
    values,
)

_PERIOD_FIELDS = ("code", "name", "starts_on", "ends_on", "deadline")
PERIOD: J = obj({"code": STR, "name": STR, "starts_on": DAY, "ends_on": DAY, "deadline": DAY},
                _PERIOD_FIELDS, extra=False)
TARGET: J = obj({"category": STR, "period": nullable("string"), "min_bulletins": INT},
                ("category", "period", "min_bulletins"), extra=False)
_PLAN_CAMPAIGN: J = obj({"id": INT, "name": STR, "starts_on": DAY, "ends_on": DAY},
                        ("id", "name", "starts_on", "ends_on"), extra=False)

SCHEMAS: J = {
    "ReportPeriod": PERIOD,
    "PlanTarget": TARGET,
    "Plan": obj(
        {
            "id": INT,
            "year": INT,
            "title": STR,
            "issuer": STR,
            "number": STR,
            "issued_on": nullable("string", format="date"),
            "description": STR,
            "area_code": nullable("string"),
            "themes": arr(STR),
            "periods": arr(ref("ReportPeriod")),
            "targets": arr(ref("PlanTarget")),
            "campaigns": arr(_PLAN_CAMPAIGN),
        },
        ("id", "year", "title", "issuer", "number", "issued_on", "description", "area_code", "themes",
         "periods", "targets", "campaigns"),
        extra=False,
    ),
    "PlanInput": obj(
        {
            "year": {"type": "integer", "minimum": 2000, "maximum": 2100},
            "title": text(500, filled=True),
            "issuer": nullable(text(200)),
            "number": nullable(text(64)),
            "issued_on": {"anyOf": [{"type": "null"}, {"const": ""}, DAY], "description": "empty: none"},
            "description": nullable(text(20_000)),
            "themes": nullable(arr({"type": ["string", "integer"], "maxLength": 64, "minimum": 0,
                                    "maximum": 2**63 - 1}, max_items=100)),
            "periods": nullable(arr(obj({"code": text(32, filled=True), "name": text(200, filled=True),
                                         "starts_on": DAY, "ends_on": DAY, "deadline": DAY},
                                        _PERIOD_FIELDS, extra=False), max_items=100)),
            "targets": nullable(arr(obj({"category": text(64, filled=True), "period": nullable(text(32)),
                                         "min_bulletins": {"type": "integer", "minimum": 0, "maximum": 100000}},
                                        ("category", "min_bulletins"), extra=False), max_items=1000)),
        },
        extra=False,
    ),
}

_YEAR: J = {"type": "integer", "minimum": 2000, "maximum": 2100}
_EVENT_KIND: J = {"type": "string", "enum": ["observance", "campaign", "deadline", "schedule"]}
EVENT: J = obj(
    {"kind": _EVENT_KIND, "title": STR, "campaign_id": INT, "starts_on": DAY, "ends_on": DAY, "plan_id": INT,
     "plan_title": STR, "period": STR, "schedule_id": INT, "status": STR, "times": arr(STR), "count": INT},
    ("kind", "title"), extra=False)
CALENDAR: J = obj(
    {"year": INT, "month": INT, "area_code": nullable("string"),
     "days": arr(obj({"date": DAY, "events": arr(EVENT)}, ("date", "events"), extra=False))},
    ("year", "month", "area_code", "days"), extra=False)
SCHEDULE_CAMPAIGN: J = obj(
    {"times": {**arr(CLOCK), "minItems": 1, "maxItems": 24},
     "targets": {**obj({"areas": arr(text(64)), "stations": arr(ID)}), **ONE_TARGET},
     "bulletin_ids": arr(ID), "first_day": DAY, "last_day": DAY,
     "priority": {"type": "string", "enum": values([Priority.NORMAL, Priority.PRIORITY])}, "submit": {"type": "boolean"}},
    ("times", "targets"))


def paths() -> J:
    t = "plans"
    deadline = obj({"plan_id": INT, "plan_title": STR, **PERIOD["properties"]},
                   ("plan_id", "plan_title", *_PERIOD_FIELDS), extra=False)
    defaults = obj({"year": INT, "lead_days": INT, "periods": arr(ref("ReportPeriod"))},
                   ("year", "lead_days", "periods"), extra=False)
    return {
        "/api/v1/plans": {
            "get": op("List plans", t, ok(arr(ref("Plan"))), params=[query("year", _YEAR, "only this year")]),
            "post": op("Create a plan", t, ok(ref("Plan"), "Created", "201"),
                       body=json_body(obj(SCHEMAS["PlanInput"]["properties"], ("year", "title"), extra=False)),
                       errors=(400, 401, 403, 404, 422)),
        },
        "/api/v1/plans/defaults": {
            "get": op("Usual report periods of a year", t, ok(defaults),
                      params=[query("year", _YEAR, "the plan's year", required=True)]),
        },
        "/api/v1/plans/{id}": {
            "parameters": [path_id()],
            "get": op("Get a plan", t, ok(ref("Plan"))),
            "patch": op("Change a plan", t, ok(ref("Plan")), body=json_body(ref("PlanInput")),
                        errors=(400, 401, 403, 404, 422)),
            "delete": op("Delete a plan (its campaigns stay)", t, {"204": {"description": "Deleted"}},
                         errors=(401, 403, 404)),
        },
        "/api/v1/campaigns/{id}/schedule": {
            "parameters": [path_id()],
            "post": op("Schedule a campaign's bulletins in rotation (waits for approval)", "campaigns",
                       ok(obj({"campaign_id": INT, "schedules": arr(ref("Schedule"))}, ("campaign_id", "schedules"),
                              extra=False), "Created", "201"),
                       body=json_body(SCHEDULE_CAMPAIGN), errors=(400, 401, 403, 404, 409, 422)),
        },
        "/api/v1/calendar": {
            "get": op("A month of observances, campaigns, schedules and deadlines", "calendar", ok(CALENDAR),
                      params=[query("month", {"type": "string", "pattern": "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$"},
                                    "YYYY-MM (default: this month)"),
                              query("area", STR, "area code: what concerns this area")]),
        },
        "/api/v1/calendar/upcoming": {
            "get": op("Deadlines within 30 days and campaigns starting soon without a schedule", "calendar",
                      ok(obj({"deadlines": arr(obj({"plan_id": INT, "plan_title": STR, "days_left": INT,
                                                     **PERIOD["properties"]},
                                                    ("plan_id", "plan_title", "days_left", *_PERIOD_FIELDS),
                                                    extra=False)),
                              "unscheduled_campaigns": arr(obj({"campaign": ref("Campaign"), "days_left": INT},
                                                              ("campaign", "days_left"), extra=False))},
                             ("deadlines", "unscheduled_campaigns"), extra=False))),
        },
        "/api/v1/languages": {
            "get": op("Languages bulletins may be in (ISO 639-3)", "bulletins",
                      ok(arr(obj({"code": {"type": "string", "pattern": "^[a-z]{3}$"}, "name": STR}, ("code", "name"),
                                 extra=False)))),
        },
        "/api/v1/deadlines": {
            "get": op("Report deadlines in scope, soonest first", t, ok(arr(deadline)),
                      params=[query("from", DAY, "due on or after this day"),
                              query("to", DAY, "due on or before this day")]),
        },
    }
