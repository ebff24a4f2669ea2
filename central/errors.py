"""The central's error root and its mapping to RFC 9457 problem details."""

from __future__ import annotations

from typing import Any


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


class TooManyRequests(CentralError):
    status = 429
    title = "Quá nhiều yêu cầu"  # Too many requests


class RangeNotSatisfiable(CentralError):
    status = 416
    title = "Khoảng byte không hợp lệ"  # Range not satisfiable
