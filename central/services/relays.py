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
from central.errors import Invalid, NotFound, Unprocessable
from central.messages import N_, msg
from central.models import User, utcnow
from central.policy import APPROVERS, EDITORS, can_see_owner, check_role
from central.relay_models import RelaySource
from central.services import audit, review
from central.shapes import relays as shapes
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
    return list(review.visible(KIND, user, status).order_by(RelaySource.id.desc()))


def waiting_count(user: User) -> int:
    """How many submitted relay sources in ``user``'s scope wait for someone other than their author."""
    return review.waiting_count(KIND, user)


def get(user: User, rid: int) -> RelaySource:
    r = RelaySource.get_or_none(RelaySource.id == rid) if 0 < rid < 2**63 else None
    if r is None or not can_see_owner(user, r.area_id):
        raise NotFound(msg("Không có nguồn tiếp sóng số %(id)s.", id=rid))
    return r


def answer(r: RelaySource) -> shapes.RelaySource:
    return shapes.RelaySource(
        id=r.id,
        name=r.name,
        url=r.url,
        note=r.note,
        status=r.status,
        **review.decision(r),
        disabled_by=r.disabled_by.name if r.disabled_by is not None else None,
        disabled_at=r.disabled_at.isoformat() if r.disabled_at else None,
    )


def for_item(actor: User, n: int, source_id: int) -> RelaySource:
    """The source a relay item names (an id, as its shape says): only an approved one in the actor's sight."""
    r = RelaySource.get_or_none(RelaySource.id == source_id)
    if r is None or not can_see_owner(actor, r.area_id):
        raise Unprocessable(msg("Mục %(n)s: không có nguồn tiếp sóng số %(id)s.", n=n, id=source_id))
    if r.status != Approval.APPROVED:
        raise Unprocessable(msg("Mục %(n)s: nguồn tiếp sóng '%(name)s' chưa được duyệt (đang '%(status)s'); chỉ "
                                "dùng được nguồn đã duyệt.", n=n, name=r.name, status=r.status))
    return r


# --- workflow ------------------------------------------------------------------------------


def _bump(r: RelaySource, before: str) -> None:
    from central.services import manifests

    if Approval.APPROVED in (before, r.status):
        manifests.bump_for_relay_source(r.id)


KIND = review.Kind(
    model=RelaySource, action="relay", label="relay source", noun="nguồn tiếp sóng", find=get, bump=_bump,
    wrong_state=N_("Không thể %(doing)s nguồn tiếp sóng đang ở trạng thái '%(status)s'."),
    own=N_("Không ai được tự duyệt nguồn tiếp sóng của mình; cần người duyệt thứ hai."),
    resubmit_from=(Approval.DRAFT, Approval.REJECTED, Approval.DISABLED), cleared_on_approve=("disabled_by", "disabled_at"),
)


submit, approve, reject = KIND.submit, KIND.approve, KIND.reject  # the steps, written once in services.review


def disable(actor: User, rid: int, reason: Any = None) -> RelaySource:
    """Take an approved source off the air at once (one approver suffices: it only removes)."""
    r = review.editable(KIND, actor, rid, APPROVERS, "tắt")
    return review.take_off(KIND, actor, r, Approval.DISABLED, "disable", "tắt", disabled_by=actor, disabled_at=utcnow(),
                           reject_reason=review.note(reason))
