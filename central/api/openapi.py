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
    openapi_live,
    openapi_period_reports,
    openapi_plans,
    openapi_relays,
)
from .openapi_schemas import (
    BOOL,
    CODE,
    DAY,
    ID,
    INT,
    PROBLEM,
    REPORT_DAY,
    SCHEMAS,
    SHA256,
    STR,
    TIME,
    TIME_IN,
    TIME_N,
    J,
    arr,
    between,
    json_body,
    nullable,
    obj,
    ok,
    op,
    path_id,
    query,
    ref,
    res,
    text,
)

bp = Blueprint("api_openapi", __name__, url_prefix="/api/v1")

def _enroll_code() -> J:
    """An enrollment code: its letters and digits (dashes, spaces and case do not matter), new or legacy length."""
    from ..services.enrollment import LEGACY_LENGTH, LENGTH

    one = "[A-Za-z0-9][- \\t]*"
    return {"type": "string", "pattern": f"^[- \\t]*(({one}){{{LENGTH}}}|({one}){{{LEGACY_LENGTH}}})$",
            "maxLength": 64, "examples": ["K7MQ-2X9T-BHRN-4PZV-LC3G"]}


#: 429 with the seconds to wait (enrollment codes are throttled per address and per code)
THROTTLED: J = {
    "description": "Too many failed attempts; try again after Retry-After seconds",
    "headers": {"Retry-After": {"description": "seconds to wait", "schema": INT}},
    "content": {"application/problem+json": {"schema": ref("Problem")}},
}
#: The push channel's broker and the station's own credentials (optional: absent without a broker)
MQTT_CREDENTIALS = res(
    {"url": {"type": "string", "pattern": "^mqtts?://"}, "username": STR, "password": STR,
     "areas": {**arr(STR), "description": "the station's area code and every area above it"}},
)
#: One interval a station was off the push channel (its link dropped or it stopped)
OUTAGE = res({"from": TIME, "to": TIME_N, "duration_s": {"type": "number", "minimum": 0}, "ongoing": BOOL})
STATE = (400, 401, 403, 404, 409)  # a workflow step: not allowed now is a 409
WRITE = (*STATE, 422)  # a body whose meaning does not hold (an end before its start, an unknown code)


# --- paths ---------------------------------------------------------------------------------


def _station_paths() -> J:
    s = "station"
    logs_in = obj({"logs": arr(ref("PlayLog"), min_items=1, max_items=1000)}, ("logs",))
    return {
        "/api/v1/station/enroll": {
            "post": op(
                "Enroll a station with a one-time code",
                "station",
                {**ok(obj({"station_id": INT, "token": STR, "public_key": STR, "server_time": TIME,
                           "mqtt": MQTT_CREDENTIALS}, ("station_id", "token", "public_key", "server_time"),
                          extra=False), "Enrolled", "201"), "429": THROTTLED},
                body=json_body(obj({"code": _enroll_code()}, ("code",))),
                security="none",
                errors=(400, 404, 410),
            ) | {"x-validated-by": "service"},  # it counts every refused code, malformed ones too
        },
        "/api/v1/station/manifest": {
            "get": op(
                "Get this station's signed manifest",
                s,
                {
                    **ok(res({"manifest": ref("Manifest"), "signature": STR})),
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
                    "206": {
                        "description": "The requested byte range",
                        "content": {"audio/ogg": {}, "audio/mpeg": {}},
                    },
                    "416": PROBLEM,
                },
                params=[
                    {"name": "sha256", "in": "path", "required": True, "schema": SHA256},
                    {"name": "Range", "in": "header", "required": False, "schema": STR},
                ],
                security=s,
                errors=(401, 404, 503),
            )
        },
        "/api/v1/station/play-logs": {
            "post": op(
                "Upload a batch of play logs (idempotent by log id)",
                s,
                ok(res({"accepted": INT, "duplicates": INT})),
                body=json_body(logs_in),
                security=s,
                errors=(400, 401, 413),
            )
        },
        "/api/v1/station/heartbeat": {
            "post": op(
                "Report station status",
                s,
                ok(res({"server_time": TIME, "manifest_version": INT})),
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
            f"Create a {name}", tag, ok(ref(schema), "Created", "201"), body=json_body(ref(body + "Input")),
            errors=WRITE,
        ),
    }
    item = {
        "parameters": [path_id()],
        "get": op(f"Get a {name}", tag, ok(ref(schema)), errors=(401, 403, 404)),
        "patch": op(f"Change a {name}", tag, ok(ref(schema)), body=json_body(ref(body + "Patch")), errors=WRITE),
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
                    query("status", {"type": "string", "enum": list(_statuses("bulletin"))}, "workflow state"),
                    query("category", text(64), "category code"),
                    query("campaign", ID, "campaign id"),
                    query("language", text(8), "ISO 639-3 code (GET /api/v1/languages)"),
                ],
                errors=(400, 401, 403, 422),
            ),
            "post": op("Create a bulletin by upload or TTS", t, ok(ref("Bulletin"), "Created as draft", "201"),
                       body=create_body, errors=WRITE),
        },
        "/api/v1/bulletins/{id}": {
            "parameters": [path_id()],
            "get": op("Get a bulletin", t, ok(ref("Bulletin")), errors=(401, 403, 404)),
            "patch": op("Change a draft bulletin", t, ok(ref("Bulletin")), body=json_body(ref("BulletinPatch")),
                        errors=WRITE),
            "delete": op("Delete a draft bulletin (its audio too, unless something else uses it)", t,
                         {"204": {"description": "Deleted"}}, errors=(401, 403, 404, 409)),
        },
        "/api/v1/bulletins/tts-preview": {
            "post": op("Hear a text read aloud before saving it as a bulletin (nothing is stored)", t,
                       ok(ref("TTSPreview")), body=json_body(ref("TTSPreviewInput")), errors=(400, 401, 403, 422)),
        },
    }
    for action, reason in (("submit", False), ("approve", False), ("reject", True), ("withdraw", False)):
        paths[f"/api/v1/bulletins/{{id}}/{action}"] = {
            "parameters": [path_id()],
            "post": op(f"{action.capitalize()} a bulletin", t, ok(ref("Bulletin")), body=_reason_body(reason),
                       errors=STATE),
        }
    return paths


def _reason_body(required: bool) -> J:
    reason = text(2000, filled=True) if required else nullable(text(2000))
    return json_body(obj({"reason": reason}, ("reason",) if required else ()), required=required)


def _statuses(kind: str) -> tuple[str, ...]:
    from ..models import BULLETIN_STATUSES, SCHEDULE_STATUSES

    return BULLETIN_STATUSES if kind == "bulletin" else SCHEDULE_STATUSES


def _workflow_paths() -> J:
    paths = _bulletin_paths()
    for noun, schema, tag, body, params in (
        ("category", "Category", "categories", "Category",
         [query("all", {"type": "string", "enum": ["0", "1", "false", "true"]}, "1: include hidden")]),
        ("campaign", "Campaign", "campaigns", "Campaign", [query("active_on", DAY, "running that day"),
                                                           query("plan", ID, "of this plan")]),
        ("playlist", "Playlist", "playlists", "Playlist", None),
        (
            "schedule",
            "Schedule",
            "schedules",
            "Schedule",
            [
                query("station", ID, "reaches this station"),
                query("area", text(64), "targets this area"),
                query("status", {"type": "string", "enum": list(_statuses("schedule"))}, "workflow state"),
            ],
        ),
    ):
        coll, item = _crud(noun, schema, tag, body, params)
        plural = "categories" if noun == "category" else noun + "s"
        paths[f"/api/v1/{plural}"] = coll
        paths[f"/api/v1/{plural}/{{id}}"] = item
    for action in ("submit", "approve", "reject"):
        paths[f"/api/v1/schedules/{{id}}/{action}"] = {
            "parameters": [path_id()],
            "post": op(f"{action.capitalize()} a schedule", "schedules", ok(ref("Schedule")),
                       body=_reason_body(action == "reject"), errors=STATE),
        }
    paths.update(openapi_chimes.paths())
    paths.update(openapi_relays.paths())
    paths.update(openapi_plans.paths())
    paths.update(openapi_period_reports.paths())
    paths["/api/v1/stations/{id}/timeline"] = {
        "parameters": [path_id()],
        "get": op(
            "What a station will play",
            "stations",
            ok(ref("Timeline")),
            params=[
                query("from", TIME_IN, "start (default: now)"),
                query("to", TIME_IN, "end, after start (default: from + 1 day, at most 31 days)"),
            ],
            errors=(400, 401, 403, 404, 422),
        ),
    }
    paths["/api/v1/reports/summary"] = _summary_path()
    return paths


def _summary_path() -> J:
    return {
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
                query("from", REPORT_DAY, "first local day (inclusive)"),
                query("to", REPORT_DAY, "last local day (inclusive; not before from)"),
                query("preset", {"type": "string", "enum": ["six-month", "year"]}, "a plan period"),
                query("area", text(64), "area code (default: the user's area)"),
                query("group_by", {"type": "string", "enum": ["category", "campaign", "area", "station"]}, "grouping"),
                query("format", {"type": "string", "enum": ["json", "csv"]}, "json (default) or csv"),
            ],
            errors=(400, 401, 403, 404, 422),
        ),
    }


def _operator_paths() -> J:
    return {
        "/api/v1/areas": {
            "get": op("List the area tree in scope", "areas", ok(res({"areas": arr(ref("Area"))})),
                      errors=(401, 403)),
            "post": op("Add an area", "areas", ok(ref("Area"), "Created", "201"), body=json_body(ref("AreaInput")),
                       errors=(400, 401, 403, 404, 409)),
        },
        "/api/v1/stations": {
            "get": op("List stations with health", "stations",
                      ok(res({"stations": arr(ref("Station"))})),
                      params=[query("area", CODE, "only this area's subtree")]),
            "post": op("Register a station (answers its one-time enrollment code)", "stations",
                       ok(res({"station": ref("Station"), "code": STR}), "Created", "201"),
                       body=json_body(ref("StationInput")), errors=(401, 403, 404, 422)),
        },
        "/api/v1/stations/{id}/enroll-code": {
            "parameters": [path_id()],
            "post": op("Issue a new enrollment code for a station", "stations",
                       ok(res({"station_id": INT, "code": STR}), "Created", "201"), errors=(401, 403, 404)),
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
                ok(res({"station_id": INT, "outages": arr(OUTAGE)})),
                params=[query("limit", between(1, 1000), "at most 1000 (default 100)")],
            ),
        },
        "/api/v1/stations/{id}/speaker-test": {
            "parameters": [path_id()],
            "post": op("Ask a station to play a short test signal (its result comes in its heartbeat)", "stations",
                       ok(res({"station_id": INT, "id": STR}), "Accepted", "202"), errors=(401, 403, 404, 409)),
        },
        "/api/v1/stations/{id}": {
            "parameters": [path_id()],
            "get": op("Get a station with health", "stations", ok(ref("Station")), errors=(401, 403, 404)),
            "patch": op("Change a station's settings", "stations", ok(ref("Station")),
                        body=json_body(ref("StationSettings")), errors=(401, 403, 404, 422)),
        },
        "/api/v1/play-logs": {
            "get": op(
                "List proof of play",
                "play-logs",
                ok(res({"play_logs": arr(ref("PlayLogRow")), "limit": INT, "offset": INT})),
                params=[
                    query("station", ID, "station id"),
                    query("from", TIME_IN, "from this time"),
                    query("to", TIME_IN, "until this time"),
                    query("limit", between(1, 1000), "rows per page (default 200)"),
                    query("offset", between(0, 2**63 - 1), "rows to skip"),
                ],
                errors=(400, 401, 403, 404, 422),  # 422: a time of the allowed form that does not exist
            )
        },
        "/api/v1/tokens/{id}": {
            "parameters": [path_id()],
            "delete": op("Revoke an API token", "people", {"204": {"description": "Revoked"}}, errors=(401, 404)),
        },
        "/api/v1/tokens": {
            "get": op("List your API tokens", "people", ok(res({"tokens": arr(ref("Token"))})), errors=(401,)),
            "post": op("Make an API token for yourself (shown once)", "people",
                       ok(res({"id": INT, "token": STR, "prefix": STR}), "Created", "201"),
                       body=json_body(obj({"name": text(100)}, extra=False), required=False), errors=(401,)),
        },
        "/api/v1/me": {"get": op("Who am I", "people", ok(ref("User")), errors=(401,))},
        "/api/v1/audit": {"get": _audit_op()},
    }


def _audit_op() -> J:
    """The admins' audit log: JSON pages, or CSV of every matching row."""
    entry = res({"id": INT, "at": TIME, "actor_id": nullable("integer"), "actor_name": STR, "action": STR,
                 "object_type": nullable("string"), "object_id": nullable("string"),
                 "area_code": nullable("string"), "detail": {"type": "object"}})
    listing = res({"entries": arr(entry), "total": INT, "limit": INT, "offset": INT})
    when = {"anyOf": [DAY, TIME]}
    return op(
        "Read the audit log (admins)", "audit",
        {"200": {"description": "Entries, newest first", "content": {
            "application/json": {"schema": listing}, "text/csv": {"schema": STR}}}},
        params=[
            query("person", text(100), "login name of the person who acted"),
            query("object_type", text(32), "Bulletin, Schedule, Station, Playlist, Campaign, Category, Area, User…"),
            query("object_id", text(64), "the object's id"),
            query("action", text(64), "an action (bulletin.approve) or all of one kind (bulletin)"),
            query("area", text(64), "area code: rows of its subtree"),
            query("from", when, "a local day (inclusive) or a time"),
            query("to", when, "a local day (inclusive) or a time (exclusive)"),
            query("limit", between(1, 1000), "at most 1000 (default 100)"),
            query("offset", between(0, 2**31 - 1), "rows to skip"),
            query("format", {"type": "string", "enum": ["json", "csv"]}, "json (default) or csv"),
        ],
    )


def _meta_paths() -> J:
    return {
        "/api/v1/health": {
            "get": op("Liveness", "meta", ok(res({"status": STR})), security="none", errors=())
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


def _link_created(paths: J) -> None:
    """OpenAPI links: what one call makes, the next reads, changes, moves through its workflow or deletes.

    A 201 from ``POST /x`` links to every operation under ``/x/{id}``; a workflow step on
    ``/x/{id}/…`` links to the others (submit, then approve). Fuzzers follow them (stateful testing).
    """
    for path, item in paths.items():
        created = item.get("post", {}).get("responses", {}).get("201")
        if created is None:
            continue
        here = f"{path}/{{id}}"
        id_of = "$response.body#/station/id" if path == "/api/v1/stations" else "$response.body#/id"
        if here in paths:
            created["links"] = _links_to(paths, here, id_of)
        for sub, sub_item in paths.items():
            step = sub_item.get("post", {}).get("responses", {}).get("200") if sub.startswith(here + "/") else None
            if step is not None:  # a workflow step answers the object itself
                step["links"] = _links_to(paths, here, "$response.body#/id")
    station = paths["/api/v1/stations"]["post"]["responses"]["201"]["links"]
    station["enrollStation"] = {"operationId": paths["/api/v1/station/enroll"]["post"]["operationId"],
                                "requestBody": {"code": "$response.body#/code"}}


def _links_to(paths: J, here: str, id_of: str) -> J:
    return {
        op["operationId"]: {"operationId": op["operationId"], "parameters": {"path.id": id_of}}
        for sub, sub_item in paths.items() if sub == here or sub.startswith(here + "/")
        for verb, op in sub_item.items() if verb != "parameters"
    }


def build_spec() -> J:
    """The whole OpenAPI document as a dict."""
    paths: J = {}
    for part in (_station_paths, _operator_paths, _workflow_paths, _meta_paths, openapi_emergencies.paths,
                 openapi_alerts.paths, openapi_live.paths):
        paths.update(part())
    _link_created(paths)
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
                        **openapi_emergencies.SCHEMAS, **openapi_period_reports.SCHEMAS, **openapi_live.SCHEMAS,
                        **openapi_relays.SCHEMAS},
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
