"""The OpenAPI 3.1 document of the whole API (station contract and operator API), served as JSON.

Paths are written with small helpers (``openapi_schemas``) so each reads as one line of intent; the
shapes of bodies and answers are pydantic models (``central.shapes``), named with ``ref(Model)``, and
the components are derived from them. A test checks the document with a real validator and checks
that every Flask route under ``/api/v1`` is described here, so a new route without a description
fails the suite.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from .. import shapes
from ..shapes import inline
from ..shapes import operator as O
from ..shapes import station as station_shapes
from ..shapes import workflow as W
from . import (
    openapi_alerts,
    openapi_chimes,
    openapi_emergencies,
    openapi_live,
    openapi_period_reports,
    openapi_plans,
    openapi_relays,
    openapi_review,
)
from .openapi_schemas import (
    CODE,
    DAY,
    ID,
    INT,
    PROBLEM,
    REPORT_DAY,
    SHA256,
    STR,
    TIME,
    TIME_IN,
    J,
    arr,
    between,
    json_body,
    obj,
    ok,
    op,
    path_id,
    query,
    ref,
    text,
    values,
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
    "content": {"application/problem+json": {"schema": ref(O.Problem)}},
}
#: One interval a station was off the push channel (its link dropped or it stopped)
STATE = openapi_review.STEP_ERRORS
WRITE = (*STATE, 422)  # a body whose meaning does not hold (an end before its start, an unknown code)


# --- paths ---------------------------------------------------------------------------------


def _station_paths() -> J:
    s = "station"
    return {
        "/api/v1/station/enroll": {
            "post": op(
                "Enroll a station with a one-time code",
                "station",
                {**ok(ref(station_shapes.Enrolled), "Enrolled", "201"), "429": THROTTLED},
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
                    **ok(ref(station_shapes.SignedManifest)),
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
                ok(ref(station_shapes.PlayLogsStored)),
                body=json_body(inline(station_shapes.PlayLogBatch)),
                security=s,
                errors=(400, 401, 413),
            )
        },
        "/api/v1/station/heartbeat": {
            "post": op(
                "Report station status",
                s,
                ok(ref(station_shapes.HeartbeatReply)),
                body=json_body(ref(station_shapes.Heartbeat)),
                security=s,
                errors=(400, 401),
            )
        },
    }


def _crud(
    name: str, schema: str, tag: str, body: str, list_params: list[J] | None = None
) -> tuple[J, J]:
    """Collection (GET list, POST create) and item (GET, PATCH, DELETE) paths for one noun.

    ``schema`` names its answer model and ``body`` the stem of its ``…Input`` and ``…Patch`` models
    in ``central.shapes.workflow``.
    """
    answer, new, patch = (getattr(W, n) for n in (schema, body + "Input", body + "Patch"))
    coll = {
        "get": op(f"List {name}s", tag, ok(arr(ref(answer))), params=list_params),
        "post": op(
            f"Create a {name}", tag, ok(ref(answer), "Created", "201"), body=json_body(ref(new)),
            errors=WRITE,
        ),
    }
    item = {
        "parameters": [path_id()],
        "get": op(f"Get a {name}", tag, ok(ref(answer)), errors=(401, 403, 404)),
        "patch": op(f"Change a {name}", tag, ok(ref(answer)), body=json_body(ref(patch)), errors=WRITE),
        "delete": op(f"Delete a {name}", tag, {"204": {"description": "Deleted"}}, errors=(401, 403, 404, 409)),
    }
    return coll, item


def _bulletin_paths() -> J:
    t = "bulletins"
    create_body = {
        "required": True,
        "content": {
            "multipart/form-data": {"schema": ref(W.BulletinUpload)},
            "application/json": {"schema": ref(W.BulletinTTS)},
        },
    }
    paths: J = {
        "/api/v1/bulletins": {
            "get": op(
                "List bulletins",
                t,
                ok(arr(ref(W.Bulletin))),
                params=[
                    query("status", {"type": "string", "enum": values(_statuses("bulletin"))}, "workflow state"),
                    query("category", text(64), "category code"),
                    query("campaign", ID, "campaign id"),
                    query("language", text(8), "ISO 639-3 code (GET /api/v1/languages)"),
                ],
                errors=(400, 401, 403, 422),
            ),
            "post": op("Create a bulletin by upload or TTS", t, ok(ref(W.Bulletin), "Created as draft", "201"),
                       body=create_body, errors=WRITE),
        },
        "/api/v1/bulletins/{id}": {
            "parameters": [path_id()],
            "get": op("Get a bulletin", t, ok(ref(W.Bulletin)), errors=(401, 403, 404)),
            "patch": op("Change a draft bulletin", t, ok(ref(W.Bulletin)), body=json_body(ref(W.BulletinPatch)),
                        errors=WRITE),
            "delete": op("Delete a draft bulletin (its audio too, unless something else uses it)", t,
                         {"204": {"description": "Deleted"}}, errors=(401, 403, 404, 409)),
        },
        "/api/v1/bulletins/tts-preview": {
            "post": op("Hear a text read aloud before saving it as a bulletin (nothing is stored)", t,
                       ok(ref(W.TTSPreview)), body=json_body(ref(W.TTSPreviewInput)), errors=(400, 401, 403, 422)),
        },
    }
    paths.update(openapi_review.paths("/api/v1/bulletins", "a bulletin", t, W.Bulletin,
                                      ("submit", "approve", "reject", "withdraw")))
    return paths


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
                query("status", {"type": "string", "enum": values(_statuses("schedule"))}, "workflow state"),
            ],
        ),
    ):
        coll, item = _crud(noun, schema, tag, body, params)
        plural = "categories" if noun == "category" else noun + "s"
        paths[f"/api/v1/{plural}"] = coll
        paths[f"/api/v1/{plural}/{{id}}"] = item
    paths.update(openapi_review.paths("/api/v1/schedules", "a schedule", "schedules", W.Schedule,
                                      ("submit", "approve", "reject")))
    paths.update(openapi_chimes.paths())
    paths.update(openapi_relays.paths())
    paths.update(openapi_plans.paths())
    paths.update(openapi_period_reports.paths())
    paths["/api/v1/stations/{id}/timeline"] = {
        "parameters": [path_id()],
        "get": op(
            "What a station will play",
            "stations",
            ok(ref(O.Timeline)),
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
                        "application/json": {"schema": ref(O.Summary)},
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
            "get": op("List the area tree in scope", "areas", ok(ref(O.AreaList)),
                      errors=(401, 403)),
            "post": op("Add an area", "areas", ok(ref(O.Area), "Created", "201"), body=json_body(ref(O.AreaInput)),
                       errors=(400, 401, 403, 404, 409)),
        },
        "/api/v1/stations": {
            "get": op("List stations with health", "stations",
                      ok(ref(O.StationList)),
                      params=[query("area", CODE, "only this area's subtree")]),
            "post": op("Register a station (answers its one-time enrollment code)", "stations",
                       ok(ref(O.StationCreated), "Created", "201"),
                       body=json_body(ref(O.StationInput)), errors=(401, 403, 404, 422)),
        },
        "/api/v1/stations/{id}/enroll-code": {
            "parameters": [path_id()],
            "post": op("Issue a new enrollment code for a station", "stations",
                       ok(ref(O.EnrollCode), "Created", "201"), errors=(401, 403, 404)),
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
                ok(ref(O.Outages)),
                params=[query("limit", between(1, 1000), "at most 1000 (default 100)")],
            ),
        },
        "/api/v1/stations/{id}/speaker-test": {
            "parameters": [path_id()],
            "post": op("Ask a station to play a short test signal (its result comes in its heartbeat)", "stations",
                       ok(ref(O.SpeakerTestAsked), "Accepted", "202"), errors=(401, 403, 404, 409)),
        },
        "/api/v1/stations/{id}": {
            "parameters": [path_id()],
            "get": op("Get a station with health", "stations", ok(ref(O.Station)), errors=(401, 403, 404)),
            "patch": op("Change a station's settings", "stations", ok(ref(O.Station)),
                        body=json_body(ref(O.StationSettings)), errors=(401, 403, 404, 422)),
        },
        "/api/v1/play-logs": {
            "get": op(
                "List proof of play",
                "play-logs",
                ok(ref(O.PlayLogPage)),
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
            "get": op("List your API tokens", "people", ok(ref(O.TokenList)), errors=(401,)),
            "post": op("Make an API token for yourself (shown once)", "people",
                       ok(ref(O.TokenMade), "Created", "201"),
                       body=json_body(ref(O.TokenNew), required=False), errors=(401,)),
        },
        "/api/v1/me": {"get": op("Who am I", "people", ok(ref(O.User)), errors=(401,))},
        "/api/v1/audit": {"get": _audit_op()},
    }


def _audit_op() -> J:
    """The admins' audit log: JSON pages, or CSV of every matching row."""
    when = {"anyOf": [DAY, TIME]}
    return op(
        "Read the audit log (admins)", "audit",
        {"200": {"description": "Entries, newest first", "content": {
            "application/json": {"schema": ref(O.AuditPage)}, "text/csv": {"schema": STR}}}},
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
            "get": op("Liveness", "meta", ok(ref(O.Health)), security="none", errors=())
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
            "schemas": shapes.components(),
            "responses": {
                "Problem": {
                    "description": "RFC 9457 problem details",
                    "content": {"application/problem+json": {"schema": ref(O.Problem)}},
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
def openapi_json() -> ResponseReturnValue:
    return jsonify(spec())
