"""Agent configuration from the environment (every knob has a sensible default)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import StationError


@dataclass(frozen=True)
class Config:
    """Everything the agent reads from its environment."""

    station_dir: Path
    player: str | None = None  # command template with {path} and {volume}; None = detect
    sync_interval_s: float | None = None  # None = as the central sets it in the manifest (default 60)
    sync_jitter: float = 0.2  # fraction of the interval
    backoff_max_s: float = 900.0
    heartbeat_interval_s: float | None = None  # None = as the central sets it (default 300)
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 20.0
    total_timeout_s: float = 60.0  # one JSON call, start to finish
    download_timeout_s: float = 1800.0  # one asset download, start to finish
    download_rate_bps: int = 0  # cap on a metered mobile link; 0 = no cap
    max_manifest_bytes: int = 8 << 20  # a bigger (or bigger once inflated) manifest reply is refused
    ui_host: str = "0.0.0.0"
    ui_port: int = 8090  # 0 = no local web page
    min_free_bytes: int = 200 * 1024 * 1024
    gc_after_s: float = 7 * 86400.0  # unused assets are deleted after this long
    horizon_h: float = 48.0  # how far ahead the player loop expands the timeline
    clock_trust_threshold_s: float = 2.0
    fake_clock_skew_s: float = 0.0  # tests only: pretend the system clock is this far off
    push: bool = True  # use the push channel when enrollment gave one (LOA_PUSH=0: poll only)
    live_player: str | None = None  # LOA_LIVE_PLAYER: template with {url} for live streams (station.live)
    live_lost_s: float | None = None  # LOA_LIVE_LOST_S: give up a lost live stream after this; None = the central's
    monitor: str | None = None  # LOA_MONITOR: capture command template (station.monitor); None = no sound check
    monitor_min_lufs: float = -45.0  # a play never louder than this (momentary LUFS) is silent
    amp_gpio: int | None = None  # LOA_AMP_GPIO: BCM pin of the amplifier's relay (station.amp)
    amp_active_low: bool = False  # LOA_AMP_ACTIVE_LOW=1: the relay module closes on a low pin
    amp_on: str | None = None  # LOA_AMP_ON / LOA_AMP_OFF: commands switching the amplifier elsewhere
    amp_off: str | None = None
    amp_lead_s: float = 10.0  # amplifier on this long before a slot
    amp_hold_s: float = 60.0  # and off this long after the last sound (never inside a programme)

    @property
    def db_path(self) -> Path:
        return self.station_dir / "station.db"

    @property
    def assets_dir(self) -> Path:
        return self.station_dir / "assets"

    @property
    def local_dir(self) -> Path:
        return self.station_dir / "local"


def _num(env: Mapping[str, str], key: str, default: float) -> float:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise StationError(f"{key} must be a number, not {raw!r}") from exc


def _opt(env: Mapping[str, str], key: str) -> float | None:
    return _num(env, key, 0.0) if env.get(key) else None


def load(env: Mapping[str, str] | None = None) -> Config:
    """Read the configuration from ``env`` (default: the process environment)."""
    e = os.environ if env is None else env
    return Config(
        station_dir=Path(e.get("LOA_STATION_DIR") or "var/station").resolve(),
        player=e.get("LOA_PLAYER") or None,
        sync_interval_s=_opt(e, "LOA_SYNC_INTERVAL"),
        sync_jitter=_num(e, "LOA_SYNC_JITTER", 0.2),
        backoff_max_s=_num(e, "LOA_BACKOFF_MAX", 900.0),
        heartbeat_interval_s=_opt(e, "LOA_HEARTBEAT_INTERVAL"),
        connect_timeout_s=_num(e, "LOA_CONNECT_TIMEOUT", 5.0),
        read_timeout_s=_num(e, "LOA_READ_TIMEOUT", 20.0),
        total_timeout_s=_num(e, "LOA_TOTAL_TIMEOUT", 60.0),
        download_timeout_s=_num(e, "LOA_DOWNLOAD_TIMEOUT", 1800.0),
        download_rate_bps=int(_num(e, "LOA_DOWNLOAD_RATE", 0)),
        max_manifest_bytes=int(_num(e, "LOA_MAX_MANIFEST_MB", 8) * (1 << 20)),
        ui_host=e.get("LOA_UI_HOST") or "0.0.0.0",
        ui_port=int(_num(e, "LOA_UI_PORT", 8090)),
        min_free_bytes=int(_num(e, "LOA_MIN_FREE_MB", 200) * 1024 * 1024),
        gc_after_s=_num(e, "LOA_GC_AFTER_H", 7 * 24) * 3600.0,
        horizon_h=_num(e, "LOA_HORIZON_H", 48.0),
        clock_trust_threshold_s=_num(e, "LOA_CLOCK_TRUST_S", 2.0),
        fake_clock_skew_s=_num(e, "LOA_FAKE_CLOCK_SKEW_S", 0.0),
        push=_flag(e, "LOA_PUSH", True),
        live_player=e.get("LOA_LIVE_PLAYER") or None,
        live_lost_s=_opt(e, "LOA_LIVE_LOST_S"),
        monitor=e.get("LOA_MONITOR") or None,
        monitor_min_lufs=_num(e, "LOA_MONITOR_MIN_LUFS", -45.0),
        amp_gpio=int(_num(e, "LOA_AMP_GPIO", 0)) if e.get("LOA_AMP_GPIO") else None,
        amp_active_low=_flag(e, "LOA_AMP_ACTIVE_LOW", False),
        amp_on=e.get("LOA_AMP_ON") or None,
        amp_off=e.get("LOA_AMP_OFF") or None,
        amp_lead_s=_num(e, "LOA_AMP_LEAD_S", 10.0),
        amp_hold_s=_num(e, "LOA_AMP_HOLD_S", 60.0),
    )


def _flag(env: Mapping[str, str], key: str, default: bool) -> bool:
    raw = (env.get(key) or "").strip().lower()
    return default if not raw else raw not in ("0", "false", "no", "off")
