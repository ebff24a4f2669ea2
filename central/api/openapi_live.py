"""The OpenAPI description of live announcements and the stations' two live calls (shapes: central/shapes/live.py)."""

from __future__ import annotations

from ..shapes import live as L
from .openapi_schemas import J, json_body, ok, op, path_id, ref


def paths() -> J:
    t = "live"
    one = {"parameters": [path_id()]}
    return {
        "/api/v1/live": {
            "get": op("List live announcements", t, ok(ref(L.LiveList))),
            "post": op("Go live to areas or stations (priority tier)", t, ok(ref(L.Live), "On air", "201"),
                       body=json_body(ref(L.LiveNew)), errors=(400, 401, 403, 404, 409, 422)),
        },
        "/api/v1/live/{id}": {**one, "get": op("Get a live announcement", t, ok(ref(L.Live)))},
        "/api/v1/live/{id}/audio": {**one, "post": op(
            "Send the next chunk of the speaker's audio", t, ok(ref(L.LiveAudio)),
            body={"required": True, "content": {"multipart/form-data": {"schema": ref(L.LiveChunk)}}},
            errors=(400, 401, 403, 404, 409, 413, 422))},
        "/api/v1/live/{id}/end": {**one, "post": op(
            "End a live announcement (its speaker, or an approver)", t, ok(ref(L.Live)),
            errors=(401, 403, 404, 409))},
        "/api/v1/station/live": {"get": op(
            "Live announcements this station should play now", "station", ok(ref(L.StationLiveList)),
            security="station", errors=(401,))},
        "/api/v1/station/live/listener": {"post": op(
            "Icecast asks whether a listener may join a live mount", "station",
            {"200": {"description": "Allowed: the header icecast-auth-user is 1"}},
            body={"required": False, "content": {"application/x-www-form-urlencoded": {
                "schema": ref(L.IcecastListener)}}},
            security="none", errors=(400, 403))},
    }
