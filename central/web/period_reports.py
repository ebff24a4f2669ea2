"""The period report page: pick area and period, read Loa's figures and the chart, fill in the hand
figures and narrative, save the draft, submit, and download DOCX or XLSX (the API's files)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from central.errors import CentralError
from central.models import MANUAL_FIELDS, NARRATIVE_FIELDS
from central.services import area_reports, plans, reports

from . import bp, queries
from .context import flash_error, me
from .reports import today

HEADER_FIELDS = ("number", "superior", "issuer", "place", "title", "recipients", "signer_title", "signer_name")
#: the services' Vietnamese labels (which the DOCX prints) as the page shows them, English included
MANUAL_LABELS = {
    "wired_communes": _l("Số xã có đài truyền thanh hữu tuyến (chưa nối Loa)"),
    "fm_communes": _l("Số xã có đài FM (chưa nối Loa)"),
    "wired_fm_minutes": _l("Số phút phát trên đài hữu tuyến, FM"),
    "sms_messages": _l("Số tin nhắn SMS tuyên truyền"),
    "portal_articles": _l("Số tin, bài trên cổng/trang thông tin điện tử"),
    "printed_copies": _l("Số tài liệu, tờ rơi, pa-nô đã in"),
}
NARRATIVE_LABELS = {
    "results": _l("Kết quả thực hiện"),
    "assessment": _l("Đánh giá chung"),
    "difficulties": _l("Khó khăn, vướng mắc"),
    "proposals": _l("Đề xuất, kiến nghị"),
}
_ARGS = ("area", "from", "to", "preset", "year", "plan", "offline_days")


def _period(f: dict[str, str]) -> tuple[date, date]:
    if f["plan"].isdigit() and f.get("period"):
        p = plans.period_of(me(), int(f["plan"]), f["period"])
        return p.starts_on, p.ends_on
    if f["preset"] in reports.PRESETS:
        return reports.preset_range(f["preset"], int(f["year"]) if f["year"].isdigit() else today().year)
    return reports.resolve_range(f["from"] or None, f["to"] or None, None, today())


def _query(f: dict[str, str], start: date, end: date) -> dict[str, Any]:
    """The canonical query of this report (area, days, plan) for links and redirects."""
    q = {"area": f["area"], "from": start.isoformat(), "to": end.isoformat()}
    if f["plan"].isdigit():
        q["plan"] = f["plan"]
    return {k: v for k, v in q.items() if v}


@bp.route("/reports/period", methods=["GET", "POST"])
def period_report() -> Any:
    user = me()
    f = {k: (request.values.get(k) or "").strip() for k in (*_ARGS, "period")}
    report, start, end = None, None, None
    try:
        start, end = _period(f)
        if request.method == "POST":
            return _save(user, f, start, end)
        days = int(f["offline_days"]) if f["offline_days"].isdigit() and 0 < int(f["offline_days"]) < 367 else 3
        report = area_reports.view(user, f["area"] or None, start, end,
                                   int(f["plan"]) if f["plan"].isdigit() else None, days)
    except CentralError as exc:
        flash_error(exc)
        if request.method == "POST" and start and end:  # show the report again under the refusal
            return redirect(url_for("web.period_report", **_query(f, start, end)))
    q = _query(f, start, end) if start and end else {}
    return render_template(
        "web/period_report.html", report=report, f=f, q=q, areas=queries.area_choices(user),
        plans=[(p.id, f"{p.year} – {p.title}") for p in plans.listing(user)],
        year=int(f["year"]) if f["year"].isdigit() else today().year, years=list(range(today().year, 2023, -1)),
        can_write=user.role in area_reports.EDITORS_SUBMIT, header_fields=HEADER_FIELDS,
        manual_fields=MANUAL_FIELDS, narrative_fields=NARRATIVE_FIELDS,
        manual_labels=MANUAL_LABELS, narrative_labels=NARRATIVE_LABELS,
    )


def _save(user: Any, f: dict[str, str], start: date, end: date) -> Any:
    """Save the draft from the form, or submit it; then back to the same report."""
    form = request.form
    data: dict[str, Any] = {k: form.get(k, "") for k in HEADER_FIELDS if k in form}
    data["manual"] = {k: form.get(f"manual_{k}", "").strip() for k in MANUAL_FIELDS}
    data["narrative"] = {k: form.get(f"narrative_{k}", "") for k in NARRATIVE_FIELDS}
    plan_id = int(f["plan"]) if f["plan"].isdigit() else None
    if form.get("action") == "submit":
        area_reports.submit(user, f["area"] or None, start, end, data, plan_id)
        flash(_("Đã gửi báo cáo. Số liệu được giữ nguyên như lúc gửi."), "success")
    else:
        area_reports.save(user, f["area"] or None, start, end, data, plan_id)
        flash(_("Đã lưu bản nháp báo cáo."), "success")
    return redirect(url_for("web.period_report", **_query(f, start, end)))
