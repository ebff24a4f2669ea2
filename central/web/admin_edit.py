"""Day-to-day administration: edit, deactivate and reset people; set a station's volume, quiet hours and
whether it is active (the station gets them at its next sync: the change bumps its manifest)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from central.errors import CentralError, Conflict, Invalid
from central.models import ROLES
from central.services import stations as stations_service
from central.services import users as users_service

from ..words import Role
from . import bp, queries
from .context import flash_error, me, roles


@bp.route("/admin/users/<int:uid>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def user_edit(uid: int) -> Any:
    user = users_service.editable(me(), uid)
    if request.method == "POST":
        f = request.form
        area = f.get("area") or None
        try:
            users_service.update(me(), uid, {"full_name": f.get("full_name", ""), "role": f.get("role", ""),
                                             "area": area, "active": f.get("active") == "1"})
        except (Invalid, Conflict) as exc:  # a person or an area outside the scope is a 404 page
            flash_error(exc)
        else:
            flash(_("Đã lưu tài khoản %(n)s.", n=user.name), "success")
            return redirect(url_for("web.user_edit", uid=uid))
    return render_template("web/user_edit.html", u=user, roles=ROLES, areas=queries.area_choices(me()),
                           reset=None)


@bp.route("/admin/users/<int:uid>/reset", methods=["POST"])
@roles(Role.ADMIN)
def user_reset(uid: int) -> Any:
    """A new generated password, shown on this page once (never stored in clear, never sent again)."""
    user, password = users_service.reset_password(me(), uid)
    return render_template("web/user_edit.html", u=user, roles=ROLES, areas=queries.area_choices(me()),
                           reset=password)


# --- station settings ------------------------------------------------------------------------


def settings_from_form(form: Any) -> dict[str, Any]:
    """The stations service's settings from the page: volume 0–100, quiet hours or none, active."""
    volume = form.get("volume", "").strip()
    if not volume.isdigit():
        raise Invalid(_("Âm lượng phải là số từ 0 đến 100."))
    start, end = form.get("quiet_start", "").strip(), form.get("quiet_end", "").strip()
    if bool(start) != bool(end):
        raise Invalid(_("Giờ yên lặng cần cả giờ bắt đầu và giờ kết thúc, hoặc để trống cả hai."))
    return {"volume": int(volume), "quiet_hours": {"start": start, "end": end} if start else None,
            "active": form.get("active") == "1"}


@bp.route("/stations/<int:station_id>/settings", methods=["POST"])
@roles(Role.EDITOR, Role.OPERATOR)
def station_settings(station_id: int) -> Any:

    station = stations_service.visible(me(), station_id)
    try:
        stations_service.update_settings(me(), station, settings_from_form(request.form))
    except CentralError as exc:
        flash_error(exc)
    else:
        flash(_("Đã lưu cài đặt; đài nhận ở lần đồng bộ tới."), "success")
    return redirect(url_for("web.station_detail", station_id=station_id) + "#station-settings")
