"""The station's state in one dict: the heartbeat body, `station status --json` and the local page."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from . import __version__
from .assets import AssetCache
from .clock import Clock
from .store import Store

OFFLINE_AFTER = timedelta(minutes=10)


def build(store: Store, cache: AssetCache, clock: Clock, now_playing: dict[str, Any] | None,
          storage_error: str | None = None) -> dict[str, Any]:
    """Contract heartbeat fields first, then what a person at the station wants to see.

    ``storage_error`` (the store refusing writes) comes first in ``last_error``: it cannot be saved.
    """
    applied = store.applied()
    last_ok = store.get("last_success_at")
    now = clock.now()
    online = last_ok is not None and now - datetime.fromisoformat(last_ok) < OFFLINE_AFTER
    return {
        "agent_version": __version__,
        "manifest_version": applied.version if applied else None,
        "clock_offset_ms": clock.offset_ms,
        "clock_trusted": clock.trusted,
        "disk_free_bytes": cache.disk_free(),
        "cache": cache.stats(),
        "now_playing": now_playing,
        "outbox": store.outbox_size(),
        "last_error": storage_error or store.get("last_error") or store.get("last_asset_error"),
        # beyond the contract:
        "clock_synced": clock.synced,
        "station_id": store.get("station_id"),
        "station_name": (applied.manifest.get("station", {}).get("name") if applied else None),
        "timezone": (applied.manifest.get("station", {}).get("timezone") if applied else None)
        or "Asia/Ho_Chi_Minh",
        "central_url": store.get("central_url"),
        "online": online,
        "last_sync_at": store.get("last_sync_at"),
        "last_success_at": last_ok,
        "now": now.isoformat(timespec="seconds"),
        "system_time": clock.system_now().isoformat(timespec="seconds"),
        "min_free_bytes": cache.min_free_bytes,
        "disk_low": cache.disk_free() < cache.min_free_bytes,
    }
