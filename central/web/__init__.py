"""The central's web UI: server-rendered pages for information-centre staff, in Vietnamese first.

``create_app`` registers :data:`bp`; registering it also sets up Flask-Babel (Vietnamese by default,
English on request), CSRF checks for every form the UI posts, and the session cookie policy. The
operator API's blueprints are untouched by all of this.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint(
    "web",
    __name__,
    template_folder="../templates",
    static_folder="../static",
    static_url_path="/ui-static",
)

from . import wiring as _wiring  # noqa: E402  (needs bp)

bp.record_once(_wiring.init_app)

# The page modules attach their routes to bp when imported.
from . import (  # noqa: E402,F401
    admin,
    admin_edit,
    alerts,
    audit,
    bulletins,
    campaigns,
    chimes,
    dashboard,
    emergency,
    live,
    pages_auth,
    period_reports,
    plans,
    playlists,
    playlogs,
    relays,
    reports,
    schedule_edit,
    schedules,
    stations,
)
