"""What registering the web blueprint sets up on the app: Babel, CSRF, cookie policy, Jinja helpers."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, session
from flask.blueprints import BlueprintSetupState
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect, generate_csrf

from playlists.model import DEFAULT_ZONE, ItemKind
from playlists.words import SCHEDULE_STATUSES, Approval, Audibility, PlayStatus

from ..config import settings
from ..words import EmergencyMode, Role
from . import fmt, queries

log = logging.getLogger(__name__)

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
DEFAULT_LANGUAGE = "vi"
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"

babel = Babel()
csrf = CSRFProtect()


def select_locale() -> str:
    """Vietnamese unless the person chose English (kept in their session)."""
    lang = session.get("lang")
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def init_app(state: BlueprintSetupState) -> None:
    """Runs once when ``create_app`` registers the web blueprint."""
    app = state.app
    _cookie_policy(app)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", DEFAULT_ZONE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    if "babel" not in app.extensions:
        babel.init_app(app, locale_selector=select_locale)
    # The API authenticates with bearer tokens and must not demand a form token, so CSRF is checked
    # only where the web blueprint asks for it (see pages_auth.before_request).
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # tied to the session, not to a clock
    csrf.init_app(app)
    app.jinja_env.globals.update(csrf_token=generate_csrf, LANGUAGES=LANGUAGES, current_lang=select_locale)
    # the domain words, so a template compares with ``Approval.SUBMITTED``, never a bare Approval.SUBMITTED
    app.jinja_env.globals.update(Approval=Approval, Audibility=Audibility, EmergencyMode=EmergencyMode,
                                 ItemKind=ItemKind, PlayStatus=PlayStatus, Role=Role,
                                 SCHEDULE_STATUSES=SCHEDULE_STATUSES, ITEM_KINDS=tuple(ItemKind))
    app.jinja_env.filters.update(fmt.FILTERS)
    app.jinja_env.filters.update(queries.FILTERS)
    app.jinja_env.add_extension("jinja2.ext.loopcontrols")


def _cookie_policy(app: Flask | Any) -> None:
    """HttpOnly, SameSite=Lax always; Secure when the central is served over HTTPS (``secure_cookies``)."""
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = settings(app).secure_cookies
    app.config.setdefault("SESSION_COOKIE_NAME", "loa_session")


def safe_next(target: str | None, default: str) -> str:
    """Only follow same-site relative paths after login or a language switch (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
