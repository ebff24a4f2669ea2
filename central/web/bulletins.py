"""Bulletins: list with filters, create by upload or TTS, detail with player and history, workflow."""

from __future__ import annotations

import base64
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from audio_library import DEFAULT_CEILING_DBTP, DEFAULT_TARGET_LUFS, AudioError
from central.config import settings
from central.errors import CentralError
from central.services import bulletin_speech, languages
from central.services import bulletins as service
from central.services import schedules as schedules_service
from playlists.words import Approval

from ..words import Role
from . import bp, paging, queries, review
from .context import error_text, flash_error, me, roles

ENGINES = (("auto", _l("Tự động (gTTS, không có mạng thì eSpeak)")),
           ("gtts", _l("gTTS (Google, cần Internet)")), ("espeak", _l("eSpeak NG (ngoại tuyến)")))
VOICES = (("", _l("Mặc định")), ("vi", _l("Giọng Bắc (vi)")), ("vi-vn-x-central", _l("Giọng Trung")),
          ("vi-vn-x-south", _l("Giọng Nam")))
STATUSES = (Approval.DRAFT, Approval.SUBMITTED, Approval.APPROVED, Approval.REJECTED, Approval.WITHDRAWN, Approval.AIRED_LIVE)


@bp.route("/bulletins")
def bulletins() -> Any:
    user = me()
    f = {k: request.args.get(k, "").strip()
         for k in ("status", "category", "campaign", "area", "q", "language", "from", "to")}
    try:
        rows = service.listing(user, status=f["status"] or None, category=f["category"] or None,
                               campaign=f["campaign"] or None)
        under = queries.subtree(f["area"])
        first, last = paging.day_arg("from"), paging.day_arg("to")
    except CentralError as exc:
        flash_error(exc)
        rows, under, first, last = [], None, None, None
    if under is not None:
        rows = [b for b in rows if b.area_id in under]
    if f["q"]:
        rows = [b for b in rows if paging.contains(f["q"], b.title)]
    if f["language"]:
        rows = [b for b in rows if b.language == f["language"]]
    rows = paging.within_days(rows, lambda b: b.created_at, first, last)
    page = paging.paginate(rows)
    return render_template(
        "web/bulletins.html", rows=page.rows, page=page, f=f, statuses=STATUSES,
        categories=queries.category_choices(), campaigns=queries.campaign_choices(me()),
        areas=queries.area_choices(user), languages=languages.choices(),
    )


MODES = ("tts", "record", "upload")


@bp.route("/bulletins/new", methods=["GET", "POST"])
@roles(Role.EDITOR)
def bulletin_new() -> Any:
    form = request.form if request.method == "POST" else _copied(request.args.get("copy", ""))
    if request.method == "POST":
        try:
            b = _create(me(), form)
        except CentralError as exc:
            flash_error(exc)
        except AudioError as exc:  # unreadable upload, or a TTS engine that could not speak
            flash(_("Không dùng được âm thanh: %(why)s", why=error_text(exc)), "error")
        else:
            flash(_("Đã tạo bản nháp. Hãy nghe lại rồi gửi duyệt."), "success")
            return redirect(url_for("web.bulletin_detail", bid=b.id))
    return _new_page(form, status=400 if request.method == "POST" else 200)


def _new_page(form: Any, status: int = 200, preview: Any = None) -> Any:
    mode = form.get("mode") or request.args.get("mode", "tts")
    return render_template(
        "web/bulletin_new.html", form=form, mode=mode if mode in MODES else "tts", preview=preview,
        categories=queries.category_choices(), campaigns=queries.campaign_choices(me()),
        engines=ENGINES, voices=VOICES, languages=languages.choices(),
        max_bytes=settings().max_content_length,
    ), status


@bp.route("/bulletins/new/preview", methods=["POST"])
@roles(Role.EDITOR)
def bulletin_preview() -> Any:
    """Read the form's text aloud without saving: the page again, with the audio and the as-spoken text."""
    form = request.form.to_dict()
    form["text"] = _script(form)
    cfg = settings()
    try:
        preview = bulletin_speech.preview(me(), _speech(form), ffmpeg=cfg.ffmpeg, gtts_host=cfg.gtts_host)
    except CentralError as exc:
        flash_error(exc)
        return _new_page(form, 400)
    except AudioError as exc:
        flash(_("Không dùng được âm thanh: %(why)s", why=error_text(exc)), "error")
        return _new_page(form, 400)
    audio = f"data:{preview.mime};base64,{base64.b64encode(preview.audio).decode('ascii')}"
    return _new_page(form, preview={"spoken": preview.spoken, "audio": audio, "engine": preview.engine,
                                    "duration_ms": preview.duration_ms})


def _script(form: Any) -> str:
    """What is to be read: the as-spoken text when the person corrected it, else the written text."""
    spoken = " ".join(form.get("spoken", "").split())
    shown = " ".join(form.get("spoken_from", "").split())
    return form.get("spoken", "").strip() if spoken and spoken != shown else form.get("text", "")


def _speech(form: Any) -> dict[str, Any]:
    """The TTS fields of a form, typed as the service takes them."""
    try:
        speed = float(form.get("speed") or 1.0)
    except ValueError:
        speed = -1.0  # the service names the allowed range
    return {"text": form.get("text", ""), "engine": form.get("engine") or "auto",
            "voice": form.get("voice") or None, "speed": speed,
            "language": form.get("language") or languages.VIETNAMESE}


def _copied(bid: str) -> dict[str, Any]:
    """A new TTS draft's fields from an earlier bulletin (a rejected one is fixed by copying it)."""
    if not bid.isdigit():
        return {}
    b = service.get(me(), int(bid))
    return {"mode": "tts", "title": b.title, "text": b.text or "", "language": b.language,
            "category": b.category.code if b.category is not None else "", "campaign_id": b.campaign_id or "",
            "engine": b.tts_engine or "auto"}


def _fields(form: Any) -> dict[str, Any]:
    """A bulletin's details from the form, typed as its shape takes them (no campaign: None)."""
    campaign = form.get("campaign_id", "").strip()
    data = {"title": form.get("title", ""), "category": form.get("category", ""),
            "campaign_id": int(campaign) if campaign.isdigit() else campaign or None,
            "language": form.get("language") or languages.VIETNAMESE}
    for key in ("valid_from", "valid_until"):
        if form.get(key):
            data[key] = form[key]
    return data


def _create(user: Any, form: Any) -> Any:
    data = _fields(form)
    cfg = settings()
    if form.get("mode") in ("upload", "record"):
        upload = request.files.get("file")
        blob = upload.read() if upload else b""
        data.update({k: form.get(k, "").replace(",", ".") for k in ("trim_start", "trim_end")},  # 2,5 is 2.5
                    source="recording" if form.get("mode") == "record" else "file")
        if data["campaign_id"] is None:
            del data["campaign_id"]  # a form names no campaign by leaving it out
        return service.create_uploaded(user, blob, upload.filename if upload else None, data,
                                       queries.data_dir(), ffmpeg=cfg.ffmpeg)
    data.update(_speech({**form.to_dict(), "text": _script(form)}))
    return service.create_spoken(user, data, queries.data_dir(), ffmpeg=cfg.ffmpeg, gtts_host=cfg.gtts_host)


@bp.route("/bulletins/<int:bid>")
def bulletin_detail(bid: int) -> Any:
    user = me()
    b = service.get(user, bid)
    history = queries.history("Bulletin", bid)
    recorded = any(h.action == "bulletin.create" and (h.detail or {}).get("how") == "recording" for h in history)
    return render_template("web/bulletin_detail.html", b=b, history=history, recorded=recorded,
                           own=b.author_id == user.id, categories=queries.category_choices(),
                           campaigns=queries.campaign_choices(user),
                           spoken=bulletin_speech.spoken_text(b.text, b.language) if b.tts_engine else "",
                           engines=ENGINES, voices=VOICES,
                           loudness_off=service.loudness_warning(b) is not None,
                           target_lufs=DEFAULT_TARGET_LUFS, ceiling_dbtp=DEFAULT_CEILING_DBTP)


@bp.route("/bulletins/<int:bid>/text", methods=["POST"])
@roles(Role.EDITOR)
def bulletin_text(bid: int) -> Any:
    """New words for a draft: a TTS draft is read again (a recording keeps them as its transcript)."""
    form = request.form
    b = service.get(me(), bid)
    body: dict[str, Any] = {"text": _script(form)}
    if b.tts_engine:
        body.update({k: v for k, v in _speech(form).items() if k in ("engine", "voice", "speed")})
    cfg = settings()
    try:
        service.edit(me(), bid, body, queries.data_dir(), ffmpeg=cfg.ffmpeg, gtts_host=cfg.gtts_host)
    except CentralError as exc:
        flash_error(exc)
    except AudioError as exc:
        flash(_("Không dùng được âm thanh: %(why)s", why=error_text(exc)), "error")
    else:
        flash(_("Đã đọc lại nội dung mới. Hãy nghe lại trước khi gửi duyệt.") if b.tts_engine
              else _("Đã lưu nội dung."), "success")
    return redirect(url_for("web.bulletin_detail", bid=bid))


@bp.route("/bulletins/<int:bid>/delete", methods=["POST"])
@roles(Role.EDITOR)
def bulletin_delete(bid: int) -> Any:
    b = service.get(me(), bid)
    try:
        service.delete_draft(me(), bid, queries.data_dir())
    except CentralError as exc:
        flash_error(exc)
        return redirect(url_for("web.bulletin_detail", bid=bid))
    flash(_("Đã xóa bản nháp “%(title)s”.", title=b.title), "success")
    return redirect(url_for("web.bulletins"))


@bp.route("/bulletins/<int:bid>/edit", methods=["POST"])
@roles(Role.EDITOR)
def bulletin_edit(bid: int) -> Any:
    """Change a draft's or a rejected bulletin's details (a rejected one becomes a draft again)."""
    data = _fields(request.form)
    for key in ("valid_from", "valid_until"):
        data.setdefault(key, None)  # an emptied field clears the limit
    try:
        service.edit(me(), bid, data)
    except CentralError as exc:
        flash_error(exc)
    else:
        flash(_("Đã lưu thông tin bản tin."), "success")
    return redirect(url_for("web.bulletin_detail", bid=bid))


@bp.route("/bulletins/<int:bid>/audio")
def bulletin_audio(bid: int) -> Any:
    """The bulletin's audio for the page's player; only for people who may see the bulletin."""
    b = service.get(me(), bid)
    return queries.private_audio(b.asset if b.asset_id is not None else None)


@bp.route("/bulletins/<int:bid>/<any(submit, approve, reject, withdraw):action>", methods=["POST"])
def bulletin_action(bid: int, action: str) -> Any:
    done = {"submit": _("Đã gửi duyệt."), "approve": _("Đã duyệt bản tin."),
            "reject": _("Đã từ chối bản tin."), "withdraw": _("Đã thu hồi bản tin.")}
    return review.act(service, bid, action, done, url_for("web.bulletin_detail", bid=bid),
                      reasoned=("reject", "withdraw"), taken_back=_("Đã rút lại; bản tin trở lại thành bản nháp."))


@bp.route("/approvals")
@roles(Role.APPROVER)
def approvals() -> Any:
    user = me()
    rows = service.listing(user, status=Approval.SUBMITTED)
    schedules = schedules_service.listing(user, status=Approval.SUBMITTED)
    return render_template("web/approvals.html", rows=rows, schedules=schedules, user_id=user.id,
                           user_name=user.name, schedule_label=schedules_service.label,
                           **queries.pending_audio(user))
