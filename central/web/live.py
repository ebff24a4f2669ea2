"""Live announcements (phát trực tiếp): the page a speaker goes live from with the browser's microphone.

The page only shows the form, the lives on air and the recent ones; the browser's script
(``static/live.js``) does the rest through the operator API (``api/live.py``): it asks for the
microphone, starts the live, posts MediaRecorder chunks in order, and ends it.
"""

from __future__ import annotations

from typing import Any

from flask import render_template

from central.config import settings
from central.services import live as service

from . import bp, queries
from .context import me, roles


@bp.route("/live")
@roles("editor", "approver")
def live() -> Any:
    user = me()
    recent = service.listing(user, 20)
    return render_template("web/live.html", areas=queries.area_tree(user), stations=queries.station_choices(user),
                           ready=bool(settings().icecast_url), on_air=[s for s in recent if s.ended_at is None],
                           recent=recent)
