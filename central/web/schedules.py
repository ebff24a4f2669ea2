"""Schedules: the four operator forms with several times a day, targets, tier, validity, and a
preview of the occurrences each target station will play, before anything is saved."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from central.errors import CentralError, Invalid
from central.models import Schedule, ScheduleTarget, utcnow
from central.services import languages, manifests, timeline
from central.services import programmes as programmes_service
from central.services import schedules as service
from playlists import rules
from playlists.errors import ScheduleError
from playlists.words import Approval

from ..words import Role
from . import bp, paging, queries
from .context import flash_error, form_list, me, roles
from .programmes import relay_choices, relay_from_form

FORMS = (("once", _l("Một lần")), ("daily", _l("Hằng ngày trong khoảng")),
         ("weekly", _l("Hằng tuần vào các thứ")), ("monthly", _l("Hằng tháng vào các ngày")))
WEEKDAYS = (("MO", _l("Thứ Hai")), ("TU", _l("Thứ Ba")), ("WE", _l("Thứ Tư")), ("TH", _l("Thứ Năm")),
            ("FR", _l("Thứ Sáu")), ("SA", _l("Thứ Bảy")), ("SU", _l("Chủ Nhật")))
PREVIEW_DAYS = 14
PREVIEW_STATIONS = 30


def repeat_from_form(form: Any) -> dict[str, Any]:
    """The schedules service's ``repeat`` object from the page's fields."""
    kind = form.get("rule_kind", "once")
    repeat: dict[str, Any] = {"form": kind, "times": form_list("times"),
                              "first_day": form.get("first_day", ""),
                              "last_day": form.get("last_day", "") or None}
    if kind == "weekly":
        repeat["weekdays"] = form_list("weekdays")
    if kind == "monthly":
        try:
            repeat["days"] = [int(x) for x in form.get("days", "").replace(" ", "").split(",") if x]
        except ValueError:
            raise Invalid(_("Ngày trong tháng phải là các số cách nhau bởi dấu phẩy, ví dụ 1, 15.")) from None
    return repeat


def data_from_form(form: Any) -> dict[str, Any]:
    content = form.get("content", "")
    kind, _sep, ident = content.partition(":")
    if kind not in ("b", "p", "r") or not ident.isdigit():
        raise Invalid(_("Hãy chọn một bản tin đã duyệt, một chương trình hoặc một nguồn tiếp sóng."))
    what: dict[str, Any] = {"bulletin_id": int(ident)} if kind == "b" else {"playlist_id": int(ident)}
    if kind == "r":  # a single relay: the source chosen in the content list, its fields below it
        what = {"relay": relay_from_form({**form.to_dict(), "relay_src": ident}, "")}
    data: dict[str, Any] = {
        **what,
        "title": form.get("title", "").strip(),
        "repeat": repeat_from_form(form),
        "priority": form.get("priority", "normal"),
        "targets": {"areas": form_list("areas"),
                    "stations": [int(x) for x in form_list("stations") if x.isdigit()]},
        "valid_from": form.get("valid_from") or None,
        "valid_until": form.get("valid_until") or None,
    }
    if form.get("grace_min", "").strip():
        if not form["grace_min"].strip().isdigit():
            raise Invalid(_("Thời gian chờ tối đa phải là số phút."))
        data["grace_s"] = int(form["grace_min"]) * 60
    return data


def unsaved(user: Any, data: dict[str, Any]) -> tuple[Schedule, set[int]]:
    return service.unsaved(user, data)


def preview(user: Any, s: Schedule, station_ids: set[int]) -> list[dict[str, Any]]:
    """The service's per-station preview of ``s``, each with its slots grouped by local day."""
    rows = timeline.schedule_preview(s, station_ids, PREVIEW_DAYS, PREVIEW_STATIONS)
    return [{**row, "days": by_day(row["slots"])} for row in rows]


def by_day(slots: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The slots grouped under their local day (``dd/mm/yyyy``), in time order: the whole window shows."""
    from .fmt import local_dt

    days: dict[str, list[dict[str, Any]]] = {}
    for sl in slots:
        days.setdefault(local_dt(sl["planned_start"], "%d/%m/%Y"), []).append(sl)
    return list(days.items())


@bp.route("/schedules")
def schedules() -> Any:
    user = me()
    f = {k: request.args.get(k, "").strip() for k in ("status", "q", "campaign", "category", "language", "day")}
    rows = service.listing(user, status=f["status"] or None)
    try:
        rows = search(rows, f, paging.day_arg("day"))
    except CentralError as exc:
        flash_error(exc)
    page = paging.paginate(rows)
    return render_template("web/schedules.html", rows=[service.answer(s) for s in page.rows], page=page,
                           status=f["status"], f=f, campaigns=queries.campaign_choices(user),
                           categories=queries.category_choices(), languages=languages.choices())


def search(rows: list[Schedule], f: dict[str, str], day: Any) -> list[Schedule]:
    """Schedules whose title (or content's) has ``q``, of a campaign, theme or language, airing on ``day``."""
    if f["q"]:
        rows = [s for s in rows if paging.contains(f["q"], s.title, s.bulletin.title if s.bulletin is not None else None,
                                                   s.playlist.name if s.playlist is not None else None)]
    for key, attr in (("campaign", "campaign_id"), ("language", "language")):
        if f[key]:
            rows = [s for s in rows if s.bulletin_id and str(getattr(s.bulletin, attr)) == f[key]]
    if f["category"]:
        rows = [s for s in rows if s.bulletin is not None and s.bulletin.category is not None
                and s.bulletin.category.code == f["category"]]
    if day is not None:
        lo, hi = paging.day_bounds(day)
        rows = [s for s in rows if _airs(s, lo, hi)]
    return rows


def _airs(s: Schedule, lo: Any, hi: Any) -> bool:
    try:
        return bool(rules.occurrences(service.to_model(s), lo, hi))
    except ScheduleError:
        return False


def _choices(user: Any) -> dict[str, Any]:
    return {
        "bulletins": queries.approved_bulletins(user),
        "playlists": programmes_service.listing(user),
        **relay_choices(user),
        "areas": queries.area_tree(user),
        "stations": queries.station_choices(user),
        "forms": FORMS, "weekdays": WEEKDAYS,
    }


@bp.route("/schedules/new", methods=["GET", "POST"])
@roles(Role.EDITOR, Role.APPROVER)
def schedule_new() -> Any:
    user = me()
    form = request.form if request.method == "POST" else _defaults()
    previews = None
    if request.method == "POST":
        try:
            data = data_from_form(form)
            if form.get("action") == "save":
                s = service.create(user, data)
                flash(_("Đã lưu lịch phát; lịch cần một người duyệt khác trước khi phát.")
                      if s.status == Approval.SUBMITTED else _("Đã lưu lịch phát."), "success")
                return redirect(url_for("web.schedule_detail", schedule_id=s.id))
            previews = preview(user, *unsaved(user, data))
        except CentralError as exc:
            flash_error(exc)
    return render_template("web/schedule_new.html", form=form, previews=previews, preview_days=PREVIEW_DAYS,
                           multi=request.form if request.method == "POST" else None,
                           **_choices(user))


def _defaults() -> dict[str, Any]:
    today = utcnow().date()
    pre = {"rule_kind": "daily", "first_day": today.isoformat(),
           "last_day": (today + timedelta(days=30)).isoformat(), "priority": "normal"}
    if request.args.get("bulletin", "").isdigit():
        pre["content"] = f"b:{request.args['bulletin']}"
    elif request.args.get("playlist", "").isdigit():
        pre["content"] = f"p:{request.args['playlist']}"
    return pre


@bp.route("/schedules/<int:schedule_id>")
def schedule_detail(schedule_id: int) -> Any:
    user = me()
    s = service.get(user, schedule_id)
    d = service.answer(s)
    targets = list(ScheduleTarget.select().where(ScheduleTarget.schedule == s))
    station_ids = manifests.stations_for_schedule(s)
    try:
        previews = preview(user, s, station_ids)
    except CentralError as exc:
        flash_error(exc)
        previews = []
    return render_template("web/schedule_detail.html", s=s, d=d, targets=targets, previews=previews,
                           preview_days=PREVIEW_DAYS,
                           own=s.created_by_id == user.id, history=queries.history("Schedule", schedule_id))


@bp.route("/schedules/<int:schedule_id>/<any(submit, approve, reject, delete, pause, resume):action>",
          methods=["POST"])
def schedule_action(schedule_id: int, action: str) -> Any:
    user = me()
    try:
        if action == "submit":
            service.submit(user, schedule_id)
        elif action == "approve":
            service.approve(user, schedule_id)
        elif action == "reject":
            service.reject(user, schedule_id, request.form.get("reason", ""))
        elif action == "delete":
            service.delete(user, schedule_id)
            flash(_("Đã xóa lịch phát."), "success")
            return redirect(url_for("web.schedules"))
        else:
            service.update(user, schedule_id, {"active": action == "resume"})
    except CentralError as exc:
        flash_error(exc)
    else:
        flash(_("Đã cập nhật lịch phát."), "success")
    return redirect(url_for("web.schedule_detail", schedule_id=schedule_id))
