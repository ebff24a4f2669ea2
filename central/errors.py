"""The central's error root and its mapping to RFC 9457 problem details.

An error carries a ``Message`` (msgid + parameters, ``central.messages``); its ``title`` is a msgid
too. The API translates both by ``Accept-Language`` (Vietnamese by default); ``type`` and
``status`` never change with the language (station agents read them).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, jsonify, request, session
from werkzeug.exceptions import HTTPException

from central.messages import DEFAULT_LANGUAGE, LANGUAGES, N_, Message, gettext_for

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class CentralError(Exception):
    """A request that cannot be carried out; ``detail`` tells a person what to do."""

    status = 400
    title = N_("Yêu cầu không hợp lệ")

    def __init__(self, detail: Message | str, **extra: Any) -> None:
        self.message = detail if isinstance(detail, Message) else Message(detail)
        super().__init__(str(self.message))
        self.extra = extra

    @property
    def detail(self) -> str:
        """The message in Vietnamese (the CLI's and the logs' language)."""
        return str(self.message)

    def problem(self, lang: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
        """The problem details, ``title`` and ``detail`` in ``lang``."""
        gettext = gettext_for(lang)
        body: dict[str, Any] = {
            "type": f"https://loa.example/problems/{type(self).__name__}",
            "title": gettext(self.title),
            "status": self.status,
            "detail": self.message.render(gettext),
        }
        body.update(self.extra)
        return body


class Invalid(CentralError):
    status = 400
    title = N_("Dữ liệu không hợp lệ")


class Unauthorized(CentralError):
    status = 401
    title = N_("Chưa xác thực")


class Forbidden(CentralError):
    status = 403
    title = N_("Không có quyền")


class NotFound(CentralError):
    status = 404
    title = N_("Không tìm thấy")


class Conflict(CentralError):
    status = 409
    title = N_("Xung đột trạng thái")


class Gone(CentralError):
    status = 410
    title = N_("Đã hết hiệu lực")


class TooLarge(CentralError):
    status = 413
    title = N_("Quá lớn")


class Unprocessable(Invalid):
    """Well-formed (it matches the API description) but unusable for what it means."""

    status = 422
    title = N_("Không xử lý được")


class TooManyRequests(CentralError):
    status = 429
    title = N_("Quá nhiều yêu cầu")


class RangeNotSatisfiable(CentralError):
    status = 416
    title = N_("Khoảng byte không hợp lệ")


class Unavailable(CentralError):
    """The central cannot serve this now (e.g. a stored file is missing); clients retry later."""

    status = 503
    title = N_("Tạm thời không phục vụ được")


# --- mapping to HTTP ------------------------------------------------------------------------


def problem_response(body: dict[str, Any], status: int) -> Response:
    resp = jsonify(body)
    resp.status_code = status
    resp.mimetype = PROBLEM_JSON
    return resp


def init_app(app: Flask) -> None:
    """Answer errors as problem details under ``/api/`` and stamp station replies with server time.

    Blueprints (e.g. the web UI) may register their own ``CentralError`` handler; Flask prefers it.
    """
    app.after_request(_server_time_header)

    @app.errorhandler(CentralError)
    def _central_error(exc: CentralError) -> Response:
        return problem_response(exc.problem(reader_language()), exc.status)

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
        resp = problem_response(body, exc.code or 500)
        # keep what the exception says beyond its body: Allow on a 405 (RFC 9110), Retry-After, ...
        for name, value in exc.get_headers():
            if name.lower() not in ("content-type", "content-length"):
                resp.headers[name] = value
        return resp

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.path)
        if not request.path.startswith("/api/"):
            return "Lỗi máy chủ (Internal server error)", 500
        gettext = gettext_for(reader_language())
        body = {
            "type": "about:blank",
            "title": gettext(N_("Lỗi máy chủ")),
            "status": 500,
            "detail": gettext(N_("Máy chủ gặp lỗi; hãy thử lại sau hoặc báo quản trị viên.")),
        }
        return problem_response(body, 500)


def reader_language() -> str:
    """The reader's language: the one a person chose in the web pages (their session, as when a page
    links a download), else ``Accept-Language``; one of ``LANGUAGES``, Vietnamese by default."""
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    return str(request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE))


def _server_time_header(resp: Response) -> Response:
    if request.path.startswith("/api/v1/station/"):
        now = datetime.now(UTC)
        resp.headers["X-Loa-Server-Time"] = now.isoformat(timespec="milliseconds")
    return resp
