"""The OpenAPI description of emergencies and standing alerts (strict response shapes)."""

from __future__ import annotations

from ..words import EMERGENCY_MODES
from .openapi_schemas import (
    BOOL,
    ID,
    INT,
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
    query,
    ref,
    text,
    values,
)

MODE: J = {"type": "string", "enum": values(EMERGENCY_MODES)}
_COUNTS = ("station_count", "delivered", "sounding", "late")

_STEPS: J = obj(
    {"station_id": INT, "station_name": STR, "created_at": TIME, "nudged_at": TIME_N,
     "manifest_fetched_at": TIME_N, "audio_ready_at": TIME_N, "audio_cached": BOOL, "sound_started_at": TIME_N,
     "outcome": nullable("string", description="the play log's status, then ': ' and its reason"),
     "delivered": BOOL, "sounding": BOOL, "late": BOOL},
    ("station_id", "station_name", "created_at", "nudged_at", "manifest_fetched_at", "audio_ready_at",
     "audio_cached", "sound_started_at", "outcome", "delivered", "sounding", "late"),
    extra=False,
)
_FIELDS: J = {
    "id": INT, "title": STR, "mode": MODE, "schedule_id": INT, "bulletin_id": INT,
    "standing_alert": nullable("string"), "all_clear_of": nullable("integer"),
    "targets": obj({"areas": arr(STR), "stations": arr(INT)}, ("areas", "stations"), extra=False),
    "created_at": TIME, "created_by": nullable("string"), "play_by": TIME, "valid_until": TIME_N,
    "nudged_at": TIME_N, "stopped_at": TIME_N, "running": BOOL, **{k: INT for k in _COUNTS},
}
_REQUIRED = tuple(k for k in _FIELDS)

SCHEMAS: J = {
    "EmergencySummary": obj(_FIELDS, _REQUIRED, extra=False),
    "Emergency": obj({**_FIELDS, "stations": arr(_STEPS)}, (*_REQUIRED, "stations"), extra=False),
    "EmergencyNew": obj(
        {"standing_alert": {**STR, "description": "a standing alert's key (its audio is cached already)"},
         "bulletin_id": {**INT, "description": "or an approved bulletin"},
         "mode": MODE, "targets": {**obj({"areas": arr(text(64)), "stations": arr(ID)}), **ONE_TARGET},
         "play_by_minutes": {"type": "number", "minimum": 1, "maximum": 1440, "default": 30},
         "valid_minutes": {"type": "number", "minimum": 1, "maximum": 4320, "default": 120}, "title": STR},
        ("targets",),
    ),
    "StandingAlert": obj(
        {"id": INT, "key": STR, "name": STR, "active": BOOL, "bulletin_id": INT, "bulletin_title": STR,
         "bulletin_status": STR, "duration_ms": INT, "area_code": nullable("string")},
        ("id", "key", "name", "active", "bulletin_id", "bulletin_title", "bulletin_status", "duration_ms",
         "area_code"),
        extra=False,
    ),
}


def paths() -> J:
    t, a = "emergencies", "standing alerts"
    one = {"200": {"description": "OK", "content": {
        "application/json": {"schema": ref("Emergency")},
        "text/csv": {"schema": STR}}}}
    return {
        "/api/v1/emergencies": {
            "get": op("List emergencies", t, ok(obj({"emergencies": arr(ref("EmergencySummary"))},
                                                    ("emergencies",), extra=False))),
            "post": op("Send an emergency now (approvers)", t, ok(ref("Emergency"), "Sent", "201"),
                       body=json_body(ref("EmergencyNew")), errors=(400, 401, 403, 404, 409, 422)),
        },
        "/api/v1/emergencies/{id}": {
            "parameters": [path_id()],
            "get": op("Get an emergency with each target station's time-to-air", t, one,
                      params=[query("format", {"type": "string", "enum": ["json", "csv"]}, "csv: the table")]),
        },
        "/api/v1/emergencies/{id}/stop": {
            "parameters": [path_id()],
            "post": op("Stop an emergency on every station", t, ok(ref("Emergency")), errors=(401, 403, 404)),
        },
        "/api/v1/emergencies/{id}/all-clear": {
            "parameters": [path_id()],
            "post": op("Stop an emergency and send the prepared all-clear", t, ok(ref("Emergency"), "Sent", "201"),
                       errors=(401, 403, 404, 409)),
        },
        "/api/v1/emergencies/stop-area": {
            "post": op("Stop every emergency reaching an area", t,
                       ok(obj({"stopped": arr(INT), "left": arr(INT)}, ("stopped", "left"), extra=False)),
                       body=json_body(obj({"area": STR}, ("area",)))),
        },
        "/api/v1/standing-alerts": {
            "get": op("List standing alerts", a, ok(obj({"standing_alerts": arr(ref("StandingAlert"))},
                                                        ("standing_alerts",), extra=False))),
            "post": op("Add a standing alert (admin)", a, ok(ref("StandingAlert"), "Created", "201"),
                       body=json_body(obj({"key": {"type": "string", "pattern": "^[a-z][a-z0-9_]{1,63}$"},
                                           "name": text(200, filled=True), "bulletin_id": ID,
                                           "area": nullable(text(64))}, ("key", "name", "bulletin_id"),
                                          extra=False)),
                       errors=(400, 401, 403, 404, 409, 422)),
        },
        "/api/v1/standing-alerts/{id}": {
            "parameters": [path_id()],
            "patch": op("Change a standing alert (admin)", a, ok(ref("StandingAlert")),
                        body=json_body(obj({"name": text(200, filled=True), "bulletin_id": ID, "active": BOOL},
                                           extra=False)),
                        errors=(400, 401, 403, 404, 409, 422)),
        },
    }
