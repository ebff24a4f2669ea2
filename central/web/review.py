"""The review workflow's page actions (submit, approve, reject, withdraw, disable), one definition for
bulletins, chimes and relay sources; the rules themselves are in ``services.review``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import flash, redirect, request, url_for

from central.errors import CentralError
from playlists.words import Approval

from .context import flash_error, me


def act(service: Any, rid: int, action: str, done: Mapping[str, str], back: str, *,
        reasoned: tuple[str, ...], taken_back: str | None = None) -> Any:
    """Do ``action`` on row ``rid``, flash ``done[action]`` or the error, and go back.

    Back is the approvals page when the form came from there, else ``back``; ``taken_back`` is said
    instead when the move left the row a draft (an author took it back from the queue).
    """
    try:
        args = (request.form.get("reason", ""),) if action in reasoned else ()
        row = getattr(service, action)(me(), rid, *args)
    except CentralError as exc:
        flash_error(exc)
    else:
        flash(taken_back if taken_back and row.status == Approval.DRAFT else done[action], "success")
    if request.form.get("back") == "approvals":
        return redirect(url_for("web.approvals"))
    return redirect(back)
