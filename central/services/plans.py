"""Plans (kế hoạch): a year's information plan, its themes, report periods with deadlines, and targets.

A plan follows the province's yearly plan (seed/000_…txt): an issuing body and number, the themes it
works through (categories), the campaigns and observance days that carry it out (``Campaign.plan``),
the reports it asks for and when they are due, and optional minimums (bulletins per theme per period).

Report periods default to the plan's usual cut-offs: a six-month report due 15/6 and a yearly one due
1/12. Each period ends ``DEFAULT_LEAD_DAYS`` before its deadline, so the officer has a working week to
write and send it (the seed plan gives only the deadlines); an officer can change every date.

Scope is that of campaigns: a plan belongs to its creator's area (None = province-wide), is seen in
and below that area, and changed only by editors and admins whose scope holds it. Changes are audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from central.db import database
from central.errors import Invalid, NotFound, Unprocessable
from central.messages import msg
from central.models import (
    Campaign,
    Category,
    Plan,
    PlanTarget,
    PlanTheme,
    ReportPeriod,
    User,
    utcnow,
)
from central.policy import EDITORS, can_see_owner, check_owner, check_role, owner_visible
from central.services import audit
from central.services import categories as categories_service
from central.shapes import plans as shapes

#: days between a period's last day and its deadline, unless the officer says otherwise
DEFAULT_LEAD_DAYS = 5
#: (code, Vietnamese name, deadline (day, month)): the cut-offs the province's plans use
DEFAULT_PERIODS: tuple[tuple[str, str, tuple[int, int]], ...] = (
    ("six-month", "Báo cáo 6 tháng đầu năm", (15, 6)),
    ("year", "Báo cáo năm", (1, 12)),
)


def default_periods(year: int, lead_days: int = DEFAULT_LEAD_DAYS) -> list[dict[str, Any]]:
    """The usual six-month and yearly periods of ``year``: from 1/1 to ``lead_days`` before each deadline."""
    out = []
    for code, name, (day, month) in DEFAULT_PERIODS:
        deadline = date(year, month, day)
        out.append({"code": code, "name": name, "starts_on": date(year, 1, 1),
                    "ends_on": deadline - timedelta(days=lead_days), "deadline": deadline})
    return out


# --- parsing -------------------------------------------------------------------------------


def _day(value: Any, what: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise Invalid(msg("%(what)s phải là ngày YYYY-MM-DD, nhận '%(value)s'.", what=what, value=value), field=what) from None


def _text(data: Mapping[str, Any], key: str, limit: int, required: bool = False) -> str:
    value = data.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(msg("Trường %(key)s phải là chuỗi.", key=key), field=key)
    if required and not value.strip():
        raise Invalid(msg("Thiếu trường %(key)s.", key=key), field=key)
    return value.strip()[:limit]


def _year(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise Invalid(msg("Năm phải là số, ví dụ 2024."), field="year")
    year = int(value)
    if not 2000 <= year <= 2100:
        raise Invalid(msg("Năm phải trong khoảng 2000–2100."), field="year")
    return year


def _clean(data: Mapping[str, Any], partial: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "year" in data or not partial:
        out["year"] = _year(data.get("year"))
    if "title" in data or not partial:
        out["title"] = _text(data, "title", 500, required=True)
    for key, limit in (("issuer", 200), ("number", 64), ("description", 20_000)):
        if key in data:
            out[key] = _text(data, key, limit)
    if "issued_on" in data:
        out["issued_on"] = None if data["issued_on"] in (None, "") else _day(data["issued_on"], "issued_on")
    return out


def _list(data: Mapping[str, Any], key: str) -> list[Any] | None:
    if key not in data or data[key] is None:
        return None
    if not isinstance(data[key], list):
        raise Invalid(msg("%(key)s phải là một danh sách.", key=key), field=key)
    return list(data[key])


def _themes(raw: list[Any]) -> list[Any]:
    cats = []
    for code in raw:
        if not isinstance(code, str | int) or isinstance(code, bool):
            raise Invalid(msg("Chủ đề phải là mã chủ đề."), field="themes")
        cat = categories_service.by_code(code)
        if cat is not None and cat not in cats:
            cats.append(cat)
    return cats


def _period(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise Invalid(msg("Mỗi kỳ báo cáo là một đối tượng."), field="periods")
    p: dict[str, Any] = {"code": _text(raw, "code", 32, required=True), "name": _text(raw, "name", 200, required=True)}
    for key in ("starts_on", "ends_on", "deadline"):
        if raw.get(key) in (None, ""):
            raise Invalid(msg("Kỳ báo cáo thiếu %(key)s.", key=key), field="periods")
        p[key] = _day(raw[key], key)
    if not p["starts_on"] <= p["ends_on"] <= p["deadline"]:
        raise Unprocessable(msg("Kỳ '%(code)s': cần bắt đầu ≤ kết thúc ≤ hạn nộp.", code=p['code']),
                      field="periods")
    return p


def _periods(raw: list[Any]) -> list[dict[str, Any]]:
    out = [_period(p) for p in raw]
    codes = [p["code"] for p in out]
    if len(set(codes)) != len(codes):
        raise Unprocessable(msg("Mã kỳ báo cáo bị trùng."), field="periods")
    return out


def _targets(raw: list[Any], period_codes: set[str]) -> list[dict[str, Any]]:
    out = []
    for t in raw:
        if not isinstance(t, Mapping):
            raise Invalid(msg("Mỗi chỉ tiêu là một đối tượng."), field="targets")
        cat = categories_service.by_code(t.get("category") if isinstance(t.get("category"), str) else None)
        if cat is None:
            raise Invalid(msg("Chỉ tiêu cần một chủ đề."), field="targets")
        period = t.get("period")
        if period is not None and not isinstance(period, str):
            raise Invalid(msg("Kỳ của chỉ tiêu là mã kỳ báo cáo."), field="targets")
        if period not in (None, "") and period not in period_codes:
            raise Unprocessable(msg("Không có kỳ báo cáo '%(period)s'.", period=period), field="targets")
        n = t.get("min_bulletins")
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= 100_000:
            raise Invalid(msg("min_bulletins phải là số nguyên 0–100000."), field="targets")
        out.append({"category": cat, "period": period or None, "min_bulletins": n})
    return out


# --- reading -------------------------------------------------------------------------------


def listing(user: User, year: int | None = None) -> list[Plan]:
    q = Plan.select()
    cond = owner_visible(user, Plan.area)
    if cond is not None:
        q = q.where(cond)
    if year is not None:
        q = q.where(Plan.year == year)
    return list(q.order_by(Plan.year.desc(), Plan.id))


def get(user: User, plan_id: int) -> Plan:
    p = Plan.get_or_none(Plan.id == plan_id)
    if p is None or not can_see_owner(user, p.area_id):
        raise NotFound(msg("Không có kế hoạch số %(plan_id)s.", plan_id=plan_id))
    return p


def periods(user: User, start: date | None = None, end: date | None = None) -> list[ReportPeriod]:
    """Report periods of the plans ``user`` sees, by deadline; with ``start``/``end``, due in those days."""
    q = ReportPeriod.select(ReportPeriod, Plan).join(Plan)
    cond = owner_visible(user, Plan.area)
    if cond is not None:
        q = q.where(cond)
    if start is not None:
        q = q.where(ReportPeriod.deadline >= start)
    if end is not None:
        q = q.where(ReportPeriod.deadline <= end)
    return list(q.order_by(ReportPeriod.deadline, ReportPeriod.id))


def period_of(user: User, plan_id: int, code: str) -> ReportPeriod:
    """One period of a plan, by code (for reports over a plan's period)."""
    plan = get(user, plan_id)
    row = ReportPeriod.get_or_none((ReportPeriod.plan == plan) & (ReportPeriod.code == code))
    if row is None:
        raise NotFound(msg("Kế hoạch %(pid)s không có kỳ báo cáo '%(code)s'.", pid=plan_id, code=code))
    return row


# --- changing ------------------------------------------------------------------------------


def create(actor: User, data: Mapping[str, Any]) -> Plan:
    check_role(actor, EDITORS, "tạo kế hoạch")
    fields = _clean(data, partial=False)
    themes, periods_in, targets_in = _parts(data, fields["year"], fill_defaults=True)
    with database.atomic():
        plan = Plan.create(area=actor.area_id, created_by=actor, **fields)
        _write_parts(plan, themes, periods_in, targets_in)
        audit.record(actor, "plan.create", plan, year=plan.year, title=plan.title, number=plan.number)
    return plan


def update(actor: User, plan_id: int, data: Mapping[str, Any]) -> Plan:
    check_role(actor, EDITORS, "sửa kế hoạch")
    plan = get(actor, plan_id)
    check_owner(actor, plan.area_id, "Kế hoạch")
    fields = _clean(data, partial=True)
    themes, periods_in, targets_in = _parts(data, fields.get("year", plan.year), fill_defaults=False,
                                            plan=plan)
    with database.atomic():
        for k, v in fields.items():
            setattr(plan, k, v)
        plan.updated_at = utcnow()
        plan.save()
        _write_parts(plan, themes, periods_in, targets_in)
        changed = sorted(fields) + [k for k in ("themes", "periods", "targets") if _list(data, k) is not None]
        audit.record(actor, "plan.update", plan, fields=changed)
    return plan


def delete(actor: User, plan_id: int) -> None:
    """Delete a plan; its campaigns stay, without a plan."""
    check_role(actor, EDITORS, "xóa kế hoạch")
    plan = get(actor, plan_id)
    check_owner(actor, plan.area_id, "Kế hoạch")
    with database.atomic():
        audit.record(actor, "plan.delete", plan, year=plan.year, title=plan.title)
        Campaign.update(plan=None).where(Campaign.plan == plan).execute()
        plan.delete_instance(recursive=True)


def _parts(data: Mapping[str, Any], year: int, fill_defaults: bool,
           plan: Plan | None = None) -> tuple[list[Any] | None, list[dict[str, Any]] | None, list[Any] | None]:
    """Themes, periods and targets as given (None = keep what the plan has; defaults for a new plan)."""
    raw_themes, raw_periods, raw_targets = (_list(data, k) for k in ("themes", "periods", "targets"))
    themes = _themes(raw_themes) if raw_themes is not None else None
    periods_in = _periods(raw_periods) if raw_periods is not None else None
    if periods_in is None and fill_defaults:
        periods_in = default_periods(year)
    if periods_in is not None:
        codes = {p["code"] for p in periods_in}
    elif plan is not None:
        codes = {p.code for p in plan.periods}
    else:
        codes = set()
    if raw_targets is None and periods_in is not None and plan is not None:
        # new periods replace the old ones, and targets name periods: keep those still named
        raw_targets = [_target_answer(t).model_dump() for t in plan.targets if t.period is None or t.period.code in codes]
    targets_in = _targets(raw_targets, codes) if raw_targets is not None else None
    return themes, periods_in, targets_in


def _write_parts(plan: Plan, themes: list[Any] | None, periods_in: list[dict[str, Any]] | None,
                 targets_in: list[dict[str, Any]] | None) -> None:
    if themes is not None:
        PlanTheme.delete().where(PlanTheme.plan == plan).execute()
        for cat in themes:
            PlanTheme.create(plan=plan, category=cat)
    if periods_in is not None:
        PlanTarget.delete().where(PlanTarget.plan == plan).execute()
        ReportPeriod.delete().where(ReportPeriod.plan == plan).execute()
        for p in periods_in:
            ReportPeriod.create(plan=plan, **p)
    if targets_in is not None:
        PlanTarget.delete().where(PlanTarget.plan == plan).execute()
        by_code = {p.code: p for p in ReportPeriod.select().where(ReportPeriod.plan == plan)}
        for t in targets_in:
            PlanTarget.create(plan=plan, category=t["category"], min_bulletins=t["min_bulletins"],
                              period=by_code.get(t["period"]) if t["period"] else None)


# --- answers -------------------------------------------------------------------------------


def _target_answer(t: PlanTarget) -> shapes.PlanTarget:
    return shapes.PlanTarget(category=t.category.code, period=t.period.code if t.period is not None else None,
                             min_bulletins=t.min_bulletins)


def period_answer(p: ReportPeriod) -> shapes.ReportPeriod:
    return shapes.ReportPeriod(code=p.code, name=p.name, starts_on=p.starts_on.isoformat(),
                               ends_on=p.ends_on.isoformat(), deadline=p.deadline.isoformat())


def deadline_answer(p: ReportPeriod) -> shapes.Deadline:
    """A report period with its plan's id and title (the deadline list)."""
    return shapes.Deadline(plan_id=p.plan_id, plan_title=p.plan.title, **period_answer(p).model_dump())


def answer(plan: Plan) -> shapes.Plan:
    themes = (PlanTheme.select(PlanTheme, Category).join(Category)
              .where(PlanTheme.plan == plan).order_by(Category.position))
    camps = Campaign.select().where(Campaign.plan == plan).order_by(Campaign.starts_on, Campaign.id)
    periods_q = ReportPeriod.select().where(ReportPeriod.plan == plan).order_by(ReportPeriod.deadline)
    return shapes.Plan(
        id=plan.id,
        year=plan.year,
        title=plan.title,
        issuer=plan.issuer,
        number=plan.number,
        issued_on=plan.issued_on.isoformat() if plan.issued_on else None,
        description=plan.description,
        area_code=plan.area.code if plan.area is not None else None,
        themes=[t.category.code for t in themes],
        periods=[period_answer(p) for p in periods_q],
        targets=[_target_answer(t) for t in PlanTarget.select().where(PlanTarget.plan == plan)
                 .order_by(PlanTarget.id)],
        campaigns=[shapes.PlanCampaign(id=c.id, name=c.name, starts_on=c.starts_on.isoformat(),
                                       ends_on=c.ends_on.isoformat()) for c in camps],
    )


# --- the province's plan, for the demo and new installations -------------------------------

#: The 2024 plan of seed/000_…txt: its number is left blank in the document, as is its day.
PLAN_2024: dict[str, Any] = {
    "year": 2024,
    "title": ("Triển khai công tác tuyên truyền công tác phòng, chống tội phạm; phòng, chống tệ nạn xã "
              "hội, tệ nạn ma túy, mại dâm, HIV/AIDS; phòng, chống mua bán người năm 2024"),
    "issuer": "Sở Thông tin và Truyền thông tỉnh Đắk Nông",
    "number": "/KH-STTTT",
    "themes": ["drugs", "prostitution", "hiv", "trafficking", "crime", "domestic-violence", "child-abuse"],
}


def seed_plan(year: int, actor: User | None = None) -> Plan:
    """The province's plan for ``year`` (that of 2024, moved to ``year``), with the year's campaigns; once."""
    title = PLAN_2024["title"].replace("2024", str(year))
    plan = Plan.get_or_none((Plan.year == year) & (Plan.title == title))
    if plan is not None:
        return plan
    with database.atomic():
        plan = Plan.create(year=year, title=title, issuer=PLAN_2024["issuer"], number=PLAN_2024["number"],
                           created_by=actor)
        _write_parts(plan, _themes(PLAN_2024["themes"]), default_periods(year), None)
        seeded = [s.name for s in categories_service.CAMPAIGNS]
        (Campaign.update(plan=plan)
         .where(Campaign.name.in_(seeded) & Campaign.plan.is_null()
                & (Campaign.starts_on >= date(year, 1, 1)) & (Campaign.starts_on <= date(year, 12, 31)))
         .execute())
        audit.record(actor, "plan.create", plan, year=year, title=title, seeded=True)
    return plan
