"""Programmes (chương trình): an ordered list of bulletins, chimes and pauses with its total duration.

The editor needs no script: each row has a position number, a kind and its bulletin, chime or pause
length; rows are saved in position order and blank rows are dropped, so reordering is typing numbers.
A change to a programme that a schedule plays waits for a second person: the page shows it beside
what airs, and approvers decide on it here or on the approvals page.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from audio_library import AudioError
from central.errors import CentralError, Invalid
from central.services import chimes as chimes_service
from central.services import programmes as service
from playlists.words import Approval

from ..words import Role
from . import bp, paging, queries
from .context import error_text, flash_error, me, roles

BLANK_ROWS = 3


def items_from_form(form: Any) -> list[dict[str, Any]]:
    """Rows ``kind_N``/``bulletin_N``/``pause_N``/``pos_N`` → the service's item list, in position order."""
    rows = []
    for key in form:
        if not key.startswith("kind_"):
            continue
        n = key.removeprefix("kind_")
        kind = form.get(key, "")
        if not kind:
            continue
        try:
            pos = float(form.get(f"pos_{n}") or 999)
        except ValueError:
            raise Invalid(_("Thứ tự phải là số.")) from None
        item: dict[str, Any] = {"kind": kind}
        if kind == "bulletin":
            bid = form.get(f"bulletin_{n}", "")
            if not bid.isdigit():
                raise Invalid(_("Hàng %(n)s: hãy chọn bản tin.", n=n))
            item["bulletin_id"] = int(bid)
        elif kind == "chime" and form.get(f"chime_{n}", "").isdigit():
            item["chime_id"] = int(form[f"chime_{n}"])  # blank: the house chime
        elif kind == "pause":
            try:
                item["duration_ms"] = int(float(form.get(f"pause_{n}") or 0) * 1000)
            except ValueError:
                raise Invalid(_("Hàng %(n)s: khoảng lặng tính bằng giây.", n=n)) from None
        elif kind == "relay":
            item.update(relay_from_form(form, f"_{n}", n))
            item["relay_source_id"] = item.pop("source_id")
        rows.append((pos, int(n) if n.isdigit() else 0, item))
    return [item for _pos, _n, item in sorted(rows, key=lambda r: (r[0], r[1]))]


def relay_from_form(form: Any, suffix: str, n: str = "1") -> dict[str, Any]:
    """``relay_src{suffix}``, ``relay_min{suffix}``, ``relay_gap{suffix}``, ``relay_fb{suffix}`` → the relay form."""
    src = form.get(f"relay_src{suffix}", "")
    if not src.isdigit():
        raise Invalid(_("Hàng %(n)s: hãy chọn nguồn tiếp sóng đã duyệt.", n=n))
    try:
        minutes = float(form.get(f"relay_min{suffix}") or 0)
        gap = int(form.get(f"relay_gap{suffix}") or 15)
    except ValueError:
        raise Invalid(_("Hàng %(n)s: thời lượng tiếp sóng tính bằng phút.", n=n)) from None
    fb_kind, _sep, fb_id = form.get(f"relay_fb{suffix}", "").partition(":")
    fallback = None
    if fb_kind in ("b", "p") and fb_id.isdigit():
        fallback = {"bulletin_id" if fb_kind == "b" else "playlist_id": int(fb_id)}
    return {"source_id": int(src), "duration_ms": int(minutes * 60_000), "max_gap_s": gap, "fallback": fallback}


def relay_choices(user: Any) -> dict[str, Any]:
    """What a relay row offers: approved sources, and approved bulletins or programmes as fallback."""
    from central.services import relays

    return {"relay_sources": relays.listing(user, status=Approval.APPROVED),
            "fallback_bulletins": queries.approved_bulletins(user),
            "fallback_playlists": service.listing(user)}


@bp.route("/playlists")
def programmes() -> Any:
    q = request.args.get("q", "").strip()
    found = [p for p in service.listing(me()) if not q or paging.contains(q, p.name, p.description)]
    page = paging.paginate(found)
    return render_template("web/programmes.html", rows=[service.answer(p) for p in page.rows], page=page, q=q)


@bp.route("/playlists/new", methods=["GET", "POST"])
@roles(Role.EDITOR)
def programme_new() -> Any:
    return _edit(None)


@bp.route("/playlists/<int:programme_id>", methods=["GET", "POST"])
def programme_detail(programme_id: int) -> Any:
    return _edit(programme_id)


def _edit(programme_id: int | None) -> Any:
    user = me()
    current = service.answer(service.get(user, programme_id)) if programme_id is not None else None
    if request.method == "POST":
        try:
            data = {"name": request.form.get("name", ""), "description": request.form.get("description", ""),
                    "items": items_from_form(request.form)}
            if programme_id is None:
                p = service.create(user, data, queries.data_dir())
            else:
                p = service.update(user, programme_id, data, queries.data_dir())
        except CentralError as exc:
            flash_error(exc)
        except AudioError as exc:  # the house chime could not be made
            flash(_("Không dùng được âm thanh: %(why)s", why=error_text(exc)), "error")
        else:
            if service.pending(p) is not None:
                flash(_("Đã lưu. Lịch phát đang dùng chương trình này, nên thay đổi nội dung chờ một "
                        "người duyệt khác; trong lúc chờ, nội dung đã duyệt vẫn được phát."), "success")
            else:
                flash(_("Đã lưu chương trình."), "success")
            return redirect(url_for("web.programme_detail", programme_id=p.id))
    shown = (current.pending or current) if current else None  # edit on from the waiting change
    items = shown.items if shown else []
    return render_template("web/programme_edit.html", p=current, items=items,
                           blanks=range(len(items), len(items) + BLANK_ROWS),
                           bulletins=service_bulletins(user), chimes=approved_chimes(user),
                           user_name=user.name, **relay_choices(user))


def service_bulletins(user: Any) -> list[Any]:
    """Bulletins a programme may hold: approved ones, and submitted ones awaiting approval."""
    from central.services import bulletins

    return [b for b in bulletins.listing(user) if b.status in (Approval.APPROVED, Approval.SUBMITTED)]


def approved_chimes(user: Any) -> list[Any]:
    """Chimes a programme may name besides the house chime: approved ones only."""
    return [c for c in chimes_service.listing(user, status=Approval.APPROVED) if not c.builtin]


@bp.route("/playlists/<int:programme_id>/<any(approve, reject):action>", methods=["POST"])
@roles(Role.APPROVER)
def programme_decide(programme_id: int, action: str) -> Any:
    """Approve or reject a programme's waiting change (never one's own)."""
    try:
        if action == "approve":
            service.approve(me(), programme_id)
            flash(_("Đã duyệt thay đổi chương trình; các đài nhận ở lần đồng bộ tới."), "success")
        else:
            service.reject(me(), programme_id, request.form.get("reason", ""))
            flash(_("Đã từ chối thay đổi; chương trình đã duyệt vẫn được phát."), "success")
    except CentralError as exc:
        flash_error(exc)
    if request.form.get("back") == "approvals":
        return redirect(url_for("web.approvals"))
    return redirect(url_for("web.programme_detail", programme_id=programme_id))
