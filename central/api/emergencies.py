"""Operator API: emergencies (send, stop, all-clear, area-wide stop, time-to-air) and standing alerts.

Thin views over ``services.emergencies`` and ``services.standing_alerts``: the words "delivered",
"sounding" and "late" and every step's time come from the service, as on the web page.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from ..auth import require
from ..policy import APPROVERS
from ..services import emergencies, standing_alerts
from ..words import Role
from . import ALL_ROLES, caller, json_body, reply

bp = Blueprint("api_emergencies", __name__, url_prefix="/api/v1")

@bp.get("/emergencies")
@require(ALL_ROLES)
def list_emergencies() -> ResponseReturnValue:
    user = caller()
    return reply({"emergencies": [emergencies.summary(e, emergencies.steps(e)) for e in emergencies.listing(user)]})


@bp.post("/emergencies")
@require(APPROVERS)
def create_emergency() -> ResponseReturnValue:
    e = emergencies.create(caller(), json_body())
    return reply(emergencies.answer(e, emergencies.steps(e)), 201)


@bp.get("/emergencies/<int:eid>")
@require(ALL_ROLES)
def get_emergency(eid: int) -> ResponseReturnValue:
    e = emergencies.get(caller(), eid)
    rows = emergencies.steps(e)
    if request.args.get("format") == "csv":
        name, text = emergencies.steps_csv(e, rows)
        return Response(text, mimetype="text/csv", headers={"Content-Disposition": f"attachment; filename={name}"})
    return reply(emergencies.answer(e, rows))


@bp.post("/emergencies/<int:eid>/stop")
@require(APPROVERS)
def stop_emergency(eid: int) -> ResponseReturnValue:
    e = emergencies.stop(caller(), eid)
    return reply(emergencies.answer(e, emergencies.steps(e)))


@bp.post("/emergencies/<int:eid>/all-clear")
@require(APPROVERS)
def all_clear(eid: int) -> ResponseReturnValue:
    e = emergencies.all_clear(caller(), eid)
    return reply(emergencies.answer(e, emergencies.steps(e)), 201)


@bp.post("/emergencies/stop-area")
@require(APPROVERS)
def stop_area() -> ResponseReturnValue:
    stopped, left = emergencies.stop_area(caller(), str(json_body().get("area") or ""))
    return jsonify({"stopped": [e.id for e in stopped], "left": [e.id for e in left]})


@bp.get("/standing-alerts")
@require(ALL_ROLES)
def list_standing_alerts() -> ResponseReturnValue:
    return reply({"standing_alerts": [standing_alerts.answer(a) for a in standing_alerts.listing(caller())]})


@bp.post("/standing-alerts")
@require((Role.ADMIN,))
def create_standing_alert() -> ResponseReturnValue:
    return reply(standing_alerts.answer(standing_alerts.create(caller(), json_body())), 201)


@bp.patch("/standing-alerts/<int:aid>")
@require((Role.ADMIN,))
def update_standing_alert(aid: int) -> ResponseReturnValue:
    return reply(standing_alerts.answer(standing_alerts.update(caller(), aid, json_body())))
