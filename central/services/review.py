"""The two-person review workflow, written once for bulletins, chimes, relay sources, schedules and
programme changes.

``draft → submitted → approved | rejected``; editors (and admins) submit, approvers (and admins)
decide, never on their own row (docs/two-person-rule.md); a rejection needs a reason. Taking an
approved row off the air (withdraw, disable) needs one person: it only removes. Every move claims
the status it started from (two people acting at once: the second gets a 409), is audited as
``<kind>.<verb>``, and lets the kind bump the manifests that name the row.

A ``Kind`` carries what differs: the model, the words (msgids, so the catalogue keeps them) and
the hooks; the kind's own module keeps its one-line public functions and its ``get``. A schedule
also lets approvers submit and keeps only ``approved_by``; a programme change is the programme's
waiting revision (``decided``), goes on air as its bump, and is audited on the programme.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypedDict, TypeVar

from central.db import database
from central.errors import Conflict, Forbidden, Invalid
from central.messages import msg
from central.models import User, utcnow
from central.policy import (
    APPROVERS,
    EDITORS,
    RACED,
    check_owner,
    check_role,
    claim_transition,
    owner_visible,
)
from central.services import audit
from playlists.words import Approval

log = logging.getLogger(__name__)

R = TypeVar("R")  # the kind's model (peewee rows are duck-typed here: status, author_id, area_id)


def _nothing(_row: Any) -> None:
    """No extra check."""


def _itself(row: Any) -> Any:
    """The row found is the row decided."""
    return row


def review_columns(verb: str, actor: User, reason: str | None) -> dict[str, Any]:
    """The review columns a step writes on bulletins, chimes and relay sources."""
    if verb == "submit":
        return {"submitted_at": utcnow(), "reject_reason": None}
    decided = {"approver": actor, "decided_at": utcnow()}
    return {**decided, "reject_reason": reason} if verb == "reject" else decided


def audit_move(row: Any, before: str, reason: str | None) -> tuple[Any, dict[str, Any]]:
    """What a move audits: the row, with the status it left and took, and why."""
    return row, {"before": before, "after": row.status, "reason": reason}


@dataclass(frozen=True)
class Kind(Generic[R]):
    """What differs between the kinds under review."""

    model: type[R]  # the peewee model (status, an author, area or an owner row, the review columns)
    action: str  # the audit prefix: ``bulletin``, ``chime``, ``relay``, ``schedule``, ``playlist.revision``
    label: str  # the log's word: ``bulletin``, ``chime``, ``relay source``
    noun: str  # what people call a row: "bản tin" (the role and scope refusals name it)
    wrong_state: str  # msgid with ``%(doing)s`` and ``%(status)s``
    own: str  # msgid: nobody approves their own row
    find: Callable[[User, int], Any]  # the row ``user`` may see (owning ``area``), or 404
    bump: Callable[[R, str], None]  # (row, status before): bump the manifests naming it
    own_reject: str = ""  # msgid: nobody rejects their own row (empty: ``own``)
    owner_word: str = ""  # the scope refusal's subject (empty: ``noun``, capitalised)
    resubmit_from: tuple[str, ...] = (Approval.DRAFT, Approval.REJECTED)
    submitters: tuple[str, ...] = EDITORS  # who submits (schedules: every scheduler)
    author: str = "author"  # the column naming who wrote the row (schedules: ``created_by``)
    fixed: Callable[[Any], None] = _nothing  # raises for a row nobody may change (the house chime)
    decided: Callable[[Any], R] = _itself  # the row a decision moves (a programme's waiting change), or 409
    ready: Callable[[R], None] = _nothing  # raises for a row not ready to approve (no audio)
    cleared_on_approve: tuple[str, ...] = ()  # columns an approval empties (a relay's disabled_by)
    columns: Callable[[str, User, str | None], dict[str, Any]] = review_columns  # (verb, actor, reason)
    audited: Callable[[R, str, str | None], tuple[Any, dict[str, Any]]] = audit_move  # (row, before, reason)
    raced: str = ""  # msgid: someone moved the row meanwhile (empty: ``policy.claim_transition``'s)

    def submit(self, actor: User, rid: int) -> R:
        """Send a draft (or a rejected row) to the approvers."""
        row = editable(self, actor, rid, self.submitters, "gửi duyệt")
        in_state(self, row, self.resubmit_from, "gửi duyệt")
        return move(self, actor, row, Approval.SUBMITTED, "submit", **self.columns("submit", actor, None))

    def approve(self, actor: User, rid: int) -> R:
        """Approve a submitted row: an approver (or admin) other than its author."""
        row = self.decided(editable(self, actor, rid, APPROVERS, "duyệt"))
        _not_own(self, actor, row, self.own)
        in_state(self, row, (Approval.SUBMITTED,), "duyệt")
        self.ready(row)
        cleared = dict.fromkeys(self.cleared_on_approve)
        return move(self, actor, row, Approval.APPROVED, "approve", **self.columns("approve", actor, None), **cleared)

    def reject(self, actor: User, rid: int, reason: Any) -> R:
        """Send a submitted row back with a reason: an approver (or admin) other than its author."""
        row = self.decided(editable(self, actor, rid, APPROVERS, "từ chối"))
        why = rejection(reason)
        _not_own(self, actor, row, self.own_reject or self.own)
        in_state(self, row, (Approval.SUBMITTED,), "từ chối")
        return move(self, actor, row, Approval.REJECTED, "reject", why, **self.columns("reject", actor, why))


def rejection(reason: Any) -> str:
    """A rejection's reason, stripped; 400 when there is none (a rejection always says why)."""
    if not isinstance(reason, str) or not reason.strip():
        raise Invalid(msg("Cần ghi lý do từ chối."), field="reason")
    return reason.strip()


def visible(kind: Kind[R], user: User, status: str | None = None) -> Any:
    """A query of the rows ``user`` may see (their subtree and above), in ``status`` if given."""
    m: Any = kind.model
    q = m.select()
    cond = owner_visible(user, m.area)
    if cond is not None:
        q = q.where(cond)
    return q.where(m.status == status) if status else q


def waiting_count(kind: Kind[R], user: User) -> int:
    """How many submitted rows in ``user``'s scope wait for someone other than their author."""
    m: Any = kind.model
    q = visible(kind, user, Approval.SUBMITTED)
    author = getattr(m, kind.author)
    return int(q.where(author.is_null() | (author != user.id)).count())


class Decision(TypedDict):
    """The answer's review members every kind carries (unpacked into its ``central.shapes`` answer)."""

    author: str | None
    approver: str | None
    reason: str | None
    area_code: str | None
    created_at: str
    decided_at: str | None


def decision(row: Any) -> Decision:
    """The answer's review fields every kind carries: who wrote and decided it, why, where, when."""
    return {
        "author": row.author.name if row.author is not None else None,
        "approver": row.approver.name if row.approver is not None else None,
        "reason": row.reject_reason,
        "area_code": row.area.code if row.area is not None else None,
        "created_at": row.created_at.isoformat(),
        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
    }


def in_state(kind: Kind[R], row: Any, states: tuple[str, ...], doing: str) -> None:
    """409 unless ``row`` is in one of ``states``."""
    if row.status not in states:
        raise Conflict(msg(kind.wrong_state, doing=doing, status=row.status), current_status=row.status)


def editable(kind: Kind[R], actor: User, rid: int, roles: tuple[str, ...], doing: str) -> Any:
    """The row ``actor`` (in ``roles``) may ``doing`` (a verb: "sửa"): visible, changeable, in their subtree."""
    check_role(actor, roles, f"{doing} {kind.noun}")
    row: Any = kind.find(actor, rid)
    kind.fixed(row)
    check_owner(actor, row.area_id, kind.owner_word or kind.noun.capitalize())
    return row


def _not_own(kind: Kind[R], actor: User, row: Any, msgid: str) -> None:
    """403 for the row's own author: the two-person rule."""
    if getattr(row, f"{kind.author}_id") == actor.id:
        raise Forbidden(msg(msgid))


def take_off(kind: Kind[R], actor: User, row: R, status: str, verb: str, doing: str,
             reason: str | None = None, **changes: Any) -> R:
    """Take an approved row off the air (``withdraw``, ``disable``); one person suffices."""
    in_state(kind, row, (Approval.APPROVED,), doing)
    return move(kind, actor, row, status, verb, reason, **changes)


def note(reason: Any) -> str | None:
    """An optional reason, stripped (None when blank)."""
    return reason.strip() if isinstance(reason, str) and reason.strip() else None


def move(kind: Kind[R], actor: User, row: R, status: str, verb: str, reason: str | None = None, /,
         **changes: Any) -> R:
    """Set ``changes`` and ``status`` if nobody moved the row meanwhile; audit ``<kind>.<verb>``.

    ``reason`` is positional only: a kind's column may be called ``reason`` (a programme change's).
    """
    r: Any = row
    before = r.status
    with database.atomic():
        for k, v in changes.items():
            setattr(r, k, v)
        r.status, r.updated_at = status, utcnow()
        claim_transition(r, before, kind.raced or RACED)
        audited, detail = kind.audited(row, before, changes.get("reject_reason") or reason)
        audit.record(actor, f"{kind.action}.{verb}", audited, **detail)
        kind.bump(row, before)
    log.info("%s %s: %s -> %s by %s", kind.label, r.id, before, status, actor.name)
    return row
