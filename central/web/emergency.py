"""Emergency broadcast: choose (standing alert or bulletin, LIVE or TEST, targets), review, confirm
(approvers only), then watch time-to-air per station; stop, all-clear, area-wide stop.

Every decision and every word of the status table ("delivered", "sounding", "late") lives in
``services.emergencies``; these views only parse forms and render.
"""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from central.errors import CentralError, Invalid
from central.services import emergencies as service
from central.services import schedules as schedules_service
from central.services import standing_alerts

from ..words import EmergencyMode, Role
from . import bp, queries
from .context import flash_error, form_list, me, roles

HOURS = (1, 2, 6, 24)
PLAY_BY = (5, 15, 30, 60)


def emergency_data(form: Any) -> dict[str, Any]:
    """The service's request body from the form."""
    source = form.get("source", "")
    # the text as it came: the service reads it through the API's shape (a fault names its field)
    data: dict[str, Any] = {"mode": form.get("mode", EmergencyMode.LIVE),
                            "play_by_minutes": form.get("play_by") or "30",
                            "valid_minutes": str(60 * _int(form.get("hours"), 2)),
                            "targets": {"areas": form_list("areas"), "stations": form_list("stations")}}
    if not source and form.get("bulletin", "").isdigit():  # the form's older shape (and scripts using it)
        source = "bulletin:" + form["bulletin"]
    if form.get("title_hint", "").strip():
        data["title"] = form["title_hint"].strip()
    if source.startswith("alert:"):
        data["standing_alert"] = source[6:]
    elif source.startswith("bulletin:") and source[9:].isdigit():
        data["bulletin_id"] = int(source[9:])
    else:
        raise Invalid(_("Hãy chọn cảnh báo soạn sẵn hoặc bản tin cần phát khẩn cấp."))
    return data


def _int(value: Any, default: int) -> int:
    try:
        return max(1, min(int(value), 72))
    except (TypeError, ValueError):
        return default


@bp.route("/emergency", methods=["GET", "POST"])
@roles(Role.APPROVER)
def emergency() -> Any:
    user = me()
    step, review, form = "choose", {}, request.form
    if request.method == "POST":
        try:
            data = emergency_data(form)
            if form.get("step") == "send":
                e = service.create(user, data)
                flash(_("Đã phát lệnh khẩn cấp. Theo dõi tình trạng từng đài bên dưới."), "success")
                return redirect(url_for("web.emergency_status", schedule_id=e.schedule_id))
            review, step = service.review(user, data), "review"
        except CentralError as exc:
            flash_error(exc)
    return render_template("web/emergency.html", step=step, review=review, form=form,
                           alerts=standing_alerts.listing(user, active_only=True),
                           bulletins=queries.approved_bulletins(user), areas=queries.area_tree(user),
                           stations=queries.station_choices(user), hours=HOURS, play_by=PLAY_BY,
                           recent=service.listing(user, 10), running=service.running(user))


@bp.route("/emergency/<int:schedule_id>")
def emergency_status(schedule_id: int) -> Any:
    """One emergency, by its schedule's id (the dashboard links schedules)."""
    user = me()
    e = service.by_schedule(user, schedule_id)
    if e is None:  # an emergency-tier schedule made through the schedules API: no time-to-air record
        return redirect(url_for("web.schedule_detail", schedule_id=schedule_id))
    rows = service.steps(e)
    if request.args.get("format") == "csv":
        name, text = service.steps_csv(e, rows)
        return Response(text, mimetype="text/csv", headers={"Content-Disposition": f"attachment; filename={name}"})
    counts = service.counts(rows)
    done = service.over(e) or (bool(rows) and counts["sounding"] == counts["station_count"])
    return render_template("web/emergency_status.html", e=e, rows=rows, counts=counts, done=done,
                           late_minutes=service.late_minutes(), running=not service.over(e))


@bp.route("/emergency/<int:schedule_id>/<any(stop, 'all-clear'):action>", methods=["POST"])
@roles(Role.APPROVER)
def emergency_action(schedule_id: int, action: str) -> Any:
    user = me()
    try:
        e = service.by_schedule(user, schedule_id)
        if e is None:
            schedules_service.delete(user, schedule_id)  # an emergency schedule without a record: end it as before
            return redirect(url_for("web.emergency"))
        if action == "stop":
            service.stop(user, e.id)
            flash(_("Đã dừng phát khẩn cấp trên mọi đài."), "success")
            return redirect(url_for("web.emergency_status", schedule_id=schedule_id))
        clear = service.all_clear(user, e.id)
        flash(_("Đã dừng cảnh báo và phát thông báo báo yên."), "success")
        return redirect(url_for("web.emergency_status", schedule_id=clear.schedule_id))
    except CentralError as exc:
        flash_error(exc)
        return redirect(url_for("web.emergency_status", schedule_id=schedule_id))


@bp.route("/emergency/stop-area", methods=["POST"])
@roles(Role.APPROVER)
def emergency_stop_area() -> Any:
    try:
        stopped, left = service.stop_area(me(), request.form.get("area", ""))
        flash(_("Đã dừng %(n)s lệnh khẩn cấp trong đơn vị.", n=len(stopped)), "success")
        if left:
            flash(_("%(n)s lệnh do cấp trên phát; chỉ cấp trên dừng được.", n=len(left)), "warning")
    except CentralError as exc:
        flash_error(exc)
    return redirect(url_for("web.emergency"))


@bp.route("/emergency/alerts", methods=["GET", "POST"])
@roles(Role.APPROVER)
def standing_alert_list() -> Any:
    user = me()
    if request.method == "POST":
        try:
            form = request.form
            if form.get("id", "").isdigit():
                standing_alerts.update(user, int(form["id"]), {"active": form.get("active") == "1"})
            else:
                standing_alerts.create(user, {"key": form.get("key"), "name": form.get("name"),
                                              "bulletin_id": form.get("bulletin"), "area": form.get("area")})
            flash(_("Đã lưu cảnh báo soạn sẵn."), "success")
            return redirect(url_for("web.standing_alert_list"))
        except CentralError as exc:
            flash_error(exc)
    return render_template("web/standing_alerts.html", alerts=standing_alerts.listing(user),
                           bulletins=queries.approved_bulletins(user), areas=queries.area_tree(user))
