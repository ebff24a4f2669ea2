"""A named lease in the database: one process at a time does a chore, on SQLite and PostgreSQL alike.

``acquire`` is one conditional UPDATE (the row is free, expired, or already ours), so two workers
racing for it cannot both win: the database serialises the writes and only one sees a row changed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..alert_models import Lease
from ..db import database
from ..models import utcnow


def acquire(name: str, holder: str, ttl_s: float, now: datetime | None = None) -> bool:
    """Take (or renew) the lease ``name`` for ``ttl_s`` seconds; False if another holder has it."""
    now = now or utcnow()
    with database.atomic():
        Lease.insert(name=name, holder="", expires_at=None).on_conflict_ignore().execute()
        free = Lease.expires_at.is_null() | (Lease.expires_at <= now) | (Lease.holder == holder)
        changed = (Lease.update(holder=holder, expires_at=now + timedelta(seconds=ttl_s))
                   .where((Lease.name == name) & free).execute())
    return changed == 1


def release(name: str, holder: str) -> None:
    """Give the lease back at once (only if still ours), so the next tick anywhere may take it."""
    Lease.update(expires_at=None).where((Lease.name == name) & (Lease.holder == holder)).execute()
