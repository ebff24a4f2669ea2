"""Reports: date range or the plan's presets, grouping, a table and a bar chart of minutes, CSV."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, render_template, request, url_for
from flask_babel import get_locale

from central.errors import CentralError
from central.models import utcnow
from central.services import reports as service
from central.times import ZONE

from . import bp, queries
from .context import flash_error, me

GROUPS = service.GROUPS


def today() -> date:

    return utcnow().astimezone(ZONE).date()


@bp.route("/reports")
def reports() -> Any:
    user = me()
    f = {k: request.args.get(k, "").strip() for k in ("from", "to", "preset", "group_by", "area", "year")}
    group_by = f["group_by"] if f["group_by"] in GROUPS else "category"
    summary = None
    try:
        start, end = _range(f)
        summary = service.summary(user, start, end, f["area"] or None, group_by)
    except CentralError as exc:
        flash_error(exc)
    if summary is not None and request.args.get("format") == "csv":
        name = f"bao-cao-{summary.date_from:%Y%m%d}-{summary.date_to:%Y%m%d}-{group_by}.csv"
        return Response(service.to_csv(summary, str(get_locale())), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    csv_url = None
    if summary is not None:
        span: dict[str, Any] = {"from": summary.date_from.isoformat(), "to": summary.date_to.isoformat()}
        csv_url = url_for("web.reports", format="csv", group_by=group_by, area=f["area"] or None, **span)
    return render_template("web/reports.html", summary=summary, f=f, group_by=group_by, groups=GROUPS,
                           areas=queries.area_choices(user), csv_url=csv_url,
                           year=int(f["year"]) if f["year"].isdigit() else today().year,
                           years=list(range(today().year, 2023, -1)))


def _range(f: dict[str, str]) -> tuple[date, date]:
    if f["preset"] in service.PRESETS:
        year = int(f["year"]) if f["year"].isdigit() else today().year
        return service.preset_range(f["preset"], year)
    return service.resolve_range(f["from"] or None, f["to"] or None, None, today())
