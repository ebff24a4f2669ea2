"""Alerts in the web UI: the bell in the header of every page, the alert list, and each person's subscriptions."""

from __future__ import annotations

from typing import Any

from flask import flash, g, has_request_context, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from central.errors import CentralError
from central.services import alerts as service

from . import bp, queries
from .context import flash_error, me

#: Kinds as people read them (the mail texts stay Vietnamese; the page follows the chosen language)
KIND_LABELS = {
    "offline": _l("Đài mất kết nối"), "plays": _l("Lượt phát không đạt"), "emergency": _l("Khẩn cấp chưa phát"),
    "approval": _l("Chờ duyệt quá lâu"), "deadline": _l("Sắp đến hạn báo cáo"),
    "disk": _l("Đài sắp hết dung lượng"), "clock": _l("Đồng hồ đài không tin cậy"),
}
MODE_LABELS = {"immediate": _l("Gửi ngay"), "digest": _l("Tóm tắt hằng ngày")}


@bp.app_context_processor
def _bell() -> dict[str, Any]:
    """The unread count for the bell (one count per page, only for a logged-in person)."""
    user = me() if has_request_context() else None
    if user is None:
        return {"alert_unread": None}
    if "alert_unread" not in g:
        g.alert_unread = service.unread(user)
    return {"alert_unread": g.alert_unread}


@bp.get("/alerts")
def alerts() -> Any:
    user = me()
    state = request.args.get("state") or "all"
    if state not in ("all", "open", "closed"):
        state = "all"
    mark = service.profile(user).read_up_to
    rows = service.listing(user, state, 200)
    service.mark_read(user)  # opening the page reads the bell
    g.alert_unread = 0
    return render_template("web/alerts.html", rows=[service.answer(a) for a in rows], state=state, mark=mark,
                           kinds=KIND_LABELS)


@bp.route("/alerts/subscriptions", methods=["GET", "POST"])
def alert_subscriptions() -> Any:
    user = me()
    if request.method == "POST":
        try:
            _apply(user, request.form)
        except CentralError as exc:
            flash_error(exc)
        else:
            flash(_("Đã lưu."), "success")
            return redirect(url_for("web.alert_subscriptions"))
    return render_template("web/alert_subscriptions.html", email=service.profile(user).email,
                           subs=[service.subscription_answer(s) for s in service.subscriptions(user)],
                           areas=queries.area_choices(user), kinds=KIND_LABELS, modes=MODE_LABELS)


def _apply(user: Any, form: Any) -> None:
    action = form.get("action")
    if action == "email":
        service.set_email(user, form.get("email", ""))
    elif action == "add":
        service.subscribe(user, form.get("area") or None, form.get("kind", ""), form.get("mode", "immediate"))
    elif action == "remove" and form.get("id", "").isdigit():
        service.unsubscribe(user, int(form["id"]))
