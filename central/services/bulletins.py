"""Bulletins (bản tin): made by upload or TTS, then ``draft → submitted → approved | rejected``,
``approved → withdrawn``.

Rules (docs/architecture.md; the two-person rule in docs/two-person-rule.md):
- editors (and admins) create, edit and submit; only drafts and rejected bulletins can be edited,
  and an edit of a rejected bulletin makes it a draft again;
- approvers and admins approve or reject, never their own bulletin (two-person rule; an admin is
  no exception); a rejection needs a reason;
- editors, approvers and admins may withdraw an approved bulletin: withdrawing only takes audio off
  the air, so one person suffices;
- every transition is audited, and approval or withdrawal bumps the manifests of the stations that
  schedule it.

Scope: a bulletin belongs to its author's area. People see bulletins of their subtree and of the
areas above them (a commune sees what the province made); they change only those of their subtree.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from os import PathLike, fspath
from typing import Any

from peewee import JOIN

import audio_library
from audio_library.pipeline import loudness_warning as warning
from central import shapes
from central.db import database
from central.errors import Conflict, Forbidden, Invalid, NotFound, Unprocessable
from central.messages import N_, msg
from central.models import (
    Area,
    Asset,
    Bulletin,
    Campaign,
    Category,
    Emergency,
    PlaylistItem,
    Schedule,
    StandingAlert,
    User,
    utcnow,
)
from central.policy import (
    EDITORS,
    WITHDRAWERS,
    can_see_owner,
    check_role,
    claim_transition,
    owner_visible,
)
from central.services import audit, languages, review
from central.services import categories as categories_service
from central.shapes.workflow import BulletinPatch, BulletinTTS, BulletinUpload
from central.times import parse_time
from central.words import Role
from playlists.words import Approval

log = logging.getLogger(__name__)

DataDir = str | PathLike[str]


# --- fields: the shapes are BulletinTTS, BulletinPatch and BulletinUpload (central/shapes/workflow.py) ---


def campaign_by_id(value: Any) -> Campaign | None:
    if value is None or value == "":
        return None
    try:
        cid = int(value)
    except (TypeError, ValueError):  # a list's query parameter (the API checked it; a web filter is text)
        raise Invalid(msg("campaign_id phải là số."), field="campaign_id") from None
    c = Campaign.get_or_none(Campaign.id == cid)
    if c is None:
        raise Unprocessable(msg("Không có đợt tuyên truyền số %(cid)s.", cid=cid), field="campaign_id")
    return c


def parse_fields(data: Mapping[str, Any], partial: bool = False) -> dict[str, Any]:
    """Column values from a body its shape has read: what the values name, and a window that ends after it starts."""
    out: dict[str, Any] = {}
    if "title" in data or not partial:
        out["title"] = data["title"].strip()
    if "category" in data:
        out["category"] = categories_service.by_code(data["category"])
    if "campaign_id" in data:
        out["campaign"] = campaign_by_id(data["campaign_id"])
    if "language" in data:
        out["language"] = languages.normalise(data["language"])
    if "priority" in data:
        out["priority"] = data["priority"]
    for key in ("valid_from", "valid_until"):
        if key in data:
            out[key] = parse_time(data[key], key)
    lo, hi = out.get("valid_from"), out.get("valid_until")
    if lo is not None and hi is not None and hi <= lo:
        raise Unprocessable(msg("valid_until phải sau valid_from."))
    return out


# --- creation ------------------------------------------------------------------------------


def save_asset(encoded: Any, data_dir: DataDir, original_name: str | None = None) -> Asset:
    """Keep encoded audio in the central's store (``DATA_DIR/assets``) and its Asset row."""
    from central.services import assets

    return assets.save_encoded(fspath(data_dir), encoded, original_name)


def _create(actor: User, fields: dict[str, Any], asset: Asset, how: str, noted: dict[str, Any] | None = None,
            **extra: Any) -> Bulletin:
    check_role(actor, EDITORS, "tạo bản tin")
    with database.atomic():
        b = Bulletin.create(author=actor, area=actor.area_id, asset=asset, status=Approval.DRAFT, **fields, **extra)
        audit.record(actor, "bulletin.create", b, how=how, title=b.title, asset=asset.sha256, **(noted or {}))
    log.info("bulletin %s created by %s (%s)", b.id, actor.name, how)
    return b


def create_uploaded(
    actor: User, data: bytes, filename: str | None, form: Mapping[str, Any], data_dir: DataDir,
    *, ffmpeg: str | None = None,
) -> Bulletin:
    """A draft from an uploaded audio file or a browser recording (any format ffmpeg reads), normalised
    for speech; ``trim_start``/``trim_end`` (seconds) keep only that part.

    ``ffmpeg`` is the binary from the central's settings (None: the audio library's default).
    """
    check_role(actor, EDITORS, "tạo bản tin")
    # the file's bytes come apart (``data``); the form's text is read as the numbers its shape names
    form = shapes.read(BulletinUpload, {"file": "", **form}, form=True).model_dump(exclude_unset=True)
    fields = parse_fields(form)
    trim = parse_trim(form)
    if not data:
        raise Invalid(msg("Chưa có tệp âm thanh (trường 'file')."), field="file")
    encoded = audio_library.ingest(data, profile="speech", limits=audio_library.Limits(ffmpeg=ffmpeg), trim=trim)
    asset = save_asset(encoded, data_dir, filename)
    how = "recording" if form.get("source") == "recording" else "upload"
    return _create(actor, fields, asset, how, {"trim": list(trim)} if trim else None)


def parse_trim(form: Mapping[str, Any]) -> tuple[float, float | None] | None:
    """The part of a recording to keep: ``trim_start``/``trim_end`` in seconds (empty: the edge)."""
    start, end = form.get("trim_start"), form.get("trim_end")
    if start is None and end is None:
        return None
    if end is not None and end <= (start or 0.0):
        raise Unprocessable(msg("Điểm cắt cuối phải sau điểm cắt đầu."), field="trim_end")
    return (start or 0.0), end


def create_spoken(
    actor: User, body: Mapping[str, Any], data_dir: DataDir,
    *, ffmpeg: str | None = None, gtts_host: str | None = None,
) -> Bulletin:
    """A draft read aloud from ``text`` by TTS (gTTS at ``gtts_host``, or eSpeak NG offline)."""
    from central.services import bulletin_speech

    check_role(actor, EDITORS, "tạo bản tin")
    shapes.read(BulletinTTS, body)
    fields = parse_fields(body)
    speech = bulletin_speech.speech_request(body, language=fields.get("language", languages.VIETNAMESE))
    synth, encoded = bulletin_speech.speak(speech, ffmpeg=ffmpeg, gtts_host=gtts_host)
    asset = save_asset(encoded, data_dir, None)
    return _create(actor, fields, asset, "tts", text=speech.text, tts_engine=synth.engine)


# --- reading -------------------------------------------------------------------------------


def visible(user: User) -> Any:
    """Bulletins ``user`` may see, with what ``answer`` shows joined in (one query per list)."""
    author, approver = User.alias(), User.alias()
    q = (
        Bulletin.select(Bulletin, Asset, Category, Area, author, approver)
        .join_from(Bulletin, Asset, JOIN.LEFT_OUTER)
        .join_from(Bulletin, Category, JOIN.LEFT_OUTER)
        .join_from(Bulletin, Area, JOIN.LEFT_OUTER)
        .join_from(Bulletin, author, JOIN.LEFT_OUTER, on=(Bulletin.author == author.id), attr="author")
        .join_from(Bulletin, approver, JOIN.LEFT_OUTER, on=(Bulletin.approver == approver.id),
                   attr="approver")
    )
    cond = owner_visible(user, Bulletin.area)
    return q if cond is None else q.where(cond)


def listing(user: User, status: str | None = None, category: str | None = None,
            campaign: Any = None, language: str | None = None) -> list[Bulletin]:
    q = visible(user)
    if status:
        q = q.where(Bulletin.status == status)
    if language:
        q = q.where(Bulletin.language == languages.normalise(language))
    if category:
        cat = categories_service.by_code(category)
        q = q.where(Bulletin.category == cat)
    if campaign not in (None, ""):
        q = q.where(Bulletin.campaign == campaign_by_id(campaign))
    return list(q.order_by(Bulletin.id.desc()))


def waiting_count(user: User) -> int:
    """How many submitted bulletins in ``user``'s scope wait for someone other than their author."""
    return review.waiting_count(KIND, user)


def get(user: User, bid: int) -> Bulletin:
    b = Bulletin.get_or_none(Bulletin.id == bid)
    if b is None or not can_see_owner(user, b.area_id):
        raise NotFound(msg("Không có bản tin số %(bid)s.", bid=bid))
    return b


def loudness_warning(b: Bulletin) -> str | None:
    """What the uploader is told when the bulletin's audio misses the loudness target by over 1 LU."""
    return None if b.asset is None else warning(b.asset.loudness_lufs)


def answer(b: Bulletin) -> shapes.workflow.Bulletin:
    a = b.asset
    cat: Category | None = b.category
    decided = review.decision(b)
    return shapes.workflow.Bulletin(
        id=b.id,
        title=b.title,
        status=b.status,
        category=cat.code if cat else None,
        category_name=cat.name if cat else None,
        campaign_id=b.campaign_id,
        language=b.language,
        priority=b.priority,
        valid_from=_iso(b.valid_from),
        valid_until=_iso(b.valid_until),
        asset=None if a is None else shapes.workflow.BulletinAsset(
            sha256=a.sha256,
            duration_ms=a.duration_ms,
            size=a.size,
            loudness_lufs=a.loudness_lufs,
            loudness_warning=loudness_warning(b),
        ),
        text=b.text,
        tts_engine=b.tts_engine,
        author=b.author.name,  # never null for a bulletin (decision's is, for a built-in chime)
        approver=decided["approver"],
        reason=decided["reason"],
        area_code=decided["area_code"],
        created_at=decided["created_at"],
        decided_at=decided["decided_at"],
        submitted_at=_iso(b.submitted_at),
        withdrawn_at=_iso(b.withdrawn_at),
    )


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat()


# --- workflow ------------------------------------------------------------------------------


def _bump(b: Bulletin, _before: str) -> None:
    from central.services import manifests

    if b.status in (Approval.APPROVED, Approval.WITHDRAWN):
        manifests.bump_for_bulletin(b)


def edit(actor: User, bid: int, data: Mapping[str, Any], data_dir: DataDir | None = None,
         *, ffmpeg: str | None = None, gtts_host: str | None = None) -> Bulletin:
    """Change a draft's (or a rejected bulletin's) details; a rejected one becomes a draft again.

    New ``text`` (or engine, voice, speed) makes a TTS bulletin read again into new audio; for a
    recording the text is its transcript. The old audio is forgotten when nothing else uses it.
    """
    from central.services import assets, bulletin_speech

    b = review.editable(KIND, actor, bid, EDITORS, "sửa")
    review.in_state(KIND, b, (Approval.DRAFT, Approval.REJECTED), "sửa")
    shapes.read(BulletinPatch, data)
    speech_keys = bulletin_speech.SPEECH_KEYS
    fields = parse_fields({k: v for k, v in data.items() if k not in speech_keys}, partial=True)
    if any(k in data for k in speech_keys):
        if data_dir is None:
            raise TypeError("edit() needs data_dir to read a bulletin's new text")
        fields.update(bulletin_speech.new_words(b, data, data_dir, ffmpeg=ffmpeg, gtts_host=gtts_host))
    before, old_sha = b.status, b.asset.sha256 if b.asset is not None else None
    with database.atomic():
        for k, v in fields.items():
            setattr(b, k, v)
        b.status, b.updated_at = Approval.DRAFT, utcnow()
        claim_transition(b, before)  # reading again takes seconds: a submit meanwhile wins
        new_sha = b.asset.sha256 if b.asset is not None else None
        if new_sha != old_sha:
            audit.record(actor, "bulletin.respeak", b, fields=sorted(fields), before=old_sha, after=new_sha)
        else:
            audit.record(actor, "bulletin.edit", b, fields=sorted(fields))
    if old_sha and data_dir is not None and new_sha != old_sha:
        assets.discard_unused(fspath(data_dir), old_sha)
    return b


def delete_draft(actor: User, bid: int, data_dir: DataDir) -> None:
    """Delete a draft (editors, within their scope); its audio goes too unless something else uses it."""
    from central.services import assets

    b = review.editable(KIND, actor, bid, EDITORS, "xóa")
    review.in_state(KIND, b, (Approval.DRAFT,), "xóa")
    for model, why in ((PlaylistItem, msg("Bản nháp đang nằm trong một chương trình; hãy gỡ ra trước khi xóa.")),
                       (Schedule, msg("Bản nháp đang có lịch phát; hãy xóa lịch trước.")),
                       (StandingAlert, msg("Bản nháp đang là bản tin báo động dựng sẵn; hãy gỡ ra trước.")),
                       (Emergency, msg("Bản nháp đã dùng cho một lệnh khẩn cấp; không xóa được."))):
        if model.select().where(model.bulletin == b.id).exists():
            raise Conflict(why)
    sha = b.asset.sha256 if b.asset is not None else None
    with database.atomic():
        if Bulletin.delete().where((Bulletin.id == b.id) & (Bulletin.status == Approval.DRAFT)).execute() != 1:
            raise Conflict(msg("Trạng thái vừa được người khác thay đổi; hãy tải lại."))
        audit.record(actor, "bulletin.delete", b, title=b.title, asset=sha)
    log.info("draft bulletin %s deleted by %s", bid, actor.name)
    if sha:
        assets.discard_unused(fspath(data_dir), sha)


def _ready(b: Bulletin) -> None:
    if b.asset_id is None:
        raise Conflict(msg("Bản tin chưa có âm thanh."))


KIND = review.Kind(
    model=Bulletin, action="bulletin", label="bulletin", noun="bản tin", find=get, bump=_bump, ready=_ready,
    wrong_state=N_("Không thể %(doing)s bản tin đang ở trạng thái '%(status)s'."),
    own=N_("Không ai được tự duyệt bản tin của mình; cần người duyệt thứ hai."),
    own_reject=N_("Không ai tự từ chối bản tin của mình."),
)


submit, approve, reject = KIND.submit, KIND.approve, KIND.reject  # the steps, written once in services.review


def withdraw(actor: User, bid: int, reason: str | None = None) -> Bulletin:
    b = review.editable(KIND, actor, bid, WITHDRAWERS, "thu hồi")
    if b.status == Approval.SUBMITTED:
        return _take_back(actor, b)
    return review.take_off(KIND, actor, b, Approval.WITHDRAWN, "withdraw", "thu hồi", review.note(reason),
                           withdrawn_at=utcnow())


def _take_back(actor: User, b: Bulletin) -> Bulletin:
    """The author takes a bulletin back from the approval queue; it is a draft again, to fix and resend."""
    if b.author_id != actor.id and actor.role != Role.ADMIN:
        raise Forbidden(msg("Chỉ tác giả rút lại được bản tin đang chờ duyệt."))
    return review.move(KIND, actor, b, Approval.DRAFT, "take_back")
