"""Building blocks of the OpenAPI document: small constructors and the component schemas.

Two kinds of schema, on purpose:
- **answers** (``res``) list every member the server sends, all required, and nothing else
  (``additionalProperties: false``), so a field that appears or vanishes is caught by the fuzzer;
  the station contract's manifest stays open, for DESIGN §5 lets new fields appear in it;
- **requests** state every limit the server enforces (lengths, ranges, formats, enums): the server
  checks each request against them (``central.api.validation``), so the document is the rule.
"""

from __future__ import annotations

from typing import Any

from playlists.model import DEFAULT_ZONE

from ..models import (
    AREA_LEVELS,
    BULLETIN_STATUSES,
    PLAY_STATUSES,
    PRIORITIES,
    ROLES,
    SCHEDULE_STATUSES,
)

J = dict[str, Any]

PROBLEM = {"$ref": "#/components/responses/Problem"}
MAX_INT64 = 2**63 - 1


def ref(name: str) -> J:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(props: J, required: tuple[str, ...] = (), extra: bool = True) -> J:
    s: J = {"type": "object", "properties": props}
    if required:
        s["required"] = list(required)
    if not extra:
        s["additionalProperties"] = False
    return s


def res(props: J) -> J:
    """An answer's object: exactly these members, every one always present."""
    return obj(props, tuple(props), extra=False)


def arr(items: J, **limits: int | str) -> J:  # limits (minItems…) and a description
    return {"type": "array", "items": items, **{_camel(k): v for k, v in limits.items()}}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w.capitalize() for w in rest)


def nullable(t: str | J, **kw: Any) -> J:
    if isinstance(t, dict):
        return {**t, "type": [t["type"], "null"], **kw}
    return {"type": [t, "null"], **kw}


#: A character that is not white space to any of Python (``str.strip``), ECMA-262 or Rust: regex engines
#: disagree on ``\S`` (Python counts U+001C–U+001F as space), so the class is spelled out.
VISIBLE = "[^\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]"


def text(max_length: int, *, filled: bool = False) -> J:
    """A string of at most ``max_length`` characters; ``filled``: with at least one visible one."""
    s: J = {"type": "string", "maxLength": max_length}
    if filled:
        s.update(minLength=1, pattern=VISIBLE)
    return s


def between(lo: int, hi: int) -> J:
    return {"type": "integer", "minimum": lo, "maximum": hi}


STR: J = {"type": "string"}
INT: J = {"type": "integer"}
NUM: J = {"type": "number"}
BOOL: J = {"type": "boolean"}
INT32: J = between(-(2**31), 2**31 - 1)  # an INTEGER column (PostgreSQL's is 32 bits)
ID: J = between(1, MAX_INT64)  # a row id, as a path part or a reference
# The formats with their patterns: a format alone is only an annotation in JSON Schema 2020-12,
# and fuzzers differ on whether they assert it; a pattern every validator enforces.
RFC3339 = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"
TIME: J = {"type": "string", "format": "date-time", "pattern": RFC3339}
TIME_N: J = nullable("string", format="date-time", pattern=RFC3339)
DAY: J = {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
#: A day a report may name: years 2000–2100 (reports.MIN_YEAR, MAX_YEAR)
REPORT_DAY: J = {"type": "string", "format": "date", "pattern": "^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$"}
UUID: J = {"type": "string", "format": "uuid",
           "pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"}
SHA256: J = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
CLOCK: J = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "examples": ["06:00"]}
LOCAL_TIME: J = {
    "type": "string",
    "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?$",
    "description": "local wall-clock ISO time in `timezone` (an offset, if given, is converted into it)",
    "examples": ["2026-12-01T06:00"],
}
#: An IANA zone name; one the central does not know is well-formed but unusable (422).
ZONE: J = {"type": "string", "maxLength": 64, "pattern": "^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$",
           "examples": ["Asia/Ho_Chi_Minh"]}
PRIORITY: J = {"type": "string", "enum": list(PRIORITIES)}
ROLE: J = {"type": "string", "enum": list(ROLES)}
LOG_STATUS: J = {"type": "string", "enum": list(PLAY_STATUSES)}
ITEM_KIND: J = {"type": "string", "enum": ["bulletin", "chime", "pause", "relay"]}
#: a relay's fallback (issue 13): a bulletin, a programme's items, or null (silence)
RELAY_FALLBACK: J = {"oneOf": [{"type": "null"}, res({"bulletin_id": INT}), res({"playlist_id": INT})]}
#: a stored relay as an answer shows it (``services.relay_items.describe``)
RELAY_OUT: J = {"oneOf": [{"type": "null"}, res({
    "source_id": INT, "source_name": nullable("string"), "source_status": nullable("string"),
    "max_gap_s": INT, "fallback": RELAY_FALLBACK})]}
#: a stored play's status: the station's, or what ``sound`` made of it (playlists.sound.outcome)
LOG_OUTCOME: J = {**LOG_STATUS, "enum": [*LOG_STATUS["enum"], "not_audible", "failed_to_sound"]}
#: how a play sounded (issue 15); optional, an older station sends none
SOUND: J = nullable("object", properties={
    "output": STR, "null_output": BOOL, "volume": {"type": "integer", "minimum": 0, "maximum": 100},
    "muted": BOOL, "quiet_hours": BOOL, "local_override": BOOL,
    "audibility": {"type": "string", "enum": ["audible", "unchecked", "not_audible", "failed_to_sound"]},
    "level_lufs": nullable("number"), "monitor": BOOL,
})
#: a relay item's counters (issue 13, ``playlists.model.RelayLog``); optional, an older station sends none
RELAY_LOG: J = nullable("object", properties={
    k: {"type": "integer", "minimum": 0, "maximum": 2**53} for k in
    ("source_id", "relayed_ms", "gap_ms", "gaps", "fallback_ms")}, required=["source_id"])
#: The fields of one play log, as a station sends it and as the operator API shows it.
LOG_FIELDS: J = {
    "slot_id": nullable(text(64)),
    "schedule_id": nullable(INT32),
    "bulletin_id": nullable(INT32),
    "asset_sha256": nullable(text(64)),
    "planned_start": TIME_N,
    "started_at": TIME_N,
    "ended_at": TIME_N,
    "status": LOG_STATUS,
    "reason": nullable(text(2000)),
    "clock_trusted": BOOL,
    "clock_offset_ms": INT32,
    "sound": SOUND,
    "relay": RELAY_LOG,
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
        errors = (*errors, 400, 413)  # a body can break the schema, or be too large
    if security == "none":
        o["security"] = []
    elif security == "station":
        o["security"] = [{"stationToken": []}]
    else:
        o["security"] = [{"apiToken": []}, {"session": []}]
    # 422 everywhere: text holding the NUL character matches any string schema but no column holds it
    # (central/text_guard.py refuses it on every path, before the view)
    for code in sorted({*errors, 422}):
        o["responses"].setdefault(str(code), PROBLEM)
    return o


def _op_id(summary: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in summary).split()
    return words[0].lower() + "".join(w.capitalize() for w in words[1:])


def path_id(name: str = "id", desc: str = "Mã số") -> J:
    return {"name": name, "in": "path", "required": True, "schema": ID, "description": desc}


def query(name: str, schema: J, desc: str, required: bool = False) -> J:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": desc}


# --- answers -------------------------------------------------------------------------------

_ANSWERS: J = {
    "Problem": obj(
        {"type": STR, "title": STR, "status": INT, "detail": STR, "field": STR, "index": INT,
         "current_status": STR, "size": INT},
        ("type", "title", "status", "detail"),
    ),  # open: RFC 9457 lets a problem carry extension members, and clients ignore unknown ones
    "Area": res({"id": INT, "code": STR, "name": STR, "level": STR, "parent_code": nullable("string")}),
    "Station": res(
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
            "quiet_hours": {"oneOf": [{"type": "null"}, res({"start": STR, "end": STR})]},
        }
    ),
    "BulletinAsset": res({
        "sha256": STR, "duration_ms": INT, "size": INT, "loudness_lufs": nullable("number"),
        "loudness_warning": nullable(
            "string",
            description="Set when the delivered audio misses the loudness target (-16 LUFS) by "
            "more than 1 LU because it could not be louder under the -1.5 dBTP peak ceiling: "
            "Vietnamese, then English in brackets. Null when on target.",
        ),
    }),
    "Bulletin": res(
        {
            "id": INT,
            "title": STR,
            "status": {"type": "string", "enum": list(BULLETIN_STATUSES)},
            "category": nullable("string"),
            "category_name": nullable("string"),
            "campaign_id": nullable("integer"),
            "language": STR,
            "priority": PRIORITY,
            "valid_from": TIME_N,
            "valid_until": TIME_N,
            "asset": {"oneOf": [{"type": "null"}, ref("BulletinAsset")]},
            "text": nullable("string"),
            "tts_engine": nullable("string"),
            "author": STR,
            "approver": nullable("string"),
            "reason": nullable("string"),
            "area_code": nullable("string"),
            "created_at": TIME_N,
            "submitted_at": TIME_N,
            "decided_at": TIME_N,
            "withdrawn_at": TIME_N,
        }
    ),
    "Category": res({"id": INT, "code": STR, "name": STR, "name_en": STR, "position": INT, "active": BOOL}),
    "Campaign": res(
        {
            "id": INT,
            "code": nullable("string"),
            "name": STR,
            "category": nullable("string"),
            "starts_on": DAY,
            "ends_on": DAY,
            "description": STR,
            "area_code": nullable("string"),
            "plan_id": nullable("integer"),
        }
    ),
    "PlaylistItem": res(
        {
            "kind": ITEM_KIND,
            "bulletin_id": nullable("integer"),
            "chime_id": nullable("integer"),
            "asset_sha256": nullable("string"),
            "duration_ms": INT,
            "title": nullable("string"),
            "status": nullable("string"),
            "relay": RELAY_OUT,
        }
    ),
    "Playlist": res(
        {
            "id": INT,
            "name": STR,
            "description": STR,
            "area_code": nullable("string"),
            "items": arr(ref("PlaylistItem")),
            "duration_ms": INT,
            "revision": INT,  # the live revision: what airs
            "pending": {"oneOf": [ref("PlaylistRevision"), {"type": "null"}]},
            "rejected": {"oneOf": [ref("PlaylistRevision"), {"type": "null"}]},
        }
    ),
    "Targets": res({"areas": arr(STR), "stations": arr(INT)}),
    "Schedule": res(
        {
            "id": INT,
            "title": STR,
            "bulletin_id": nullable("integer"),
            "playlist_id": nullable("integer"),
            "relay": {"oneOf": [{"type": "null"}, res({**RELAY_OUT["oneOf"][1]["properties"], "duration_ms": INT})]},
            "targets": ref("Targets"),
            "dtstart": STR,
            "rrule": STR,
            "exdates": arr(STR),
            "timezone": STR,
            "priority": PRIORITY,
            "grace_s": nullable("integer"),
            "valid_from": TIME_N,
            "valid_until": TIME_N,
            "status": {"type": "string", "enum": list(SCHEDULE_STATUSES)},
            "active": BOOL,
            "area_code": nullable("string"),
            "created_by": nullable("string"),
            "approved_by": nullable("string"),
        }
    ),
    "Token": res({"id": INT, "name": STR, "prefix": STR, "created_at": TIME, "last_used_at": TIME_N,
                  "revoked_at": TIME_N}),
    "User": res({"id": INT, "name": STR, "full_name": STR, "role": ROLE, "area_code": nullable("string"),
                 "active": BOOL}),
    "PlayLogRow": res({"id": STR, "station_id": INT, "station_name": STR, **LOG_FIELDS, "status": LOG_OUTCOME,
                       "received_at": TIME_N,
                       "emergency_test": {**BOOL, "description": "a play of a TEST emergency (a drill)"}}),
    "TimelineItem": res(
        {
            "kind": ITEM_KIND,
            "start": TIME,
            "end": TIME,
            "bulletin_id": nullable("integer"),
            "asset_sha256": nullable("string"),
            "index": INT,
            "interrupted": BOOL,
        }
    ),
    "TimelineSlot": res(
        {
            "id": STR,
            "schedule_id": INT,
            "planned_start": TIME,
            "start": TIME,
            "end": TIME,
            "priority": PRIORITY,
            "status": {"type": "string", "enum": ["planned", "missed", "skipped", "interrupted"]},
            "reason": nullable("string"),
            "reason_text": STR,
            "items": arr(ref("TimelineItem")),
        }
    ),
    "Timeline": res({"station_id": INT, "version": INT, "timezone": STR, "from": TIME, "to": TIME,
                     "slots": arr(ref("TimelineSlot"))}),
    "SummaryRow": res(
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
        }
    ),
    "Summary": res(
        {
            "from": DAY,
            "to": DAY,
            "area": nullable("string"),
            "group_by": {"type": "string", "enum": ["category", "campaign", "area", "station"]},
            "rows": arr(ref("SummaryRow")),
            "total": ref("SummaryRow"),
            "relays": arr(res({"source_id": INT, "name": STR, "stations": INT, "plays": INT, "relayed_ms": INT,
                               "relayed_minutes": NUM, "gap_minutes": NUM, "gaps": INT, "fallback_minutes": NUM}),
                          description="relay minutes per source (issue 13): never counted in the rows above"),
        }
    ),
}

# The station contract's manifest: the members every station relies on; more may appear (DESIGN §5).
_MANIFEST: J = {
    "Asset": obj(
        {"sha256": STR, "size": INT, "duration_ms": INT, "codec": STR},
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
        {"kind": ITEM_KIND, "bulletin_id": nullable("integer"), "asset_sha256": nullable("string"),
         "duration_ms": INT},
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
            "station": obj({"id": INT, "name": STR, "area_code": STR, "timezone": STR}, ("id", "timezone")),
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
}

# --- requests ------------------------------------------------------------------------------

NAME = text(200, filled=True)
CODE = text(64, filled=True)
TITLE = text(300, filled=True)
ONE_TARGET = {"description": "at least one target area or station", "anyOf": [{"required": ["areas"], "properties": {"areas": {"minItems": 1}}},
                        {"required": ["stations"], "properties": {"stations": {"minItems": 1}}}]}
# Times a client sends (central.times.parse_time): one reading of a time without an offset everywhere.
NAIVE_TIME = f"RFC 3339; or without an offset, a day or a time in {DEFAULT_ZONE} (the deployment's zone)"
#: A time a client sends: RFC 3339, or a day (its start) or a naive time in the deployment's zone.
TIME_IN: J = {"type": "string", "anyOf": [TIME, DAY, {"type": "string", "pattern": LOCAL_TIME["pattern"]}],
              "description": NAIVE_TIME}
WINDOW_TIME: J = {"type": ["string", "null"], "anyOf": [{"type": "null"}, *TIME_IN["anyOf"]],
                  "description": NAIVE_TIME}
TIME_IN_N = WINDOW_TIME
_WINDOW_TEXT: J = {"type": "string", "anyOf": WINDOW_TIME["anyOf"][1:], "description": WINDOW_TIME["description"]}
#: The same fields in a multipart form, where every value is text and an absent field means none.
_UPLOAD_FIELDS: J = {
    "title": TITLE,
    "category": {**text(64), "description": "category code (or id); empty: none"},
    "campaign_id": ID,
    "language": text(8),
    "priority": PRIORITY,
    "valid_from": _WINDOW_TEXT,
    "valid_until": _WINDOW_TEXT,
}
_SPEECH_FIELDS: J = {
    "text": text(20_000, filled=True),
    "engine": {"type": "string", "enum": ["auto", "gtts", "espeak"]},
    "voice": nullable(text(64)),
    "speed": {"type": "number", "minimum": 0.5, "maximum": 2.0},
}
#: seconds of a recording, as a form field (empty: the edge)
_TRIM: J = {"type": ["number", "string"], "minimum": 0, "maximum": 86400, "maxLength": 0}
_BULLETIN_FIELDS: J = {
    "title": TITLE,
    "category": nullable(text(64), description="category code (or id); empty: none"),
    "campaign_id": nullable(ID),
    "language": text(8),
    "priority": PRIORITY,
    "valid_from": WINDOW_TIME,
    "valid_until": WINDOW_TIME,
}
RELAY_FALLBACK_IN: J = {"oneOf": [{"type": "null"}, obj({"bulletin_id": ID}, ("bulletin_id",), extra=False),
                                   obj({"playlist_id": ID}, ("playlist_id",), extra=False)]}
#: a schedule that is one relay (issue 13), as a single-bulletin schedule is one bulletin
RELAY_IN: J = obj({"source_id": ID, "duration_ms": between(1, 43_200_000), "max_gap_s": between(0, 3600),
                   "fallback": RELAY_FALLBACK_IN}, ("source_id", "duration_ms"), extra=False)
_PLAYLIST_ITEM_IN = {
    "description": "an item: {kind: bulletin, bulletin_id}, {kind: chime[, asset_sha256]} or "
                   "{kind: pause, duration_ms 1–600000}",
    "oneOf": [
        obj({"kind": {"const": "bulletin"}, "bulletin_id": ID}, ("kind", "bulletin_id"), extra=False),
        obj({"kind": {"const": "chime"}, "chime_id": ID, "asset_sha256": SHA256}, ("kind",), extra=False),
        obj({"kind": {"const": "pause"}, "duration_ms": between(1, 600_000)}, ("kind", "duration_ms"),
            extra=False),
        obj({"kind": {"const": "relay"}, "relay_source_id": ID, "duration_ms": between(1, 43_200_000),
             "max_gap_s": between(0, 3600), "fallback": RELAY_FALLBACK_IN},
            ("kind", "relay_source_id", "duration_ms"), extra=False),
    ]
}
_PLAYLIST_FIELDS: J = {
    "name": NAME,
    "description": nullable(text(2000)),
    "items": {**arr(_PLAYLIST_ITEM_IN, min_items=1, max_items=200),
              "contains": {"properties": {"kind": {"enum": ["bulletin", "relay"]}}},
              "description": "at least one bulletin or relay item; chimes and pauses around it"},
}
_SCHEDULE_FIELDS: J = {
    "title": nullable(text(300)),
    "bulletin_id": ID,
    "playlist_id": ID,
    "relay": RELAY_IN,
    "targets": {**obj({"areas": arr(text(64), max_items=1000), "stations": arr(ID, max_items=1000)},
                      extra=False), **ONE_TARGET},
    "dtstart": LOCAL_TIME,
    "rrule": {**nullable(text(500)), "description": "RFC 5545 RRULE value(s), one per line; empty = once"},
    "repeat": ref("Repeat"),
    "exdates": arr(LOCAL_TIME, max_items=1000),
    "timezone": ZONE,
    "priority": PRIORITY,
    "grace_s": nullable(between(0, 2**31 - 1)),
    "valid_from": WINDOW_TIME,
    "valid_until": WINDOW_TIME,
    "active": BOOL,
    "submit": {"type": "boolean", "description": "false keeps a new schedule as a draft"},
}


def _given(name: str) -> J:
    """``name`` is present and not null."""
    return {"required": [name], "properties": {name: {"not": {"type": "null"}}}}


_REQUESTS: J = {
    "PlayLog": obj({"id": UUID, **LOG_FIELDS}, ("id", "status")),
    "Heartbeat": obj(
        {
            "agent_version": nullable("string"),
            "manifest_version": nullable(between(-(2**63), MAX_INT64)),
            "clock_offset_ms": nullable(INT32),
            "clock_trusted": nullable("boolean"),
            "disk_free_bytes": nullable(between(-(2**63), MAX_INT64)),
            "cache": {"type": ["object", "null"]},
            "now_playing": {"type": ["object", "null"]},
            "outbox": nullable(INT32),
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
    ),  # open: a station reports more than the contract names, and the central keeps it
    "AreaInput": obj(
        {"code": CODE, "name": NAME, "parent_code": nullable(text(64)),
         "level": nullable({"type": "string", "enum": list(AREA_LEVELS)})},
        ("code", "name"),
        extra=False,
    ),
    "StationInput": obj({"area_code": CODE, "name": NAME, "timezone": ZONE}, ("area_code", "name"), extra=False),
    "StationSettings": obj(
        {
            "name": NAME,
            "timezone": ZONE,
            "quiet_hours": {"oneOf": [{"type": "null"}, obj({"start": CLOCK, "end": CLOCK}, ("start", "end"),
                                                            extra=False)]},
            "volume": between(0, 100),
            "sync_interval_s": between(10, 3600),
            "heartbeat_interval_s": between(30, 86400),
            "active": BOOL,
        },
        extra=False,
    ),
    "BulletinTTS": obj({**_BULLETIN_FIELDS, **_SPEECH_FIELDS}, ("title", "text"), extra=False),
    "BulletinUpload": obj(
        {
            "file": {"type": "string", "contentMediaType": "application/octet-stream", "minLength": 1},
            **_UPLOAD_FIELDS,
            "trim_start": {**_TRIM, "description": "keep the audio from this second (empty: the start)"},
            "trim_end": {**_TRIM, "description": "keep the audio up to this second (empty: the end); "
                                                 "after trim_start, else 422"},
            "source": {"type": "string", "enum": ["file", "recording"],
                       "description": "recording: made with the browser's microphone (noted in the audit log)"},
        },
        ("file", "title"),
        extra=False,
    ),
    "BulletinPatch": {
        **obj({**_BULLETIN_FIELDS, **_SPEECH_FIELDS}, extra=False),
        "description": "New text (or engine, voice, speed) reads a TTS bulletin again into new audio; a "
                       "recording's text is its transcript (engine, voice or speed for a recording: 422).",
    },
    "TTSPreviewInput": obj({**_SPEECH_FIELDS, "language": text(8)}, ("text",), extra=False),
    "TTSPreview": res({
        "spoken_text": {**STR, "description": "the text as read: abbreviations, dates and numbers in words"},
        "engine": {"type": "string", "enum": ["gtts", "espeak"]},
        "voice": nullable("string"),
        "mime": STR,
        "duration_ms": INT,
        "loudness_lufs": NUM,
        "audio_base64": {**STR, "contentEncoding": "base64",
                         "description": "the audio exactly as a saved bulletin would have it"},
    }),
    "CategoryInput": obj(
        {"code": CODE, "name": NAME, "name_en": nullable(text(200)), "position": INT32, "active": BOOL},
        ("code", "name"),
        extra=False,
    ),
    "CampaignInput": obj(
        {
            "name": NAME,
            "code": nullable(text(64)),
            "category": nullable(text(64)),
            "starts_on": DAY,
            "ends_on": DAY,
            "description": nullable(text(2000)),
            "plan_id": nullable(ID),
        },
        ("name", "starts_on", "ends_on"),
        extra=False,
    ),
    "PlaylistInput": obj(_PLAYLIST_FIELDS, ("name", "items"), extra=False),
    "Repeat": obj(
        {
            "form": {"type": "string", "enum": ["once", "daily", "weekly", "monthly"]},
            "times": arr(CLOCK, min_items=1, max_items=48),
            "first_day": DAY,
            "last_day": nullable(DAY),
            "weekdays": arr({"type": "string", "enum": ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]},
                            max_items=7),
            "days": arr(between(1, 31), max_items=31),
        },
        ("form", "times", "first_day"),
        extra=False,
    ),
    "ScheduleInput": {
        **obj({**_SCHEDULE_FIELDS, "bulletin_id": nullable(ID), "playlist_id": nullable(ID),
               "relay": {"oneOf": [{"type": "null"}, RELAY_IN]},
               "dtstart": nullable(LOCAL_TIME)}, ("targets",), extra=False),
        "allOf": [
            {"description": "exactly one of bulletin_id, playlist_id and relay",
             "oneOf": [_given("bulletin_id"), _given("playlist_id"), _given("relay")]},
            {"description": "dtstart, or repeat", "anyOf": [_given("dtstart"), {"required": ["repeat"]}]},
        ],
    },
    "SchedulePatch": {
        **obj(_SCHEDULE_FIELDS, extra=False),
        "not": {"anyOf": [{"required": ["bulletin_id", "playlist_id"]}, {"required": ["bulletin_id", "relay"]},
                          {"required": ["playlist_id", "relay"]}]},
        "description": "at most one of bulletin_id, playlist_id and relay",
    },
}


def _partial(name: str) -> J:
    """The same fields as ``name`` with none required: what PATCH takes."""
    schema = {k: v for k, v in _REQUESTS[name].items() if k != "required"}
    return schema


_REQUESTS["CampaignPatch"] = _partial("CampaignInput")
_REQUESTS["CategoryPatch"] = _partial("CategoryInput")
_REQUESTS["PlaylistPatch"] = _partial("PlaylistInput")

# Members only some answers carry: one station's own page, a report's uptime.
_ANSWERS["Station"]["properties"].update(
    sound={"type": ["object", "null"], "description": "one station only: its last heartbeat's sound (issue 15)"},
    speaker_test_waiting={"type": ["object", "null"],
                          "description": "one station only: a speaker test not reported yet"},
)
_ANSWERS["SummaryRow"]["properties"]["uptime_pct"] = {
    "type": ["number", "null"], "minimum": 0, "maximum": 100,
    "description": "share of the period the stations were on line (services.uptime)"}

SCHEMAS: J = {**_ANSWERS, **_MANIFEST, **_REQUESTS}
