"""The station's state in one dict: the heartbeat body, `station status --json` and the local page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from playlists.model import DEFAULT_ZONE, StationSettings, settings_from_dict, settings_to_dict

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
    station = applied.manifest.get("station", {}) if applied else {}
    last_ok = store.get("last_success_at")
    now = clock.now()
    online = last_ok is not None and now - datetime.fromisoformat(last_ok) < OFFLINE_AFTER
    missing = missing_assets(store, cache)
    return {
        "agent_version": __version__,
        "manifest_version": applied.version if applied else None,
        "clock_offset_ms": clock.offset_ms,
        "clock_trusted": clock.trusted,
        "disk_free_bytes": cache.disk_free(),
        "cache": cache_counts(store, missing),
        "now_playing": now_playing,
        "outbox": store.outbox_size(),
        "last_error": storage_error or store.get("last_error") or store.get("last_asset_error"),
        "emergency_audio": emergency_audio(applied.manifest if applied else {}, cache, clock),
        # beyond the contract:
        "settings": settings_in_force(store),
        "missing_bulletins": _titles(applied.manifest if applied else {}, missing),
        "clock_synced": clock.synced,
        "station_id": store.get("station_id"),
        "station_name": station.get("name"),
        "area_name": station.get("area_name"),
        "timezone": station.get("timezone") or DEFAULT_ZONE,
        "central_url": store.get("central_url"),
        "online": online,
        "last_sync_at": store.get("last_sync_at"),
        "last_success_at": last_ok,
        "now": now.isoformat(timespec="seconds"),
        "system_time": clock.system_now().isoformat(timespec="seconds"),
        "min_free_bytes": cache.min_free_bytes,
        "disk_low": cache.disk_free() < cache.min_free_bytes,
    }


def emergency_audio(manifest: dict[str, Any], cache: AssetCache, clock: Clock) -> dict[str, str | None]:
    """Audio of the manifest's emergency schedules → when its verified file was in the cache (or None).

    The central shows it as an emergency's "audio ready" step; the time is the file's own (its bytes
    were complete then, and a file is only renamed into place once verified), on the corrected clock.
    """
    by_bulletin = {b.get("id"): b.get("asset_sha256") for b in manifest.get("bulletins", [])}
    shas = {i.get("asset_sha256") or by_bulletin.get(i.get("bulletin_id"))
            for s in manifest.get("schedules", []) if s.get("priority") == "emergency" for i in s.get("items", [])}
    out: dict[str, str | None] = {}
    for sha in sorted(x for x in shas if x):
        path = cache.playable(sha)
        try:
            mtime = path.stat().st_mtime if path is not None else None
        except OSError:
            mtime = None
        out[sha] = None if mtime is None else (
            datetime.fromtimestamp(mtime, UTC) + timedelta(milliseconds=clock.offset_ms)
        ).isoformat(timespec="milliseconds")
    return out


def missing_assets(store: Store, cache: AssetCache) -> set[str]:
    """The one meaning of a missing file: the applied manifest needs it and it cannot be played now.

    A file the index calls ready but which is gone from disk counts too, as the player sees it.
    """
    return {a.sha256 for a in store.assets() if a.needed and cache.playable(a.sha256) is None}


def cache_counts(store: Store, missing: set[str]) -> dict[str, int]:
    """The heartbeat's ``cache``: files ready to play, files missing, and the bytes ready."""
    ready = [a for a in store.assets() if a.needed and a.sha256 not in missing]
    return {"assets": len(ready), "missing": len(missing), "bytes": sum(a.size for a in ready)}


def _titles(manifest: dict[str, Any], missing: set[str]) -> list[str]:
    return sorted({str(b.get("title") or b.get("id")) for b in manifest.get("bulletins", [])
                   if b.get("asset_sha256") in missing})


def settings_in_force(store: Store) -> dict[str, Any]:
    """Volume and quiet hours the player applies, and where each comes from (``central`` or ``local``).

    Local overrides (set on this page) beat the central's manifest; ``local_quiet_hours`` is
    ``{"start", "end"}``, ``"off"``, or absent (the central's). The player loop applies the same rule.
    """
    applied = store.applied()
    central = settings_from_dict(applied.manifest.get("station", {})) if applied else StationSettings()
    central_quiet = settings_to_dict(central)["quiet_hours"]
    volume, quiet = store.get("local_volume"), store.get("local_quiet_hours")
    if quiet is None:
        quiet_now, quiet_mode = central_quiet, "central"
    else:
        quiet_now, quiet_mode = (None, "off") if quiet == "off" else (quiet, "set")
    return {
        "volume": int(volume) if volume is not None else central.volume,
        "volume_source": "central" if volume is None else "local",
        "quiet_hours": quiet_now,
        "quiet_hours_source": "central" if quiet is None else "local",
        "quiet_mode": quiet_mode,
        "central": {"volume": central.volume, "quiet_hours": central_quiet},
    }
