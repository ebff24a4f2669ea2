"""The OpenAPI description of emergencies and standing alerts (strict response shapes)."""

from __future__ import annotations

from ..shapes import emergencies as E
from .openapi_schemas import (
    STR,
    J,
    json_body,
    ok,
    op,
    path_id,
    query,
    ref,
)


def paths() -> J:
    t, a = "emergencies", "standing alerts"
    one = {"200": {"description": "OK", "content": {
        "application/json": {"schema": ref(E.Emergency)},
        "text/csv": {"schema": STR}}}}
    return {
        "/api/v1/emergencies": {
            "get": op("List emergencies", t, ok(ref(E.EmergencyList))),
            "post": op("Send an emergency now (approvers)", t, ok(ref(E.Emergency), "Sent", "201"),
                       body=json_body(ref(E.EmergencyNew)), errors=(400, 401, 403, 404, 409, 422)),
        },
        "/api/v1/emergencies/{id}": {
            "parameters": [path_id()],
            "get": op("Get an emergency with each target station's time-to-air", t, one,
                      params=[query("format", {"type": "string", "enum": ["json", "csv"]}, "csv: the table")]),
        },
        "/api/v1/emergencies/{id}/stop": {
            "parameters": [path_id()],
            "post": op("Stop an emergency on every station", t, ok(ref(E.Emergency)), errors=(401, 403, 404)),
        },
        "/api/v1/emergencies/{id}/all-clear": {
            "parameters": [path_id()],
            "post": op("Stop an emergency and send the prepared all-clear", t, ok(ref(E.Emergency), "Sent", "201"),
                       errors=(401, 403, 404, 409)),
        },
        "/api/v1/emergencies/stop-area": {
            "post": op("Stop every emergency reaching an area", t,
                       ok(ref(E.StoppedArea)), body=json_body(ref(E.StopArea))),
        },
        "/api/v1/standing-alerts": {
            "get": op("List standing alerts", a, ok(ref(E.StandingAlertList))),
            "post": op("Add a standing alert (admin)", a, ok(ref(E.StandingAlert), "Created", "201"),
                       body=json_body(ref(E.StandingAlertNew)),
                       errors=(400, 401, 403, 404, 409, 422)),
        },
        "/api/v1/standing-alerts/{id}": {
            "parameters": [path_id()],
            "patch": op("Change a standing alert (admin)", a, ok(ref(E.StandingAlert)),
                        body=json_body(ref(E.StandingAlertPatch)),
                        errors=(400, 401, 403, 404, 409, 422)),
        },
    }
