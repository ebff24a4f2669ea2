"""The station contract (docs/contract.md): enroll, manifest, assets, play-logs, heartbeat."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api_station", __name__, url_prefix="/api/v1/station")
