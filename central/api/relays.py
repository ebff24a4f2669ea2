"""Operator API: relay sources (nguồn tiếp sóng) and their two-person workflow (``services.relays``).

The routes hang on the workflow blueprint, so they share its ``/api/v1`` prefix and error handling.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from .. import policy
from ..auth import require
from ..services import relays
from .workflow import ALL_ROLES, _created, _reason, _user, bp


@bp.get("/relay-sources")
@require(ALL_ROLES)
def list_relay_sources() -> Any:
    rows = relays.listing(_user(), request.args.get("status"))
    return jsonify([relays.to_dict(r) for r in rows])


@bp.post("/relay-sources")
@require(policy.EDITORS)
def create_relay_source() -> Any:
    return _created(relays.to_dict(relays.create(_user(), request.get_json(silent=True) or {})))


@bp.get("/relay-sources/<int:rid>")
@require(ALL_ROLES)
def get_relay_source(rid: int) -> Any:
    return jsonify(relays.to_dict(relays.get(_user(), rid)))


@bp.post("/relay-sources/<int:rid>/submit")
@require(policy.EDITORS)
def submit_relay_source(rid: int) -> Any:
    return jsonify(relays.to_dict(relays.submit(_user(), rid)))


@bp.post("/relay-sources/<int:rid>/approve")
@require(policy.APPROVERS)
def approve_relay_source(rid: int) -> Any:
    return jsonify(relays.to_dict(relays.approve(_user(), rid)))


@bp.post("/relay-sources/<int:rid>/reject")
@require(policy.APPROVERS)
def reject_relay_source(rid: int) -> Any:
    return jsonify(relays.to_dict(relays.reject(_user(), rid, _reason())))


@bp.post("/relay-sources/<int:rid>/disable")
@require(policy.APPROVERS)
def disable_relay_source(rid: int) -> Any:
    return jsonify(relays.to_dict(relays.disable(_user(), rid, _reason())))
