"""The agent assembled from injected parts: store, clock, player, central client, timeline.

Three threads: the player loop (never waits on the network), the sync loop, and the local web page.
``Agent`` does no I/O of its own at construction; ``start`` recovers from a crash or power cut
(plays left open are logged interrupted) and starts the threads at once: the full re-hash of the
cache runs in the sync thread, so a Pi with a big cache does not delay its first play (the loop
hashes each file again right before it plays it).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import schedule

from playlists.orders import EmergencyOrder
from playlists.words import Reason

from .amp import AmpPower, CommandRelay, GpioRelay
from .assets import AssetCache
from .client import CentralClient
from .clock import Clock
from .commands import Command, CommandKind
from .config import Config
from .errors import StationError
from .live import LiveDesk, LivePlayer, LiveRun, template_for
from .loop import PlayerLoop, TimelineFn
from .monitor import Monitor, SoundCheck
from .orders import OrderDesk
from .player import Player
from .push import PushChannel, PushSettings
from .speaker import SpeakerTest
from .status import build
from .store import Store
from .sync import Syncer, SyncPolicy

log = logging.getLogger(__name__)

KEEP_HISTORY = timedelta(days=30)
#: How often the cache is re-hashed (an SD card rots quietly) and old files and plays are cleaned up.
VERIFY_EVERY = timedelta(days=1)
CLEAN_EVERY = timedelta(minutes=10)


class Agent:
    def __init__(
        self, cfg: Config, store: Store, clock: Clock, player: Player,
        client: CentralClient | None, timeline: TimelineFn, push: PushSettings | None = None,
    ) -> None:
        self.cfg, self.store, self.clock, self.player, self.client = cfg, store, clock, player, client
        self.cache = AssetCache(cfg.assets_dir, store, cfg.min_free_bytes, cfg.gc_after_s)
        self.loop = PlayerLoop(store, self.cache, player, clock, timeline,
                               timedelta(hours=cfg.horizon_h), on_change=self._changed, sound=sound_check(cfg, player),
                               amp=amp_power(cfg), speaker=SpeakerTest(store, cfg.station_dir))
        self.syncer: Syncer | None = None
        if client is not None:
            self.syncer = Syncer(
                store, self.cache, client, clock, _policy(cfg), on_manifest=self.loop.reload,
                first_need=self.first_need, status=self.status, on_clock=self.loop.wake.set,
                on_asset=self._asset_ready,
            )
        self.push: PushChannel | None = None
        self.orders: OrderDesk | None = None
        self.live: LiveDesk | None = None
        if push is not None and self.syncer is not None and client is not None:
            self.orders = OrderDesk(store, self.cache, client, clock, push.station_id, push.areas,
                                    deliver=self._emergency, on_ready=self._asset_ready)
            self.live = live_desk(cfg, player, client, self.loop)
            self.push = PushChannel(push, on_nudge=self.syncer.nudge, on_order=self.orders.receive,
                                    on_connect=self._connected, on_live=self.live.nudge)
        self.stop_event = threading.Event()
        self.threads: list[threading.Thread] = []
        self.chores = housekeeping_chores(self)
        self._verify_again = False

    def recover(self) -> None:
        """After a crash or power cut: close open plays as interrupted, reuse the clock offset."""
        cut = self.store.recover_interrupted()
        if cut:
            log.warning("%d play(s) were cut by a restart; logged as interrupted", len(cut))
        offset, boot = self.store.get("clock_offset_ms"), self.store.get("clock_boot")
        if offset is not None and boot and self.clock.restore(int(offset), str(boot)):
            log.info("reusing the clock offset of %d ms measured earlier in this boot", offset)
        self.store.put(now_playing=None)

    def start(self) -> None:
        self.recover()
        self._spawn("player", self.loop.run)
        self._spawn("sync" if self.syncer is not None else "verify", self._background)
        if self.push is not None:
            self._spawn("push", self.push.run)
        if self.live is not None:
            self._spawn("live", self.live.run)

    def _connected(self) -> None:
        """The push channel is (back) up: catch up on the manifest, and on any live on air now."""
        assert self.syncer is not None
        self.syncer.nudge()
        if self.live is not None:
            self.live.poke()

    def _background(self, stop: threading.Event) -> None:
        """The sync thread; it re-hashes the cache after its first pass (so that pass is not delayed)."""
        if self.syncer is None:
            self.verify_cache()
            return
        self.syncer.run(stop, self.housekeeping)

    def verify_cache(self) -> None:
        """Re-hash the whole cache, off the player's thread; a bad file is fetched again."""
        try:
            bad = self.cache.verify_all()
        except Exception:  # a failed check only delays a re-fetch: the loop still hashes before playing
            log.exception("cache verification failed; tried again after the next sync")
            self._verify_again = True
            return
        if bad:
            log.warning("%d cached asset(s) failed verification; they will be fetched again", bad)
            if self.syncer is not None:
                self.syncer.wake.set()

    def _spawn(self, name: str, target: Any) -> None:
        t = threading.Thread(target=target, args=(self.stop_event,), name=name, daemon=True)
        t.start()
        self.threads.append(t)

    def stop(self, timeout: float = 5.0) -> None:
        self.stop_event.set()
        self.loop.wake.set()
        if self.syncer is not None:
            self.syncer.wake.set()
            self.syncer.nudged.set()
        if self.push is not None:
            self.push.close()
        if self.live is not None:
            self.live.poke()  # its thread wakes, sees the stop and ends
        for t in self.threads:
            t.join(timeout)

    def _emergency(self, order: EmergencyOrder) -> None:
        """A verified order: the player loop acts on it now; the sync fetches the manifest that carries it."""
        self.loop.command(Command(CommandKind.EMERGENCY, extra={"order": order}))
        if self.syncer is not None:
            self.syncer.nudge()

    def _asset_ready(self) -> None:
        """A slot may wait for exactly this audio: the loop looks now, and the central hears of it
        (an emergency's "audio ready" step comes from the heartbeat)."""
        self.loop.wake.set()
        if self.syncer is not None:
            self.syncer.request_heartbeat()

    def _changed(self) -> None:
        self.loop.journal.put(now_playing=self.loop.now_playing())  # a storage failure must not stop a play
        if self.syncer is not None:
            self.syncer.request_heartbeat()

    def first_need(self) -> Mapping[str, datetime]:
        """Each asset's earliest use in the coming timeline, so downloads go soonest-needed first.

        A slot waiting for its audio has no items placed; its audio is needed since its planned start.
        """
        need: dict[str, datetime] = {}
        for s in list(self.loop.slots):
            pairs = [(i.asset_sha256, s.start) for i in s.items]
            if not s.items and s.reason == Reason.ASSET_MISSING:
                pairs = [(sha, s.planned_start) for sha in self.loop.audio_of(s.schedule_id)]
            for sha, at in pairs:
                if sha and (sha not in need or at < need[sha]):
                    need[sha] = at
        return need

    def housekeeping(self) -> None:
        """After each sync pass: save held play logs, then whatever chore is due."""
        self.loop.journal.flush()  # play logs kept in memory through a storage failure, saved once it ends
        if self._verify_again:
            self._verify_again = False
            self.verify_cache()
        run_due(self.chores)

    def clean_up(self) -> None:
        """Delete audio no longer needed and play history past ``KEEP_HISTORY``."""
        now = self.clock.now()
        self.cache.collect_garbage(now, self.loop.playing_assets())
        self.store.prune_plays(now - KEEP_HISTORY)

    def status(self) -> dict[str, Any]:
        st = build(self.store, self.cache, self.clock, self.loop.now_playing(), self.loop.journal.error)
        st["sound"] = self.sound_status()
        return st

    def sound_status(self) -> dict[str, Any]:
        """The heartbeat's ``sound``: how an item would sound now, and what the monitor last heard."""
        check = self.loop.sound
        out = check.describe(self.loop.settings, self.clock.now(), self.loop.local_override)
        if self.loop.amp is not None:
            out["amp"] = self.loop.amp.status()
        if self.loop.speaker is not None and (test := self.loop.speaker.result()) is not None:
            out["speaker_test"] = test
        if check.last is not None:
            out["level_lufs"] = check.last.get("level_lufs")
            out["last_audibility"] = check.last.get("audibility")
        return out


def live_desk(cfg: Config, player: Player, client: CentralClient, loop: PlayerLoop) -> LiveDesk:
    """Live announcements: the desk asks the central, the loop plays them (``station.live``)."""
    from .ffmpeg import ffmpeg_exe

    live_player = LivePlayer(player, template_for(player, cfg.live_player), ffmpeg_exe())
    desk = LiveDesk(client.live, lambda lives, started: loop.command(
        Command(CommandKind.LIVE, extra={"lives": lives, "started": started})))
    loop.live = LiveRun(live_player, cfg.live_lost_s, on_lost=desk.poke)
    return desk


def housekeeping_chores(agent: Agent) -> schedule.Scheduler:
    """The periodic chores (never the exact-time player), each due at once on the first sync pass.

    ``schedule`` reads the wall clock, which may jump: ``run_due`` pulls back a job that a backward jump
    pushed further away than its own period.
    """
    chores = schedule.Scheduler()
    chores.every(int(VERIFY_EVERY.total_seconds())).seconds.do(agent.verify_cache)
    chores.every(int(CLEAN_EVERY.total_seconds())).seconds.do(agent.clean_up)
    for job in chores.jobs:
        job.next_run = datetime.now()  # first pass: verify and clean up at once, as before
    return chores


def run_due(chores: schedule.Scheduler) -> None:
    """Run the due chores; a chore never stops the sync thread."""
    now = datetime.now()
    for job in chores.jobs:
        if job.next_run is not None and job.next_run - now > period(job):
            job.next_run = now  # the wall clock went back: don't wait out the jump
    try:
        chores.run_pending()
    except Exception:  # a failed chore is retried at its next period; playing never depends on it
        log.exception("a housekeeping chore failed")


def period(job: schedule.Job) -> timedelta:
    return timedelta(**{str(job.unit): job.interval})


def amp_power(cfg: Config) -> AmpPower | None:
    """The amplifier's relay, if one is configured: a GPIO pin, or on/off commands."""
    lead, hold = timedelta(seconds=cfg.amp_lead_s), timedelta(seconds=cfg.amp_hold_s)
    if cfg.amp_gpio is not None:
        return AmpPower(GpioRelay(cfg.amp_gpio, cfg.amp_active_low), lead, hold)
    if cfg.amp_on and cfg.amp_off:
        return AmpPower(CommandRelay(cfg.amp_on, cfg.amp_off), lead, hold)
    if cfg.amp_on or cfg.amp_off:
        raise StationError("set both LOA_AMP_ON and LOA_AMP_OFF (or neither)")
    return None


def sound_check(cfg: Config, player: Player) -> SoundCheck:
    """How plays are checked for sound: with ``LOA_MONITOR``'s capture, or by the set-up alone."""
    if not cfg.monitor:
        return SoundCheck(player)
    from .ffmpeg import ffmpeg_exe

    return SoundCheck(player, Monitor(cfg.monitor, ffmpeg_exe(), cfg.monitor_min_lufs))


def _policy(cfg: Config) -> SyncPolicy:
    return SyncPolicy(
        interval_s=cfg.sync_interval_s, jitter=cfg.sync_jitter, backoff_max_s=cfg.backoff_max_s,
        backoff_base_s=min(5.0, cfg.sync_interval_s or 5.0), heartbeat_s=cfg.heartbeat_interval_s,
        rate_bps=cfg.download_rate_bps,
    )
