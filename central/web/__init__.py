"""The central's web UI (being built)."""

from flask import Blueprint

bp = Blueprint("web", __name__)
