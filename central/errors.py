"""The central's error root and its mapping to RFC 9457 problem details."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class CentralError(Exception):
    """A request that cannot be carried out; ``detail`` tells a person what to do."""

    status = 400
    title = "Yêu cầu không hợp lệ"  # Invalid request

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra

    def problem(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://loa.example/problems/{type(self).__name__}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        body.update(self.extra)
        return body


class Invalid(CentralError):
    status = 400
    title = "Dữ liệu không hợp lệ"  # Invalid data


class Unauthorized(CentralError):
    status = 401
    title = "Chưa xác thực"  # Not authenticated


class Forbidden(CentralError):
    status = 403
    title = "Không có quyền"  # Not allowed


class NotFound(CentralError):
    status = 404
    title = "Không tìm thấy"  # Not found


class Conflict(CentralError):
    status = 409
    title = "Xung đột trạng thái"  # State conflict


class Gone(CentralError):
    status = 410
    title = "Đã hết hiệu lực"  # No longer valid


class TooLarge(CentralError):
    status = 413
    title = "Quá lớn"  # Too large


class Unprocessable(Invalid):
    """Well-formed (it matches the API description) but unusable for what it means."""

    status = 422
    title = "Không xử lý được"  # Unprocessable content


class TooManyRequests(CentralError):
    status = 429
    title = "Quá nhiều yêu cầu"  # Too many requests


class RangeNotSatisfiable(CentralError):
    status = 416
    title = "Khoảng byte không hợp lệ"  # Range not satisfiable


class Unavailable(CentralError):
    """The central cannot serve this now (e.g. a stored file is missing); clients retry later."""

    status = 503
    title = "Tạm thời không phục vụ được"  # Service unavailable


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
