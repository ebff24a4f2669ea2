"""Operator API: chimes and jingles (nhạc hiệu), and decisions on programme changes.

Both are parts of the two-person rule (``services.chimes``, ``services.programmes``); the routes hang
on the workflow blueprint, so they share its ``/api/v1`` prefix and error handling.
"""

from __future__ import annotations

from flask import request
from flask.typing import ResponseReturnValue

from audio_library import AudioError
from central.messages import msg

from .. import policy
from ..auth import require
from ..config import settings
from ..services import chimes, programmes
from . import ALL_ROLES, caller, reply, review
from .workflow import AudioRejected, _created, _store, bp


@bp.get("/chimes")
@require(ALL_ROLES)
def list_chimes() -> ResponseReturnValue:
    return reply([chimes.answer(c) for c in chimes.listing(caller(), request.args.get("status"))])


@bp.post("/chimes")
@require(policy.EDITORS)
def create_chime() -> ResponseReturnValue:
    upload = request.files.get("file")
    data = upload.read() if upload is not None else b""
    name = upload.filename if upload is not None else None
    try:
        c = chimes.create_uploaded(caller(), data, name, request.form.to_dict(), _store(),
                                   ffmpeg=settings().ffmpeg)
    except AudioError as exc:
        raise AudioRejected(msg("Không dùng được âm thanh: %(why)s", why=exc)) from exc
    return _created(chimes.answer(c))


@bp.get("/chimes/<int:cid>")
@require(ALL_ROLES)
def get_chime(cid: int) -> ResponseReturnValue:
    return reply(chimes.answer(chimes.get(caller(), cid)))


review.routes(bp, "/chimes", "chime", chimes, ("submit", "approve", "reject", "withdraw"), reasoned=("reject",))


review.routes(bp, "/playlists", "playlist_change", programmes, ("approve", "reject"), reasoned=("reject",))
