"""Chimes and jingles (nhạc hiệu): list, upload, listen, and the two-person workflow."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from audio_library import AudioError
from central.config import settings
from central.errors import CentralError
from central.services import chimes as service

from ..words import Role
from . import bp, queries, review
from .context import error_text, flash_error, me, roles


@bp.route("/chimes", methods=["GET", "POST"])
@roles(Role.EDITOR, Role.APPROVER)
def chimes() -> Any:
    user = me()
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            c = service.create_uploaded(user, upload.read() if upload else b"",
                                        upload.filename if upload else None, request.form,
                                        queries.data_dir(), ffmpeg=settings().ffmpeg)
        except CentralError as exc:
            flash_error(exc)
        except AudioError as exc:
            flash(_("Không dùng được âm thanh: %(why)s", why=error_text(exc)), "error")
        else:
            flash(_("Đã tải nhạc hiệu lên. Hãy nghe lại rồi gửi duyệt."), "success")
            return redirect(url_for("web.chimes", _anchor=f"c{c.id}"))
    return render_template("web/chimes.html", rows=service.listing(user), user_id=user.id)


@bp.route("/chimes/<int:cid>/audio")
def chime_audio(cid: int) -> Any:
    """The chime's audio for the page's player; only for people who may see the chime."""
    return queries.private_audio(service.get(me(), cid).asset)


@bp.route("/chimes/<int:cid>/<any(submit, approve, reject, withdraw):action>", methods=["POST"])
def chime_action(cid: int, action: str) -> Any:
    done = {"submit": _("Đã gửi duyệt."), "approve": _("Đã duyệt nhạc hiệu."),
            "reject": _("Đã từ chối nhạc hiệu."), "withdraw": _("Đã thu hồi nhạc hiệu.")}
    return review.act(service, cid, action, done, url_for("web.chimes", _anchor=f"c{cid}"), reasoned=("reject",))
