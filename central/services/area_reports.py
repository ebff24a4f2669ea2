"""A period report of an area as an officer writes it: Loa's figures, hand-entered figures, narrative,
draft and submit, and the province's roll-up of its districts' submitted reports.

A report is keyed by (area, from, to): one per area and period. It takes an optional plan (kế hoạch);
given the plan and a period code, the plan's dates are used. Editors, approvers and admins whose scope
holds the area may save and submit it (``EDITORS_SUBMIT``); submitting freezes the figures, so what a
district sent does not change under the province. Every save and submission is audited.

Roll-up: a province's report (an area with no parent, or level "province") lists each direct child
area's report for the same days, submitted or not, and adds the hand-entered figures of the submitted
ones to its own. Districts' reports do not roll up their communes: the province asks districts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from central.auth import check_area
from central.db import database
from central.errors import Conflict, Forbidden, Invalid, NotFound, Unprocessable
from central.messages import msg
from central.models import MANUAL_FIELDS, NARRATIVE_FIELDS, Area, Plan, Report, User, utcnow
from central.services import audit, period_report, reports
from central.services.reports import base_area, scope_filter
from central.words import AreaLevel, ReportState, Role
from playlists.words import Approval

EDITORS_SUBMIT = (Role.EDITOR, Role.APPROVER, Role.ADMIN)
MAX_NARRATIVE = 20_000
MAX_FIGURE = 10**9
_TEXT_FIELDS = {"number": 64, "issuer": 200, "superior": 200, "place": 100, "title": 500,
                "recipients": 4000, "signer_title": 200, "signer_name": 200}
MANUAL_LABELS = {
    "wired_communes": "Số xã có đài truyền thanh hữu tuyến (chưa nối Loa)",
    "fm_communes": "Số xã có đài FM (chưa nối Loa)",
    "wired_fm_minutes": "Số phút phát trên đài hữu tuyến, FM",
    "sms_messages": "Số tin nhắn SMS tuyên truyền",
    "portal_articles": "Số tin, bài trên cổng/trang thông tin điện tử",
    "printed_copies": "Số tài liệu, tờ rơi, pa-nô đã in",
}
NARRATIVE_LABELS = {
    "results": "Kết quả thực hiện",
    "assessment": "Đánh giá chung",
    "difficulties": "Khó khăn, vướng mắc",
    "proposals": "Đề xuất, kiến nghị",
}


def resolve(user: User, area_code: str | None, date_from: date, date_to: date,
            plan_id: int | None = None) -> tuple[Area, Plan | None]:
    """The area (in ``user``'s scope; default theirs or the root) and the plan the report refers to."""
    from central.services import plans

    base = base_area(user, area_code)
    if base is None:
        # well-formed, but the tree has several roots and the caller's scope is all of them
        raise Unprocessable(msg("Chọn một đơn vị hành chính cho báo cáo (tham số area)."))
    if date_from > date_to:
        raise Unprocessable(msg("Ngày bắt đầu (from) phải trước hoặc bằng ngày kết thúc (to)."))
    if date_from.year < reports.MIN_YEAR or date_to.year > reports.MAX_YEAR:
        raise Invalid(msg("Kỳ báo cáo phải trong các năm %(MIN_YEAR)s–%(MAX_YEAR)s.", MIN_YEAR=reports.MIN_YEAR, MAX_YEAR=reports.MAX_YEAR))
    plan = plans.get(user, plan_id) if plan_id is not None else None
    return base, plan


def stored(area: Area, date_from: date, date_to: date) -> Report | None:
    return Report.get_or_none((Report.area == area) & (Report.date_from == date_from) & (Report.date_to == date_to))


def is_province(area: Area) -> bool:
    return area.parent_id is None or area.level == AreaLevel.PROVINCE


def view(user: User, area_code: str | None, date_from: date, date_to: date, plan_id: int | None = None,
         offline_days: int = period_report.DEFAULT_OFFLINE_DAYS) -> dict[str, Any]:
    """The whole report as JSON-ready data: header, figures (frozen once submitted), hand figures, text."""
    base, plan = resolve(user, area_code, date_from, date_to, plan_id)
    row = stored(base, date_from, date_to)
    if plan is None and row is not None and row.plan_id is not None:
        plan = row.plan
    if row is not None and row.status == Approval.SUBMITTED and row.figures:
        figures = row.figures
    else:
        where, params = scope_filter(user, base)
        figures = period_report.build(base, date_from, date_to, where, params, plan, offline_days)
    children = _children(base, date_from, date_to) if is_province(base) else []
    own = _manual(row)
    manual_total = dict(own)
    for child in children:
        if child["status"] == Approval.SUBMITTED:
            for k in MANUAL_FIELDS:
                manual_total[k] += child["manual"].get(k, 0)
    return {
        "area": {"code": base.code, "name": base.name, "level": base.level},
        "from": date_from.isoformat(), "to": date_to.isoformat(),
        "plan": None if plan is None else {"id": plan.id, "title": plan.title, "number": plan.number,
                                            "issuer": plan.issuer, "year": plan.year},
        "report": _header(row, base, date_from, date_to, plan),
        "manual": own, "manual_total": manual_total,
        "narrative": {k: (row.narrative or {}).get(k, "") if row else "" for k in NARRATIVE_FIELDS},
        "children": children,
        "children_missing": [c["area"]["name"] for c in children if c["status"] != Approval.SUBMITTED],
        **figures,
    }


def _manual(row: Report | None) -> dict[str, int]:
    have = (row.manual or {}) if row is not None else {}
    return {k: int(have.get(k) or 0) for k in MANUAL_FIELDS}


def _header(row: Report | None, base: Area, date_from: date, date_to: date, plan: Plan | None) -> dict[str, Any]:
    """The administrative header; defaults a real district would write when nothing is saved yet."""
    default_title = (f"BÁO CÁO\nKết quả công tác thông tin, tuyên truyền trên hệ thống truyền thanh cơ sở "
                     f"từ ngày {date_from:%d/%m/%Y} đến ngày {date_to:%d/%m/%Y}")
    if plan is not None and plan.number:
        default_title += f" (theo Kế hoạch số {plan.number})"
    out: dict[str, Any] = {"id": None, "status": ReportState.NEW, "created_at": None, "updated_at": None,
                           "submitted_at": None, "submitted_by": None}
    for k in _TEXT_FIELDS:
        out[k] = getattr(row, k) if row is not None else ""
    out["title"] = out["title"] or default_title
    out["issuer"] = out["issuer"] or f"ĐƠN VỊ: {base.name.upper()}"
    if row is not None:
        out.update({"id": row.id, "status": row.status, "created_at": row.created_at.isoformat(),
                    "updated_at": row.updated_at.isoformat(),
                    "submitted_at": row.submitted_at.isoformat() if row.submitted_at else None,
                    "submitted_by": row.submitted_by.name if row.submitted_by is not None else None})
    return out


def _children(base: Area, date_from: date, date_to: date) -> list[dict[str, Any]]:
    kids = list(Area.select().where(Area.parent == base).order_by(Area.name))
    reports = {r.area_id: r for r in Report.select().where(Report.area.in_([k.id for k in kids]),
                                                           Report.date_from == date_from,
                                                           Report.date_to == date_to)} if kids else {}
    out = []
    for k in kids:
        r = reports.get(k.id)
        out.append({"area": {"code": k.code, "name": k.name, "level": k.level},
                    "status": r.status if r is not None else ReportState.MISSING,
                    "submitted_at": r.submitted_at.isoformat() if r is not None and r.submitted_at else None,
                    "manual": _manual(r),
                    "narrative": {f: (r.narrative or {}).get(f, "") for f in NARRATIVE_FIELDS} if r else {}})
    return out


# --- changing -------------------------------------------------------------------------------


def _check_writer(actor: User, area: Area) -> None:
    if actor.role not in EDITORS_SUBMIT:
        raise Forbidden(msg("Vai trò '%(role)s' không được lập báo cáo.", role=actor.role))
    check_area(actor, area)


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of ``data`` a report takes, checked; absent ones are left out."""
    if not isinstance(data, Mapping):
        raise Invalid(msg("Nội dung báo cáo phải là một đối tượng JSON."))
    out: dict[str, Any] = {}
    for k, limit in _TEXT_FIELDS.items():
        if k in data:
            v = data[k]
            if not isinstance(v, str) or len(v) > limit or "\x00" in v:
                raise Invalid(msg("'%(k)s' phải là chuỗi tối đa %(limit)s ký tự.", k=k, limit=limit), field=k)
            out[k] = v.replace("\r\n", "\n").strip()  # a browser's textarea sends CRLF
    for group, fields, check in (("manual", MANUAL_FIELDS, _figure), ("narrative", NARRATIVE_FIELDS, _text)):
        if group in data:
            given = data[group]
            if not isinstance(given, Mapping) or set(given) - set(fields):
                raise Invalid(msg("'%(group)s' chỉ nhận các trường %(value)s.", group=group, value=', '.join(fields)), field=group)
            out[group] = {k: check(f"{group}.{k}", v) for k, v in given.items()}
    return out


def _figure(name: str, value: Any) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_FIGURE:
        raise Invalid(msg("'%(name)s' phải là số nguyên không âm.", name=name), field=name)
    return value


def _text(name: str, value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_NARRATIVE or "\x00" in value:  # PostgreSQL refuses NUL
        raise Invalid(msg("'%(name)s' phải là văn bản tối đa %(MAX_NARRATIVE)s ký tự.", name=name, MAX_NARRATIVE=MAX_NARRATIVE), field=name)
    return value.replace("\r\n", "\n").strip()


def save(actor: User, area_code: str | None, date_from: date, date_to: date, data: Mapping[str, Any],
         plan_id: int | None = None) -> Report:
    """Save the draft (creating it on first save); a submitted report is not changed."""
    base, plan = resolve(actor, area_code, date_from, date_to, plan_id)
    _check_writer(actor, base)
    fields = _clean(data)
    with database.atomic():
        row = stored(base, date_from, date_to)
        if row is None:
            row = Report.create(area=base, date_from=date_from, date_to=date_to, plan=plan, created_by=actor)
        elif row.status == Approval.SUBMITTED:
            raise Conflict(msg("Báo cáo đã gửi, không sửa được nữa."))
        for k, v in fields.items():
            if k in ("manual", "narrative"):
                v = {**(getattr(row, k) or {}), **v}
            setattr(row, k, v)
        if plan is not None:
            row.plan = plan
        row.updated_at = utcnow()
        row.save()
        audit.record(actor, "report.save", row, area=base.code, date_from=date_from.isoformat(),
                     date_to=date_to.isoformat(), fields=sorted(fields))
    return row


def submit(actor: User, area_code: str | None, date_from: date, date_to: date,
           data: Mapping[str, Any] | None = None, plan_id: int | None = None) -> Report:
    """Save what ``data`` carries, freeze the figures and mark the report submitted (once)."""
    with database.atomic():
        row = save(actor, area_code, date_from, date_to, data or {}, plan_id)
        figures = view(actor, row.area.code, date_from, date_to, row.plan_id)
        keep = ("stations_total", "themes", "campaigns", "languages", "total", "tests", "relay_minutes",
                "completeness")
        row.figures = {k: figures[k] for k in keep}
        row.status, row.submitted_by, row.submitted_at = Approval.SUBMITTED, actor, utcnow()
        row.save()
        audit.record(actor, "report.submit", row, area=row.area.code, date_from=date_from.isoformat(),
                     date_to=date_to.isoformat())
    return row


def get_by_id(user: User, rid: int) -> Report:
    row = Report.get_or_none(Report.id == rid)
    if row is None:
        raise NotFound(msg("Không có báo cáo số %(rid)s.", rid=rid))
    try:
        check_area(user, row.area)
    except Forbidden:
        raise NotFound(msg("Không có báo cáo số %(rid)s.", rid=rid)) from None
    return row
