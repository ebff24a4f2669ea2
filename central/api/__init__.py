"""HTTP APIs under ``/api/v1``: the station contract (``station``) and the operator API (the rest).

Helpers for views: ``json_body()`` (a dict or a 400 problem), ``caller()`` (the person ``@require``
let in), ``query_int()``, ``reply()`` (an answer built as ``central.shapes`` models, as JSON); times go
through ``central.times.parse_time``.
"""

from __future__ import annotations

from typing import Any, overload

from flask import Response, jsonify, request

from central.messages import msg

from ..auth import current_user
from ..errors import Invalid
from ..models import User
from ..shapes import plain
from ..words import ROLES

ALL_ROLES = ROLES  # every role (scope still applies)


def json_body(optional: bool = False) -> dict[str, Any]:
    """The request's JSON object (``{}`` for no body at all if ``optional``), or a 400 problem a person can act on."""
    if optional and not request.data:
        return {}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid(msg("Nội dung phải là một đối tượng JSON."))
    return body


def caller() -> User:
    """The person behind this request, in a view guarded by ``@require`` (which already refused nobody)."""
    user = current_user()
    assert user is not None  # @require ran first
    return user


@overload
def query_int(name: str, default: int) -> int: ...
@overload
def query_int(name: str, default: None = None) -> int | None: ...


def query_int(name: str, default: int | None = None) -> int | None:
    """The query parameter ``name`` as an integer (``default`` when absent or empty), else a 400 problem."""
    value = request.args.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise Invalid(msg("Tham số '%(name)s' phải là số nguyên.", name=name), field=name) from None


def reply(body: Any, status: int = 200) -> tuple[Response, int]:
    """``body`` as the JSON answer: services build answers as ``central.shapes`` models, dumped here."""
    return jsonify(plain(body)), status
