"""Who may do what to which row: roles, the scope of owned rows, and status transitions.

Every service that owns a workflow (bulletins, chimes, programmes, schedules, campaigns, plans,
emergencies, standing alerts) asks these; the views' ``auth.require`` asks the same role tuples.
"""

from __future__ import annotations

from typing import Any

from peewee import Expression, Field

from central.auth import area_subtree_ids, in_scope
from central.errors import Conflict, Forbidden
from central.messages import N_, msg
from central.models import User
from central.services.area_tree import ancestor_ids
from central.words import ROLES, Role

EDITORS = (Role.EDITOR, Role.ADMIN)
APPROVERS = (Role.APPROVER, Role.ADMIN)
WITHDRAWERS = (Role.EDITOR, Role.APPROVER, Role.ADMIN)
ANYONE = ROLES  # every signed-in role (scope still applies)
RACED = N_("Trạng thái vừa được người khác thay đổi; hãy tải lại.")  # a claimed transition someone else won


def ancestors_of_user(user: User) -> list[int]:
    """The areas above ``user``'s own (with it), nearest first; none for a user of the whole tree."""
    if user.area_id is None:
        return []
    return ancestor_ids(user.area_id)


def owner_visible(user: User, owner: Field) -> Expression | None:
    """A where-clause for rows owned (``owner`` area column) in or above ``user``'s area; None = all."""
    scope = area_subtree_ids(user)
    if scope is None:
        return None
    return owner.is_null() | owner.in_(sorted(scope | set(ancestors_of_user(user))))


def can_see_owner(user: User, area_id: int | None) -> bool:
    """Whether ``user`` may read a row owned by ``area_id`` (in, above or at the root of their scope)."""
    scope = area_subtree_ids(user)
    return scope is None or area_id is None or area_id in scope or area_id in ancestors_of_user(user)


def check_owner(user: User, area_id: int | None, what: str) -> None:
    """403 unless ``user`` may change a row owned by ``area_id``."""
    if not in_scope(user, area_id):
        raise Forbidden(msg("%(what)s thuộc đơn vị ngoài phạm vi của bạn.", what=what))


def check_role(user: User, roles: tuple[str, ...], doing: str) -> None:
    """403 unless ``user``'s role is one of ``roles``."""
    if user.role not in roles:
        raise Forbidden(msg("Vai trò '%(role)s' không được %(doing)s.", role=user.role, doing=doing))


def claim_transition(row: Any, before: str, raced: str = RACED) -> None:
    """Save ``row`` only if its status is still ``before`` in the database.

    Two people acting at once (two approvers, an approval racing a withdrawal, two gunicorn
    workers) must not both succeed: the second finds the status changed and gets a 409.
    """
    model = type(row)
    fields = {f: row.__data__[f.name] for f in model._meta.sorted_fields
              if f.name != "id" and f.name in row.__data__}
    changed = model.update(fields).where((model.id == row.id) & (model.status == before)).execute()
    if changed != 1:
        raise Conflict(msg(raced))
