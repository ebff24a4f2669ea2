"""Programmes (chương trình, model ``Playlist``): ordered bulletins, chimes and pauses, in revisions.

An item is ``{"kind": "bulletin", "bulletin_id"}``, ``{"kind": "chime"}`` (the house chime), ``{"kind":
"chime", "chime_id"}`` or ``{"kind": "chime", "asset_sha256"}`` (an *approved* chime, see
``services.chimes``) or ``{"kind": "pause", "duration_ms"}``. A programme may hold bulletins that are
not approved yet: the manifest leaves them out, so the station skips them.

Revisions (two-person rule for programmes): the items come in numbered revisions and
``Playlist.live_revision`` is the one that airs. A change of items to a programme that a submitted or
approved schedule plays (paused ones too: resuming needs no approval) becomes a *submitted*
revision; the live one keeps airing until a second person approves the change (``approve``), and a
rejected change (``reject``) leaves it on air. A change to a programme no such schedule plays takes
effect at once (an ``applied`` revision): the schedule's own approval reviews it later. A new
proposal supersedes an older one still waiting. Name and description are not audio and change at once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from peewee import IntegrityError, fn

from central.db import database, tuples_of
from central.errors import Conflict, Invalid, NotFound, Unprocessable
from central.messages import N_, msg
from central.models import (
    Asset,
    Playlist,
    PlaylistItem,
    PlaylistRevision,
    Schedule,
    User,
    utcnow,
)
from central.policy import EDITORS, can_see_owner, check_owner, check_role, owner_visible
from central.services import audit, relay_items, review
from central.services import bulletins as bulletins_service
from central.services import chimes as chimes_service
from central.services.bulletins import DataDir
from central.shapes import workflow as shapes
from playlists.words import Approval

MAX_ITEMS = 200
MAX_PAUSE_MS = 10 * 60 * 1000
LOCKING_STATUSES = (Approval.SUBMITTED, Approval.APPROVED)  # a schedule in these has a second person's eyes on it


def chime(data_dir: DataDir) -> Asset:
    """The house chime's Asset row (see ``chimes.house``)."""
    asset: Asset = chimes_service.house(data_dir).asset
    return asset


def _item(actor: User, n: int, raw: Any, data_dir: DataDir | None,
          programme: Playlist | None = None) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise Invalid(msg("Mục %(n)s phải là đối tượng JSON.", n=n))
    kind = raw.get("kind")
    if kind == "bulletin":
        try:
            b = bulletins_service.get(actor, int(raw["bulletin_id"]))
        except (KeyError, TypeError, ValueError):
            raise Invalid(msg("Mục %(n)s: thiếu bulletin_id.", n=n)) from None
        return {"kind": kind, "bulletin": b, "duration_ms": 0}
    if kind == "chime":
        c = chimes_service.for_item(actor, n, raw, data_dir)
        return {"kind": kind, "chime": c, "asset": c.asset_id, "duration_ms": 0}
    if kind == "relay":
        relay = relay_items.parse(actor, n, raw, programme=programme)
        return {"kind": kind, "duration_ms": relay.pop("duration_ms"), "relay": relay}
    if kind == "pause":
        ms = raw.get("duration_ms")
        if not isinstance(ms, int) or isinstance(ms, bool) or not 0 < ms <= MAX_PAUSE_MS:
            raise Invalid(msg("Mục %(n)s: khoảng lặng cần duration_ms từ 1 đến %(MAX_PAUSE_MS)s.", n=n, MAX_PAUSE_MS=MAX_PAUSE_MS))
        return {"kind": kind, "duration_ms": ms}
    raise Invalid(msg("Mục %(n)s: loại '%(kind)s' không hợp lệ (bulletin, chime, pause, relay).", n=n, kind=kind))


def _items(actor: User, raw: Any, data_dir: DataDir | None,
           programme: Playlist | None = None) -> list[dict[str, Any]]:
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
        raise Invalid(msg("Chương trình cần ít nhất một mục trong 'items'."))
    if len(raw) > MAX_ITEMS:
        raise Invalid(msg("Chương trình có tối đa %(MAX_ITEMS)s mục.", MAX_ITEMS=MAX_ITEMS))
    items = [_item(actor, n, r, data_dir, programme) for n, r in enumerate(raw, start=1)]
    if not any(i["kind"] in ("bulletin", "relay") for i in items):
        raise Invalid(msg("Chương trình cần ít nhất một bản tin hoặc một mục tiếp sóng."))
    if programme is not None and any(i["kind"] == "relay" for i in items) and _is_a_fallback(programme):
        raise Unprocessable(msg("Chương trình này đang là dự phòng của một mục tiếp sóng nên không thể chứa mục "
                                "tiếp sóng."))
    return items


def _is_a_fallback(p: Playlist) -> bool:
    """True if a relay item or schedule names ``p`` as its fallback (a fallback never relays)."""
    def names(relay: Any) -> bool:
        return relay_items.fallback_ids(relay)[1] == p.id

    rows = PlaylistItem.select(PlaylistItem.relay).where(PlaylistItem.relay.is_null(False)).tuples()
    scheds = Schedule.select(Schedule.relay).where(Schedule.relay.is_null(False)).tuples()
    return any(names(r) for (r,) in tuples_of(rows)) or any(names(r) for (r,) in tuples_of(scheds))


def _name(data: Mapping[str, Any]) -> str:
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise Invalid(msg("Chương trình cần có tên."), field="name")
    return name.strip()[:200]


def _write_items(p: Playlist, number: int, items: list[dict[str, Any]]) -> None:
    for pos, i in enumerate(items):
        PlaylistItem.create(playlist=p, revision=number, position=pos, **i)


def create(actor: User, data: Mapping[str, Any], data_dir: DataDir | None = None) -> Playlist:
    check_role(actor, EDITORS, "tạo chương trình")
    name = _name(data)
    items = _items(actor, data.get("items"), data_dir)
    with database.atomic():
        p = Playlist.create(name=name, description=str(data.get("description") or ""),
                            area=actor.area_id, created_by=actor, live_revision=1)
        PlaylistRevision.create(playlist=p, number=1, status=Approval.APPLIED, author=actor)
        _write_items(p, 1, items)
        audit.record(actor, "playlist.create", p, name=name, items=len(items))
    return p


def locked(p: Playlist) -> bool:
    """True if a schedule that is submitted or approved (paused or not) plays the programme, itself or
    as a relay's fallback."""
    from central.services.manifests import schedules_with_relay

    locking = (Schedule.deleted == False) & Schedule.status.in_(LOCKING_STATUSES)  # noqa: E712
    if Schedule.select().where((Schedule.playlist == p) & locking).exists():
        return True
    via = schedules_with_relay(lambda r: relay_items.fallback_ids(r)[1] == p.id)
    return bool(via) and Schedule.select().where(Schedule.id.in_(sorted(via)) & locking).exists()


def update(actor: User, programme_id: int, data: Mapping[str, Any], data_dir: DataDir | None = None) -> Playlist:
    """Change name/description at once; new items as a revision (see the module's docstring)."""
    check_role(actor, EDITORS, "sửa chương trình")
    p = get(actor, programme_id)
    check_owner(actor, p.area_id, "Chương trình")
    items = _items(actor, data["items"], data_dir, p) if "items" in data else None
    try:
        with database.atomic():
            if "name" in data:
                p.name = _name(data)
            if "description" in data:
                p.description = str(data.get("description") or "")
            p.updated_at = utcnow()
            p.save()
            rev = _propose(actor, p, items) if items is not None else None
            audit.record(actor, "playlist.update", p, fields=sorted(
                k for k in data if k in ("name", "description", "items")),
                revision=rev.number if rev else None, revision_status=rev.status if rev else None)
    except IntegrityError:  # two edits numbered the same revision at once
        raise Conflict(msg("Chương trình vừa được người khác sửa; hãy tải lại.")) from None
    return p


def _relay_key(relay: Any) -> str | None:
    # a changed relay (source, gap, fallback) is a changed item: it needs the second person again
    return None if relay is None else json.dumps(relay, sort_keys=True)


def _new_key(i: Mapping[str, Any]) -> tuple[Any, ...]:
    b, c = i.get("bulletin"), i.get("chime")
    return (i["kind"], b.id if b else None, c.id if c else None, i.get("asset"), int(i.get("duration_ms") or 0),
            _relay_key(i.get("relay")))


def _row_key(i: PlaylistItem) -> tuple[Any, ...]:
    return (i.kind, i.bulletin_id, i.chime_id, i.asset_id, int(i.duration_ms or 0), _relay_key(i.relay))


def _propose(actor: User, p: Playlist, items: list[dict[str, Any]]) -> PlaylistRevision | None:
    """A new revision of ``p``'s items: applied at once, or submitted if a schedule locks ``p``.

    None if nothing changes: the same items as the one waiting, or as the live one (which also
    withdraws a waiting proposal: the editor went back to what airs). A form that saves a new name
    must not send the unchanged items to the approvers.
    """
    new, waiting = [_new_key(i) for i in items], pending(p)
    if waiting is not None and new == [_row_key(i) for i in ordered_items(p, waiting.number)]:
        return None
    if new == [_row_key(i) for i in ordered_items(p)]:
        _supersede_waiting(p)
        return None
    number = (PlaylistRevision.select(fn.MAX(PlaylistRevision.number))
              .where(PlaylistRevision.playlist == p).scalar() or p.live_revision) + 1
    _supersede_waiting(p)
    status = Approval.SUBMITTED if locked(p) else Approval.APPLIED
    rev = PlaylistRevision.create(playlist=p, number=number, status=status, author=actor)
    _write_items(p, number, items)
    if status == Approval.APPLIED:
        _go_live(p, rev)
    return rev


def _supersede_waiting(p: Playlist) -> None:
    PlaylistRevision.update(status=Approval.SUPERSEDED).where(
        (PlaylistRevision.playlist == p) & (PlaylistRevision.status == Approval.SUBMITTED)).execute()


def _go_live(p: Playlist, rev: PlaylistRevision) -> None:
    """Put ``rev`` on air (the one it replaces becomes history) and tell the stations."""
    PlaylistRevision.update(status=Approval.SUPERSEDED).where(
        (PlaylistRevision.playlist == p) & (PlaylistRevision.number == p.live_revision)
        & (PlaylistRevision.number != rev.number)
    ).execute()
    Playlist.update(live_revision=rev.number).where(Playlist.id == p.id).execute()
    p.live_revision = rev.number
    _bump(p)


def pending(p: Playlist) -> PlaylistRevision | None:
    """The revision waiting for a second person, if any."""
    return (PlaylistRevision.select()
            .where((PlaylistRevision.playlist == p) & (PlaylistRevision.status == Approval.SUBMITTED))
            .order_by(PlaylistRevision.number.desc()).first())


def approve(actor: User, programme_id: int) -> Playlist:
    """Approve the waiting change: it goes on air at the stations' next sync."""
    return CHANGE.approve(actor, programme_id).playlist


def reject(actor: User, programme_id: int, reason: Any) -> Playlist:
    """Reject the waiting change (the reason is asked for first); the approved items stay on air."""
    return CHANGE.reject(actor, programme_id, review.rejection(reason)).playlist


def delete(actor: User, programme_id: int) -> None:
    check_role(actor, EDITORS, "xóa chương trình")
    p = get(actor, programme_id)
    check_owner(actor, p.area_id, "Chương trình")
    live = Schedule.select().where((Schedule.playlist == p) & (Schedule.deleted == False))  # noqa: E712
    if live.exists() or _is_a_fallback(p):
        raise Conflict(msg("Chương trình đang được lịch phát dùng (hoặc làm dự phòng tiếp sóng); xóa lịch trước."))
    with database.atomic():
        audit.record(actor, "playlist.delete", p, name=p.name)
        Schedule.update(playlist=None).where(Schedule.playlist == p).execute()
        p.delete_instance(recursive=False)


def _bump(p: Playlist) -> None:
    from central.services import manifests

    manifests.bump_for_programme(p)


def listing(user: User) -> list[Playlist]:
    q = Playlist.select()
    cond = owner_visible(user, Playlist.area)
    if cond is not None:
        q = q.where(cond)
    return list(q.order_by(Playlist.id.desc()))


def get(user: User, programme_id: int) -> Playlist:
    p = Playlist.get_or_none(Playlist.id == programme_id)
    if p is None or not can_see_owner(user, p.area_id):
        raise NotFound(msg("Không có chương trình số %(pid)s.", pid=programme_id))
    return p


# --- a change's review (the steps are services.review's) ---------------------------------------


def _waiting_change(p: Playlist) -> PlaylistRevision:
    """The change a decision moves: ``p``'s waiting revision, or 409."""
    rev = pending(p)
    if rev is None:
        raise Conflict(msg("Chương trình không có thay đổi nào chờ duyệt."))
    rev.playlist = p  # the programme the caller gets back is the one that went live
    return rev


def _decision_columns(_verb: str, actor: User, reason: str | None) -> dict[str, Any]:
    """A revision records who decided, when, and why it was turned down."""
    return {"approver": actor, "decided_at": utcnow(), "reason": reason}


def _audited(rev: PlaylistRevision, _before: str, reason: str | None) -> tuple[Any, dict[str, Any]]:
    """A change's decision is audited on its programme, by revision number."""
    if rev.status == Approval.APPROVED:
        return rev.playlist, {"revision": rev.number, "author": rev.author.name if rev.author is not None else None}
    return rev.playlist, {"revision": rev.number, "reason": reason}


def _on_decision(rev: PlaylistRevision, _before: str) -> None:
    """An approved change goes on air; a rejected one leaves the live items airing."""
    if rev.status == Approval.APPROVED:
        _go_live(rev.playlist, rev)


_RACED = N_("Thay đổi vừa được người khác quyết định hoặc thay thế; hãy tải lại.")
CHANGE: review.Kind[PlaylistRevision] = review.Kind(
    model=PlaylistRevision, action="playlist.revision", label="programme change", noun="thay đổi chương trình",
    owner_word="Chương trình", find=get, decided=_waiting_change, bump=_on_decision, columns=_decision_columns,
    audited=_audited, wrong_state=_RACED, raced=_RACED,
    own=N_("Không ai được tự duyệt thay đổi chương trình của mình; cần người duyệt thứ hai."),
)


def ordered_items(p: Playlist, revision: int | None = None) -> list[PlaylistItem]:
    """The items of a revision (by default the live one, which is what airs), in order."""
    number = p.live_revision if revision is None else revision
    return list(p.items.where(PlaylistItem.revision == number).order_by(PlaylistItem.position))


def item_duration(i: PlaylistItem) -> int:
    if i.kind == "bulletin":
        b = i.bulletin
        return b.asset.duration_ms if b is not None and b.asset is not None else 0
    if i.kind == "chime":
        return i.asset.duration_ms if i.asset is not None else 0
    return int(i.duration_ms)


def _item_answers(items: list[PlaylistItem]) -> list[shapes.PlaylistItem]:
    return [
        shapes.PlaylistItem(
            kind=i.kind,
            bulletin_id=i.bulletin_id,
            chime_id=i.chime_id,
            asset_sha256=i.asset_id,
            duration_ms=item_duration(i),
            title=i.bulletin.title if i.bulletin is not None else i.chime.title if i.chime is not None else None,
            status=i.bulletin.status if i.bulletin is not None else i.chime.status if i.chime is not None else None,
            relay=relay_items.describe(i.relay) if i.kind == "relay" else None,
        )
        for i in items
    ]


def revision_answer(p: Playlist, rev: PlaylistRevision) -> shapes.PlaylistRevision:
    items = ordered_items(p, rev.number)
    return shapes.PlaylistRevision(
        revision=rev.number,
        status=rev.status,
        author=rev.author.name if rev.author is not None else None,
        approver=rev.approver.name if rev.approver is not None else None,
        reason=rev.reason,
        created_at=rev.created_at.isoformat(),
        items=_item_answers(items),
        duration_ms=sum(item_duration(i) for i in items),
    )


def _latest_rejected(p: Playlist) -> PlaylistRevision | None:
    """The newest revision, if it is a rejected one (so its author sees why)."""
    newest = (PlaylistRevision.select().where(PlaylistRevision.playlist == p)
              .order_by(PlaylistRevision.number.desc()).first())
    return newest if newest is not None and newest.status == Approval.REJECTED else None


def answer(p: Playlist) -> shapes.Playlist:
    """The programme as it airs (``items``), with the change waiting for approval (``pending``)."""
    items = ordered_items(p)
    waiting, rejected = pending(p), _latest_rejected(p)
    return shapes.Playlist(
        id=p.id,
        name=p.name,
        description=p.description,
        area_code=p.area.code if p.area is not None else None,
        revision=p.live_revision,
        items=_item_answers(items),
        duration_ms=sum(item_duration(i) for i in items),
        pending=revision_answer(p, waiting) if waiting else None,
        rejected=revision_answer(p, rejected) if rejected else None,
    )


def waiting_count(user: User) -> int:
    """How many programmes in ``user``'s scope have a change waiting for someone other than its author."""
    waiting = PlaylistRevision.select(PlaylistRevision.playlist).where(
        (PlaylistRevision.status == Approval.SUBMITTED)
        & (PlaylistRevision.author.is_null() | (PlaylistRevision.author != user.id)))
    q = Playlist.select().where(Playlist.id.in_(waiting))
    cond = owner_visible(user, Playlist.area)
    return int((q if cond is None else q.where(cond)).count())


def waiting_for(user: User) -> list[Playlist]:
    """Programmes in ``user``'s scope with a change waiting for approval (for the approvals page)."""
    waiting = PlaylistRevision.select(PlaylistRevision.playlist).where(PlaylistRevision.status == Approval.SUBMITTED)
    q = Playlist.select().where(Playlist.id.in_(waiting))
    cond = owner_visible(user, Playlist.area)
    if cond is not None:
        q = q.where(cond)
    return list(q.order_by(Playlist.id))
