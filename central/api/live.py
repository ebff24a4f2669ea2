"""Operator API for live announcements, and the two station-side calls (``services.live``).

Operator: ``POST /live`` (go live; 409 without Icecast, so nothing starts where it cannot stream),
``GET /live``, ``GET /live/<id>``, ``POST /live/<id>/audio`` (the speaker's next chunk, multipart
``chunk``: only the speaker; the first must start a WebM or Ogg stream before any process starts),
``POST /live/<id>/end``. Station: ``GET /station/live`` (what to join, with a per-station credential)
and ``POST /station/live/listener`` (Icecast's ``listener_add`` question; no token: it checks the
credential itself and answers ``icecast-auth-user: 1`` only for a good one).
"""

from __future__ import annotations

import contextlib
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from audio_library import ffmpeg_exe
from central.messages import msg

from ..auth import require
from ..config import settings
from ..db import database
from ..errors import Forbidden
from ..services import live, live_feed
from . import ALL_ROLES, caller, json_body, reply
from .station import _station
from .station import bp as station_bp

bp = Blueprint("api_live", __name__, url_prefix="/api/v1")

@bp.get("/live")
@require(ALL_ROLES)
def list_live() -> ResponseReturnValue:
    return reply({"live": [live.answer(s) for s in live.listing(caller())]})


@bp.post("/live")
@require(live.SPEAKERS)
def start_live() -> ResponseReturnValue:
    return reply(live.answer(live.start(caller(), json_body(), settings())), 201)


@bp.get("/live/<int:lid>")
@require(ALL_ROLES)
def get_live(lid: int) -> ResponseReturnValue:
    return reply(live.answer(live.get(caller(), lid)))


@bp.post("/live/<int:lid>/audio")
@require(live.SPEAKERS)
def live_audio(lid: int) -> ResponseReturnValue:
    s = live.check_feeder(caller(), lid)
    upload = request.files.get("chunk")
    chunk = upload.read(live_feed.MAX_CHUNK + 1) if upload is not None else b""
    conf, app = settings(), current_app._get_current_object()  # type: ignore[attr-defined]

    def make() -> live_feed.Feed:
        target = live_feed.icecast_target(str(conf.icecast_url), live.source_password(conf), live.mount(s.id))
        exe = ffmpeg_exe(conf.ffmpeg)
        return live_feed.Feed(s.id, lambda demuxer: live_feed.ffmpeg_argv(exe, demuxer, target),
                              live.recording_path(conf, s.id), conf.live_idle_s, lambda lid: _end_idle(app, lid))

    f = live_feed.write(s.id, chunk, make)
    return jsonify({"id": s.id, "chunks": f.chunks})


def _end_idle(app: Any, lid: int) -> None:
    """The watchdog's end of a live whose speaker went silent (its own app context and connection)."""
    from ..errors import Conflict

    # the speaker may have ended it meanwhile (Conflict)
    with app.app_context(), database.connection_context(), contextlib.suppress(Conflict):
        live.end(None, lid, settings(app), reason="speaker_lost")


@bp.post("/live/<int:lid>/end")
@require(live.SPEAKERS)
def end_live(lid: int) -> ResponseReturnValue:
    return reply(live.answer(live.end(caller(), lid, settings())))


@station_bp.get("/live")
def station_live() -> ResponseReturnValue:
    return jsonify({"live": live.for_station(_station(), settings())})


@station_bp.post("/live/listener")
def icecast_listener() -> ResponseReturnValue:
    if request.form.get("action", "listener_add") != "listener_add" or not live.listener_allowed(
            request.form, settings()):
        raise Forbidden(msg("Không được nghe kênh này."))
    resp = Response(status=200)
    resp.headers["icecast-auth-user"] = "1"
    resp.headers["icecast-auth-message"] = "ok"
    return resp
