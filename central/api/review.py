"""The review workflow's API routes (submit, approve, reject, withdraw, disable), one definition for
bulletins, chimes and relay sources; the rules themselves are in ``services.review``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from .. import policy
from ..auth import current_user, require
from . import reply

ROLES = {"submit": policy.EDITORS, "approve": policy.APPROVERS, "reject": policy.APPROVERS,
         "withdraw": policy.WITHDRAWERS, "disable": policy.APPROVERS}


def reason() -> str | None:
    """The ``reason`` of a JSON body, else of a form (None when neither has one)."""
    body = request.get_json(silent=True)
    if isinstance(body, dict) and isinstance(body.get("reason"), str):
        return body["reason"]
    return request.form.get("reason")


def routes(bp: Blueprint, path: str, noun: str, service: Any, actions: tuple[str, ...],
           reasoned: tuple[str, ...], roles: Mapping[str, tuple[str, ...]] | None = None) -> None:
    """``POST {path}/<id>/{action}`` on ``bp`` for each action; ``reasoned`` ones pass the body's reason.

    ``roles`` overrides who may take a step (schedules: their own schedulers submit).
    """
    allowed = {**ROLES, **(roles or {})}
    for action in actions:
        view = require(allowed[action])(_view(service, action, action in reasoned))
        bp.add_url_rule(f"{path}/<int:rid>/{action}", f"{action}_{noun}", view, methods=["POST"])


def _view(service: Any, action: str, reasoned: bool) -> Any:
    def view(rid: int) -> ResponseReturnValue:
        args = (reason(),) if reasoned else ()
        return reply(service.answer(getattr(service, action)(current_user(), rid, *args)))

    view.__name__ = f"{action}_{service.__name__.rsplit('.', 1)[-1]}"
    return view
