"""Throttling of guessable secrets (passwords, enrollment codes), kept in the database.

Every check of a secret leaves a ``LoginAttempt`` row of its ``kind``, so the count holds across
gunicorn workers and machines. After ``max_failures`` failures for one name (a login name, a code's
hash) or from one address within ``window_s`` seconds, every attempt of that kind is refused, right or
wrong, until enough of those failures have aged out of the window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..errors import TooManyRequests
from ..models import LoginAttempt, utcnow


@dataclass(frozen=True)
class Limit:
    max_failures: int
    window_s: int


class Throttled(TooManyRequests):
    """Too many failures; ``retry_after_s`` says when the next attempt may be heard."""

    def __init__(self, detail: str, retry_after_s: int) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s


def retry_after(kind: str, name: str, remote_addr: str, limit: Limit, now: datetime | None = None) -> int:
    """Seconds until an attempt of ``kind`` for ``name`` from ``remote_addr`` is heard; 0 = now."""
    now = now or utcnow()
    since = now - timedelta(seconds=limit.window_s)
    who = LoginAttempt.name == name
    if remote_addr:
        who = who | (LoginAttempt.remote_addr == remote_addr)
    recent = (
        LoginAttempt.select(LoginAttempt.at)
        .where(LoginAttempt.kind == kind, LoginAttempt.success == False, LoginAttempt.at >= since, who)  # noqa: E712
        .order_by(LoginAttempt.at.desc())
        .limit(limit.max_failures)
    )
    times = [row.at for row in recent]
    if len(times) < limit.max_failures:
        return 0
    # once the max_failures-th newest failure leaves the window, fewer than max_failures remain in it
    return max(1, math.ceil((times[-1] + timedelta(seconds=limit.window_s) - now).total_seconds()))


def guard(kind: str, name: str, remote_addr: str, limit: Limit, detail: str) -> None:
    """Raise ``Throttled`` (429) if ``name`` or ``remote_addr`` has failed too often of late."""
    wait = retry_after(kind, name, remote_addr, limit)
    if wait:
        raise Throttled(detail, wait)


def note(kind: str, name: str, remote_addr: str, success: bool) -> None:
    """Record one attempt; call it outside any transaction the failure rolls back, or it is not counted."""
    LoginAttempt.create(kind=kind, name=name[:100], remote_addr=(remote_addr or "")[:64], success=success)
