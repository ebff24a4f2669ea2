"""Stations: list with health, detail (heartbeat, clock, cache, timeline, plays), enrollment codes, revocation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from central.errors import CentralError
from central.models import Heartbeat, PlayLog, Station, utcnow
from central.services import enrollment, presence
from central.services import stations as service

from ..words import Role, StationState
from . import bp, paging, queries
from .context import error_text, flash_error, me, roles


@bp.route("/stations")
def stations() -> Any:
    user = me()
    state, q, area = (request.args.get(k, "").strip() for k in ("state", "q", "area"))
    try:
        rows = service.health_rows(user, area or None)
    except CentralError as exc:
        flash_error(exc)
        rows = []
    if state:
        rows = [r for r in rows if r.state == state]
    if q:
        rows = [r for r in rows if paging.contains(q, r.name, r.area_name)]
    page = paging.paginate(rows)
    return render_template("web/stations.html", rows=page.rows, page=page, state=state, states=tuple(StationState), q=q, area=area,
                           areas=queries.area_choices(user), new_code=None)


@bp.route("/stations/<int:station_id>")
def station_detail(station_id: int) -> Any:
    user = me()
    station = service.visible(user, station_id)
    h = service.row(station)
    beat = (Heartbeat.select().where(Heartbeat.station == station)
            .order_by(Heartbeat.received_at.desc()).first())
    plays = list(PlayLog.select().where(PlayLog.station == station)
                 .order_by(PlayLog.started_at.desc(nulls="LAST"), PlayLog.id.desc()).limit(20))
    days = min(max(int(request.args.get("days", "2") or 2), 1), 14)
    slots, timeline_error = _timeline(user, station, days)
    ids = {p.bulletin_id for p in plays} | {i.get("bulletin_id") for sl in slots for i in sl["items"]}
    titles = queries.bulletin_titles({i for i in ids if i is not None})
    return render_template("web/station_detail.html", s=station, h=h, beat=beat, plays=plays,
                           slots=slots, timeline_error=timeline_error, days=days, titles=titles,
                           outages=presence.outages(station, 20))


def _timeline(user: Any, station: Station, days: int) -> tuple[list[dict[str, Any]], str | None]:
    """The station's coming slots, computed by the timeline service exactly as the station does."""
    from central.services import timeline

    now = utcnow()
    try:
        plan = timeline.station_timeline(user, station.id, now, now + timedelta(days=days), now=now)
    except CentralError as exc:
        return [], error_text(exc)
    return plan["slots"], None


@bp.route("/stations/new", methods=["POST"])
@roles(Role.ADMIN)
def station_new() -> Any:
    try:
        station, code = enrollment.register(me(), request.form.get("area", ""),
                                            request.form.get("name", ""))
    except CentralError as exc:
        flash_error(exc)
        return redirect(url_for("web.stations"))
    flash(_("Đã đăng ký đài. Mã đăng ký chỉ hiện một lần: %(code)s", code=code), "success")
    return redirect(url_for("web.station_detail", station_id=station.id))


@bp.route("/stations/<int:station_id>/code", methods=["POST"])
@roles(Role.ADMIN)
def station_code(station_id: int) -> Any:
    station = service.visible(me(), station_id)
    code = enrollment.issue_code(me(), station)
    flash(_("Mã đăng ký mới (chỉ hiện một lần): %(code)s", code=code), "success")
    return redirect(url_for("web.station_detail", station_id=station_id))


@bp.route("/stations/<int:station_id>/speaker-test", methods=["POST"])
@roles(Role.APPROVER, Role.OPERATOR)
def station_speaker_test(station_id: int) -> Any:
    station = service.visible(me(), station_id)
    service.request_speaker_test(me(), station)
    flash(_("Đã yêu cầu thử loa. Đài sẽ phát tín hiệu thử khi nhận lịch mới (trong vòng một phút nếu có kết nối)."),
          "success")
    return redirect(url_for("web.station_detail", station_id=station_id) + "#sound")


@bp.route("/stations/<int:station_id>/revoke", methods=["POST"])
@roles(Role.ADMIN, Role.APPROVER)
def station_revoke(station_id: int) -> Any:
    station = service.visible(me(), station_id)
    try:
        enrollment.revoke(me(), station)
    except CentralError as exc:
        flash_error(exc)
    else:
        flash(_("Đã thu hồi mã của %(name)s. Đài sẽ bị từ chối ở lần liên lạc tới và cần đăng ký lại "
                "bằng mã mới.", name=station.name), "success")
    return redirect(url_for("web.station_detail", station_id=station_id))
