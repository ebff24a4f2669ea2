"""Live announcements (phát trực tiếp): go live from the browser's microphone to chosen areas.

Who: an approver or admin, or an editor, each within their own scope (the targets must lie in it);
the tier is ``priority`` (it preempts normal slots, waits for a running priority one, and an emergency
beats it: docs/architecture.md, rule 4). What happens:
- ``start`` records a ``LiveSession`` and its archive bulletin (status ``aired-live``, no audio yet), so
  the stations' play logs can name the bulletin from the first second; then it says so on the push
  channel (``loa/area/<code>/live``, a nudge: ``{"live_id", "action"}``);
- the speaker's browser posts audio chunks (``services.live_feed``): ffmpeg feeds Icecast's mount
  ``/live-<id>.ogg`` and the chunks are kept as the recording. Fan-out is Icecast's, never Flask's;
- a station asks ``GET /api/v1/station/live`` (its token) and gets the mount's URL with a per-station
  credential, signed and short-lived (``credential``); Icecast asks the central before each listener
  joins (``listener_allowed``, its ``listener_add`` URL authentication);
- ``end`` (the speaker, or an approver in scope; or the feed's watchdog when the speaker's audio stops
  for ``live_idle_s``) ends the mount, nudges the stations, and ingests the recording into the
  bulletin through the normal pipeline (loudness, speech profile).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import audio_library
from central.auth import area_subtree_ids
from central.config import Settings, write_private
from central.db import database, tuples_of
from central.errors import Conflict, Forbidden, NotFound
from central.live_models import LiveSession
from central.messages import msg
from central.models import Area, Bulletin, Station, User, utcnow
from central.policy import can_see_owner, check_owner, check_role
from central.services import audit, schedules
from central.services.area_tree import ancestor_ids
from central.shapes import live as shapes
from central.shapes.workflow import Targets
from central.words import Role
from playlists import orders
from playlists.model import Priority
from playlists.words import Approval

log = logging.getLogger(__name__)

SPEAKERS = (Role.EDITOR, Role.APPROVER, Role.ADMIN)  # an editor too: within their own area (issue 13, section 2)
ENDERS = (Role.APPROVER, Role.ADMIN)  # besides the speaker: who may end someone else's live in their scope
SOURCE_PASSWORD_FILE = "icecast_source_password"
CREDENTIAL_S = 3600  # a station's mount credential lasts this long; it asks again on every (re)join
_MOUNT = re.compile(r"^/live-([0-9]{1,18})\.ogg$")
_USER = re.compile(r"^station-([0-9]{1,18})$")


def mount(live_id: int) -> str:
    return f"/live-{live_id}.ogg"


def recording_path(settings: Settings, live_id: int) -> Path:
    """Where the speaker's chunks are kept as they came (the archive's source)."""
    folder = Path(settings.data_dir) / "live"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{live_id}.webm"


def source_password(settings: Settings) -> str:
    """Icecast's source password: the setting, else one made once into the data dir (mode 0600)."""
    if settings.icecast_source_password:
        return settings.icecast_source_password
    path = Path(settings.data_dir) / SOURCE_PASSWORD_FILE
    if not path.exists():
        write_private(path, secrets.token_urlsafe(18).encode())
    return path.read_text().strip()


def check_ready(settings: Settings) -> None:
    """409 when this central has no Icecast: live needs one (scheduled playback never does)."""
    if not settings.icecast_url:
        raise Conflict(msg("Phát trực tiếp cần máy chủ Icecast: cài bằng `apt install icecast2` rồi đặt LOA_ICECAST_URL."))


# --- going live and ending ------------------------------------------------------------------


def start(actor: User, data: Mapping[str, Any], settings: Settings) -> LiveSession:
    """Go live: ``{"title", "targets": {"areas": [codes], "stations": [ids]}}``; the archive bulletin is made now."""
    check_role(actor, SPEAKERS, "phát trực tiếp")
    check_ready(settings)
    title = str(data.get("title") or "").strip()[:250] or "Thông báo trực tiếp"
    areas, stations = schedules.targets_of(actor, data.get("targets"))  # scope checked there, area by area
    targets = {"areas": [a.code for a in areas], "stations": [s.id for s in stations]}
    with database.atomic():
        b = Bulletin.create(title=f"Phát trực tiếp: {title}", author=actor, area=actor.area_id,
                            status=Approval.AIRED_LIVE, priority=Priority.PRIORITY, text=None)
        s = LiveSession.create(bulletin=b, title=title, targets=targets, area=actor.area_id, author=actor)
        audit.record(actor, "live.start", s, bulletin=b.id, **targets)
    log.warning("LIVE %s started by %s to %s", s.id, actor.name, targets)
    publish(s, "start", settings)
    return s


def end(actor: User | None, live_id: int, settings: Settings, reason: str = "ended") -> LiveSession:
    """End a live now (the speaker, an approver in scope, or the watchdog with ``actor`` None)."""
    s = _session(live_id)
    if actor is not None:
        _check_may_end(actor, s)
    ended = utcnow()
    changed = LiveSession.update(ended_at=ended, ended_by=actor, end_reason=reason).where(
        (LiveSession.id == s.id) & LiveSession.ended_at.is_null()).execute()
    if changed != 1:
        raise Conflict(msg("Buổi phát trực tiếp này đã kết thúc."))
    with database.atomic():
        audit.record(actor, "live.end", s, reason=reason)
    from central.services import live_feed

    live_feed.close(s.id)  # this process's ffmpeg, if it holds the feed: it leaves the mount
    publish(s, "end", settings)
    log.warning("LIVE %s ended (%s)", s.id, reason)
    _archive(s, recording_path(settings, s.id), settings)
    return LiveSession.get_by_id(s.id)


def _check_may_end(actor: User, s: LiveSession) -> None:
    if not can_see_owner(actor, s.area_id):
        raise NotFound(msg("Không có buổi phát trực tiếp số %(live_id)s.", live_id=s.id))
    if actor.id != s.author_id:
        check_role(actor, ENDERS, "kết thúc buổi phát trực tiếp của người khác")
        check_owner(actor, s.area_id, "Buổi phát trực tiếp")


def _archive(s: LiveSession, recording: Path, settings: Settings) -> None:
    """The recording into the bulletin's audio, through the normal ingest (loudness, speech profile)."""
    from central.services.bulletins import save_asset

    note = None
    if not recording.exists() or recording.stat().st_size == 0:
        note = "Không có âm thanh ghi lại."  # a record, kept in Vietnamese like the audit log
    else:
        try:
            encoded = audio_library.ingest(recording.read_bytes(), profile="speech",
                                           limits=audio_library.Limits(ffmpeg=settings.ffmpeg))
            asset = save_asset(encoded, settings.data_dir, f"live-{s.id}.webm")
            Bulletin.update(asset=asset, updated_at=utcnow()).where(Bulletin.id == s.bulletin_id).execute()
        except audio_library.AudioError as exc:
            note = f"Bản ghi không dùng được: {exc}"
    if note is not None:
        log.warning("live %s: %s", s.id, note)
        LiveSession.update(note=note[:500]).where(LiveSession.id == s.id).execute()


# --- reading ----------------------------------------------------------------------------------


def _session(live_id: int) -> LiveSession:
    s = LiveSession.get_or_none(LiveSession.id == live_id) if 0 < live_id < 2**63 else None
    if s is None:
        raise NotFound(msg("Không có buổi phát trực tiếp số %(live_id)s.", live_id=live_id))
    return s


def get(user: User, live_id: int) -> LiveSession:
    s = _session(live_id)
    if not can_see_owner(user, s.area_id) and not _targets_scope(user, s):
        raise NotFound(msg("Không có buổi phát trực tiếp số %(live_id)s.", live_id=live_id))
    return s


def _targets_scope(user: User, s: LiveSession) -> bool:
    scope = area_subtree_ids(user)
    if scope is None:
        return True
    codes = set(s.targets.get("areas") or [])
    ids = {a for (a,) in tuples_of(Area.select(Area.id).where(Area.code.in_(sorted(codes))))} if codes else set()
    return bool(ids & scope)


def listing(user: User, limit: int = 100) -> list[LiveSession]:
    query = LiveSession.select().order_by(LiveSession.started_at.desc(), LiveSession.id.desc()).limit(limit)
    scope = area_subtree_ids(user)
    if scope is None:
        return list(query)
    return [s for s in query if can_see_owner(user, s.area_id)]


def check_feeder(actor: User, live_id: int) -> LiveSession:
    """The session ``actor`` may feed audio to now: their own, still on air."""
    s = get(actor, live_id)
    if s.author_id != actor.id:
        raise Forbidden(msg("Chỉ người đang phát mới gửi được âm thanh."))
    if s.ended_at is not None:
        raise Conflict(msg("Buổi phát trực tiếp này đã kết thúc."))
    return s


def answer(s: LiveSession) -> shapes.Live:
    def iso(t: Any) -> str | None:
        return None if t is None else t.isoformat(timespec="milliseconds")

    return shapes.Live(
        id=s.id, title=s.title, bulletin_id=s.bulletin_id, priority=s.priority,
        status="on_air" if s.ended_at is None else "ended",
        targets=Targets(areas=s.targets["areas"], stations=s.targets["stations"]),
        author=s.author.name, area_code=s.area.code if s.area is not None else None,
        started_at=s.started_at.isoformat(timespec="milliseconds"), ended_at=iso(s.ended_at),
        end_reason=s.end_reason, mount=mount(s.id), note=s.note,
    )


# --- stations: which live to join, with what credential ----------------------------------------


def station_targeted(station: Station, s: LiveSession) -> bool:
    if station.id in (s.targets.get("stations") or []):
        return True
    codes = set(s.targets.get("areas") or [])
    chain = {code for (code,) in tuples_of(Area.select(Area.code).where(Area.id.in_(ancestor_ids(station.area_id))))}
    return bool(codes & chain)


def for_station(station: Station, settings: Settings, now: float | None = None) -> list[dict[str, Any]]:
    """The lives on air now that target ``station``, each with its mount URL and credential."""
    if not settings.icecast_url:
        return []
    on_air = LiveSession.select().where(LiveSession.ended_at.is_null()).order_by(LiveSession.id)
    base = (settings.icecast_public_url or settings.icecast_url).rstrip("/")
    out = []
    for s in on_air:
        if not station_targeted(station, s):
            continue
        user, password = credential(settings.secret_key, s.id, station.id, now)
        out.append({"id": s.id, "bulletin_id": s.bulletin_id, "title": s.title, "priority": s.priority,
                    "started_at": s.started_at.isoformat(timespec="milliseconds"), "url": base + mount(s.id),
                    "username": user, "password": password, "lost_after_s": settings.live_lost_s})
    return out


def _mac(secret: str, live_id: int, station_id: int, expires: int) -> str:
    msg = f"live|{live_id}|{station_id}|{expires}".encode()
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()


def credential(secret: str, live_id: int, station_id: int, now: float | None = None) -> tuple[str, str]:
    """``(user, password)`` for one station on one mount: ``<expires>.<HMAC-SHA256>``, short-lived."""
    expires = int((now if now is not None else time.time()) + CREDENTIAL_S)
    return f"station-{station_id}", f"{expires}.{_mac(secret, live_id, station_id, expires)}"


def listener_allowed(form: Mapping[str, Any], settings: Settings, now: float | None = None) -> bool:
    """Icecast's ``listener_add`` question: may this user join this mount now?"""
    m, u = _MOUNT.match(str(form.get("mount") or "")), _USER.match(str(form.get("user") or ""))
    expires_text, _, mac = str(form.get("pass") or "").partition(".")
    if m is None or u is None or not expires_text.isdigit() or len(expires_text) > 12:
        return False
    live_id, station_id, expires = int(m.group(1)), int(u.group(1)), int(expires_text)
    if expires < (now if now is not None else time.time()):
        return False
    if not hmac.compare_digest(mac, _mac(settings.secret_key, live_id, station_id, expires)):
        return False
    s = LiveSession.get_or_none((LiveSession.id == live_id) & LiveSession.ended_at.is_null())
    station = Station.get_or_none((Station.id == station_id) & (Station.active == True))  # noqa: E712
    return s is not None and station is not None and station_targeted(station, s)


# --- the push channel -------------------------------------------------------------------------


def topics(s: LiveSession) -> list[str]:
    """The live topics of the targeted areas and of the targeted stations' own areas."""
    codes = set(s.targets.get("areas") or [])
    ids = list(s.targets.get("stations") or [])
    if ids:
        codes |= {c for (c,) in tuples_of(Station.select(Area.code).join(Area).where(Station.id.in_(ids)))}
    return [orders.live_topic(c) for c in sorted(codes)]


def publish(s: LiveSession, action: str, settings: Settings) -> int:
    """Nudge the targeted stations (a nudge: they ask over HTTP); how many topics, 0 without a broker."""
    from central.services import push
    try:
        pub = push.publisher(settings)
        if pub is None:
            return 0
        found = topics(s)
        for topic in found:
            pub.publish(topic, orders.live_payload(s.id, action))
        return len(found)
    except Exception:  # the push channel is a courtesy; a station also asks on each (re)connect
        log.exception("live %s: the push channel refused the %s nudge", s.id, action)
        return 0

