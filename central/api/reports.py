"""Operator API: the proof-of-play summary, as JSON or as CSV for Excel (UTF-8 with BOM)."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from central.messages import msg
from central.times import ZONE

from ..auth import require
from ..errors import Invalid, reader_language
from ..services import reports
from ..words import ROLES
from . import caller, reply

bp = Blueprint("api_reports", __name__, url_prefix="/api/v1")


@bp.get("/reports/summary")
@require(ROLES)
def summary() -> ResponseReturnValue:
    args = request.args
    user = caller()
    today = datetime.now(ZONE).date()
    start, end = reports.resolve_range(args.get("from"), args.get("to"), args.get("preset"), today)
    table = reports.summary(user, start, end, args.get("area") or None,
                            args.get("group_by") or "category")
    fmt = args.get("format") or "json"
    if fmt == "csv":
        name = f"bao-cao-{table.group_by}-{start:%Y%m%d}-{end:%Y%m%d}.csv"
        resp = Response(reports.to_csv(table, reader_language()), mimetype="text/csv")
        resp.headers["Content-Type"] = "text/csv; charset=utf-8"
        resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return resp
    if fmt != "json":
        raise Invalid(msg("format phải là json hoặc csv."))
    return reply(table.answer())
