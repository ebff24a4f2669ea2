"""Chimes and jingles (nhạc hiệu): their own kind of audio, approved like bulletins.

Workflow as for bulletins: ``draft → submitted → approved | rejected``, ``approved → withdrawn``;
editors (and admins) upload and submit, approvers (and admins) decide, never on their own chime.
The house chime is made by Loa itself and approved by construction (``Chime.builtin``).

A programme's chime item may name only an approved chime or the house chime (``for_item``). A
withdrawn chime drops out of programmes at the next sync, like a withdrawn bulletin. Scope as for
bulletins: a chime belongs to its author's area; people see those of their subtree and above.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import audio_library
from central.db import database
from central.errors import Conflict, Invalid, NotFound, Unprocessable
from central.messages import N_, msg
from central.models import Asset, Chime, User, utcnow
from central.policy import EDITORS, WITHDRAWERS, can_see_owner, check_role
from central.services import audit, review
from central.services.bulletins import DataDir, save_asset
from central.shapes import read
from central.shapes import workflow as shapes
from playlists.words import Approval

log = logging.getLogger(__name__)

HOUSE_TITLE = "Nhạc hiệu mặc định"
MAX_CHIME_MS = 60_000  # a jingle, not a programme: longer audio belongs in a bulletin


def house(data_dir: DataDir) -> Chime:
    """The house chime (made, stored and approved once; its bytes never change)."""
    encoded = audio_library.chime_asset()
    row = Chime.get_or_none((Chime.builtin == True) & (Chime.asset == encoded.sha256))  # noqa: E712
    if row is not None:
        return row
    asset = Asset.get_or_none(Asset.sha256 == encoded.sha256) or save_asset(encoded, data_dir, "chime")
    with database.atomic():
        row = Chime.create(title=HOUSE_TITLE, status=Approval.APPROVED, builtin=True, asset=asset,
                           decided_at=utcnow())
        audit.record(None, "chime.house", row, asset=asset.sha256)
    return row


def create_uploaded(actor: User, data: bytes, filename: str | None, form: Mapping[str, Any],
                    data_dir: DataDir, *, ffmpeg: str | None = None) -> Chime:
    """A draft chime from an uploaded audio file, normalised like speech (same loudness).

    ``ffmpeg`` is the binary from the central's settings (None: the audio library's default).
    """
    check_role(actor, EDITORS, "tạo nhạc hiệu")
    # the API's shape (the file's bytes come apart): a web form's title is held to the same rule
    title = read(shapes.ChimeUpload, {"file": "", **{k: form[k] for k in ("title",) if k in form}}, form=True).title
    if not data:
        raise Invalid(msg("Chưa có tệp âm thanh (trường 'file')."), field="file")
    encoded = audio_library.ingest(data, profile="speech", limits=audio_library.Limits(ffmpeg=ffmpeg))
    if encoded.info.duration_ms > MAX_CHIME_MS:
        raise Unprocessable(msg("Nhạc hiệu dài tối đa %(value)s giây; bài dài hơn hãy tạo bản tin.", value=MAX_CHIME_MS // 1000), field="file")
    asset = save_asset(encoded, data_dir, filename)
    with database.atomic():
        c = Chime.create(title=title.strip(), author=actor, area=actor.area_id, asset=asset)
        audit.record(actor, "chime.create", c, title=c.title, asset=asset.sha256)
    return c


def listing(user: User, status: str | None = None) -> list[Chime]:
    return list(review.visible(KIND, user, status).order_by(Chime.builtin.desc(), Chime.id.desc()))


def waiting_count(user: User) -> int:
    """How many submitted chimes in ``user``'s scope wait for someone other than their author."""
    return review.waiting_count(KIND, user)


def get(user: User, cid: int) -> Chime:
    c = Chime.get_or_none(Chime.id == cid)
    if c is None or not can_see_owner(user, c.area_id):
        raise NotFound(msg("Không có nhạc hiệu số %(cid)s.", cid=cid))
    return c


def answer(c: Chime) -> shapes.Chime:
    a: Asset = c.asset
    return shapes.Chime(
        id=c.id,
        title=c.title,
        status=c.status,
        builtin=c.builtin,
        asset=shapes.ChimeAsset(sha256=a.sha256, duration_ms=a.duration_ms, size=a.size,
                                loudness_lufs=a.loudness_lufs),
        **review.decision(c),
    )


# --- use in programmes ---------------------------------------------------------------------


def for_item(actor: User, n: int, raw: Mapping[str, Any], data_dir: DataDir | None) -> Chime:
    """The chime a programme item names: ``chime_id``, ``asset_sha256`` or nothing (the house chime).

    Only an approved chime (or the house chime) may be named: anything else would put audio on the
    air that no second person has heard.
    """
    cid, sha = raw.get("chime_id"), raw.get("asset_sha256")
    if cid is not None:  # an id, as the API's item shape says (the web form sends only digits)
        c = Chime.get_or_none(Chime.id == cid) if 0 < cid < 2**63 else None  # beyond a row id: none
        if c is None or not can_see_owner(actor, c.area_id):
            raise Unprocessable(msg("Mục %(n)s: không có nhạc hiệu số %(cid)s.", n=n, cid=cid))
        return _approved(c, n)
    if sha:
        found = [c for c in Chime.select().where(Chime.asset == str(sha))
                 if c.status == Approval.APPROVED and can_see_owner(actor, c.area_id)]
        if not found and data_dir is not None and _is_house_sha(str(sha)):
            found = [house(data_dir)]  # the house chime named by its sha before its row was made
        if not found:
            raise Unprocessable(msg("Mục %(n)s: tệp âm thanh %(sha)s không phải nhạc hiệu đã được duyệt; chỉ dùng được nhạc hiệu đã duyệt hoặc nhạc hiệu mặc định.", n=n, sha=sha))
        return found[0]
    if data_dir is None:
        raise Invalid(msg("Mục %(n)s: nhạc hiệu cần chime_id.", n=n))
    return house(data_dir)


def _is_house_sha(sha: str) -> bool:
    try:
        return audio_library.chime_asset().sha256 == sha
    except audio_library.AudioError:
        return False


def _approved(c: Chime, n: int) -> Chime:
    if c.status != Approval.APPROVED:
        raise Unprocessable(msg("Mục %(n)s: nhạc hiệu '%(title)s' chưa được duyệt (đang '%(status)s'); "
                               "chỉ dùng được nhạc hiệu đã duyệt.", n=n, title=c.title, status=c.status))
    return c


# --- workflow ------------------------------------------------------------------------------


def _fixed(c: Chime) -> None:
    if c.builtin:
        raise Conflict(msg("Nhạc hiệu mặc định do hệ thống tạo, không đổi được."))


def _bump(c: Chime, _before: str) -> None:
    from central.services import manifests

    if c.status in (Approval.APPROVED, Approval.WITHDRAWN):
        manifests.bump_for_chime(c)


KIND = review.Kind(
    model=Chime, action="chime", label="chime", noun="nhạc hiệu", find=get, bump=_bump, fixed=_fixed,
    wrong_state=N_("Không thể %(doing)s nhạc hiệu đang ở trạng thái '%(status)s'."),
    own=N_("Không ai được tự duyệt nhạc hiệu của mình; cần người duyệt thứ hai."),
)


submit, approve, reject = KIND.submit, KIND.approve, KIND.reject  # the steps, written once in services.review


def withdraw(actor: User, cid: int) -> Chime:
    """Take an approved chime off the air (one person suffices, as for bulletins)."""
    c = review.editable(KIND, actor, cid, WITHDRAWERS, "thu hồi")
    return review.take_off(KIND, actor, c, Approval.WITHDRAWN, "withdraw", "thu hồi",
                           withdrawn_at=utcnow())
