"""Operator API: bulletins, categories, campaigns, programmes (playlists), schedules, timelines.

Views are thin: parse the request, call a service with the current user, answer JSON. Roles are
checked here by ``require`` and again in the services (with scope and the two-person rule).
"""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from audio_library import AudioError
from central.messages import N_, msg

from .. import policy
from ..auth import require
from ..config import settings
from ..errors import CentralError, Invalid
from ..services import (
    bulletin_speech,
    bulletins,
    campaigns,
    categories,
    programmes,
    schedules,
    timeline,
)
from ..times import parse_time
from ..words import Role
from . import ALL_ROLES, caller, json_body, reply, review

bp = Blueprint("api_workflow", __name__, url_prefix="/api/v1")

class AudioRejected(CentralError):
    status = 422
    title = N_("Âm thanh không dùng được")


def _store() -> Path:
    return Path(current_app.config["DATA_DIR"])


def _created(body: Any) -> tuple[Response, int]:
    return reply(body, 201)


# --- bulletins -----------------------------------------------------------------------------


@bp.get("/bulletins")
@require(ALL_ROLES)
def list_bulletins() -> ResponseReturnValue:
    args = request.args
    rows = bulletins.listing(caller(), args.get("status"), args.get("category"), args.get("campaign"),
                             args.get("language"))
    return reply([bulletins.answer(b) for b in rows])


@bp.post("/bulletins")
@require(policy.EDITORS)
def create_bulletin() -> ResponseReturnValue:
    cfg = settings()
    try:
        if request.mimetype == "multipart/form-data":
            upload = request.files.get("file")
            data = upload.read() if upload is not None else b""
            name = upload.filename if upload is not None else None
            b = bulletins.create_uploaded(caller(), data, name, request.form.to_dict(), _store(),
                                          ffmpeg=cfg.ffmpeg)
        else:
            b = bulletins.create_spoken(caller(), json_body(), _store(), ffmpeg=cfg.ffmpeg,
                                        gtts_host=cfg.gtts_host)
    except AudioError as exc:
        raise AudioRejected(msg("Không dùng được âm thanh: %(why)s", why=exc)) from exc
    return _created(bulletins.answer(b))


@bp.get("/bulletins/<int:bid>")
@require(ALL_ROLES)
def get_bulletin(bid: int) -> ResponseReturnValue:
    return reply(bulletins.answer(bulletins.get(caller(), bid)))


@bp.patch("/bulletins/<int:bid>")
@require(policy.EDITORS)
def edit_bulletin(bid: int) -> ResponseReturnValue:
    cfg = settings()
    try:
        b = bulletins.edit(caller(), bid, json_body(), _store(), ffmpeg=cfg.ffmpeg, gtts_host=cfg.gtts_host)
    except AudioError as exc:
        raise AudioRejected(msg("Không dùng được âm thanh: %(why)s", why=exc)) from exc
    return reply(bulletins.answer(b))


@bp.delete("/bulletins/<int:bid>")
@require(policy.EDITORS)
def delete_bulletin(bid: int) -> ResponseReturnValue:
    bulletins.delete_draft(caller(), bid, _store())
    return "", 204


@bp.post("/bulletins/tts-preview")
@require(policy.EDITORS)
def preview_bulletin() -> ResponseReturnValue:
    """Read a text aloud as a TTS bulletin would be, storing nothing: the spoken text and the audio."""
    cfg = settings()
    try:
        p = bulletin_speech.preview(caller(), json_body(), ffmpeg=cfg.ffmpeg, gtts_host=cfg.gtts_host)
    except AudioError as exc:
        raise AudioRejected(msg("Không dùng được âm thanh: %(why)s", why=exc)) from exc
    return jsonify({"spoken_text": p.spoken, "engine": p.engine, "voice": p.voice, "mime": p.mime,
                    "duration_ms": p.duration_ms, "loudness_lufs": p.loudness_lufs,
                    "audio_base64": base64.b64encode(p.audio).decode("ascii")})


review.routes(bp, "/bulletins", "bulletin", bulletins, ("submit", "approve", "reject", "withdraw"),
              reasoned=("reject", "withdraw"))


# --- categories ----------------------------------------------------------------------------


@bp.get("/categories")
@require(ALL_ROLES)
def list_categories() -> ResponseReturnValue:
    everything = request.args.get("all") in ("1", "true")
    return reply([categories.answer(c) for c in categories.listing(everything)])


@bp.post("/categories")
@require((Role.ADMIN,))
def create_category() -> ResponseReturnValue:
    return _created(categories.answer(categories.create(caller(), json_body())))


@bp.get("/categories/<int:cid>")
@require(ALL_ROLES)
def get_category(cid: int) -> ResponseReturnValue:
    return reply(categories.answer(categories.get(cid)))


@bp.patch("/categories/<int:cid>")
@require((Role.ADMIN,))
def update_category(cid: int) -> ResponseReturnValue:
    return reply(categories.answer(categories.update(caller(), cid, json_body())))


@bp.delete("/categories/<int:cid>")
@require((Role.ADMIN,))
def delete_category(cid: int) -> ResponseReturnValue:
    categories.delete(caller(), cid)
    return "", 204


# --- campaigns -----------------------------------------------------------------------------


@bp.get("/campaigns")
@require(ALL_ROLES)
def list_campaigns() -> ResponseReturnValue:
    raw = request.args.get("active_on")
    try:
        day = date.fromisoformat(raw) if raw else None
    except ValueError:
        raise Invalid(msg("active_on phải là ngày YYYY-MM-DD.")) from None
    plan = request.args.get("plan")
    if plan and not plan.isdigit():
        raise Invalid(msg("plan phải là mã số kế hoạch."), field="plan")
    rows = campaigns.listing(caller(), day, int(plan) if plan else None)
    return reply([campaigns.answer(c) for c in rows])


@bp.post("/campaigns")
@require(policy.EDITORS)
def create_campaign() -> ResponseReturnValue:
    return _created(campaigns.answer(campaigns.create(caller(), json_body())))


@bp.get("/campaigns/<int:cid>")
@require(ALL_ROLES)
def get_campaign(cid: int) -> ResponseReturnValue:
    return reply(campaigns.answer(campaigns.get(caller(), cid)))


@bp.patch("/campaigns/<int:cid>")
@require(policy.EDITORS)
def update_campaign(cid: int) -> ResponseReturnValue:
    return reply(campaigns.answer(campaigns.update(caller(), cid, json_body())))


@bp.delete("/campaigns/<int:cid>")
@require(policy.EDITORS)
def delete_campaign(cid: int) -> ResponseReturnValue:
    campaigns.delete(caller(), cid)
    return "", 204


# --- programmes (playlists) ----------------------------------------------------------------


@bp.get("/playlists")
@require(ALL_ROLES)
def list_playlists() -> ResponseReturnValue:
    return reply([programmes.answer(p) for p in programmes.listing(caller())])


@bp.post("/playlists")
@require(policy.EDITORS)
def create_playlist() -> ResponseReturnValue:
    try:
        p = programmes.create(caller(), json_body(), _store())
    except AudioError as exc:
        raise AudioRejected(msg("Không tạo được nhạc hiệu: %(exc)s", exc=exc)) from exc
    return _created(programmes.answer(p))


@bp.get("/playlists/<int:programme_id>")
@require(ALL_ROLES)
def get_playlist(programme_id: int) -> ResponseReturnValue:
    return reply(programmes.answer(programmes.get(caller(), programme_id)))


@bp.patch("/playlists/<int:programme_id>")
@require(policy.EDITORS)
def update_playlist(programme_id: int) -> ResponseReturnValue:
    return reply(programmes.answer(programmes.update(caller(), programme_id, json_body(), _store())))


@bp.delete("/playlists/<int:programme_id>")
@require(policy.EDITORS)
def delete_playlist(programme_id: int) -> ResponseReturnValue:
    programmes.delete(caller(), programme_id)
    return "", 204


# --- schedules -----------------------------------------------------------------------------


@bp.get("/schedules")
@require(ALL_ROLES)
def list_schedules() -> ResponseReturnValue:
    args = request.args
    station = args.get("station", type=int)
    rows = schedules.listing(caller(), station, args.get("area"), args.get("status"))
    return reply([schedules.answer(s) for s in rows])


@bp.post("/schedules")
@require(schedules.SCHEDULERS)
def create_schedule() -> ResponseReturnValue:
    return _created(schedules.answer(schedules.create(caller(), json_body())))


@bp.get("/schedules/<int:schedule_id>")
@require(ALL_ROLES)
def get_schedule(schedule_id: int) -> ResponseReturnValue:
    return reply(schedules.answer(schedules.get(caller(), schedule_id)))


@bp.patch("/schedules/<int:schedule_id>")
@require(schedules.SCHEDULERS)
def update_schedule(schedule_id: int) -> ResponseReturnValue:
    return reply(schedules.answer(schedules.update(caller(), schedule_id, json_body())))


@bp.delete("/schedules/<int:schedule_id>")
@require(schedules.SCHEDULERS)
def delete_schedule(schedule_id: int) -> ResponseReturnValue:
    schedules.delete(caller(), schedule_id)
    return "", 204


review.routes(bp, "/schedules", "schedule", schedules, ("submit", "approve", "reject"), reasoned=("reject",),
              roles={"submit": schedules.SCHEDULERS})


# --- timeline ------------------------------------------------------------------------------


@bp.get("/stations/<int:station_id>/timeline")
@require(ALL_ROLES)
def station_timeline(station_id: int) -> ResponseReturnValue:
    start = parse_time(request.args.get("from"), "from")
    end = parse_time(request.args.get("to"), "to")
    return jsonify(timeline.station_timeline(caller(), station_id, start, end))


from . import chimes as _chimes  # noqa: E402,F401  (its routes hang on bp)
from . import relays as _relays  # noqa: E402,F401  (its routes hang on bp)
