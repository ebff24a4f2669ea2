"""Defence in depth for manifests: only audio that passed the two-person rule is ever signed.

Whatever the rows say (a bug, a hand-edited database, a hole not found yet), ``screen`` checks every
asset a station's manifest would name against the database, independently of how the builder got
there: it must be the audio of an approved bulletin that has not expired, or of an approved chime
(the house chime included). Items naming anything else are dropped, a programme left without a
bulletin is dropped whole (as the builder does), and the refusal is recorded in the audit log as
``manifest.refused_asset`` (once a day per station and asset, so a station polling every minute
does not bury the log) and logged as an error. The station keeps playing everything else.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from central.db import tuples_of
from playlists import model as pm

from ..models import AuditLog, Bulletin, Chime, Schedule, Station
from . import audit

log = logging.getLogger(__name__)

ACTION = "manifest.refused_asset"
ALERT_EVERY = timedelta(days=1)

Planned = list[tuple[Schedule, list[pm.Item]]]


def approved_assets(shas: set[str], now: datetime) -> set[str]:
    """Those of ``shas`` that are an approved chime's audio or an unexpired approved bulletin's."""
    if not shas:
        return set()
    wanted = sorted(shas)
    chimes = Chime.select(Chime.asset).where(Chime.asset.in_(wanted) & (Chime.status == "approved"))
    bulletins = Bulletin.select(Bulletin.asset).where(
        Bulletin.asset.in_(wanted) & (Bulletin.status == "approved")
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

    named = {sha(i) for _, items in planned for i in items if i.kind is not pm.ItemKind.PAUSE}
    allowed = approved_assets({s for s in named if s}, now)
    refused = named - allowed
    if not refused:
        return planned
    out: Planned = []
    for s, items in planned:
        kept = [i for i in items if i.kind is pm.ItemKind.PAUSE or sha(i) in allowed]
        if not any(i.kind is pm.ItemKind.BULLETIN for i in kept):
            kept = []
        out.append((s, kept))
    for bad in sorted(x or "" for x in refused):
        where = sorted(s.id for s, items in planned if any(sha(i) == (bad or None) for i in items))
        _alert(station, bad, where, now)
    return out


def _alert(station: Station, sha: str, schedule_ids: list[int], now: datetime) -> None:
    log.error("manifest of station %s: refused asset %s (schedules %s): not approved audio",
              station.id, sha, schedule_ids)
    recent = AuditLog.select(AuditLog.detail).where(
        (AuditLog.action == ACTION) & (AuditLog.object_type == "Station")
        & (AuditLog.object_id == str(station.id)) & (AuditLog.at > now - ALERT_EVERY)
    )
    if any((row.detail or {}).get("asset") == sha for row in recent):
        return
    audit.record(None, ACTION, station, asset=sha, schedules=schedule_ids,
                 reason="Tệp âm thanh không thuộc bản tin hay nhạc hiệu đã duyệt; đã bỏ khỏi manifest. "
                        "(Not approved audio; left out of the manifest.)")
