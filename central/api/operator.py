"""Operator API (platform part): areas, stations, play logs, tokens."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api_operator", __name__, url_prefix="/api/v1")
