"""The OpenAPI description of plans (kế hoạch), their report periods and deadlines."""

from __future__ import annotations

from ..shapes import plans as P
from .openapi_schemas import (
    DAY,
    STR,
    J,
    arr,
    json_body,
    ok,
    op,
    path_id,
    query,
    ref,
)

_YEAR: J = {"type": "integer", "minimum": 2000, "maximum": 2100}

def paths() -> J:
    t = "plans"
    return {
        "/api/v1/plans": {
            "get": op("List plans", t, ok(arr(ref(P.Plan))), params=[query("year", _YEAR, "only this year")]),
            "post": op("Create a plan", t, ok(ref(P.Plan), "Created", "201"),
                       body=json_body(ref(P.PlanNew)),
                       errors=(400, 401, 403, 404, 422)),
        },
        "/api/v1/plans/defaults": {
            "get": op("Usual report periods of a year", t, ok(ref(P.PlanDefaults)),
                      params=[query("year", _YEAR, "the plan's year", required=True)]),
        },
        "/api/v1/plans/{id}": {
            "parameters": [path_id()],
            "get": op("Get a plan", t, ok(ref(P.Plan))),
            "patch": op("Change a plan", t, ok(ref(P.Plan)), body=json_body(ref(P.PlanInput)),
                        errors=(400, 401, 403, 404, 422)),
            "delete": op("Delete a plan (its campaigns stay)", t, {"204": {"description": "Deleted"}},
                         errors=(401, 403, 404)),
        },
        "/api/v1/campaigns/{id}/schedule": {
            "parameters": [path_id()],
            "post": op("Schedule a campaign's bulletins in rotation (waits for approval)", "campaigns",
                       ok(ref(P.CampaignScheduled), "Created", "201"),
                       body=json_body(ref(P.CampaignSchedule)), errors=(400, 401, 403, 404, 409, 422)),
        },
        "/api/v1/calendar": {
            "get": op("A month of observances, campaigns, schedules and deadlines", "calendar", ok(ref(P.Calendar)),
                      params=[query("month", {"type": "string", "pattern": "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$"},
                                    "YYYY-MM (default: this month)"),
                              query("area", STR, "area code: what concerns this area")]),
        },
        "/api/v1/calendar/upcoming": {
            "get": op("Deadlines within 30 days and campaigns starting soon without a schedule", "calendar",
                      ok(ref(P.Upcoming))),
        },
        "/api/v1/languages": {
            "get": op("Languages bulletins may be in (ISO 639-3)", "bulletins",
                      ok(arr(ref(P.Language)))),
        },
        "/api/v1/deadlines": {
            "get": op("Report deadlines in scope, soonest first", t, ok(arr(ref(P.Deadline))),
                      params=[query("from", DAY, "due on or after this day"),
                              query("to", DAY, "due on or before this day")]),
        },
    }
