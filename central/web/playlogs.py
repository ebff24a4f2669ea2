"""Play logs (nhật ký phát): filter by station, status and dates; browse page by page."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for

from central import auth
from central.errors import CentralError
from central.models import PlayLog
from central.relay_models import RelaySource
from central.services import emergencies
from central.services import playlogs as service
from central.services import reports as reports_service
from playlists.sound import STATUSES

from . import bp, queries
from .context import flash_error, int_arg, me

PAGE = 50


@bp.route("/play-logs")
def playlogs() -> Any:
    user = me()
    f = {k: request.args.get(k, "").strip() for k in ("station", "status", "from", "to")}
    page = max(int_arg("page") or 1, 1)
    rows: list[Any] = []
    more = False
    try:
        start = reports_service.parse_day(f["from"], "from")
        end = reports_service.parse_day(f["to"], "to")
        lo = reports_service.utc_bounds(start, start)[0] if start else None
        hi = reports_service.utc_bounds(end, end)[1] if end else None
        q = service.query(auth.visible_stations(user), station_id=int_arg("station"), start=lo, end=hi)
        if f["status"] in STATUSES:
            q = q.where(PlayLog.status == f["status"])
        rows = list(q.offset((page - 1) * PAGE).limit(PAGE + 1))
        more = len(rows) > PAGE
        rows = rows[:PAGE]
    except CentralError as exc:
        flash_error(exc)
    titles = queries.bulletin_titles({r.bulletin_id for r in rows})
    tests = emergencies.test_schedules(r.schedule_id for r in rows)
    relay_names = {r.id: r.name for r in RelaySource.select().where(
        RelaySource.id.in_({p.relay["source_id"] for p in rows if p.relay}))}
    def page_url(n: int) -> str:
        values: dict[str, Any] = {**request.args.to_dict(), "page": n}
        return url_for("web.playlogs", **values)

    return render_template("web/playlogs.html", rows=rows, f=f, page=page, more=more, titles=titles, tests=tests,
                           relay_names=relay_names, statuses=STATUSES, stations=queries.station_choices(user), page_url=page_url)
