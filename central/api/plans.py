"""Operator API for plans (kế hoạch): the year's plan, its themes, report periods, deadlines and targets."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from central.messages import msg

from .. import policy
from ..auth import require
from ..errors import Invalid
from ..services import calendar, campaign_schedule, languages, plans, schedules
from . import ALL_ROLES, caller, json_body, reply

bp = Blueprint("api_plans", __name__, url_prefix="/api/v1")

def _year(raw: str | None) -> int | None:
    if raw in (None, ""):
        return None
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise Invalid(msg("year phải là năm 2000–2100."), field="year")
    return int(raw)


def _day(name: str) -> date | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(msg("%(what)s phải là ngày YYYY-MM-DD.", what=name), field=name) from None


@bp.get("/plans")
@require(ALL_ROLES)
def list_plans() -> ResponseReturnValue:
    rows = plans.listing(caller(), _year(request.args.get("year")))
    return reply([plans.answer(p) for p in rows])


@bp.post("/plans")
@require(policy.EDITORS)
def create_plan() -> ResponseReturnValue:
    return reply(plans.answer(plans.create(caller(), json_body())), 201)


@bp.get("/plans/defaults")
@require(ALL_ROLES)
def plan_defaults() -> ResponseReturnValue:
    """The usual report periods of a year, to prefill a new plan."""
    year = _year(request.args.get("year"))
    if year is None:
        raise Invalid(msg("Cần tham số year."), field="year")
    periods = [{k: (v.isoformat() if isinstance(v, date) else v) for k, v in p.items()}
               for p in plans.default_periods(year)]
    return jsonify({"year": year, "lead_days": plans.DEFAULT_LEAD_DAYS, "periods": periods})


@bp.get("/plans/<int:plan_id>")
@require(ALL_ROLES)
def get_plan(plan_id: int) -> ResponseReturnValue:
    return reply(plans.answer(plans.get(caller(), plan_id)))


@bp.patch("/plans/<int:plan_id>")
@require(policy.EDITORS)
def update_plan(plan_id: int) -> ResponseReturnValue:
    return reply(plans.answer(plans.update(caller(), plan_id, json_body())))


@bp.delete("/plans/<int:plan_id>")
@require(policy.EDITORS)
def delete_plan(plan_id: int) -> ResponseReturnValue:
    plans.delete(caller(), plan_id)
    return "", 204


@bp.get("/deadlines")
@require(ALL_ROLES)
def list_deadlines() -> ResponseReturnValue:
    """Report deadlines of the plans in scope, soonest first."""
    rows = plans.periods(caller(), _day("from"), _day("to"))
    return reply([plans.deadline_answer(p) for p in rows])


@bp.post("/campaigns/<int:cid>/schedule")
@require(schedules.SCHEDULERS)
def schedule_campaign(cid: int) -> ResponseReturnValue:
    """Schedule a campaign's bulletins in rotation; the schedules wait for a second person's approval."""
    made = campaign_schedule.schedule(caller(), cid, json_body(), calendar.today())
    return reply({"campaign_id": cid, "schedules": [schedules.answer(s) for s in made]}, 201)


@bp.get("/calendar")
@require(ALL_ROLES)
def month_calendar() -> ResponseReturnValue:
    raw = request.args.get("month") or calendar.today().strftime("%Y-%m")
    try:
        year, month = (int(x) for x in raw.split("-"))
    except ValueError:
        raise Invalid(msg("month phải dạng YYYY-MM."), field="month") from None
    return jsonify(calendar.month(caller(), year, month, request.args.get("area") or None))


@bp.get("/calendar/upcoming")
@require(ALL_ROLES)
def upcoming() -> ResponseReturnValue:
    """What the dashboard warns about: deadlines within 30 days, campaigns starting soon with no schedule."""
    return jsonify(calendar.upcoming(caller(), calendar.today()))


@bp.get("/languages")
@require(ALL_ROLES)
def list_languages() -> ResponseReturnValue:
    """The languages bulletins may be in: ISO 639-3 code and Vietnamese name."""
    return jsonify([{"code": c, "name": n} for c, n in languages.choices()])
