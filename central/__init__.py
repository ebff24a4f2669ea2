"""Loa central: the Flask service for areas, people, bulletins, schedules, stations and reports."""

from __future__ import annotations

from typing import Any

from flask import Flask

from . import config, db, errors, text_guard
from .services import push


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the central from ``config.load()``: defaults < ``LOA_CONFIG`` file < environment < ``test_config``.

    ``test_config`` keys are settings in upper case (``DATA_DIR``, ``SECURE_COOKIES``…; see
    ``config.Settings``) or Flask's own (``TESTING``…). ``config.settings(app)`` answers the settings;
    ``app.config`` mirrors them for Flask and its extensions. The database is not created here:
    ``central init`` (``central.cli.initialise``) does it.
    """
    settings = config.load(overrides=test_config)
    app = Flask(__name__)
    app.extensions["loa.settings"] = settings
    app.config.update(settings.flask_config())
    app.config.update(config.overrides_for_flask(test_config))
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    if settings.proxy_hops:  # the client's address and scheme as the trusted proxies saw them
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    db.init_app(app)
    text_guard.init_app(app)
    push.init_app(app)
    _register_blueprints(app)
    errors.init_app(app)
    if settings.alerts_timer:  # each gunicorn worker may run it: a database lease keeps one round at a time
        from .services import alert_timer

        alert_timer.start(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from .api import (
        alerts,
        audit,
        emergencies,
        live,
        openapi,
        operator,
        period_reports,
        plans,
        reports,
        station,
        validation,
        workflow,
    )
    from .web import bp as web_bp

    validation.init_app(app)
    for bp in (station.bp, operator.bp, workflow.bp, plans.bp, reports.bp, period_reports.bp, audit.bp,
               emergencies.bp, alerts.bp, live.bp, openapi.bp, web_bp):
        app.register_blueprint(bp)
