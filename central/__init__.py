"""Loa central: the Flask service for areas, people, bulletins, schedules, stations and reports."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from . import config, db
from .errors import CentralError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the central. Settings: defaults < environment (``LOA_*``, ``DATABASE_URL``) < ``test_config``.

    Keys: ``DATA_DIR`` (database, audio store, keys), ``DATABASE_URL``, ``SECRET_KEY`` and those in
    ``config.DEFAULTS``. The database is not created here: ``central init`` (``central.cli.initialise``) does it.
    """
    app = Flask(__name__)
    app.config.update(config.DEFAULTS)
    app.config.update(config.from_environment())
    if test_config:
        app.config.update(test_config)
    config.finalise(app.config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    db.init_app(app)
    _register_blueprints(app)
    _register_errors(app)
    app.after_request(_server_time_header)
    return app


def _register_blueprints(app: Flask) -> None:
    from .api import openapi, operator, reports, station, workflow
    from .web import bp as web_bp

    for bp in (station.bp, operator.bp, workflow.bp, reports.bp, openapi.bp, web_bp):
        app.register_blueprint(bp)


def problem_response(body: dict[str, Any], status: int) -> Response:
    resp = jsonify(body)
    resp.status_code = status
    resp.mimetype = PROBLEM_JSON
    return resp


def _register_errors(app: Flask) -> None:
    # Blueprints (e.g. the web UI) may register their own CentralError handler; Flask prefers it.
    @app.errorhandler(CentralError)
    def _central_error(exc: CentralError) -> Response:
        return problem_response(exc.problem(), exc.status)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        if not request.path.startswith("/api/"):
            return exc
        body = {
            "type": "about:blank",
            "title": exc.name,
            "status": exc.code,
            "detail": exc.description or exc.name,
        }
        return problem_response(body, exc.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.path)
        if not request.path.startswith("/api/"):
            return "Lỗi máy chủ (Internal server error)", 500
        body = {
            "type": "about:blank",
            "title": "Lỗi máy chủ",
            "status": 500,
            "detail": "Máy chủ gặp lỗi; hãy thử lại sau hoặc báo quản trị viên. (Internal server error)",
        }
        return problem_response(body, 500)


def _server_time_header(resp: Response) -> Response:
    if request.path.startswith("/api/v1/station/"):
        now = datetime.now(UTC)
        resp.headers["X-Loa-Server-Time"] = now.isoformat(timespec="milliseconds")
    return resp
