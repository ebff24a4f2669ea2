"""Operator API: openapi (being built)."""

from flask import Blueprint

bp = Blueprint("api_openapi", __name__, url_prefix="/api/v1")
