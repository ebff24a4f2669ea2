"""Loa central: the Flask service for areas, people, bulletins, schedules, stations and reports."""

from __future__ import annotations

from typing import Any

from flask import Flask

from . import config, db, errors


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
    errors.init_app(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from .api import audit, openapi, operator, reports, station, workflow
    from .web import bp as web_bp

    for bp in (station.bp, operator.bp, workflow.bp, reports.bp, audit.bp, openapi.bp, web_bp):
        app.register_blueprint(bp)
