"""Operator API: workflow (being built)."""

from flask import Blueprint

bp = Blueprint("api_workflow", __name__, url_prefix="/api/v1")
