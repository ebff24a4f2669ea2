"""The OpenAPI description of the period report (JSON, DOCX, XLSX, chart), its draft and submission."""

from __future__ import annotations

from ..shapes import reports as R
from .openapi_schemas import (
    REPORT_DAY,
    J,
    between,
    json_body,
    ok,
    op,
    query,
    ref,
    text,
)

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
    body = json_body(ref(R.PeriodReportInput))
    return {
        "/api/v1/reports/period": {
            "get": op("Period report of an area", t, ok(ref(R.PeriodReport)), params=_PARAMS, errors=_ERRORS),
            "put": op("Save the period report draft", t, ok(ref(R.PeriodReport)), params=_PARAMS, body=body,
                      errors=(*_ERRORS, 409)),
        },
        "/api/v1/reports/period/submit": {
            "post": op("Submit the period report", t, ok(ref(R.PeriodReport)), params=_PARAMS,
                       body=json_body(ref(R.PeriodReportInput), required=False), errors=(*_ERRORS, 409)),
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
