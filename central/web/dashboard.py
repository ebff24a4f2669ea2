"""The dashboard: station health, today's broadcasts per area, pending approvals, emergencies, failures."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import redirect, render_template, url_for

from central.services import bulletins as bulletins_service
from central.services import calendar as calendar_service
from central.services import emergencies as emergencies_service
from central.services import stations as stations_service
from central.services import today
from central.words import StationState
from playlists.words import Approval

from . import bp
from .context import me


@bp.route("/")
def index() -> Any:
    return redirect(url_for("web.dashboard"))


@bp.route("/dashboard")
def dashboard() -> Any:
    user = me()
    health = stations_service.health_rows(user)
    counts = Counter(h.state for h in health)
    pending = [b for b in bulletins_service.listing(user, status=Approval.SUBMITTED)][:8]
    rejected = [b for b in bulletins_service.listing(user, status=Approval.REJECTED) if b.author_id == user.id][:8]
    return render_template(
        "web/dashboard.html", counts=counts, total=len(health),
        per_area=today.per_area(user), pending=pending, rejected=rejected,
        emergencies=emergencies_service.on_air(user), failures=today.latest_failures(user),
        troubled=[h for h in health if h.state in (StationState.OFFLINE, StationState.OUT_OF_SYNC) or h.last_error][:8],
        upcoming=calendar_service.upcoming(user, calendar_service.today()),
    )
