"""Defence in depth for manifests: only audio that passed the two-person rule is ever signed.

Whatever the rows say (a bug, a hand-edited database, a hole not found yet), ``screen`` checks every
asset a station's manifest would name against the database, independently of how the builder got
there: it must be the audio of an approved bulletin that has not expired, or of an approved chime
(the house chime included). Items naming anything else are dropped, a programme left without a
bulletin is dropped whole (as the builder does), and the refusal is recorded in the audit log as
``manifest.refused_asset`` (once a day per station and asset, so a station polling every minute
does not bury the log) and logged as an error. The station keeps playing everything else.

Relays (issue 13): a relay item must name an approved relay source (a disabled one is not), else it
is dropped and recorded as ``manifest.refused_relay``; its fallback items are screened like any
item and dropped from the fallback when their audio is not approved (the station then keeps silent).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from central.db import tuples_of
from playlists import model as pm
from playlists.words import Approval

from ..models import AuditLog, Bulletin, Chime, Schedule, Station
from . import audit

log = logging.getLogger(__name__)

ACTION = "manifest.refused_asset"
RELAY_ACTION = "manifest.refused_relay"
ALERT_EVERY = timedelta(days=1)

Planned = list[tuple[Schedule, list[pm.Item]]]


def approved_assets(shas: set[str], now: datetime) -> set[str]:
    """Those of ``shas`` that are an approved chime's audio or an unexpired approved bulletin's."""
    if not shas:
        return set()
    wanted = sorted(shas)
    chimes = Chime.select(Chime.asset).where(Chime.asset.in_(wanted) & (Chime.status == Approval.APPROVED))
    bulletins = Bulletin.select(Bulletin.asset).where(
        Bulletin.asset.in_(wanted) & (Bulletin.status == Approval.APPROVED)
        & (Bulletin.valid_until.is_null() | (Bulletin.valid_until > now))
    )
    return {a for (a,) in tuples_of(chimes)} | {a for (a,) in tuples_of(bulletins)}


def screen(station: Station, planned: Planned, bulletins: dict[int, Any], now: datetime) -> Planned:
    """``planned`` without the items whose audio is not approved; alerts on every refusal."""

    def sha(item: pm.Item) -> str | None:
        if item.bulletin_id is not None:
            b = bulletins.get(item.bulletin_id)
            return b.asset_id if b is not None else None
        return item.asset_sha256

    every = [(s, _flat(items)) for s, items in planned]
    named = {sha(i) for _, items in every for i in items if i.kind not in _NO_AUDIO}
    allowed = approved_assets({s for s in named if s}, now)
    refused = named - allowed
    sources = {i.relay_source_id for _, items in every for i in items if i.kind is pm.ItemKind.RELAY}
    good_sources = approved_sources({x for x in sources if x is not None})
    bad_sources = sources - good_sources
    if not refused and not bad_sources:
        return planned

    def ok(i: pm.Item) -> bool:
        if i.kind is pm.ItemKind.RELAY:
            return i.relay_source_id in good_sources
        return i.kind is pm.ItemKind.PAUSE or sha(i) in allowed

    out: Planned = []
    for s, items in planned:
        kept = [replace(i, fallback=tuple(f for f in i.fallback if ok(f))) for i in items if ok(i)]
        if not any(i.kind in (pm.ItemKind.BULLETIN, pm.ItemKind.RELAY) for i in kept):
            kept = []
        out.append((s, kept))
    for bad in sorted(x or "" for x in refused):
        where = sorted(s.id for s, items in every if any(sha(i) == (bad or None) for i in items))
        _alert(station, bad, where, now)
    for src in sorted(x or 0 for x in bad_sources):
        where = sorted(s.id for s, items in every if any(i.relay_source_id == src for i in items))
        _alert(station, f"relay:{src}", where, now, action=RELAY_ACTION)
    return out


_NO_AUDIO = (pm.ItemKind.PAUSE, pm.ItemKind.RELAY)


def _flat(items: list[pm.Item]) -> list[pm.Item]:
    """The items and the items of their relays' fallbacks."""
    return [x for i in items for x in (i, *i.fallback)]


def approved_sources(ids: set[int]) -> set[int]:
    """Those of ``ids`` that are approved relay sources (a disabled, rejected or unknown one is not)."""
    from ..relay_models import RelaySource

    if not ids:
        return set()
    q = RelaySource.select(RelaySource.id).where(RelaySource.id.in_(sorted(ids)) & (RelaySource.status == Approval.APPROVED))
    return {r for (r,) in tuples_of(q)}


def _alert(station: Station, sha: str, schedule_ids: list[int], now: datetime, action: str = ACTION) -> None:
    log.error("manifest of station %s: refused %s (schedules %s): not approved", station.id, sha, schedule_ids)
    recent = AuditLog.select(AuditLog.detail).where(
        (AuditLog.action == action) & (AuditLog.object_type == "Station")
        & (AuditLog.object_id == str(station.id)) & (AuditLog.at > now - ALERT_EVERY)
    )
    if any((row.detail or {}).get("asset") == sha for row in recent):
        return
    reason = ("Nguồn tiếp sóng chưa được duyệt hoặc đã bị tắt; đã bỏ khỏi manifest. "
              "(Relay source not approved or disabled; left out of the manifest.)") if action == RELAY_ACTION else (
              "Tệp âm thanh không thuộc bản tin hay nhạc hiệu đã duyệt; đã bỏ khỏi manifest. "
              "(Not approved audio; left out of the manifest.)")
    audit.record(None, action, station, asset=sha, schedules=schedule_ids, reason=reason)
