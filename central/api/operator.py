"""Operator API (platform part): areas, stations with health, play logs, the caller's own API tokens.

Every call needs a user (API token or web session) and answers only within the user's area scope.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from playlists.model import DEFAULT_ZONE

from ..auth import area_subtree_ids, check_area, require, visible_stations
from ..models import Station
from ..services import (
    areas,
    emergencies,
    enrollment,
    playlogs,
    presence,
    stations,
    users,
)
from ..times import parse_time
from ..words import Role
from . import ALL_ROLES, caller, json_body, query_int, reply

bp = Blueprint("api_operator", __name__, url_prefix="/api/v1")

MAX_PAGE = 1000


@bp.get("/health")
def health() -> ResponseReturnValue:
    """Liveness for load balancers and monitoring: no login, no database work beyond the connection."""
    return jsonify({"status": "ok"})


@bp.get("/areas")
@require(roles=ALL_ROLES)
def list_areas() -> ResponseReturnValue:
    return reply({"areas": areas.listing(area_subtree_ids(caller()))})


@bp.post("/areas")
@require(roles=(Role.ADMIN,))
def create_area() -> ResponseReturnValue:
    body = json_body()
    parent_code = body.get("parent_code")
    user = caller()
    if parent_code:
        check_area(user, areas.get(parent_code))
    else:
        check_area(user, None)  # a new root is outside any scoped user's subtree
    area = areas.create(user, body.get("code", ""), body.get("name", ""), parent_code, body.get("level"))
    return reply(areas.answer(area, parent_code), 201)


@bp.get("/stations")
@require(roles=ALL_ROLES)
def list_stations() -> ResponseReturnValue:
    rows = stations.listing(caller(), request.args.get("area"))
    return reply({"stations": [stations.health(s) for s in rows]})


def _visible_station(station_id: int) -> Station:
    return stations.visible(caller(), station_id)


@bp.get("/stations/<int:station_id>")
@require(roles=ALL_ROLES)
def station_detail(station_id: int) -> ResponseReturnValue:
    station = _visible_station(station_id)
    return reply(stations.detail(station))


@bp.get("/stations/<int:station_id>/outages")
@require(roles=ALL_ROLES)
def station_outages(station_id: int) -> ResponseReturnValue:
    """When the station was off the push channel: from, to, duration (newest first)."""
    rows = presence.outages(_visible_station(station_id), query_int("limit", 100))
    return jsonify({"station_id": station_id, "outages": rows})


@bp.post("/stations")
@require(roles=(Role.ADMIN,))
def register_station() -> ResponseReturnValue:
    """Register a station in an area of the caller's scope; answers its one-time enrollment code."""
    body = json_body()
    check_area(caller(), areas.get(str(body.get("area_code") or "")))
    station, code = enrollment.register(caller(), str(body.get("area_code")), str(body.get("name") or ""),
                                        timezone=str(body.get("timezone") or DEFAULT_ZONE))
    return reply({"station": stations.health(stations.get(station.id)), "code": code}, 201)


@bp.post("/stations/<int:station_id>/enroll-code")
@require(roles=(Role.ADMIN,))
def new_enroll_code(station_id: int) -> ResponseReturnValue:
    """A fresh one-time code for a station (a replaced device); its current token stops at enrollment."""
    code = enrollment.issue_code(caller(), _visible_station(station_id))
    return jsonify({"station_id": station_id, "code": code}), 201


@bp.delete("/stations/<int:station_id>/token")
@require(roles=(Role.ADMIN, Role.APPROVER))
def revoke_station_token(station_id: int) -> ResponseReturnValue:
    """Revoke a station's token (a lost or stolen device) and its unused codes; its next call gets 401."""
    enrollment.revoke(caller(), _visible_station(station_id))
    return "", 204


@bp.post("/stations/<int:station_id>/speaker-test")
@require(roles=(Role.ADMIN, Role.APPROVER, Role.OPERATOR))
def speaker_test(station_id: int) -> ResponseReturnValue:
    """Ask a station to play its short test signal; the result comes back in its heartbeat's ``sound``."""
    test_id = stations.request_speaker_test(caller(), _visible_station(station_id))
    return jsonify({"station_id": station_id, "id": test_id}), 202


@bp.patch("/stations/<int:station_id>")
@require(roles=(Role.ADMIN, Role.EDITOR, Role.OPERATOR))
def update_station(station_id: int) -> ResponseReturnValue:
    """Change name, time zone, quiet hours, volume, intervals or active; the station gets them at its next sync."""
    station = stations.update_settings(caller(), _visible_station(station_id), json_body())
    return reply(stations.health(station))


@bp.get("/play-logs")
@require(roles=ALL_ROLES)
def list_play_logs() -> ResponseReturnValue:
    station_id = query_int("station")
    if station_id is not None:
        _visible_station(station_id)
    start, end = parse_time(request.args.get("from"), "from"), parse_time(request.args.get("to"), "to")
    limit = min(query_int("limit") or 200, MAX_PAGE)
    offset = query_int("offset") or 0
    query = playlogs.query(visible_stations(caller()), station_id, start, end)
    found = list(query.limit(limit).offset(offset))
    tests = emergencies.test_schedules(r.schedule_id for r in found)  # a drill is reported as one
    rows = [playlogs.answer(r, r.schedule_id in tests) for r in found]
    return reply({"play_logs": rows, "limit": limit, "offset": offset})


@bp.post("/tokens")
@require(roles=ALL_ROLES)
def create_token() -> ResponseReturnValue:
    """A new API token for the caller (shown once)."""
    body = request.get_json(silent=True) or {}
    row, token = users.create_token(caller(), caller(), str(body.get("name", ""))[:100])
    return jsonify({"id": row.id, "token": token, "prefix": row.prefix}), 201


@bp.get("/tokens")
@require(roles=ALL_ROLES)
def list_tokens() -> ResponseReturnValue:
    """The caller's own API tokens (never the secrets)."""
    return reply({"tokens": [users.token_answer(r) for r in users.tokens_of(caller())]})


@bp.delete("/tokens/<int:token_id>")
@require(roles=ALL_ROLES)
def revoke_token(token_id: int) -> ResponseReturnValue:
    """Revoke one of the caller's tokens (an admin: also those of people within their scope)."""
    users.revoke_token(caller(), token_id)
    return "", 204


@bp.get("/me")
@require(roles=ALL_ROLES)
def me() -> ResponseReturnValue:
    return reply(users.answer(caller()))
