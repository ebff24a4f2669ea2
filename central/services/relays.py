"""Relay sources (nguồn tiếp sóng): streams stations rebroadcast, approved like bulletins (issue 13).

Workflow: ``draft → submitted → approved | rejected``; editors (and admins) create and submit,
approvers (and admins) decide, never on their own source. An approver can ``disable`` an approved
source at once: it leaves every manifest at the stations' next sync (their manifests are bumped),
and relay items naming it fall back to nothing (the station's timeline keeps the rest). A disabled
or rejected source may be submitted again, and needs a second person again.

A programme's or schedule's relay item may name only an approved source (``for_item``); the
manifest guard checks it again when a manifest is built. Scope as for chimes: a source belongs to
its author's area; people see those of their subtree and above.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from central.db import database
from central.errors import Conflict, Forbidden, Invalid, NotFound, Unprocessable
from central.messages import msg
from central.models import User, utcnow
from central.policy import (
    APPROVERS,
    EDITORS,
    can_see_owner,
    check_owner,
    check_role,
    claim_transition,
    owner_visible,
)
from central.relay_models import RelaySource
from central.services import audit
from playlists.words import Approval

log = logging.getLogger(__name__)

MAX_URL = 1000
SCHEMES = ("http", "https")


def _name(data: Mapping[str, Any]) -> str:
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise Invalid(msg("Nguồn tiếp sóng cần có tên."), field="name")
    return name.strip()[:200]


def _url(data: Mapping[str, Any]) -> str:
    """An HTTP(S) stream address: Icecast MP3/AAC/Ogg or an HLS ``.m3u8`` playlist."""
    url = data.get("url")
    if not isinstance(url, str) or not url.strip():
        raise Invalid(msg("Cần địa chỉ luồng phát (url)."), field="url")
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES or not parts.hostname or len(url) > MAX_URL or " " in url:
        raise Invalid(msg("Địa chỉ luồng phải là http:// hoặc https:// (ví dụ http://host:8000/vov1.mp3)."),
                      field="url")
    return url


def create(actor: User, data: Mapping[str, Any]) -> RelaySource:
    """A draft relay source (``submit`` true: submitted at once)."""
    check_role(actor, EDITORS, "tạo nguồn tiếp sóng")
    name, url = _name(data), _url(data)
    note = data.get("note")
    with database.atomic():
        r = RelaySource.create(name=name, url=url, note=str(note or "")[:2000], author=actor,
                               area=actor.area_id)
        audit.record(actor, "relay.create", r, name=name, url=url)
    if data.get("submit"):
        r = submit(actor, r.id)
    return r


def listing(user: User, status: str | None = None) -> list[RelaySource]:
    q = RelaySource.select()
    cond = owner_visible(user, RelaySource.area)
    if cond is not None:
        q = q.where(cond)
    if status:
        q = q.where(RelaySource.status == status)
    return list(q.order_by(RelaySource.id.desc()))


def waiting_count(user: User) -> int:
    """How many submitted relay sources in ``user``'s scope wait for someone other than their author."""
    q = RelaySource.select().where((RelaySource.status == Approval.SUBMITTED)
                                   & (RelaySource.author.is_null() | (RelaySource.author != user.id)))
    cond = owner_visible(user, RelaySource.area)
    return int((q if cond is None else q.where(cond)).count())


def get(user: User, rid: int) -> RelaySource:
    r = RelaySource.get_or_none(RelaySource.id == rid) if 0 < rid < 2**63 else None
    if r is None or not can_see_owner(user, r.area_id):
        raise NotFound(msg("Không có nguồn tiếp sóng số %(id)s.", id=rid))
    return r


def to_dict(r: RelaySource) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "url": r.url,
        "note": r.note,
        "status": r.status,
        "author": r.author.name if r.author is not None else None,
        "approver": r.approver.name if r.approver is not None else None,
        "disabled_by": r.disabled_by.name if r.disabled_by is not None else None,
        "reason": r.reject_reason,
        "area_code": r.area.code if r.area is not None else None,
        "created_at": r.created_at.isoformat(),
        "decided_at": r.decided_at.isoformat() if r.decided_at else None,
        "disabled_at": r.disabled_at.isoformat() if r.disabled_at else None,
    }


def for_item(actor: User, n: int, source_id: Any) -> RelaySource:
    """The source a relay item names: only an approved one in the actor's sight."""
    if not isinstance(source_id, int) or isinstance(source_id, bool):
        raise Invalid(msg("Mục %(n)s: relay_source_id phải là số.", n=n))
    r = RelaySource.get_or_none(RelaySource.id == source_id) if 0 < source_id < 2**63 else None
    if r is None or not can_see_owner(actor, r.area_id):
        raise Unprocessable(msg("Mục %(n)s: không có nguồn tiếp sóng số %(id)s.", n=n, id=source_id))
    if r.status != Approval.APPROVED:
        raise Unprocessable(msg("Mục %(n)s: nguồn tiếp sóng '%(name)s' chưa được duyệt (đang '%(status)s'); chỉ "
                                "dùng được nguồn đã duyệt.", n=n, name=r.name, status=r.status))
    return r


# --- workflow ------------------------------------------------------------------------------


def _in_state(r: RelaySource, states: tuple[str, ...], doing: str) -> None:
    if r.status not in states:
        raise Conflict(msg("Không thể %(doing)s nguồn tiếp sóng đang ở trạng thái '%(status)s'.", doing=doing,
                           status=r.status), current_status=r.status)


def _editable(actor: User, rid: int, roles: tuple[str, ...], doing: str) -> RelaySource:
    check_role(actor, roles, doing)
    r = get(actor, rid)
    check_owner(actor, r.area_id, "Nguồn tiếp sóng")
    return r


def _not_own(actor: User, r: RelaySource) -> None:
    if r.author_id == actor.id:
        raise Forbidden(msg("Không ai được tự duyệt nguồn tiếp sóng của mình; cần người duyệt thứ hai."))


def submit(actor: User, rid: int) -> RelaySource:
    r = _editable(actor, rid, EDITORS, "gửi duyệt nguồn tiếp sóng")
    _in_state(r, (Approval.DRAFT, Approval.REJECTED, "disabled"), "gửi duyệt")
    return _move(actor, r, Approval.SUBMITTED, "relay.submit", submitted_at=utcnow(), reject_reason=None)


def approve(actor: User, rid: int) -> RelaySource:
    """Approve a submitted source: an approver (or admin) other than its author."""
    r = _editable(actor, rid, APPROVERS, "duyệt nguồn tiếp sóng")
    _not_own(actor, r)
    _in_state(r, (Approval.SUBMITTED,), "duyệt")
    return _move(actor, r, Approval.APPROVED, "relay.approve", approver=actor, decided_at=utcnow(),
                 disabled_by=None, disabled_at=None)


def reject(actor: User, rid: int, reason: Any) -> RelaySource:
    r = _editable(actor, rid, APPROVERS, "từ chối nguồn tiếp sóng")
    if not isinstance(reason, str) or not reason.strip():
        raise Invalid(msg("Cần ghi lý do từ chối."), field="reason")
    _not_own(actor, r)
    _in_state(r, (Approval.SUBMITTED,), "từ chối")
    return _move(actor, r, Approval.REJECTED, "relay.reject", approver=actor, decided_at=utcnow(),
                 reject_reason=reason.strip())


def disable(actor: User, rid: int, reason: Any = None) -> RelaySource:
    """Take an approved source off the air at once (one approver suffices: it only removes)."""
    r = _editable(actor, rid, APPROVERS, "tắt nguồn tiếp sóng")
    _in_state(r, (Approval.APPROVED,), "tắt")
    note = reason.strip() if isinstance(reason, str) and reason.strip() else None
    return _move(actor, r, "disabled", "relay.disable", disabled_by=actor, disabled_at=utcnow(),
                 reject_reason=note)


def _move(actor: User, r: RelaySource, status: str, action: str, **changes: Any) -> RelaySource:
    from central.services import manifests

    before = r.status
    with database.atomic():
        for k, v in changes.items():
            setattr(r, k, v)
        r.status, r.updated_at = status, utcnow()
        claim_transition(r, before)
        audit.record(actor, action, r, before=before, after=status, reason=changes.get("reject_reason"))
        if Approval.APPROVED in (before, status):
            manifests.bump_for_relay_source(r.id)
    log.info("relay source %s: %s -> %s by %s", r.id, before, status, actor.name)
    return r
