"""Operator API: the period report of an area (JSON, DOCX, XLSX), its draft and its submission.

Every route takes the period as query parameters: ``area`` (code), and either ``plan`` + ``period``
(a plan's report period), or ``preset`` (six-month | year) + ``year``, or ``from`` + ``to``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from central.messages import msg
from central.times import ZONE

from ..auth import require
from ..errors import Invalid, Unprocessable, reader_language
from ..services import area_reports, period_report, reports
from . import ALL_ROLES, caller, json_body

bp = Blueprint("api_period_reports", __name__, url_prefix="/api/v1")

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def today() -> date:
    return datetime.now(ZONE).date()


def _int(name: str, lo: int, hi: int) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if not raw.isdigit() or not lo <= int(raw) <= hi:
        raise Invalid(msg("%(name)s phải là số nguyên %(lo)s–%(hi)s.", name=name, lo=lo, hi=hi), field=name)
    return int(raw)


def period_args(user: Any) -> dict[str, Any]:
    """The query's area, days, plan and offline threshold, checked."""
    from ..services import plans

    a = request.args
    plan_id = _int("plan", 1, 2**31 - 1)
    if a.get("period"):
        if plan_id is None:
            raise Unprocessable(msg("period cần kèm plan."), field="period")
        p = plans.period_of(user, plan_id, a["period"])
        start, end = p.starts_on, p.ends_on
    elif a.get("preset"):
        if a["preset"] not in reports.PRESETS:
            raise Invalid(msg("preset phải là six-month hoặc year."), field="preset")
        start, end = reports.preset_range(a["preset"], _int("year", 2000, 2100) or today().year)
    else:
        start, end = reports.resolve_range(a.get("from"), a.get("to"), None, today())
    days = _int("offline_days", 1, 366)
    return {"area_code": a.get("area") or None, "date_from": start, "date_to": end, "plan_id": plan_id,
            "offline_days": days or period_report.DEFAULT_OFFLINE_DAYS}


def _draft_args(user: Any) -> dict[str, Any]:
    """The query's area, days and plan, as saving and submitting a draft take them (no offline threshold)."""
    args = period_args(user)
    args.pop("offline_days")
    return args


def view_of(user: Any) -> dict[str, Any]:
    return area_reports.view(user, **period_args(user))


def _file(body: bytes, mime: str, report: dict[str, Any], ext: str) -> Response:
    name = f"bao-cao-{report['area']['code']}-{report['from']}-{report['to']}.{ext}"
    return Response(body, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/reports/period")
@require(ALL_ROLES)
def get_report() -> ResponseReturnValue:
    return jsonify(view_of(caller()))


@bp.get("/reports/period/docx")
@require(ALL_ROLES)
def get_docx() -> ResponseReturnValue:
    from ..services import report_docx

    report = view_of(caller())
    return _file(report_docx.to_docx(report, today()), DOCX, report, "docx")


@bp.get("/reports/period/xlsx")
@require(ALL_ROLES)
def get_xlsx() -> ResponseReturnValue:
    from ..services import report_xlsx

    report = view_of(caller())
    return _file(report_xlsx.to_xlsx(report, reader_language()), XLSX, report, "xlsx")


@bp.get("/reports/period/chart.png")
@require(ALL_ROLES)
def get_chart() -> ResponseReturnValue:
    from ..services import report_export

    return Response(report_export.chart_png(view_of(caller())["themes"]), mimetype="image/png")


@bp.put("/reports/period")
@require(area_reports.EDITORS_SUBMIT)
def save_report() -> ResponseReturnValue:
    user = caller()
    args = _draft_args(user)  # the query is checked before the body, as always
    area_reports.save(user, data=json_body(), **args)
    return jsonify(view_of(user))


@bp.post("/reports/period/submit")
@require(area_reports.EDITORS_SUBMIT)
def submit_report() -> ResponseReturnValue:
    user = caller()
    args = _draft_args(user)
    area_reports.submit(user, data=json_body(optional=True), **args)
    return jsonify(view_of(user))
