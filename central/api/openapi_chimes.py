"""The OpenAPI description of chimes and of decisions on programme changes (two-person rule)."""

from __future__ import annotations

from ..models import CHIME_STATUSES
from ..shapes import enum
from ..shapes import workflow as W
from .openapi_review import paths as review_paths
from .openapi_schemas import (
    J,
    arr,
    ok,
    op,
    path_id,
    query,
    ref,
)

CHIME_STATUS: J = enum(CHIME_STATUSES)


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
    out.update(review_paths("/api/v1/chimes", "a chime", t, W.Chime, ("submit", "approve", "reject", "withdraw")))
    out.update(review_paths("/api/v1/playlists", "a programme's waiting change", "playlists", W.Playlist,
                            ("approve", "reject")))
    return out
