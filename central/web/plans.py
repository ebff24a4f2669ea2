"""Plans (kế hoạch) and categories (chủ đề): lists, a plan's themes, report periods, targets and campaigns."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from central import auth
from central.errors import CentralError, Forbidden
from central.services import campaigns as campaigns_service
from central.services import categories as categories_service
from central.services import plans as service

from ..words import Role
from . import bp, queries
from .context import flash_error, form_list, may, me, roles

EDITING = (Role.EDITOR,)  # and admins (``may`` lets admins through)


def must(*names: str) -> None:
    """Refuse a form sent by someone whose role may only read the page."""
    if not may(names):
        raise Forbidden(_("Vai trò của bạn chỉ được xem trang này."))


def _plan_fields(form: Any) -> dict[str, Any]:
    return {"year": form.get("year", "").strip(), "title": form.get("title", ""),
            "issuer": form.get("issuer", ""), "number": form.get("number", ""),
            "issued_on": form.get("issued_on") or None, "description": form.get("description", ""),
            "themes": form_list("themes")}


def _rows(form: Any, *names: str) -> list[dict[str, str]]:
    """Rows of a table of inputs named ``name`` each (one value per row), without the blank ones."""
    columns = [form.getlist(n) for n in names]
    rows = [dict(zip(names, values, strict=False)) for values in zip(*columns, strict=False)]
    return [r for r in rows if any(v.strip() for v in r.values())]


def periods_from_form(form: Any) -> list[dict[str, Any]]:
    return [{"code": r["p_code"].strip(), "name": r["p_name"], "starts_on": r["p_start"],
             "ends_on": r["p_end"], "deadline": r["p_deadline"]}
            for r in _rows(form, "p_code", "p_name", "p_start", "p_end", "p_deadline")]


def targets_from_form(form: Any) -> list[dict[str, Any]]:
    out = []
    for r in _rows(form, "t_category", "t_period", "t_min"):
        if not r["t_category"] and not r["t_min"].strip():
            continue
        n = r["t_min"].strip()
        out.append({"category": r["t_category"], "period": r["t_period"] or None,
                    "min_bulletins": int(n) if n.isdigit() else -1})
    return out


@bp.route("/plans", methods=["GET", "POST"])
def plans() -> Any:
    user = me()
    if request.method == "POST":
        must(*EDITING)
        try:
            plan = service.create(user, _plan_fields(request.form))
        except CentralError as exc:
            flash_error(exc)
        else:
            flash(_("Đã tạo kế hoạch. Kiểm tra các kỳ báo cáo và hạn nộp bên dưới."), "success")
            return redirect(url_for("web.plan_detail", plan_id=plan.id))
    rows = service.listing(user)
    return render_template("web/plans.html", rows=rows, categories=queries.category_choices(),
                           form=request.form, this_year=date.today().year)


@bp.route("/plans/<int:plan_id>", methods=["GET", "POST"])
def plan_detail(plan_id: int) -> Any:
    user = me()
    plan = service.get(user, plan_id)
    if request.method == "POST":
        must(*EDITING)
        try:
            _save_plan(user, plan_id, request.form)
        except CentralError as exc:
            flash_error(exc)
        else:
            flash(_("Đã lưu kế hoạch."), "success")
            return redirect(url_for("web.plan_detail", plan_id=plan_id))
        plan = service.get(user, plan_id)
    body = service.answer(plan)
    return render_template("web/plan_detail.html", plan=plan, body=body, categories=queries.category_choices(),
                           campaigns=campaigns_service.listing(user, plan=plan_id),
                           editable=may(EDITING) and auth.in_scope(user, plan.area_id))


def _save_plan(user: Any, plan_id: int, form: Any) -> None:
    if form.get("what") == "periods":
        service.update(user, plan_id, {"periods": periods_from_form(form), "targets": targets_from_form(form)})
        return
    service.update(user, plan_id, _plan_fields(form))


@bp.route("/plans/<int:plan_id>/delete", methods=["POST"])
@roles(*EDITING)
def plan_delete(plan_id: int) -> Any:
    try:
        service.delete(me(), plan_id)
    except CentralError as exc:
        flash_error(exc)
        return redirect(url_for("web.plan_detail", plan_id=plan_id))
    flash(_("Đã xóa kế hoạch; các đợt tuyên truyền của nó vẫn còn."), "success")
    return redirect(url_for("web.plans"))


# --- categories ----------------------------------------------------------------------------


@bp.route("/categories", methods=["GET", "POST"])
def categories() -> Any:
    user = me()
    if request.method == "POST":
        must(Role.ADMIN)
        try:
            _save_category(user, request.form)
        except CentralError as exc:
            flash_error(exc)
        else:
            flash(_("Đã lưu chủ đề."), "success")
            return redirect(url_for("web.categories"))
    return render_template("web/categories.html", rows=categories_service.listing(include_inactive=True))


def _save_category(user: Any, form: Any) -> None:
    data = {"code": form.get("code", ""), "name": form.get("name", ""), "name_en": form.get("name_en", "")}
    cid = form.get("id", "")
    if not cid.isdigit():
        categories_service.create(user, data)
        return
    data["active"] = form.get("active") == "1"
    categories_service.update(user, int(cid), data)
