"""The OpenAPI 3.1 document of the whole API (station contract and operator API), served as JSON.

The document is built from small helpers so each path reads as one line of intent; a test checks it
with a real validator and checks that every Flask route under ``/api/v1`` is described here.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

bp = Blueprint("api_openapi", __name__, url_prefix="/api/v1")

J = dict[str, Any]

PROBLEM = {"$ref": "#/components/responses/Problem"}


def ref(name: str) -> J:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(props: J, required: tuple[str, ...] = (), extra: bool = True) -> J:
    s: J = {"type": "object", "properties": props}
    if required:
        s["required"] = list(required)
    if not extra:
        s["additionalProperties"] = False
    return s


def arr(items: J) -> J:
    return {"type": "array", "items": items}


def nullable(t: str, **kw: Any) -> J:
    return {"type": [t, "null"], **kw}


STR: J = {"type": "string"}
INT: J = {"type": "integer"}
NUM: J = {"type": "number"}
BOOL: J = {"type": "boolean"}
TIME: J = {"type": "string", "format": "date-time"}
TIME_N: J = nullable("string", format="date-time")
DAY: J = {"type": "string", "format": "date"}
PRIORITY: J = {"type": "string", "enum": ["normal", "priority", "emergency"]}
ROLE: J = {"type": "string", "enum": ["admin", "editor", "approver", "operator"]}
LOG_STATUS: J = {
    "type": "string",
    "enum": ["completed", "interrupted", "failed", "missed", "skipped", "local"],
}


def json_body(schema: J, required: bool = True) -> J:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def ok(schema: J | None, desc: str = "OK", status: str = "200") -> J:
    r: J = {"description": desc}
    if schema is not None:
        r["content"] = {"application/json": {"schema": schema}}
    return {status: r}


def op(
    summary: str,
    tag: str,
    responses: J,
    *,
    params: list[J] | None = None,
    body: J | None = None,
    security: str = "operator",
    errors: tuple[int, ...] = (400, 401, 403, 404),
) -> J:
    o: J = {"summary": summary, "tags": [tag], "responses": dict(responses)}
    o["operationId"] = _op_id(summary)
    if params:
        o["parameters"] = params
    if body is not None:
        o["requestBody"] = body
    if security == "none":
        o["security"] = []
    elif security == "station":
        o["security"] = [{"stationToken": []}]
    else:
        o["security"] = [{"apiToken": []}, {"session": []}]
    for code in errors:
        o["responses"].setdefault(str(code), PROBLEM)
    return o


def _op_id(summary: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in summary).split()
    return words[0].lower() + "".join(w.capitalize() for w in words[1:])


def path_id(name: str = "id", desc: str = "Mã số") -> J:
    return {"name": name, "in": "path", "required": True, "schema": INT, "description": desc}


def query(name: str, schema: J, desc: str, required: bool = False) -> J:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": desc}


# --- schemas -------------------------------------------------------------------------------

SCHEMAS: J = {
    "Problem": obj(
        {"type": STR, "title": STR, "status": INT, "detail": STR},
        ("type", "title", "status", "detail"),
    ),
    "Asset": obj(
        {
            "sha256": STR,
            "size": INT,
            "duration_ms": INT,
            "codec": STR,
            "loudness_lufs": nullable("number"),
        },
        ("sha256", "size", "duration_ms"),
    ),
    "ManifestBulletin": obj(
        {
            "id": INT,
            "title": STR,
            "asset_sha256": STR,
            "duration_ms": INT,
            "category": nullable("string"),
            "language": STR,
            "valid_from": TIME_N,
            "valid_until": TIME_N,
        },
        ("id", "asset_sha256", "duration_ms"),
    ),
    "Item": obj(
        {
            "kind": {"type": "string", "enum": ["bulletin", "chime", "pause"]},
            "bulletin_id": nullable("integer"),
            "asset_sha256": nullable("string"),
            "duration_ms": INT,
        },
        ("kind",),
    ),
    "ManifestSchedule": obj(
        {
            "id": INT,
            "title": STR,
            "items": arr(ref("Item")),
            "dtstart": {"type": "string", "description": "naive local ISO time in `timezone`"},
            "timezone": STR,
            "rrule": STR,
            "exdates": arr(STR),
            "priority": PRIORITY,
            "grace_s": nullable("integer"),
            "valid_from": TIME_N,
            "valid_until": TIME_N,
        },
        ("id", "items", "dtstart", "timezone", "rrule", "priority"),
    ),
    "Manifest": obj(
        {
            "version": INT,
            "server_time": TIME,
            "horizon_days": INT,
            "station": obj({"id": INT, "name": STR, "area_code": STR, "timezone": STR}),
            "assets": arr(ref("Asset")),
            "bulletins": arr(ref("ManifestBulletin")),
            "schedules": arr(ref("ManifestSchedule")),
        },
        ("version", "server_time", "station", "assets", "bulletins", "schedules"),
    ),
    "PlayLog": obj(
        {
            "id": {"type": "string", "format": "uuid"},
            "slot_id": nullable("string"),
            "schedule_id": nullable("integer"),
            "bulletin_id": nullable("integer"),
            "asset_sha256": nullable("string"),
            "planned_start": TIME_N,
            "started_at": TIME_N,
            "ended_at": TIME_N,
            "status": LOG_STATUS,
            "reason": nullable("string"),
            "clock_trusted": BOOL,
            "clock_offset_ms": INT,
        },
        ("id", "status"),
    ),
    "Heartbeat": obj(
        {
            "agent_version": STR,
            "manifest_version": nullable("integer"),
            "clock_offset_ms": INT,
            "clock_trusted": BOOL,
            "disk_free_bytes": nullable("integer"),
            "cache": obj({"assets": INT, "missing": INT, "bytes": INT}),
            "now_playing": {"type": ["object", "null"]},
            "outbox": INT,
            "last_error": nullable("string"),
        }
    ),
    "Area": obj(
        {
            "code": STR,
            "name": STR,
            "level": STR,
            "parent": nullable("string"),
            "children": arr(ref("Area")),
        },
        ("code", "name"),
    ),
    "Station": obj(
        {
            "id": INT,
            "name": STR,
            "area_code": STR,
            "timezone": STR,
            "online": BOOL,
            "last_seen": TIME_N,
            "manifest_version": INT,
            "applied_version": nullable("integer"),
        },
        ("id", "name"),
    ),
    "BulletinAsset": obj(
        {
            "sha256": STR,
            "duration_ms": INT,
            "size": INT,
            "loudness_lufs": nullable("number"),
        },
        ("sha256", "duration_ms", "size"),
    ),
    "Bulletin": obj(
        {
            "id": INT,
            "title": STR,
            "status": {
                "type": "string",
                "enum": ["draft", "submitted", "approved", "rejected", "withdrawn"],
            },
            "category": nullable("string"),
            "campaign_id": nullable("integer"),
            "language": STR,
            "priority": PRIORITY,
            "valid_from": TIME_N,
            "valid_until": TIME_N,
            "asset": ref("BulletinAsset"),
            "author": nullable("string"),
            "approver": nullable("string"),
            "reason": nullable("string"),
            "area_code": nullable("string"),
            "created_at": TIME_N,
        },
        ("id", "status", "asset"),
    ),
    "BulletinTTS": obj(
        {
            "title": STR,
            "text": STR,
            "language": STR,
            "category": STR,
            "campaign_id": nullable("integer"),
            "engine": {"type": "string", "enum": ["auto", "gtts", "espeak"]},
            "voice": nullable("string"),
            "speed": NUM,
            "priority": PRIORITY,
            "valid_from": TIME_N,
            "valid_until": TIME_N,
        },
        ("title", "text"),
    ),
    "BulletinUpload": obj(
        {
            "file": {"type": "string", "contentMediaType": "application/octet-stream"},
            "title": STR,
            "category": STR,
            "language": STR,
            "campaign_id": INT,
            "priority": PRIORITY,
            "valid_from": TIME,
            "valid_until": TIME,
        },
        ("file", "title"),
    ),
    "BulletinPatch": obj(
        {
            "title": STR,
            "category": nullable("string"),
            "campaign_id": nullable("integer"),
            "language": STR,
            "priority": PRIORITY,
            "valid_from": TIME_N,
            "valid_until": TIME_N,
        }
    ),
    "Category": obj(
        {"id": INT, "code": STR, "name": STR, "name_en": nullable("string"), "active": BOOL},
        ("id", "code", "name"),
    ),
    "Campaign": obj(
        {
            "id": INT,
            "name": STR,
            "category": nullable("string"),
            "starts_on": DAY,
            "ends_on": DAY,
            "description": nullable("string"),
        },
        ("id", "name", "starts_on", "ends_on"),
    ),
    "PlaylistItem": obj(
        {
            "kind": {"type": "string", "enum": ["bulletin", "chime", "pause"]},
            "bulletin_id": nullable("integer"),
            "duration_ms": INT,
        },
        ("kind",),
    ),
    "Playlist": obj(
        {
            "id": INT,
            "name": STR,
            "items": arr(ref("PlaylistItem")),
            "duration_ms": INT,
            "area_code": nullable("string"),
        },
        ("id", "name", "items", "duration_ms"),
    ),
    "Targets": obj({"areas": arr(STR), "stations": arr(INT)}),
    "Schedule": obj(
        {
            "id": INT,
            "title": STR,
            "bulletin_id": nullable("integer"),
            "playlist_id": nullable("integer"),
            "targets": ref("Targets"),
            "dtstart": STR,
            "rrule": STR,
            "exdates": arr(STR),
            "timezone": STR,
            "priority": PRIORITY,
            "grace_s": nullable("integer"),
            "valid_from": TIME_N,
            "valid_until": TIME_N,
            "active": BOOL,
        },
        ("id", "targets", "dtstart", "rrule", "timezone", "priority"),
    ),
    "TimelineSlot": obj(
        {
            "id": STR,
            "schedule_id": INT,
            "planned_start": TIME,
            "start": TIME,
            "end": TIME,
            "priority": PRIORITY,
            "status": {"type": "string", "enum": ["planned", "missed", "skipped"]},
            "reason": nullable("string"),
            "items": arr(
                obj(
                    {
                        "kind": STR,
                        "start": TIME,
                        "end": TIME,
                        "bulletin_id": nullable("integer"),
                        "asset_sha256": nullable("string"),
                    }
                )
            ),
        },
        ("id", "start", "end", "priority", "status", "items"),
    ),
    "SummaryRow": obj(
        {
            "key": STR,
            "label": STR,
            "plays": INT,
            "minutes_aired": NUM,
            "completed": INT,
            "interrupted": INT,
            "failed": INT,
            "missed": INT,
            "skipped": INT,
            "local": INT,
            "completion_rate": nullable("number"),
            "stations_reached": INT,
        },
        ("key", "label", "plays", "minutes_aired", "completed", "missed", "stations_reached"),
    ),
    "Summary": obj(
        {
            "from": DAY,
            "to": DAY,
            "area": nullable("string"),
            "group_by": {"type": "string", "enum": ["category", "campaign", "area", "station"]},
            "rows": arr(ref("SummaryRow")),
            "total": ref("SummaryRow"),
        },
        ("from", "to", "group_by", "rows", "total"),
    ),
}


# --- paths ---------------------------------------------------------------------------------


def _station_paths() -> J:
    s = "station"
    logs_in = obj({"logs": {**arr(ref("PlayLog")), "minItems": 1, "maxItems": 1000}}, ("logs",))
    return {
        "/api/v1/station/enroll": {
            "post": op(
                "Enroll a station with a one-time code",
                "station",
                ok(
                    obj(
                        {"station_id": INT, "token": STR, "public_key": STR, "server_time": TIME},
                        ("station_id", "token", "public_key", "server_time"),
                    ),
                    "Enrolled",
                    "201",
                ),
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
        ("category", "Category", "categories", "Category", None),
        ("campaign", "Campaign", "campaigns", "Campaign", [query("active_on", DAY, "running that day")]),
        ("playlist", "Playlist", "playlists", "Playlist", None),
        (
            "schedule",
            "Schedule",
            "schedules",
            "Schedule",
            [query("station", INT, "targets this station"), query("area", STR, "targets this area")],
        ),
    ):
        coll, item = _crud(noun, schema, tag, body, params)
        plural = "categories" if noun == "category" else noun + "s"
        paths[f"/api/v1/{plural}"] = coll
        paths[f"/api/v1/{plural}/{{id}}"] = item
    paths["/api/v1/stations/{id}/timeline"] = {
        "parameters": [path_id()],
        "get": op(
            "What a station will play",
            "stations",
            ok(obj({"station_id": INT, "version": INT, "slots": arr(ref("TimelineSlot"))}, ("slots",))),
            params=[
                query("from", TIME, "start (default: now)"),
                query("to", TIME, "end (default: from + 1 day, at most 31 days)"),
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


def _meta_paths() -> J:
    return {
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
    for part in (_station_paths, _workflow_paths, _meta_paths):
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
            "schemas": SCHEMAS,
            "responses": {
                "Problem": {
                    "description": "RFC 9457 problem details",
                    "content": {"application/problem+json": {"schema": ref("Problem")}},
                }
            },
            "securitySchemes": {
                "stationToken": {"type": "http", "scheme": "bearer", "description": "station token"},
                "apiToken": {"type": "http", "scheme": "bearer", "description": "a user's API token"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
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
