"""Operator API: reports (being built)."""

from flask import Blueprint

bp = Blueprint("api_reports", __name__, url_prefix="/api/v1")
