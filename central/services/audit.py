"""The audit log: every state change made by a person is recorded with who, what and when."""

from __future__ import annotations

from typing import Any

from ..models import AuditLog, User


def record(actor: User | None, action: str, obj: Any = None, **detail: Any) -> AuditLog:
    """Record ``action`` (e.g. ``"bulletin.approve"``) by ``actor`` on ``obj`` (a model row or None).

    ``detail`` must be JSON-serialisable; it is stored as given. Call it inside the same transaction
    as the change so that a change and its audit row stand or fall together.
    """
    object_type = type(obj).__name__ if obj is not None else ""
    object_id = None
    if obj is not None:
        object_id = str(obj.get_id()) if hasattr(obj, "get_id") else str(obj)
    return AuditLog.create(
        actor=actor,
        actor_name=actor.name if actor is not None else "system",
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail,
    )
