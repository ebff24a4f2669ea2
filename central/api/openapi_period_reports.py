"""The OpenAPI description of the period report (JSON, DOCX, XLSX, chart), its draft and submission."""

from __future__ import annotations

from .openapi_schemas import (
    DAY,
    INT,
    NUM,
    REPORT_DAY,
    STR,
    J,
    arr,
    between,
    json_body,
    nullable,
    obj,
    ok,
    op,
    query,
    ref,
    text,
)

_MANUAL = ("wired_communes", "fm_communes", "wired_fm_minutes", "sms_messages", "portal_articles", "printed_copies")
_NARRATIVE = ("results", "assessment", "difficulties", "proposals")
_COUNT: J = {"type": "integer", "minimum": 0}
_FIGURES: J = {
    "key": STR, "label": STR, "plays": _COUNT, "minutes_aired": NUM, "completed": _COUNT, "interrupted": _COUNT,
    "failed": _COUNT, "missed": _COUNT, "skipped": _COUNT, "local": _COUNT,
    "not_audible": _COUNT, "failed_to_sound": _COUNT,  # not aired (playlists.sound)
    "completion_rate": nullable("number"), "stations_reached": _COUNT, "stations_total": _COUNT,
    "bulletins": _COUNT, "titles": arr(STR),
}
_AREA: J = obj({"code": STR, "name": STR, "level": STR}, ("code", "name", "level"), extra=False)
_MANUAL_OUT: J = obj({k: _COUNT for k in _MANUAL}, _MANUAL, extra=False)
_NARRATIVE_OUT: J = obj({k: STR for k in _NARRATIVE}, _NARRATIVE, extra=False)
_TEXT_LIMITS = {"number": 64, "issuer": 200, "superior": 200, "place": 100, "title": 500, "recipients": 4000,
                "signer_title": 200, "signer_name": 200}  # as area_reports checks them
_HEADER_TEXT = ("number", "issuer", "superior", "place", "title", "recipients", "signer_title", "signer_name")
_HEADER: J = obj(
    {"id": nullable("integer"), "status": {"type": "string", "enum": ["new", "draft", "submitted"]},
     "created_at": nullable("string", format="date-time"), "updated_at": nullable("string", format="date-time"),
     "submitted_at": nullable("string", format="date-time"), "submitted_by": nullable("string"),
     **{k: STR for k in _HEADER_TEXT}},
    ("id", "status", "created_at", "updated_at", "submitted_at", "submitted_by", *_HEADER_TEXT), extra=False,
)
_STATION_SILENT: J = obj({"station_id": INT, "name": STR, "last_log_day": nullable("string", format="date")},
                         ("station_id", "name", "last_log_day"), extra=False)
_STATION_OFFLINE: J = obj({"station_id": INT, "name": STR, "days_offline": NUM},
                          ("station_id", "name", "days_offline"), extra=False)
_CHILD: J = obj(
    {"area": _AREA, "status": {"type": "string", "enum": ["missing", "draft", "submitted"]},
     "submitted_at": nullable("string", format="date-time"), "manual": _MANUAL_OUT,
     "narrative": obj({k: STR for k in _NARRATIVE}, extra=False)},
    ("area", "status", "submitted_at", "manual", "narrative"), extra=False,
)

SCHEMAS: J = {
    "ReportFigures": obj(_FIGURES, tuple(_FIGURES), extra=False),
    "ReportTheme": obj({**_FIGURES, "target_bulletins": nullable("integer")}, (*_FIGURES, "target_bulletins"),
                       extra=False),
    "ReportCampaign": obj({**_FIGURES, "starts_on": DAY, "ends_on": DAY, "areas": arr(ref("ReportFigures"))},
                          (*_FIGURES, "starts_on", "ends_on", "areas"), extra=False),
    "PeriodReport": obj(
        {
            "area": _AREA, "from": DAY, "to": DAY,
            "plan": {"oneOf": [{"type": "null"}, obj({"id": INT, "title": STR, "number": STR, "issuer": STR,
                                                      "year": INT}, ("id", "title", "number", "issuer", "year"),
                                                     extra=False)]},
            "report": _HEADER, "manual": _MANUAL_OUT, "manual_total": _MANUAL_OUT, "narrative": _NARRATIVE_OUT,
            "children": arr(_CHILD), "children_missing": arr(STR),
            "stations_total": _COUNT, "themes": arr(ref("ReportTheme")), "campaigns": arr(ref("ReportCampaign")),
            "languages": arr(ref("ReportFigures")), "total": ref("ReportFigures"), "relay_minutes": NUM,
            # TEST emergencies' plays, apart from every figure above; absent from reports frozen before
            "tests": ref("ReportFigures"),
            "completeness": obj({"stations_total": _COUNT, "silent": arr(_STATION_SILENT),
                                 "silent_since": nullable("string", format="date"),
                                 "offline": arr(_STATION_OFFLINE), "offline_days": INT,
                                 # absent from reports frozen before uptime was counted
                                 "uptime_pct": {"type": ["number", "null"], "minimum": 0, "maximum": 100}},
                                ("stations_total", "silent", "silent_since", "offline", "offline_days"),
                                extra=False),
        },
        ("area", "from", "to", "plan", "report", "manual", "manual_total", "narrative", "children",
         "children_missing", "stations_total", "themes", "campaigns", "languages", "total", "relay_minutes",
         "completeness"),
        extra=False,
    ),
    "PeriodReportInput": obj(
        {**{k: {"type": "string", "maxLength": n} for k, n in _TEXT_LIMITS.items()},
         "manual": obj({k: {"type": "integer", "minimum": 0, "maximum": 10**9} for k in _MANUAL}, extra=False),
         "narrative": obj({k: {"type": "string", "maxLength": 20000} for k in _NARRATIVE}, extra=False)},
        extra=False,
    ),
}

_PARAMS = [
    query("area", text(64, filled=True), "area code (default: the caller's area, else the root)"),
    query("from", REPORT_DAY, "first local day (inclusive)"),
    query("to", REPORT_DAY, "last local day (inclusive)"),
    query("preset", {"type": "string", "enum": ["six-month", "year"]}, "the plan's usual period"),
    query("year", {"type": "integer", "minimum": 2000, "maximum": 2100}, "the preset's year"),
    query("plan", between(1, 2**31 - 1), "a plan (kế hoạch) the report answers"),
    query("period", text(32, filled=True), "a report period code of that plan (its dates are used)"),
    query("offline_days", {"type": "integer", "minimum": 1, "maximum": 366},
          "a station off line or silent longer than this is listed (default 3)"),
]


#: 422: well-formed, but not a report (from after to, a period without its plan, no area chosen in a
#: tree of several roots)
_ERRORS = (400, 401, 403, 404, 422)


def _file(mime: str, what: str) -> J:
    return {"200": {"description": what, "content": {mime: {"schema": {"type": "string", "format": "binary"}}}}}


def paths() -> J:
    t = "reports"
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    body = json_body(ref("PeriodReportInput"))
    return {
        "/api/v1/reports/period": {
            "get": op("Period report of an area", t, ok(ref("PeriodReport")), params=_PARAMS, errors=_ERRORS),
            "put": op("Save the period report draft", t, ok(ref("PeriodReport")), params=_PARAMS, body=body,
                      errors=(*_ERRORS, 409)),
        },
        "/api/v1/reports/period/submit": {
            "post": op("Submit the period report", t, ok(ref("PeriodReport")), params=_PARAMS,
                       body=json_body(ref("PeriodReportInput"), required=False), errors=(*_ERRORS, 409)),
        },
        "/api/v1/reports/period/docx": {
            "get": op("Period report as DOCX (Decree 30/2020 layout)", t, _file(docx, "The report"), params=_PARAMS,
                      errors=_ERRORS),
        },
        "/api/v1/reports/period/xlsx": {
            "get": op("Period report as XLSX (a sheet per breakdown)", t, _file(xlsx, "The workbook"),
                      params=_PARAMS, errors=_ERRORS),
        },
        "/api/v1/reports/period/chart.png": {
            "get": op("Chart of minutes by theme (PNG)", t, _file("image/png", "The chart"), params=_PARAMS,
                      errors=_ERRORS),
        },
    }
