"""The OpenAPI 3.1 document of the whole API (station contract and operator API), served as JSON.

The document is built from small helpers (``openapi_schemas``) so each path reads as one line of
intent; a test checks it with a real validator and checks that every Flask route under ``/api/v1``
is described here, so a new route without a description fails the suite.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from . import (
    openapi_alerts,
    openapi_chimes,
    openapi_emergencies,
    openapi_period_reports,
    openapi_plans,
)
from .openapi_schemas import (
    DAY,
    INT,
    PROBLEM,
    SCHEMAS,
    STR,
    TIME,
    TIME_IN,
    TIME_N,
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
)

bp = Blueprint("api_openapi", __name__, url_prefix="/api/v1")


# --- paths ---------------------------------------------------------------------------------


#: 429 with the seconds to wait (enrollment codes are throttled per address and per code)
THROTTLED: J = {
    "description": "Too many failed attempts; try again after Retry-After seconds",
    "headers": {"Retry-After": {"description": "seconds to wait", "schema": INT}},
    "content": {"application/problem+json": {"schema": ref("Problem")}},
}


#: The push channel's broker and the station's own credentials (optional: absent without a broker)
MQTT_CREDENTIALS = obj(
    {"url": {"type": "string", "pattern": "^mqtts?://"}, "username": STR, "password": STR,
     "areas": {**arr(STR), "description": "the station's area code and every area above it"}},
    ("url", "username", "password", "areas"),
)


#: One interval a station was off the push channel (its link dropped or it stopped)
OUTAGE = obj(
    {"from": TIME, "to": TIME_N, "duration_s": {"type": "number", "minimum": 0},
     "ongoing": {"type": "boolean"}},
    ("from", "to", "duration_s", "ongoing"), extra=False,
)


def _station_paths() -> J:
    s = "station"
    logs_in = obj({"logs": {**arr(ref("PlayLog")), "minItems": 1, "maxItems": 1000}}, ("logs",))
    return {
        "/api/v1/station/enroll": {
            "post": op(
                "Enroll a station with a one-time code",
                "station",
                {**ok(
                    obj(
                        {"station_id": INT, "token": STR, "public_key": STR, "server_time": TIME,
                         "mqtt": MQTT_CREDENTIALS},
                        ("station_id", "token", "public_key", "server_time"),
                    ),
                    "Enrolled",
                    "201",
                ), "429": THROTTLED},
                body=json_body(obj({"code": STR}, ("code",))),
                security="none",
                errors=(400, 404, 410),
            )
        },
        "/api/v1/station/manifest": {
            "get": op(
                "Get this station's signed manifest",
                s,
                {
                    **ok(
                        obj({"manifest": ref("Manifest"), "signature": STR}, ("manifest", "signature"))
                    ),
                    "304": {"description": "Unchanged since If-None-Match"},
                },
                params=[
                    {"name": "If-None-Match", "in": "header", "required": False, "schema": STR}
                ],
                security=s,
                errors=(401,),
            )
        },
        "/api/v1/station/assets/{sha256}": {
            "get": op(
                "Download an asset listed in this station's manifest",
                s,
                {
                    "200": {
                        "description": "The audio bytes",
                        "content": {"audio/ogg": {}, "audio/mpeg": {}},
                    },
                    "206": {"description": "The requested byte range"},
                    "416": PROBLEM,
                },
                params=[
                    {"name": "sha256", "in": "path", "required": True, "schema": STR},
                    {"name": "Range", "in": "header", "required": False, "schema": STR},
                ],
                security=s,
                errors=(401, 404),
            )
        },
        "/api/v1/station/play-logs": {
            "post": op(
                "Upload a batch of play logs (idempotent by log id)",
                s,
                ok(obj({"accepted": INT, "duplicates": INT}, ("accepted", "duplicates"))),
                body=json_body(logs_in),
                security=s,
                errors=(400, 401, 413),
            )
        },
        "/api/v1/station/heartbeat": {
            "post": op(
                "Report station status",
                s,
                ok(obj({"server_time": TIME, "manifest_version": INT})),
                body=json_body(ref("Heartbeat")),
                security=s,
                errors=(400, 401),
            )
        },
    }


def _crud(
    name: str, schema: str, tag: str, body: str, list_params: list[J] | None = None
) -> tuple[J, J]:
    """Collection (GET list, POST create) and item (GET, PATCH, DELETE) paths for one noun."""
    coll = {
        "get": op(f"List {name}s", tag, ok(arr(ref(schema))), params=list_params),
        "post": op(
            f"Create a {name}", tag, ok(ref(schema), "Created", "201"), body=json_body(ref(body))
        ),
    }
    item = {
        "parameters": [path_id()],
        "get": op(f"Get a {name}", tag, ok(ref(schema))),
        "patch": op(f"Change a {name}", tag, ok(ref(schema)), body=json_body(ref(body))),
        "delete": op(f"Delete a {name}", tag, {"204": {"description": "Deleted"}}, errors=(401, 403, 404, 409)),
    }
    return coll, item


def _bulletin_paths() -> J:
    t = "bulletins"
    create_body = {
        "required": True,
        "content": {
            "multipart/form-data": {"schema": ref("BulletinUpload")},
            "application/json": {"schema": ref("BulletinTTS")},
        },
    }
    paths: J = {
        "/api/v1/bulletins": {
            "get": op(
                "List bulletins",
                t,
                ok(arr(ref("Bulletin"))),
                params=[
                    query("status", STR, "draft|submitted|approved|rejected|withdrawn"),
                    query("category", STR, "category code"),
                    query("campaign", INT, "campaign id"),
                    query("language", STR, "ISO 639-3 code (GET /api/v1/languages)"),
                ],
            ),
            "post": op(
                "Create a bulletin by upload or TTS",
                t,
                {**ok(ref("Bulletin"), "Created as draft", "201"), "422": PROBLEM},
                body=create_body,
            ),
        },
        "/api/v1/bulletins/{id}": {
            "parameters": [path_id()],
            "get": op("Get a bulletin", t, ok(ref("Bulletin"))),
            "patch": op(
                "Change a draft bulletin",
                t,
                ok(ref("Bulletin")),
                body=json_body(ref("BulletinPatch")),
                errors=(400, 401, 403, 404, 409),
            ),
        },
    }
    for action, extra in (("submit", None), ("approve", None), ("reject", "reason"), ("withdraw", None)):
        body = json_body(obj({"reason": STR}, ("reason",) if extra else ()), required=bool(extra))
        paths[f"/api/v1/bulletins/{{id}}/{action}"] = {
            "parameters": [path_id()],
            "post": op(
                f"{action.capitalize()} a bulletin",
                t,
                ok(ref("Bulletin")),
                body=body,
                errors=(400, 401, 403, 404, 409),
            ),
        }
    return paths


def _workflow_paths() -> J:
    paths = _bulletin_paths()
    for noun, schema, tag, body, params in (
        ("category", "Category", "categories", "CategoryInput", [query("all", STR, "1: include hidden")]),
        ("campaign", "Campaign", "campaigns", "CampaignInput", [query("active_on", DAY, "running that day"),
                                                           query("plan", INT, "of this plan")]),
        ("playlist", "Playlist", "playlists", "PlaylistInput", None),
        (
            "schedule",
            "Schedule",
            "schedules",
            "ScheduleInput",
            [
                query("station", INT, "reaches this station"),
                query("area", STR, "targets this area"),
                query("status", STR, "draft|submitted|approved|rejected"),
            ],
        ),
    ):
        coll, item = _crud(noun, schema, tag, body, params)
        plural = "categories" if noun == "category" else noun + "s"
        paths[f"/api/v1/{plural}"] = coll
        paths[f"/api/v1/{plural}/{{id}}"] = item
    for action in ("submit", "approve", "reject"):
        reason = action == "reject"
        paths[f"/api/v1/schedules/{{id}}/{action}"] = {
            "parameters": [path_id()],
            "post": op(
                f"{action.capitalize()} a schedule",
                "schedules",
                ok(ref("Schedule")),
                body=json_body(obj({"reason": STR}, ("reason",) if reason else ()), required=reason),
                errors=(400, 401, 403, 404, 409),
            ),
        }
    paths.update(openapi_chimes.paths())
    paths.update(openapi_plans.paths())
    paths.update(openapi_period_reports.paths())
    paths["/api/v1/stations/{id}/timeline"] = {
        "parameters": [path_id()],
        "get": op(
            "What a station will play",
            "stations",
            ok(obj({"station_id": INT, "version": INT, "slots": arr(ref("TimelineSlot"))}, ("slots",))),
            params=[
                query("from", TIME_IN, "start (default: now)"),
                query("to", TIME_IN, "end (default: from + 1 day, at most 31 days)"),
            ],
        ),
    }
    paths["/api/v1/reports/summary"] = {
        "get": op(
            "Proof-of-play summary",
            "reports",
            {
                "200": {
                    "description": "The summary",
                    "content": {
                        "application/json": {"schema": ref("Summary")},
                        "text/csv": {"schema": STR},
                    },
                }
            },
            params=[
                query("from", DAY, "first local day (inclusive)"),
                query("to", DAY, "last local day (inclusive)"),
                query("preset", {"type": "string", "enum": ["six-month", "year"]}, "a plan period"),
                query("area", STR, "area code (default: the user's area)"),
                query("group_by", {"type": "string", "enum": ["category", "campaign", "area", "station"]}, "grouping"),
                query("format", {"type": "string", "enum": ["json", "csv"]}, "json (default) or csv"),
            ],
        ),
    }
    return paths


def _operator_paths() -> J:
    area_in = obj({"code": STR, "name": STR, "parent_code": nullable("string"), "level": STR},
                  ("code", "name"))
    return {
        "/api/v1/areas": {
            "get": op("List the area tree in scope", "areas", ok(obj({"areas": arr(ref("Area"))}))),
            "post": op("Add an area", "areas", ok(ref("Area"), "Created", "201"), body=json_body(area_in),
                       errors=(400, 401, 403, 404, 409)),
        },
        "/api/v1/stations": {
            "get": op("List stations with health", "stations",
                      ok(obj({"stations": arr(ref("Station"))})),
                      params=[query("area", STR, "only this area's subtree")]),
            "post": op("Register a station (answers its one-time enrollment code)", "stations",
                       ok(obj({"station": ref("Station"), "code": STR}, ("station", "code")), "Created", "201"),
                       body=json_body(obj({"area_code": STR, "name": STR, "timezone": STR},
                                          ("area_code", "name")))),
        },
        "/api/v1/stations/{id}/enroll-code": {
            "parameters": [path_id()],
            "post": op("Issue a new enrollment code for a station", "stations",
                       ok(obj({"station_id": INT, "code": STR}, ("station_id", "code")), "Created", "201")),
        },
        "/api/v1/stations/{id}/speaker-test": {
            "parameters": [path_id()],
            "post": op("Ask a station to play a short test signal (its result comes in its heartbeat)", "stations",
                       ok(obj({"station_id": INT, "id": STR}, ("station_id", "id")), "Accepted", "202")),
        },
        "/api/v1/stations/{id}/token": {
            "parameters": [path_id()],
            "delete": op("Revoke a station's token and unused enrollment codes", "stations",
                         {"204": {"description": "Revoked: the station's next call gets 401"}},
                         errors=(401, 403, 404, 409)),
        },
        "/api/v1/stations/{id}/outages": {
            "parameters": [path_id()],
            "get": op(
                "List a station's outages on the push channel, newest first", "stations",
                ok(obj({"station_id": INT, "outages": arr(OUTAGE)}, ("station_id", "outages"), extra=False)),
                params=[query("limit", {"type": "integer", "minimum": 1, "maximum": 1000},
                              "at most 1000 (default 100)")],
            ),
        },
        "/api/v1/stations/{id}": {
            "parameters": [path_id()],
            "get": op("Get a station with health", "stations", ok(ref("Station"))),
            "patch": op(
                "Change a station's settings", "stations", ok(ref("Station")),
                body=json_body(obj({"name": STR, "timezone": STR, "quiet_hours": {"type": ["object", "null"]},
                                    "volume": INT, "sync_interval_s": INT, "heartbeat_interval_s": INT,
                                    "active": {"type": "boolean"}})),
            ),
        },
        "/api/v1/play-logs": {
            "get": op(
                "List proof of play",
                "play-logs",
                ok(obj({"play_logs": arr(ref("PlayLogRow")), "limit": INT, "offset": INT})),
                params=[
                    query("station", INT, "station id"),
                    query("from", TIME_IN, "from this time"),
                    query("to", TIME_IN, "until this time"),
                    query("limit", INT, "at most 1000 (default 200)"),
                    query("offset", INT, "rows to skip"),
                ],
            )
        },
        "/api/v1/tokens/{id}": {
            "parameters": [path_id()],
            "delete": op("Revoke an API token", "people", {"204": {"description": "Revoked"}}, errors=(401, 404)),
        },
        "/api/v1/tokens": {
            "get": op("List your API tokens", "people", ok(obj({"tokens": arr(obj({
                "id": INT, "name": STR, "prefix": STR, "created_at": TIME,
                "last_used_at": nullable("string"), "revoked_at": nullable("string")}))}))),
            "post": op("Make an API token for yourself (shown once)", "people",
                       ok(obj({"id": INT, "token": STR, "prefix": STR}), "Created", "201"),
                       body=json_body(obj({"name": STR}), required=False)),
        },
        "/api/v1/me": {"get": op("Who am I", "people", ok(ref("User")))},
        "/api/v1/audit": {"get": _audit_op()},
    }


def _audit_op() -> J:
    """The admins' audit log: JSON pages, or CSV of every matching row."""
    entry = obj({"id": INT, "at": TIME, "actor_id": nullable("integer"), "actor_name": STR, "action": STR,
                 "object_type": nullable("string"), "object_id": nullable("string"),
                 "area_code": nullable("string"), "detail": {"type": "object"}},
                ("id", "at", "actor_id", "actor_name", "action", "object_type", "object_id", "area_code",
                 "detail"), extra=False)
    listing = obj({"entries": arr(entry), "total": INT, "limit": INT, "offset": INT},
                  ("entries", "total", "limit", "offset"), extra=False)
    when = {"anyOf": [DAY, TIME]}
    return op(
        "Read the audit log (admins)", "audit",
        {"200": {"description": "Entries, newest first", "content": {
            "application/json": {"schema": listing}, "text/csv": {"schema": STR}}}},
        params=[
            query("person", STR, "login name of the person who acted"),
            query("object_type", STR, "Bulletin, Schedule, Station, Playlist, Campaign, Category, Area, User…"),
            query("object_id", STR, "the object's id"),
            query("action", STR, "an action (bulletin.approve) or all of one kind (bulletin)"),
            query("area", STR, "area code: rows of its subtree"),
            query("from", when, "a local day (inclusive) or a time"),
            query("to", when, "a local day (inclusive) or a time (exclusive)"),
            query("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "at most 1000 (default 100)"),
            query("offset", {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}, "rows to skip"),
            query("format", {"type": "string", "enum": ["json", "csv"]}, "json (default) or csv"),
        ],
    )


def _meta_paths() -> J:
    return {
        "/api/v1/health": {
            "get": op("Liveness", "meta", ok(obj({"status": STR}, ("status",))), security="none", errors=())
        },
        "/api/v1/openapi.json": {
            "get": op(
                "This document",
                "meta",
                ok({"type": "object"}),
                security="none",
                errors=(),
            )
        }
    }


def build_spec() -> J:
    """The whole OpenAPI document as a dict."""
    paths: J = {}
    for part in (_station_paths, _operator_paths, _workflow_paths, _meta_paths, openapi_emergencies.paths,
                 openapi_alerts.paths):
        paths.update(part())
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Loa — hệ thống loa truyền thanh cơ sở",
            "version": "1",
            "description": "Station contract (/api/v1/station/…) and operator API of the Loa central.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": {**SCHEMAS, **openapi_chimes.SCHEMAS, **openapi_plans.SCHEMAS,
                        **openapi_emergencies.SCHEMAS, **openapi_period_reports.SCHEMAS},
            "responses": {
                "Problem": {
                    "description": "RFC 9457 problem details",
                    "content": {"application/problem+json": {"schema": ref("Problem")}},
                }
            },
            "securitySchemes": {
                "stationToken": {"type": "http", "scheme": "bearer", "description": "station token"},
                "apiToken": {"type": "http", "scheme": "bearer", "description": "a user's API token"},
                "session": {"type": "apiKey", "in": "cookie", "name": "loa_session"},
            },
        },
    }


_SPEC: J | None = None


def spec() -> J:
    global _SPEC
    if _SPEC is None:
        _SPEC = build_spec()
    return _SPEC


@bp.get("/openapi.json")
def openapi_json():  # type: ignore[no-untyped-def]
    return jsonify(spec())
