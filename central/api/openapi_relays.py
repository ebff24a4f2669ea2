"""The OpenAPI description of relay sources (nguồn tiếp sóng, issue 13); shapes in central/shapes/relays.py."""

from __future__ import annotations

from ..shapes import enum
from ..shapes import relays as R
from .openapi_review import paths as review_paths
from .openapi_schemas import J, arr, json_body, ok, op, path_id, query, ref

RELAY_STATUS: J = enum(R.RELAY_STATUSES)


def paths() -> J:
    t = "relays"
    out: J = {
        "/api/v1/relay-sources": {
            "get": op("List relay sources (streams stations rebroadcast)", t, ok(arr(ref(R.RelaySource))),
                      params=[query("status", RELAY_STATUS, "workflow state")]),
            "post": op("Add a relay source (starts as draft, or submitted with submit: true)", t,
                       ok(ref(R.RelaySource), "Created", "201"), body=json_body(ref(R.RelaySourceIn))),
        },
        "/api/v1/relay-sources/{id}": {"parameters": [path_id()],
                                       "get": op("Get a relay source", t, ok(ref(R.RelaySource)))},
    }
    out.update(review_paths("/api/v1/relay-sources", "a relay source", t, R.RelaySource,
                            ("submit", "approve", "reject", "disable")))
    return out
