"""Building blocks of the OpenAPI document: small constructors and the component schemas."""

from __future__ import annotations

from typing import Any

from playlists.model import DEFAULT_ZONE

J = dict[str, Any]

PROBLEM = {"$ref": "#/components/responses/Problem"}


def ref(name: str) -> J:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(props: J, required: tuple[str, ...] = (), extra: bool = True) -> J:
    s: J = {"type": "object", "properties": props}
    if required:
        s["required"] = list(required)
    if not extra:
        s["additionalProperties"] = False
    return s


def arr(items: J) -> J:
    return {"type": "array", "items": items}


def nullable(t: str, **kw: Any) -> J:
    return {"type": [t, "null"], **kw}


STR: J = {"type": "string"}
INT: J = {"type": "integer"}
NUM: J = {"type": "number"}
BOOL: J = {"type": "boolean"}
TIME: J = {"type": "string", "format": "date-time"}
TIME_N: J = nullable("string", format="date-time")
# Times a client sends (central.times.parse_time): one reading of a time without an offset everywhere.
NAIVE_TIME = f"ISO 8601; without an offset, a time in {DEFAULT_ZONE} (the deployment's zone)"
TIME_IN: J = {"type": "string", "description": NAIVE_TIME}
TIME_IN_N: J = {"type": ["string", "null"], "description": NAIVE_TIME}
DAY: J = {"type": "string", "format": "date"}
PRIORITY: J = {"type": "string", "enum": ["normal", "priority", "emergency"]}
ROLE: J = {"type": "string", "enum": ["admin", "editor", "approver", "operator"]}
LOG_STATUS: J = {
    "type": "string",
    "enum": ["completed", "interrupted", "failed", "missed", "skipped", "local"],
}
#: a stored play's status: the station's, or what ``sound`` made of it (playlists.sound.outcome)
LOG_OUTCOME: J = {**LOG_STATUS, "enum": [*LOG_STATUS["enum"], "not_audible", "failed_to_sound"]}
#: how a play sounded (issue 15); optional, an older station sends none
SOUND: J = nullable("object", properties={
    "output": STR, "null_output": BOOL, "volume": {"type": "integer", "minimum": 0, "maximum": 100},
    "muted": BOOL, "quiet_hours": BOOL, "local_override": BOOL,
    "audibility": {"type": "string", "enum": ["audible", "unchecked", "not_audible", "failed_to_sound"]},
    "level_lufs": nullable("number"), "monitor": BOOL,
})
#: The fields of one play log, as a station sends it and as the operator API shows it.
LOG_FIELDS: J = {
    "slot_id": nullable("string"),
    "schedule_id": nullable("integer"),
    "bulletin_id": nullable("integer"),
    "asset_sha256": nullable("string"),
    "planned_start": TIME_N,
    "started_at": TIME_N,
    "ended_at": TIME_N,
    "status": LOG_STATUS,
    "reason": nullable("string"),
    "clock_trusted": BOOL,
    "clock_offset_ms": INT,
    "sound": SOUND,
}


def json_body(schema: J, required: bool = True) -> J:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def ok(schema: J | None, desc: str = "OK", status: str = "200") -> J:
    r: J = {"description": desc}
    if schema is not None:
        r["content"] = {"application/json": {"schema": schema}}
    return {status: r}


def op(
    summary: str,
    tag: str,
    responses: J,
    *,
    params: list[J] | None = None,
    body: J | None = None,
    security: str = "operator",
    errors: tuple[int, ...] = (400, 401, 403, 404),
) -> J:
    o: J = {"summary": summary, "tags": [tag], "responses": dict(responses)}
    o["operationId"] = _op_id(summary)
    if params:
        o["parameters"] = params
    if body is not None:
        o["requestBody"] = body
    if security == "none":
        o["security"] = []
    elif security == "station":
        o["security"] = [{"stationToken": []}]
    else:
        o["security"] = [{"apiToken": []}, {"session": []}]
    for code in errors:
        o["responses"].setdefault(str(code), PROBLEM)
    return o


def _op_id(summary: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in summary).split()
    return words[0].lower() + "".join(w.capitalize() for w in words[1:])


def path_id(name: str = "id", desc: str = "Mã số") -> J:
    return {"name": name, "in": "path", "required": True, "schema": INT, "description": desc}


def query(name: str, schema: J, desc: str, required: bool = False) -> J:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": desc}


# --- schemas -------------------------------------------------------------------------------

SCHEMAS: J = {
    "Problem": obj(
        {"type": STR, "title": STR, "status": INT, "detail": STR},
        ("type", "title", "status", "detail"),
    ),
    "Asset": obj(
        {
            "sha256": STR,
            "size": INT,
            "duration_ms": INT,
            "codec": STR,
            "loudness_lufs": nullable("number"),
        },
        ("sha256", "size", "duration_ms"),
    ),
    "ManifestBulletin": obj(
        {
            "id": INT,
            "title": STR,
            "asset_sha256": STR,
            "duration_ms": INT,
            "category": nullable("string"),
            "language": STR,
            "valid_from": TIME_N,
            "valid_until": TIME_N,
        },
        ("id", "asset_sha256", "duration_ms"),
    ),
    "Item": obj(
        {
            "kind": {"type": "string", "enum": ["bulletin", "chime", "pause"]},
            "bulletin_id": nullable("integer"),
            "asset_sha256": nullable("string"),
            "duration_ms": INT,
        },
        ("kind",),
    ),
    "ManifestSchedule": obj(
        {
            "id": INT,
            "title": STR,
            "items": arr(ref("Item")),
            "dtstart": {"type": "string", "description": "naive local ISO time in `timezone`"},
            "timezone": STR,
            "rrule": STR,
            "exdates": arr(STR),
            "priority": PRIORITY,
            "grace_s": nullable("integer"),
            "valid_from": TIME_N,
            "valid_until": TIME_N,
            "play_by": {**TIME, "description": "optional: not started by then, it is missed (stale)"},
        },
        ("id", "items", "dtstart", "timezone", "rrule", "priority"),
    ),
    "Manifest": obj(
        {
            "version": INT,
            "server_time": TIME,
            "horizon_days": INT,
            "station": obj({"id": INT, "name": STR, "area_code": STR, "timezone": STR}),
            "assets": arr(ref("Asset")),
            "bulletins": arr(ref("ManifestBulletin")),
            "schedules": arr(ref("ManifestSchedule")),
            "standby": {**arr(obj({"sha256": STR, "size": INT, "duration_ms": INT, "codec": STR, "key": STR,
                                   "title": STR, "bulletin_id": INT}, ("sha256", "size"))),
                        "description": "optional: standing alerts' audio to keep cached, never played "
                                       "unless a schedule names it"},
        },
        ("version", "server_time", "station", "assets", "bulletins", "schedules"),
    ),
    "PlayLog": obj(
        {
            "id": {"type": "string", "format": "uuid"},
            **LOG_FIELDS,
        },
        ("id", "status"),
    ),
    "Heartbeat": obj(
        {
            "agent_version": STR,
            "manifest_version": nullable("integer"),
            "clock_offset_ms": INT,
            "clock_trusted": BOOL,
            "disk_free_bytes": nullable("integer"),
            "cache": obj({"assets": INT, "missing": INT, "bytes": INT}),
            "now_playing": {"type": ["object", "null"]},
            "outbox": INT,
            "last_error": nullable("string"),
            "sound": nullable("object", properties={
                **SOUND["properties"],
                "last_audibility": nullable("string"),
                "amp": nullable("object", properties={"mode": STR, "on": BOOL, "error": STR}),
                "speaker_test": nullable("object", properties={
                    "id": STR, "source": STR, "requested_at": TIME_N, "at": TIME_N, "status": STR,
                    "reason": nullable("string"), "audibility": STR, "level_lufs": nullable("number"),
                    "output": STR, "volume": INT, "monitor": BOOL,
                }),
            }),
            # optional (newer stations): what the station applies, and whose value it is
            "settings": obj({
                "volume": INT, "volume_source": {"type": "string", "enum": ["central", "local"]},
                "quiet_hours": {"type": ["object", "null"]},
                "quiet_hours_source": {"type": "string", "enum": ["central", "local"]},
                "quiet_mode": {"type": "string", "enum": ["central", "set", "off"]},
                "central": {"type": "object"},
            }),
            "missing_bulletins": arr(STR),
            "emergency_audio": {"type": "object", "additionalProperties": TIME_N,
                                "description": "optional: audio of emergency schedules → when verified"},
        }
    ),
    "Area": obj(
        {"id": INT, "code": STR, "name": STR, "level": STR, "parent_code": nullable("string")},
        ("code", "name", "level"),
    ),
    "Station": obj(
        {
            "id": INT,
            "name": STR,
            "area_code": STR,
            "area_name": STR,
            "timezone": STR,
            "enrolled": BOOL,
            "active": BOOL,
            "online": BOOL,
            "presence_at": TIME_N,
            "last_seen": TIME_N,
            "last_heartbeat_at": TIME_N,
            "manifest_version": INT,
            "applied_version": nullable("integer"),
            "in_sync": BOOL,
            "agent_version": nullable("string"),
            "clock_offset_ms": nullable("integer"),
            "clock_trusted": nullable("boolean"),
            "now_playing": {"type": ["object", "null"]},
            "last_error": nullable("string"),
            "volume": INT,
            "quiet_hours": {"type": ["object", "null"]},
            "sound": {"type": ["object", "null"],
                      "description": "one station only: its last heartbeat's sound (issue 15)"},
            "speaker_test_waiting": {"type": ["object", "null"],
                                     "description": "one station only: a speaker test not reported yet"},
        },
        ("id", "name", "online"),
    ),
    "BulletinAsset": obj(
        {
            "sha256": STR,
            "duration_ms": INT,
            "size": INT,
            "loudness_lufs": nullable("number"),
            "loudness_warning": nullable(
                "string",
                description="Set when the delivered audio misses the loudness target (-16 LUFS) by "
                "more than 1 LU because it could not be louder under the -1.5 dBTP peak ceiling: "
                "Vietnamese, then English in brackets. Null when on target.",
            ),
        },
        ("sha256", "duration_ms", "size"),
    ),
    "Bulletin": obj(
        {
            "id": INT,
            "title": STR,
            "status": {
                "type": "string",
                "enum": ["draft", "submitted", "approved", "rejected", "withdrawn"],
            },
            "category": nullable("string"),
            "campaign_id": nullable("integer"),
            "language": STR,
            "priority": PRIORITY,
            "valid_from": TIME_N,
            "valid_until": TIME_N,
            "asset": ref("BulletinAsset"),
            "author": nullable("string"),
            "approver": nullable("string"),
            "reason": nullable("string"),
            "area_code": nullable("string"),
            "created_at": TIME_N,
        },
        ("id", "status", "asset"),
    ),
    "BulletinTTS": obj(
        {
            "title": STR,
            "text": STR,
            "language": STR,
            "category": STR,
            "campaign_id": nullable("integer"),
            "engine": {"type": "string", "enum": ["auto", "gtts", "espeak"]},
            "voice": nullable("string"),
            "speed": NUM,
            "priority": PRIORITY,
            "valid_from": TIME_IN_N,
            "valid_until": TIME_IN_N,
        },
        ("title", "text"),
    ),
    "BulletinUpload": obj(
        {
            "file": {"type": "string", "contentMediaType": "application/octet-stream"},
            "title": STR,
            "category": STR,
            "language": STR,
            "campaign_id": INT,
            "priority": PRIORITY,
            "valid_from": TIME_IN,
            "valid_until": TIME_IN,
        },
        ("file", "title"),
    ),
    "BulletinPatch": obj(
        {
            "title": STR,
            "category": nullable("string"),
            "campaign_id": nullable("integer"),
            "language": STR,
            "priority": PRIORITY,
            "valid_from": TIME_IN_N,
            "valid_until": TIME_IN_N,
        }
    ),
    "Category": obj(
        {"id": INT, "code": STR, "name": STR, "name_en": nullable("string"), "active": BOOL},
        ("id", "code", "name"),
    ),
    "Campaign": obj(
        {
            "id": INT,
            "name": STR,
            "category": nullable("string"),
            "starts_on": DAY,
            "ends_on": DAY,
            "description": nullable("string"),
            "plan_id": nullable("integer"),
        },
        ("id", "name", "starts_on", "ends_on"),
    ),
    "PlaylistItem": obj(
        {
            "kind": {"type": "string", "enum": ["bulletin", "chime", "pause"]},
            "bulletin_id": nullable("integer"),
            "chime_id": nullable("integer"),
            "asset_sha256": nullable("string"),
            "duration_ms": INT,
            "title": nullable("string"),
            "status": nullable("string"),
        },
        ("kind",),
    ),
    "Playlist": obj(
        {
            "id": INT,
            "name": STR,
            "description": STR,
            "items": arr(ref("PlaylistItem")),
            "duration_ms": INT,
            "area_code": nullable("string"),
            "revision": INT,  # the live revision: what airs
            "pending": {"oneOf": [ref("PlaylistRevision"), {"type": "null"}]},
            "rejected": {"oneOf": [ref("PlaylistRevision"), {"type": "null"}]},
        },
        ("id", "name", "items", "duration_ms"),
    ),
    "Targets": obj({"areas": arr(STR), "stations": arr(INT)}),
    "CategoryInput": obj(
        {"code": STR, "name": STR, "name_en": STR, "position": INT, "active": BOOL}, ("code", "name")
    ),
    "CampaignInput": obj(
        {
            "name": STR,
            "code": nullable("string"),
            "category": nullable("string"),
            "starts_on": DAY,
            "ends_on": DAY,
            "description": STR,
            "plan_id": nullable("integer"),
        },
        ("name", "starts_on", "ends_on"),
    ),
    "PlaylistInput": obj(
        {
            "name": STR,
            "description": STR,
            "items": arr(
                obj(
                    {
                        "kind": {"type": "string", "enum": ["bulletin", "chime", "pause"]},
                        "bulletin_id": INT,
                        "chime_id": INT,
                        "asset_sha256": STR,
                        "duration_ms": INT,
                    },
                    ("kind",),
                )
            ),
        },
        ("name", "items"),
    ),
    "Repeat": obj(
        {
            "form": {"type": "string", "enum": ["once", "daily", "weekly", "monthly"]},
            "times": arr({"type": "string", "examples": ["06:00"]}),
            "first_day": DAY,
            "last_day": DAY,
            "weekdays": arr(STR),
            "days": arr(INT),
        },
        ("form", "times", "first_day"),
    ),
    "ScheduleInput": obj(
        {
            "title": STR,
            "bulletin_id": INT,
            "playlist_id": INT,
            "targets": ref("Targets"),
            "dtstart": {"type": "string", "description": "local wall-clock ISO time in `timezone`"},
            "rrule": {"type": "string", "description": "RFC 5545 RRULE value(s), one per line; empty = once"},
            "repeat": ref("Repeat"),
            "exdates": arr(STR),
            "timezone": STR,
            "priority": PRIORITY,
            "grace_s": nullable("integer"),
            "valid_from": TIME_IN_N,
            "valid_until": TIME_IN_N,
            "active": BOOL,
            "submit": {"type": "boolean", "description": "false keeps a new schedule as a draft"},
        },
        ("targets",),
    ),
    "Token": obj(
        {"id": INT, "name": STR, "prefix": STR, "created_at": TIME_N, "last_used_at": TIME_N,
         "revoked_at": TIME_N},
        ("id", "prefix"),
    ),
    "StationSettings": obj(
        {
            "name": STR,
            "timezone": STR,
            "quiet_hours": {"type": ["object", "null"], "properties": {"start": STR, "end": STR}},
            "volume": {"type": "integer", "minimum": 0, "maximum": 100},
            "sync_interval_s": {"type": "integer", "minimum": 10, "maximum": 3600},
            "heartbeat_interval_s": {"type": "integer", "minimum": 30, "maximum": 86400},
            "active": BOOL,
        },
        extra=False,
    ),
    "User": obj(
        {"id": INT, "name": STR, "full_name": STR, "role": ROLE, "area_code": nullable("string"),
         "active": BOOL},
        ("id", "name", "role"),
    ),
    "PlayLogRow": obj(
        {
            "id": STR,
            "station_id": INT,
            "station_name": STR,
            **LOG_FIELDS,
            "status": LOG_OUTCOME,
            "received_at": TIME_N,
            "emergency_test": {**BOOL, "description": "a play of a TEST emergency (a drill), not a real one"},
        },
        ("id", "station_id", "status"),
    ),
    "Schedule": obj(
        {
            "id": INT,
            "title": STR,
            "bulletin_id": nullable("integer"),
            "playlist_id": nullable("integer"),
            "targets": ref("Targets"),
            "dtstart": STR,
            "rrule": STR,
            "exdates": arr(STR),
            "timezone": STR,
            "priority": PRIORITY,
            "grace_s": nullable("integer"),
            "valid_from": TIME_N,
            "valid_until": TIME_N,
            "active": BOOL,
        },
        ("id", "targets", "dtstart", "rrule", "timezone", "priority"),
    ),
    "TimelineSlot": obj(
        {
            "id": STR,
            "schedule_id": INT,
            "planned_start": TIME,
            "start": TIME,
            "end": TIME,
            "priority": PRIORITY,
            "status": {"type": "string", "enum": ["planned", "missed", "skipped"]},
            "reason": nullable("string"),
            "items": arr(
                obj(
                    {
                        "kind": STR,
                        "start": TIME,
                        "end": TIME,
                        "bulletin_id": nullable("integer"),
                        "asset_sha256": nullable("string"),
                    }
                )
            ),
        },
        ("id", "start", "end", "priority", "status", "items"),
    ),
    "SummaryRow": obj(
        {
            "key": STR,
            "label": STR,
            "plays": INT,
            "minutes_aired": NUM,
            "completed": INT,
            "interrupted": INT,
            "failed": INT,
            "missed": INT,
            "skipped": INT,
            "local": INT,
            "not_audible": INT,
            "failed_to_sound": INT,
            "completion_rate": nullable("number"),
            "stations_reached": INT,
            "uptime_pct": {"type": ["number", "null"], "minimum": 0, "maximum": 100,
                           "description": "share of the period the stations were on line (services.uptime)"},
        },
        ("key", "label", "plays", "minutes_aired", "completed", "missed", "stations_reached"),
    ),
    "Summary": obj(
        {
            "from": DAY,
            "to": DAY,
            "area": nullable("string"),
            "group_by": {"type": "string", "enum": ["category", "campaign", "area", "station"]},
            "rows": arr(ref("SummaryRow")),
            "total": ref("SummaryRow"),
        },
        ("from", "to", "group_by", "rows", "total"),
    ),
}
