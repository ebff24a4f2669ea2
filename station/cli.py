"""`station enroll|run|sync|status|unit`: the only place the real parts are built and wired together."""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from . import config as config_mod
from .assets import AssetCache
from .client import CentralClient, Limits, Timeouts
from .clock import Clock, system_time
from .config import Config
from .errors import NotEnrolledError, StationError
from .ffmpeg import ffmpeg_exe
from .player import detect
from .push import PushSettings
from .store import Store

log = logging.getLogger("station")


def _timeouts(cfg: Config) -> Timeouts:
    return Timeouts(cfg.connect_timeout_s, cfg.read_timeout_s, cfg.total_timeout_s, cfg.download_timeout_s)


def _open(cfg: Config) -> Store:
    os.umask(0o077)  # token, key and the UI password hash live here: owner only
    cfg.station_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(cfg.station_dir, 0o700)
    store = Store(cfg.db_path)
    for p in cfg.station_dir.glob("station.db*"):
        os.chmod(p, 0o600)
    return store


def _client(cfg: Config, store: Store, clock: Clock) -> CentralClient:
    url, token = store.get("central_url"), store.get("token")
    if not url or not token:
        raise NotEnrolledError("this station is not enrolled: run `station enroll <central-url> <code>`")
    return CentralClient(url, token, _timeouts(cfg), clock.system_now, clock.observe,
                         Limits(manifest_bytes=cfg.max_manifest_bytes))


def _clock(cfg: Config) -> Clock:
    return Clock(system_time(cfg.fake_clock_skew_s), cfg.clock_trust_threshold_s)


def cmd_enroll(cfg: Config, args: argparse.Namespace) -> int:
    from .ui import hash_password

    store = _open(cfg)
    if store.get("token") and not args.force:
        raise StationError("already enrolled; use --force to enroll again with a new code")
    clock = _clock(cfg)
    client = CentralClient(args.url, None, _timeouts(cfg), clock.system_now, clock.observe)
    reply = client.enroll(args.code)
    if args.force:
        store.forget_manifest()
    password = args.password or secrets.token_urlsafe(9)
    store.put(
        station_id=reply["station_id"], token=reply["token"], public_key=reply["public_key"],
        central_url=args.url.rstrip("/"), ui_password=hash_password(password),
        ui_secret=secrets.token_hex(32), clock_offset_ms=clock.offset_ms,
        mqtt=reply.get("mqtt"),  # optional: the push channel's broker and this station's credentials
        order_seq=0, emergency_orders=[],  # a new enrollment (maybe another central) numbers orders anew
    )
    print(f"Đã đăng ký đài số {reply['station_id']} với {args.url} (station enrolled).")
    if not args.password:
        print(f"Mật khẩu trang vận hành (local UI password, shown once): {password}")
    return 0


def cmd_run(cfg: Config, args: argparse.Namespace) -> int:
    from .daemon import Agent
    from .timeline import expand

    store = _open(cfg)
    clock = _clock(cfg)
    client = _client(cfg, store, clock)
    player = detect(cfg.player, ffmpeg_exe())
    log.info("audio goes to: %s", player.description)
    if player.null_output:  # said loudly: every play will be reported not audible
        log.warning("the null output: nothing is audible here; plays are reported not_audible")
    push = PushSettings.from_store(store) if cfg.push else None
    log.info("push channel: %s", f"{push.host}:{push.port}" if push else "none (polling only)")
    agent = Agent(cfg, store, clock, player, client, expand, push)
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    agent.start()
    server = None
    if cfg.ui_port:
        from .ui import serve

        server = serve(agent, cfg.ui_host, cfg.ui_port)
        log.info("local operator page on http://%s:%d/", cfg.ui_host, cfg.ui_port)
    stop.wait()
    log.info("stopping")
    if server is not None:
        server.close()
    agent.stop()
    return 0


def cmd_sync(cfg: Config, args: argparse.Namespace) -> int:
    from .daemon import Agent
    from .timeline import expand

    store = _open(cfg)
    clock = _clock(cfg)
    agent = Agent(cfg, store, clock, detect(cfg.player, "ffmpeg", sound=False), _client(cfg, store, clock), expand)
    offset, boot = store.get("clock_offset_ms"), store.get("clock_boot")
    if offset is not None and boot:
        clock.restore(int(offset), str(boot))
    agent.cache.verify_all()  # a corrupted or deleted file is fetched again by this very pass
    agent.loop.refresh()
    assert agent.syncer is not None
    res = agent.syncer.sync_once()
    print(json.dumps({"ok": res.ok, "applied_version": res.applied_version, "assets_fetched": res.fetched,
                      "logs_uploaded": res.uploaded, "error": res.error}, ensure_ascii=False))
    return 0 if res.ok else 1


def cmd_status(cfg: Config, args: argparse.Namespace) -> int:
    from .status import build, missing_assets
    from .timeline import slot_rows

    if not cfg.db_path.exists():
        raise NotEnrolledError(f"no station here ({cfg.db_path}): run `station enroll` first")
    store = _open(cfg)
    if store.get("station_id") is None:
        raise NotEnrolledError(f"this station ({cfg.station_dir}) is not enrolled: run `station enroll` first")
    clock = _clock(cfg)
    offset, boot = store.get("clock_offset_ms"), store.get("clock_boot")
    if offset is not None and boot:
        clock.restore(int(offset), str(boot))
    cache = AssetCache(cfg.assets_dir, store, cfg.min_free_bytes, cfg.gc_after_s)
    st = build(store, cache, clock, store.get("now_playing"))
    slots, content = _next_24h(store, cache, clock, cfg)
    plays = store.recent_plays(50)
    if args.json:
        st["next_24h"] = slot_rows(slots, content)
        st["recent_plays"] = plays
        print(json.dumps(st, ensure_ascii=False, indent=2))
    else:
        _print_status(st, slots, content, missing_assets(store, cache), plays, args.lang)
    return 0


def _next_24h(store: Store, cache: AssetCache, clock: Clock, cfg: Config) -> tuple[list[Any], Any]:
    from .loop import PlayerLoop
    from .timeline import expand

    loop = PlayerLoop(store, cache, detect(cfg.player, "ffmpeg", sound=False), clock, expand)
    loop.refresh()
    return loop.upcoming(clock.now(), 24), loop.content


def _print_status(st: dict[str, Any], slots: list[Any], content: Any, missing: set[str],
                  plays: list[dict[str, Any]], lang: str) -> None:
    """The state in the words and formats of the local page (``ui_html`` words both)."""
    from .ui_html import TABLE_HEAD, play_rows, station_title, status_rows, upcoming_rows
    from .ui_text import Words

    w, tz = Words(lang), st["timezone"]
    print(" — ".join(x for x in (station_title(w, st), st["area_name"]) if x))
    for row in status_rows(w, st):
        print(f"{row.label}: {row.text}")
    np, playing = st["now_playing"], w("Đang phát")
    print(f"{playing}: " + (f"{np['title']} ({w.tier(np['priority'])})" if np else w("Không phát")))
    for title, rows in ((w("Lịch phát 24 giờ tới"), upcoming_rows(w, slots, content, missing, tz)),
                        (w("Lượt phát gần nhất"), play_rows(w, plays[:20], tz))):
        print(f"\n{title} ({' · '.join(w(h) for h in TABLE_HEAD)}):")
        for r in rows:
            print("  " + "  ".join(c for c in r if c))
        if not rows:
            print("  " + w("Không có."))


def cmd_unit(cfg: Config, args: argparse.Namespace) -> int:
    """Print the systemd unit shipped in the package, started from this install's ``station``."""
    from importlib.resources import files

    text = files("station").joinpath("deploy/loa-station.service").read_text(encoding="utf-8")
    # The venv's own script (not resolved: a venv's python is a symlink to the system's).
    exe = Path(sys.executable).parent / "station"
    lines = [f"ExecStart={exe} run" if ln.startswith("ExecStart=") else ln for ln in text.splitlines()]
    print("\n".join(lines))
    return 0


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="station", description="Loa station agent (đài truyền thanh xã)")
    ap.add_argument("-v", "--verbose", action="store_true")
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("enroll", help="enroll with a one-time code from the central")
    e.add_argument("url")
    e.add_argument("code")
    e.add_argument("--password", help="password for the local operator page (generated if omitted)")
    e.add_argument("--force", action="store_true")
    sub.add_parser("run", help="run the agent: play, sync, serve the local page")
    sub.add_parser("sync", help="one sync pass now")
    s = sub.add_parser("status", help="what the station is doing")
    s.add_argument("--json", action="store_true")
    s.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of the text (default: vi)")
    sub.add_parser("unit", help="print the systemd unit for this install (pipe it to /etc/systemd/system)")
    return ap


COMMANDS = {"enroll": cmd_enroll, "run": cmd_run, "sync": cmd_sync, "status": cmd_status, "unit": cmd_unit}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        cfg = config_mod.load()
        return COMMANDS[args.cmd](cfg, args)
    except StationError as exc:
        print(f"station: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
