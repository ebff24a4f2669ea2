"""The OpenAPI description of relay sources (nguồn tiếp sóng, issue 13) and their workflow."""

from __future__ import annotations

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
)

RELAY_STATUS: J = {"type": "string", "enum": ["draft", "submitted", "approved", "rejected", "disabled"]}
#: an http(s) stream address (Icecast MP3/AAC/Ogg, HLS .m3u8)
STREAM_URL: J = {"type": "string", "minLength": 8, "maxLength": 1000, "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://[^\\s/]+\\S*$",
                 "examples": ["http://127.0.0.1:8000/vov1.ogg"]}

SCHEMAS: J = {
    "RelaySource": res({
        "id": INT,
        "name": STR,
        "url": STR,
        "note": STR,
        "status": RELAY_STATUS,
        "author": nullable("string"),
        "approver": nullable("string"),
        "disabled_by": nullable("string"),
        "reason": nullable("string"),
        "area_code": nullable("string"),
        "created_at": STR,
        "decided_at": TIME_N,
        "disabled_at": TIME_N,
    }),
    "RelaySourceIn": obj(
        {"name": text(200, filled=True), "url": STREAM_URL, "note": nullable(text(2000)),
         "submit": {"type": "boolean"}},
        ("name", "url"),
        extra=False,
    ),
}


def _action(what: str, reason: bool) -> J:
    return {
        "parameters": [path_id()],
        "post": op(what, "relays", ok(ref("RelaySource")),
                   body=json_body(obj({"reason": text(2000, filled=True) if reason else nullable(text(2000))},
                                      ("reason",) if reason else ()), required=reason),
                   errors=(400, 401, 403, 404, 409)),
    }


def paths() -> J:
    t = "relays"
    out: J = {
        "/api/v1/relay-sources": {
            "get": op("List relay sources (streams stations rebroadcast)", t, ok(arr(ref("RelaySource"))),
                      params=[query("status", RELAY_STATUS, "workflow state")]),
            "post": op("Add a relay source (starts as draft, or submitted with submit: true)", t,
                       ok(ref("RelaySource"), "Created", "201"), body=json_body(ref("RelaySourceIn"))),
        },
        "/api/v1/relay-sources/{id}": {"parameters": [path_id()],
                                       "get": op("Get a relay source", t, ok(ref("RelaySource")))},
    }
    for action in ("submit", "approve", "reject", "disable"):
        out[f"/api/v1/relay-sources/{{id}}/{action}"] = _action(f"{action.capitalize()} a relay source",
                                                                action == "reject")
    return out
