"""Operator API: relay sources (nguồn tiếp sóng) and their two-person workflow (``services.relays``).

The routes hang on the workflow blueprint, so they share its ``/api/v1`` prefix and error handling.
"""

from __future__ import annotations

from typing import Any

from flask import request

from .. import policy
from ..auth import require
from ..services import relays
from . import ALL_ROLES, caller, reply, review
from .workflow import _created, bp


@bp.get("/relay-sources")
@require(ALL_ROLES)
def list_relay_sources() -> Any:
    rows = relays.listing(caller(), request.args.get("status"))
    return reply([relays.answer(r) for r in rows])


@bp.post("/relay-sources")
@require(policy.EDITORS)
def create_relay_source() -> Any:
    return _created(relays.answer(relays.create(caller(), request.get_json(silent=True) or {})))


@bp.get("/relay-sources/<int:rid>")
@require(ALL_ROLES)
def get_relay_source(rid: int) -> Any:
    return reply(relays.answer(relays.get(caller(), rid)))


review.routes(bp, "/relay-sources", "relay_source", relays, ("submit", "approve", "reject", "disable"),
              reasoned=("reject", "disable"))
