"""Campaigns (đợt tuyên truyền): list, edit, "schedule this campaign" in one action, and the month calendar."""

from __future__ import annotations

import calendar as cal
from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from central import auth
from central.errors import CentralError, Invalid
from central.services import bulletins as bulletins_service
from central.services import calendar as calendar_service
from central.services import campaign_schedule
from central.services import campaigns as service
from central.services import plans as plans_service

from ..words import Role
from . import bp, queries
from .context import flash_error, form_list, may, me
from .plans import EDITING, must

SCHEDULING = (Role.EDITOR, Role.APPROVER)


def _campaign_fields(form: Any) -> dict[str, Any]:
    return {"name": form.get("name", ""), "starts_on": form.get("starts_on", ""),
            "ends_on": form.get("ends_on", ""), "category": form.get("category") or None,
            "description": form.get("description", ""), "plan_id": form.get("plan_id") or None}


def _plan_choices(user: Any) -> list[tuple[int, str]]:
    return [(p.id, f"{p.year} · {p.number or '…'} · {p.title[:80]}") for p in plans_service.listing(user)]


@bp.route("/campaigns", methods=["GET", "POST"])
def campaigns() -> Any:
    user = me()
    if request.method == "POST":
        must(*EDITING)
        try:
            c = service.create(user, _campaign_fields(request.form))
        except CentralError as exc:
            flash_error(exc)
        else:
            flash(_("Đã tạo đợt tuyên truyền."), "success")
            return redirect(url_for("web.campaign_detail", cid=c.id))
    plan = request.args.get("plan", "")
    rows = service.listing(user, plan=int(plan) if plan.isdigit() else None)
    rows.sort(key=lambda c: (c.starts_on, c.id), reverse=True)
    return render_template("web/campaigns.html", rows=rows, plan=plan, plans=_plan_choices(user),
                           categories=queries.category_choices(), form=request.form)


@bp.route("/campaigns/<int:cid>", methods=["GET", "POST"])
def campaign_detail(cid: int) -> Any:
    user = me()
    c = service.get(user, cid)
    if request.method == "POST":
        must(*EDITING)
        try:
            service.update(user, cid, _campaign_fields(request.form))
        except CentralError as exc:
            flash_error(exc)
        else:
            flash(_("Đã lưu đợt tuyên truyền."), "success")
            return redirect(url_for("web.campaign_detail", cid=cid))
    # oldest first: the order the rotation plays them in
    bulletins = sorted(bulletins_service.listing(user, campaign=str(cid)), key=lambda b: b.id)
    return render_template("web/campaign_detail.html", c=c, bulletins=bulletins, plans=_plan_choices(user),
                           categories=queries.category_choices(), areas=queries.area_tree(user),
                           stations=queries.station_choices(user),
                           editable=may(EDITING) and auth.in_scope(user, c.area_id),
                           today=calendar_service.today())


@bp.route("/campaigns/<int:cid>/schedule", methods=["POST"])
def campaign_schedule_form(cid: int) -> Any:
    """"Lên lịch cho đợt này": the rotation's schedules, each waiting for a second person's approval."""
    must(*SCHEDULING)
    form = request.form
    data: dict[str, Any] = {
        "times": form_list("times"),
        "targets": {"areas": form_list("areas"), "stations": [int(x) for x in form_list("stations") if x.isdigit()]},
        "bulletin_ids": [int(x) for x in form_list("bulletin_ids") if x.isdigit()],
        "priority": form.get("priority") or "normal",
        **{k: form[k] for k in ("first_day", "last_day") if form.get(k)},  # an empty day is the campaign's own
    }
    try:
        made = campaign_schedule.schedule(me(), cid, data, calendar_service.today())
    except CentralError as exc:
        flash_error(exc)
        return redirect(url_for("web.campaign_detail", cid=cid) + "#schedule")
    flash(_("Đã tạo %(n)s lịch phát xoay vòng; chúng chờ một người khác phê duyệt.", n=len(made)), "success")
    return redirect(url_for("web.schedules"))


# --- calendar ------------------------------------------------------------------------------


def _month_arg(raw: str | None) -> tuple[int, int]:
    if not raw:
        today = calendar_service.today()
        return today.year, today.month
    try:
        year, month = (int(x) for x in raw.split("-"))
    except ValueError:
        raise Invalid(_("Tháng phải dạng YYYY-MM.")) from None
    return year, month


@bp.route("/calendar")
def calendar_month() -> Any:
    user = me()
    year, month = _month_arg(request.args.get("month"))
    area = request.args.get("area", "")
    body = calendar_service.month(user, year, month, area or None)
    by_day = {date.fromisoformat(d["date"]): d["events"] for d in body["days"]}
    weeks = [[(d, by_day.get(d, [])) if d.month == month else (d, None) for d in week]
             for week in cal.Calendar().monthdatescalendar(year, month)]
    prev = (year - 1, 12) if month == 1 else (year, month - 1)
    nxt = (year + 1, 1) if month == 12 else (year, month + 1)
    return render_template("web/calendar.html", weeks=weeks, year=year, month=month, area=area,
                           areas=queries.area_choices(user), today=calendar_service.today(),
                           prev=f"{prev[0]}-{prev[1]:02d}", next=f"{nxt[0]}-{nxt[1]:02d}")


@bp.route("/campaigns/<int:cid>/delete", methods=["POST"])
def campaign_delete(cid: int) -> Any:
    """Delete a campaign that has no bulletins (the service refuses one that has)."""
    must(*EDITING)
    try:
        service.delete(me(), cid)
    except CentralError as exc:
        flash_error(exc)
        return redirect(url_for("web.campaign_detail", cid=cid))
    flash(_("Đã xóa đợt tuyên truyền."), "success")
    return redirect(url_for("web.campaigns"))
