"""HTTP APIs under ``/api/v1``: the station contract (``station``) and the operator API (the rest).

Helpers for views: ``json_body()`` (a dict or a 400 problem); times go through ``central.times.parse_time``.
"""

from __future__ import annotations

from typing import Any

from flask import request

from central.messages import msg

from ..errors import Invalid


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400 problem a person can act on."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid(msg("Nội dung phải là một đối tượng JSON."))
    return body
