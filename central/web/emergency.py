"""Emergency broadcast: choose, review, confirm (approvers only), then watch delivery per station.

Delivery per target station is read from what the station told us: "manifest applied" means its
applied version has caught up with a manifest built after the emergency was created; "played" is
its play log for the emergency schedule.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from central.errors import CentralError, Invalid
from central.models import PlayLog, Schedule, Station, utcnow
from central.services import manifests
from central.services import schedules as schedules_service
from central.services import stations as stations_service

from . import bp, queries
from .context import flash_error, form_list, me, roles
from .fmt import LOCAL_ZONE

HOURS = (1, 2, 6, 24)


def emergency_data(form: Any) -> dict[str, Any]:
    bid = form.get("bulletin", "")
    if not bid.isdigit():
        raise Invalid(_("Hãy chọn bản tin cần phát khẩn cấp."))
    try:
        hours = int(form.get("hours", "2"))
    except ValueError:
        hours = 2
    now_local = utcnow().astimezone(ZoneInfo(LOCAL_ZONE)).replace(tzinfo=None, microsecond=0)
    until = utcnow() + timedelta(hours=max(1, min(hours, 72)))
    return {
        "bulletin_id": int(bid),
        "title": _("KHẨN CẤP: %(title)s", title=form.get("title_hint", "").strip() or "#" + bid),
        "dtstart": (now_local + timedelta(seconds=5)).isoformat(),
        "rrule": "",
        "timezone": LOCAL_ZONE,
        "priority": "emergency",
        "valid_until": until.isoformat(),
        "targets": {"areas": form_list("areas"),
                    "stations": [int(x) for x in form_list("stations") if x.isdigit()]},
    }


@bp.route("/emergency", methods=["GET", "POST"])
@roles("approver")
def emergency() -> Any:
    user = me()
    step = "choose"
    review: dict[str, Any] = {}
    form = request.form
    if request.method == "POST":
        try:
            data = emergency_data(form)
            if form.get("step") == "send":
                s = schedules_service.create(user, data)
                flash(_("Đã phát lệnh khẩn cấp. Theo dõi tình trạng từng đài bên dưới."), "success")
                return redirect(url_for("web.emergency_status", sid=s.id))
            fields = schedules_service.parse(user, data)
            areas, stations = fields.pop("_targets")
            ids = manifests.stations_under([a.id for a in areas]) | {st.id for st in stations}
            review = {"bulletin": fields["bulletin"], "areas": areas,
                      "stations": list(Station.select().where(Station.id.in_(sorted(ids))).order_by(Station.name)),
                      "hours": form.get("hours", "2")}
            step = "review"
        except CentralError as exc:
            flash_error(exc)
    recent = [s for s in schedules_service.listing(user) if s.priority == "emergency"][:10]
    return render_template("web/emergency.html", step=step, review=review, form=form,
                           bulletins=queries.approved_bulletins(user), areas=queries.area_tree(user),
                           stations=queries.station_choices(user), hours=HOURS, recent=recent)


@bp.route("/emergency/<int:sid>")
def emergency_status(sid: int) -> Any:
    user = me()
    s = schedules_service.get(user, sid)
    rows = delivery(s)
    done = bool(rows) and all(r["played"] for r in rows)
    return render_template("web/emergency_status.html", s=s, rows=rows, done=done)


def delivery(s: Schedule) -> list[dict[str, Any]]:
    """One row per target station: online, manifest applied, and what its play log says."""
    ids = manifests.stations_for_schedule(s)
    logs: dict[int, PlayLog] = {}
    for log in PlayLog.select().where(PlayLog.schedule_id == s.id).order_by(PlayLog.id):
        logs[log.station_id] = log
    now = utcnow()
    rows = []
    for st in Station.select().where(Station.id.in_(sorted(ids))).order_by(Station.name):
        applied = (st.applied_version is not None and st.applied_version >= st.manifest_version
                   and st.manifest_built_at is not None and st.manifest_built_at >= s.created_at)
        log = logs.get(st.id)
        rows.append({"station": st, "online": stations_service.is_online(st, now), "applied": applied,
                     "played": log is not None and log.status in ("completed", "interrupted"),
                     "log": log})
    return rows


@bp.route("/emergency/<int:sid>/stop", methods=["POST"])
@roles("approver")
def emergency_stop(sid: int) -> Any:
    try:
        schedules_service.delete(me(), sid)
    except CentralError as exc:
        flash_error(exc)
        return redirect(url_for("web.emergency_status", sid=sid))
    flash(_("Đã dừng phát khẩn cấp; các đài ngừng ở lần đồng bộ tới."), "success")
    return redirect(url_for("web.emergency"))
