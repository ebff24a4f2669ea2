"""The OpenAPI description of chimes and of decisions on programme changes (two-person rule)."""

from __future__ import annotations

from pydantic import BaseModel

from ..models import CHIME_STATUSES
from ..shapes import enum
from ..shapes import operator as O
from ..shapes import workflow as W
from .openapi_schemas import (
    J,
    arr,
    json_body,
    ok,
    op,
    path_id,
    query,
    ref,
)

CHIME_STATUS: J = enum(CHIME_STATUSES)


def _action(what: str, tag: str, schema: type[BaseModel], reason: bool) -> J:
    return {
        "parameters": [path_id()],
        "post": op(what, tag, ok(ref(schema)),
                   body=json_body(ref(O.ReasonRequired if reason else O.Reason), required=reason),
                   errors=(400, 401, 403, 404, 409)),
    }


def paths() -> J:
    t = "chimes"
    out: J = {
        "/api/v1/chimes": {
            "get": op("List chimes and jingles", t, ok(arr(ref(W.Chime))),
                      params=[query("status", CHIME_STATUS, "workflow state")]),
            "post": op("Upload a chime (starts as draft)", t,
                       {**ok(ref(W.Chime), "Created as draft", "201"), "422": {"$ref":
                        "#/components/responses/Problem"}},
                       body={"required": True, "content": {
                           "multipart/form-data": {"schema": ref(W.ChimeUpload)}}}),
        },
        "/api/v1/chimes/{id}": {"parameters": [path_id()], "get": op("Get a chime", t, ok(ref(W.Chime)))},
    }
    for action in ("submit", "approve", "reject", "withdraw"):
        out[f"/api/v1/chimes/{{id}}/{action}"] = _action(f"{action.capitalize()} a chime", t, W.Chime,
                                                          action == "reject")
    for action in ("approve", "reject"):
        out[f"/api/v1/playlists/{{id}}/{action}"] = _action(
            f"{action.capitalize()} a programme's waiting change", "playlists", W.Playlist,
            action == "reject")
    return out
