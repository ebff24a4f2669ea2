"""HTTP APIs under ``/api/v1``: the station contract (``station``) and the operator API (the rest).

Helpers for views: ``json_body()`` (a dict or a 400 problem), ``parse_time(s, what)``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import request

from ..errors import Invalid, Unprocessable


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400 problem a person can act on."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid("Nội dung phải là một đối tượng JSON. (The body must be a JSON object.)")
    return body


def parse_time(value: str | None, what: str) -> datetime | None:
    """An ISO 8601 time in UTC (a date alone means its midnight UTC; naive means UTC), or None if empty."""
    if not value:
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError as exc:
        raise Invalid(f"'{what}' không phải thời gian ISO 8601: {value!r}.", field=what) from exc
    try:
        return t.astimezone(UTC) if t.tzinfo is not None else t.replace(tzinfo=UTC)
    except OverflowError:
        raise Unprocessable(f"'{what}' nằm ngoài năm 1–9999. ('{what}' is out of range.)", field=what) from None
