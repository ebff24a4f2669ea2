"""The OpenAPI description of chimes and of decisions on programme changes (two-person rule)."""

from __future__ import annotations

from playlists.words import CHIME_STATUSES, REVISION_STATUSES

from .openapi_schemas import (
    INT,
    STR,
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
    res,
    text,
    values,
)

CHIME_STATUS: J = {"type": "string", "enum": values(CHIME_STATUSES)}

SCHEMAS: J = {
    "Chime": obj(
        {
            "id": INT,
            "title": STR,
            "status": CHIME_STATUS,
            "builtin": {"type": "boolean"},
            "asset": res({"sha256": STR, "duration_ms": INT, "size": INT, "loudness_lufs": nullable("number")}),
            "author": nullable("string"),
            "approver": nullable("string"),
            "reason": nullable("string"),
            "area_code": nullable("string"),
            "created_at": STR,
            "decided_at": TIME_N,
        },
        ("id", "title", "status", "builtin", "asset"),
    ),
    "ChimeUpload": obj(
        {"file": {"type": "string", "contentMediaType": "application/octet-stream", "minLength": 1},
         "title": text(300, filled=True)},
        ("file", "title"),
        extra=False,
    ),
    "PlaylistRevision": obj(
        {
            "revision": INT,
            "status": {"type": "string",
                       "enum": values(REVISION_STATUSES)},
            "author": nullable("string"),
            "approver": nullable("string"),
            "reason": nullable("string"),
            "created_at": STR,
            "items": arr(ref("PlaylistItem")),
            "duration_ms": INT,
        },
        ("revision", "status", "items"),
    ),
}


def _action(what: str, tag: str, schema: str, reason: bool) -> J:
    return {
        "parameters": [path_id()],
        "post": op(what, tag, ok(ref(schema)),
                   body=json_body(obj({"reason": text(2000, filled=True) if reason else nullable(text(2000))},
                                      ("reason",) if reason else ()), required=reason),
                   errors=(400, 401, 403, 404, 409)),
    }


def paths() -> J:
    t = "chimes"
    out: J = {
        "/api/v1/chimes": {
            "get": op("List chimes and jingles", t, ok(arr(ref("Chime"))),
                      params=[query("status", CHIME_STATUS, "workflow state")]),
            "post": op("Upload a chime (starts as draft)", t,
                       {**ok(ref("Chime"), "Created as draft", "201"), "422": {"$ref":
                        "#/components/responses/Problem"}},
                       body={"required": True, "content": {
                           "multipart/form-data": {"schema": ref("ChimeUpload")}}}),
        },
        "/api/v1/chimes/{id}": {"parameters": [path_id()], "get": op("Get a chime", t, ok(ref("Chime")))},
    }
    for action in ("submit", "approve", "reject", "withdraw"):
        out[f"/api/v1/chimes/{{id}}/{action}"] = _action(f"{action.capitalize()} a chime", t, "Chime",
                                                          action == "reject")
    for action in ("approve", "reject"):
        out[f"/api/v1/playlists/{{id}}/{action}"] = _action(
            f"{action.capitalize()} a programme's waiting change", "playlists", "Playlist",
            action == "reject")
    return out
