"""The OpenAPI description of live announcements and the stations' two live calls (strict shapes)."""

from __future__ import annotations

from .openapi_schemas import (
    ID,
    INT,
    NUM,
    ONE_TARGET,
    STR,
    TIME,
    TIME_N,
    J,
    arr,
    json_body,
    nullable,
    obj,
    ok,
    op,
    path_id,
    text,
)

_TARGETS: J = obj({"areas": arr(STR), "stations": arr(INT)}, ("areas", "stations"), extra=False)
_FIELDS: J = {
    "id": INT, "title": STR, "bulletin_id": INT, "priority": {"type": "string", "enum": ["priority"]},
    "status": {"type": "string", "enum": ["on_air", "ended"]}, "targets": _TARGETS, "author": STR,
    "area_code": nullable("string"), "started_at": TIME, "ended_at": TIME_N,
    "end_reason": nullable("string", enum=["ended", "speaker_lost", None]), "mount": STR,
    "note": nullable("string"),
}

SCHEMAS: J = {
    "Live": obj(_FIELDS, tuple(_FIELDS), extra=False),
    "LiveNew": obj(
        {"title": text(250), "targets": {**obj({"areas": arr(text(64)), "stations": arr(ID)}), **ONE_TARGET}},
        ("targets",),
    ),
    "LiveChunk": obj(
        {"chunk": {"type": "string", "contentMediaType": "application/octet-stream", "minLength": 1,
                   "description": "the next MediaRecorder timeslice; the first starts a WebM or Ogg stream"},
         "seq": {"type": "integer", "minimum": 0, "description": "the chunk's number, for the speaker's own use"}},
        ("chunk",),
    ),
    "StationLive": obj(
        {"id": INT, "bulletin_id": INT, "title": STR, "priority": STR, "started_at": TIME,
         "url": {**STR, "description": "the Icecast mount to play"},
         "username": STR, "password": {**STR, "description": "signed, short-lived: ask again to re-join"},
         "lost_after_s": NUM},
        ("id", "bulletin_id", "title", "priority", "started_at", "url", "username", "password", "lost_after_s"),
    ),
    "IcecastListener": obj(
        {"action": text(32), "mount": text(200), "user": text(64), "pass": text(200), "server": text(200),
         "port": text(16), "client": text(32), "ip": text(64), "agent": text(500)},
    ),
}


def paths() -> J:
    t = "live"
    one = {"parameters": [path_id()]}
    return {
        "/api/v1/live": {
            "get": op("List live announcements", t, ok(obj({"live": arr({"$ref": "#/components/schemas/Live"})},
                                                           ("live",), extra=False))),
            "post": op("Go live to areas or stations (priority tier)", t,
                       ok({"$ref": "#/components/schemas/Live"}, "On air", "201"),
                       body=json_body({"$ref": "#/components/schemas/LiveNew"}),
                       errors=(400, 401, 403, 404, 409, 422)),
        },
        "/api/v1/live/{id}": {**one, "get": op("Get a live announcement", t, ok({"$ref": "#/components/schemas/Live"}))},
        "/api/v1/live/{id}/audio": {**one, "post": op(
            "Send the next chunk of the speaker's audio", t,
            ok(obj({"id": INT, "chunks": INT}, ("id", "chunks"), extra=False)),
            body={"required": True, "content": {"multipart/form-data": {
                "schema": {"$ref": "#/components/schemas/LiveChunk"}}}},
            errors=(400, 401, 403, 404, 409, 413, 422))},
        "/api/v1/live/{id}/end": {**one, "post": op(
            "End a live announcement (its speaker, or an approver)", t, ok({"$ref": "#/components/schemas/Live"}),
            errors=(401, 403, 404, 409))},
        "/api/v1/station/live": {"get": op(
            "Live announcements this station should play now", "station",
            ok(obj({"live": arr({"$ref": "#/components/schemas/StationLive"})}, ("live",), extra=False)),
            security="station", errors=(401,))},
        "/api/v1/station/live/listener": {"post": op(
            "Icecast asks whether a listener may join a live mount", "station",
            {"200": {"description": "Allowed: the header icecast-auth-user is 1"}},
            body={"required": False, "content": {"application/x-www-form-urlencoded": {
                "schema": {"$ref": "#/components/schemas/IcecastListener"}}}},
            security="none", errors=(400, 403))},
    }
