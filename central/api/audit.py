"""Operator API: the audit log for admins, as JSON pages or as CSV for Excel (UTF-8 with BOM)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from central.messages import msg

from ..auth import require
from ..errors import Invalid
from ..services import audit
from ..words import Role
from . import caller, query_int, reply

bp = Blueprint("api_audit", __name__, url_prefix="/api/v1")


def filters_from(args: Any) -> audit.Filters:
    """The filters of a query string (shared with the web page)."""
    def text(name: str) -> str | None:
        value = (args.get(name) or "").replace("\x00", "").strip()  # PostgreSQL refuses NUL in text
        return value[:200] or None

    return audit.Filters(
        person=text("person"), object_type=text("object_type"), object_id=text("object_id"),
        action=text("action"), area_code=text("area"),
        start=audit.parse_when(text("from"), "from"), end=audit.parse_when(text("to"), "to", end=True),
    )


def csv_response(data: bytes, args: Any) -> Response:
    days = ["".join(ch for ch in (args.get(k) or "")[:10] if ch.isdigit()) for k in ("from", "to")]
    name = "-".join(["nhat-ky-thao-tac", *(d for d in days if d)])
    resp = Response(data, mimetype="text/csv")
    resp.headers["Content-Type"] = "text/csv; charset=utf-8"
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return resp


@bp.get("/audit")
@require(roles=(Role.ADMIN,))
def audit_log() -> ResponseReturnValue:
    """Who changed what, where and when; ``format=csv`` for every matching row."""
    user = caller()
    f = filters_from(request.args)
    fmt = request.args.get("format") or "json"
    if fmt == "csv":
        return csv_response(audit.export(user, f), request.args)
    if fmt != "json":
        raise Invalid(msg("format phải là json hoặc csv."), field="format")
    p = audit.page(user, f, query_int("limit", 100), query_int("offset", 0))
    return reply({"entries": [audit.answer(r) for r in p.rows], "total": p.total, "limit": p.limit,
                  "offset": p.offset})
