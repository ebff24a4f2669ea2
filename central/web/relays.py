"""Relay sources (nguồn tiếp sóng): list, add, and the two-person workflow, with disable at once."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from central.errors import CentralError
from central.services import relays as service
from central.words import Role

from . import bp, review
from .context import flash_error, me, roles


@bp.route("/relays", methods=["GET", "POST"])
@roles(Role.EDITOR, Role.APPROVER)
def relays() -> Any:
    user = me()
    if request.method == "POST":
        try:
            r = service.create(user, {"name": request.form.get("name"), "url": request.form.get("url"),
                                      "note": request.form.get("note"),
                                      "submit": request.form.get("submit") == "1"})
        except CentralError as exc:
            flash_error(exc)
        else:
            flash(_("Đã thêm nguồn tiếp sóng. Cần một người duyệt khác trước khi đài dùng được."), "success")
            return redirect(url_for("web.relays", _anchor=f"r{r.id}"))
    return render_template("web/relays.html", rows=service.listing(user), user_id=user.id,
                           form=request.form if request.method == "POST" else {})


@bp.route("/relays/<int:rid>/<any(submit, approve, reject, disable):action>", methods=["POST"])
@roles(Role.EDITOR, Role.APPROVER)
def relay_action(rid: int, action: str) -> Any:
    done = {"submit": _("Đã gửi duyệt."), "approve": _("Đã duyệt nguồn tiếp sóng."),
            "reject": _("Đã từ chối nguồn tiếp sóng."),
            "disable": _("Đã tắt nguồn tiếp sóng: các đài ngừng tiếp sóng nguồn này ở lần đồng bộ tới.")}
    return review.act(service, rid, action, done, url_for("web.relays", _anchor=f"r{rid}"),
                      reasoned=("reject", "disable"))
