"""Live announcements on the station: join the central's Icecast stream at the priority tier, then return.

How it flows:
- a live nudge arrives on the push channel (``loa/area/<code>/live``: ``{"live_id", "action"}``), or the
  channel (re)connects: ``LiveDesk`` asks the central ``GET /api/v1/station/live`` (the station's token)
  on a thread of its own, and hands the answer to the player loop. A nudge is only a reason to ask: a
  forged one costs one HTTP call (docs/architecture.md, contract rule C1);
- the answer names the mount's URL with a signed, short-lived credential for this station, the archive
  bulletin's id (the play log names it) and how long a lost stream may stay lost;
- ``LiveRun`` (driven by the loop, in the loop's thread) plays it through a real ffmpeg player with
  low-latency input flags, wrapped like every player so it dies with the agent. It preempts what plays
  at the normal tier (that programme resumes after), waits for a priority or emergency item, and an
  emergency cuts it (``PlayerLoop._cut``); while it plays, normal and priority slots are held back as
  for a local announcement;
- it ends when the central says so (an "end" nudge, then the answer no longer lists it: ``completed``),
  or when the stream stays lost for ``lost_after_s`` (reconnecting every second meanwhile: ``interrupted``,
  reason ``live_lost``); the schedule then plays again.
"""

from __future__ import annotations

import logging
import shlex
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit, urlunsplit

from playlists.model import Priority
from playlists.orders import OrderRejected, parse_live
from playlists.timeline import current_item

from .bookkeeping import play_fields
from .errors import PlayerError, StationError
from .player import Playback, Player, ProcessPlayback, die_with_parent
from .playing import end, interrupt, launch

if TYPE_CHECKING:
    from .loop import PlayerLoop

log = logging.getLogger(__name__)

RETRY_S = 0.5  # how often a lost stream (or a mount not up yet) is tried again
STEADY_S = 3.0  # a player alive this long after a retry has the stream back
HOLD = timedelta(minutes=10)  # the schedule is held this far ahead while the live plays (renewed each step)
#: low-latency input: no probing buffer, and give up on a stream silent for 5 s (then we reconnect)
INPUT = "-auth_type basic -rw_timeout 5000000 -fflags nobuffer -flags low_delay -probesize 32768 -analyzeduration 0"
NULL = "{ffmpeg} -nostdin -hide_banner -loglevel error " + INPUT + " -i {url} -af volume={gain} -f null -"
ALSA = "{ffmpeg} -nostdin -hide_banner -loglevel error " + INPUT + " -i {url} -af volume={gain} -f alsa default"
FFPLAY = "ffplay -nodisp -loglevel error " + INPUT + " -volume {volume} {url}"


def template_for(player: Player, configured: str | None) -> str:
    """The live player's command: ``LOA_LIVE_PLAYER``, else one matching the station's own output."""
    if configured:
        return configured
    if player.null_output:
        return NULL
    if "ffplay" in getattr(player, "description", ""):
        return FFPLAY
    return ALSA


def with_credential(url: str, user: str, password: str) -> str:
    """The mount's URL with the station's credential in it (ffmpeg sends it as HTTP basic auth)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


@dataclass
class LivePlayer:
    """Plays one live URL with the station's output (a ``Player``: the loop starts it like any item)."""

    base: Player
    template: str
    ffmpeg: str
    url: str = ""
    live_id: int = 0
    description: str = "live stream"
    attempt: int = 0  # ``{attempt}`` in a template: how many times a player was started (a capture per join)

    @property
    def output(self) -> str:
        return self.base.output

    @property
    def null_output(self) -> bool:
        return self.base.null_output

    def start(self, path: Path, volume: int, on_exit: Callable[[], None]) -> Playback:
        """``path`` is ignored: the live's URL is played."""
        v = max(0, min(100, int(volume)))
        self.attempt += 1
        values = {"url": self.url, "id": str(self.live_id), "volume": str(v), "gain": f"{v / 100:.2f}",
                  "scale": str(int(32768 * v / 100)), "ffmpeg": self.ffmpeg, "attempt": str(self.attempt)}
        try:
            argv = [tok.format(**values) for tok in shlex.split(self.template)]
        except (KeyError, IndexError, ValueError) as exc:
            raise PlayerError(f"bad live player template {self.template!r}: {exc}") from exc
        if shutil.which(argv[0]) is None:
            raise PlayerError(f"cannot start live player {argv[0]!r}: not found")
        return ProcessPlayback(die_with_parent(argv), on_exit)


class _Gap:
    """The stream is lost and being tried again: a playback that sounds nothing and never ends by itself."""

    pid = 0

    def __init__(self) -> None:
        self.started_monotonic = time.monotonic()

    def poll(self) -> int | None:
        return None

    def terminate(self) -> None:
        return None

    def stderr_tail(self) -> str:
        return ""


@dataclass
class LiveRun:
    """The live the loop should play, and the one it plays; every method runs on the loop's thread."""

    player: LivePlayer
    lost_after_s: float | None = None  # the station's own setting; None = the central's
    on_lost: Callable[[], None] = lambda: None  # ask the central again (did it end, or is it lost?)
    wanted: dict[str, Any] | None = None
    given_up: set[int] = field(default_factory=set)
    _run: Any = None  # the loop's Running of the live, while it is the loop's
    _lost_since: float | None = None
    _tried_at: float = 0.0

    def offer(self, lives: list[dict[str, Any]], started: set[int] = frozenset()) -> None:  # type: ignore[assignment]
        """The central's answer: the first live not given up is the one to play (None: nothing)."""
        self.given_up -= started
        usable = [x for x in lives if int(x.get("id", 0)) not in self.given_up]
        self.wanted = min(usable, key=lambda x: int(x["id"])) if usable else None

    def owns(self, running: Any) -> bool:
        """True if ``running`` (the loop's item sounding now) is this live's play."""
        return running is not None and running is self._run

    def step(self, loop: PlayerLoop, now: datetime) -> None:
        mine = self._run is not None and loop.running is self._run
        if not mine:
            self._run = None
        if self.wanted is None or (mine and self._run.bulletin_id != self.wanted.get("bulletin_id")):
            if mine:
                self._finish(loop, now, "completed", "live")
            if self.wanted is None:
                return
        if self._run is not None:
            self._keep(loop, now)
        elif self._may_start(loop, now):
            self._start(loop, now)

    def _may_start(self, loop: PlayerLoop, now: datetime) -> bool:
        r = loop.running
        if r is not None and r.priority in (Priority.PRIORITY, Priority.EMERGENCY):
            return False  # a priority item ends first; an emergency always wins
        cur = current_item(loop.slots, now)
        return not (cur is not None and cur[0].priority == Priority.EMERGENCY)

    def _start(self, loop: PlayerLoop, now: datetime) -> None:
        want = self.wanted
        assert want is not None
        if loop.running is not None:  # the programme is suspended, and resumes after the live
            interrupt(loop, now, "live", end_slot=False)
        self._aim(want)
        title, bid = str(want.get("title") or "Phát trực tiếp"), int(want["bulletin_id"])
        fields = play_fields(loop, None, 0, bid, None, "playing", "live", now, started=now)
        fields.update(title=title, priority=Priority.PRIORITY.value)
        play_id = loop.journal.start_play(fields)
        loop.local_until = now + HOLD
        if launch(loop, play_id, None, None, 0, Path("live"), title, 0, Priority.PRIORITY, bulletin=bid,
                  player=self.player):
            self._run = loop.running
            self._lost_since = None
            log.warning("LIVE %s joined: %r", want["id"], title)

    def _aim(self, want: dict[str, Any]) -> None:
        self.player.url = with_credential(str(want["url"]), str(want["username"]), str(want["password"]))
        self.player.live_id = int(want["id"])

    def _keep(self, loop: PlayerLoop, now: datetime) -> None:
        """Hold the schedule; when the player ended, try again every ``RETRY_S`` until ``lost_after_s``."""
        r, mono = self._run, time.monotonic()
        loop.local_until = now + HOLD
        waiting = isinstance(r.playback, _Gap)
        if not waiting and r.playback.poll() is None:
            if self._lost_since is not None and mono - r.playback.started_monotonic > STEADY_S:
                log.warning("live stream back after %.1f s", mono - self._lost_since)
                self._lost_since = None
            return
        if self._lost_since is None:
            self._lost_since = mono
            log.warning("live stream lost (%s); trying again", r.playback.stderr_tail()[-200:])
            self.on_lost()
        if mono - self._lost_since > self._limit():
            if self.wanted is not None:  # not again, unless the central starts it anew
                self.given_up.add(int(self.wanted["id"]))
            self._finish(loop, now, "interrupted", "live_lost")
            return
        if waiting and mono - self._tried_at < RETRY_S:
            return
        r.playback, self._tried_at = _Gap(), mono
        self._aim(self.wanted or {})
        try:
            r.playback = self.player.start(Path("live"), loop.settings.volume, loop.wake.set)
        except PlayerError as exc:
            log.error("live player: %s", exc)

    def _limit(self) -> float:
        if self.lost_after_s is not None:
            return self.lost_after_s
        return float((self.wanted or {}).get("lost_after_s") or 10.0)

    def _finish(self, loop: PlayerLoop, now: datetime, status: str, reason: str | None) -> None:
        r, self._run = self._run, None
        if r is None:
            return
        r.playback.terminate()
        end(loop, r, status, reason, now, cut=status == "interrupted")
        log.warning("LIVE ended on this station: %s%s", status, f" ({reason})" if reason else "")

    def wake_at(self, now: datetime) -> datetime | None:
        """While the stream is lost, the loop must look again within a second."""
        return now + timedelta(seconds=RETRY_S / 2) if self._lost_since is not None else None


class LiveDesk:
    """Asks the central which live to play, on a thread of its own, whenever there is a reason to."""

    def __init__(self, fetch: Callable[[], list[dict[str, Any]]],
                 deliver: Callable[[list[dict[str, Any]], set[int]], None]) -> None:
        self.fetch, self.deliver = fetch, deliver
        self.wake = threading.Event()
        self._started: set[int] = set()
        self._lock = threading.Lock()

    def nudge(self, payload: bytes) -> None:
        """A live nudge from the push channel (its thread): ask now."""
        try:
            live_id, action = parse_live(payload)
        except OrderRejected as exc:
            log.warning("refused a live nudge: %s", exc)
            return
        if action == "start":
            with self._lock:
                self._started.add(live_id)
        self.wake.set()

    def poke(self) -> None:
        self.wake.set()

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.wake.wait(60)
            if stop.is_set():
                return
            if not self.wake.is_set():
                continue
            self.wake.clear()
            try:
                lives = self.fetch()
            except StationError as exc:  # the central is away: the nudge, or a reconnect, asks again
                log.warning("could not ask the central about live announcements: %s", exc)
                continue
            with self._lock:
                started, self._started = self._started, set()
            self.deliver(lives, started)
