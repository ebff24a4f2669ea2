"""Operator API: emergencies (send, stop, all-clear, area-wide stop, time-to-air) and standing alerts.

Thin views over ``services.emergencies`` and ``services.standing_alerts``: the words "delivered",
"sounding" and "late" and every step's time come from the service, as on the web page.
"""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from ..auth import current_user, require
from ..models import User
from ..policy import APPROVERS
from ..services import emergencies, standing_alerts
from ..words import ROLES, Role
from . import json_body

bp = Blueprint("api_emergencies", __name__, url_prefix="/api/v1")

ALL_ROLES = ROLES  # every role (scope still applies)


def _user() -> User:
    user = current_user()
    assert user is not None  # @require ran first
    return user


@bp.get("/emergencies")
@require(ALL_ROLES)
def list_emergencies() -> ResponseReturnValue:
    user = _user()
    out = []
    for e in emergencies.listing(user):
        out.append(emergencies.to_dict(e, emergencies.steps(e)))
        out[-1].pop("stations")
    return jsonify({"emergencies": out})


@bp.post("/emergencies")
@require(APPROVERS)
def create_emergency() -> ResponseReturnValue:
    e = emergencies.create(_user(), json_body())
    return jsonify(emergencies.to_dict(e, emergencies.steps(e))), 201


@bp.get("/emergencies/<int:eid>")
@require(ALL_ROLES)
def get_emergency(eid: int) -> ResponseReturnValue:
    e = emergencies.get(_user(), eid)
    rows = emergencies.steps(e)
    if request.args.get("format") == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=emergencies.CSV_COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow(emergencies.step_dict(r))
        return Response("\ufeff" + buf.getvalue(), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename=emergency-{e.id}.csv"})
    return jsonify(emergencies.to_dict(e, rows))


@bp.post("/emergencies/<int:eid>/stop")
@require(APPROVERS)
def stop_emergency(eid: int) -> ResponseReturnValue:
    e = emergencies.stop(_user(), eid)
    return jsonify(emergencies.to_dict(e, emergencies.steps(e)))


@bp.post("/emergencies/<int:eid>/all-clear")
@require(APPROVERS)
def all_clear(eid: int) -> ResponseReturnValue:
    e = emergencies.all_clear(_user(), eid)
    return jsonify(emergencies.to_dict(e, emergencies.steps(e))), 201


@bp.post("/emergencies/stop-area")
@require(APPROVERS)
def stop_area() -> ResponseReturnValue:
    stopped, left = emergencies.stop_area(_user(), str(json_body().get("area") or ""))
    return jsonify({"stopped": [e.id for e in stopped], "left": [e.id for e in left]})


@bp.get("/standing-alerts")
@require(ALL_ROLES)
def list_standing_alerts() -> ResponseReturnValue:
    return jsonify({"standing_alerts": [standing_alerts.to_dict(a) for a in standing_alerts.listing(_user())]})


@bp.post("/standing-alerts")
@require((Role.ADMIN,))
def create_standing_alert() -> ResponseReturnValue:
    return jsonify(standing_alerts.to_dict(standing_alerts.create(_user(), json_body()))), 201


@bp.patch("/standing-alerts/<int:aid>")
@require((Role.ADMIN,))
def update_standing_alert(aid: int) -> ResponseReturnValue:
    return jsonify(standing_alerts.to_dict(standing_alerts.update(_user(), aid, json_body())))
