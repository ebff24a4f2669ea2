"""Relay items: rebroadcast a radio stream (tiếp sóng) for a slot's length, with a fallback while it is down.

A relay runs ffmpeg on the source's URL (reconnecting on drops) and levels its loudness on the fly to
the bulletins' target with ``loudnorm`` in its one-pass (dynamic) mode; the result goes, as WAV through
a named pipe, into the station's own player (``LOA_PLAYER``), so a relay sounds through the same output,
volume and orphan protection as any bulletin. Relayed time is read from ffmpeg's ``-progress`` reports
(the audio actually handed to the player), never guessed from the clock. When no stream audio has come
for longer than the item's ``max_gap_s``, the fallback items play (looping) while the stream is probed
in the background; the relay returns to the stream as soon as a probe hears it, cutting the fallback
item (the programme the province scheduled is the stream, the fallback only fills its gaps). Each
fallback play is logged as its own play log with reason ``relay_fallback``; the relay's play log
carries ``relay`` (docs/contract.md): relayed, gap and fallback time.

Every process is started from the relay's own thread, which outlives them (``die_with_parent``'s death
signal follows the forking thread), so they die with the agent as any player does.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from playlists.model import ItemKind

from .bookkeeping import lateness, play_fields, slot_row
from .errors import PlayerError
from .ffmpeg import ffmpeg_exe
from .player import Playback, Player, die_with_parent
from .relay_stream import DRAIN_S, LOOKAHEAD_S, STALL_S, STARTUP_S, Stream, probe_argv
from .store import PLAYING

log = logging.getLogger(__name__)

RETRY_S = 3.0  # while the fallback plays, probe the stream this often
ATTEMPT_BACKOFF_S = 1.0  # a relay ffmpeg that ended is started again after this
PROBE_TIMEOUT_S = 10.0
FAILED_EXIT = 3  # the relay's exit status when nothing was relayed and no fallback played
FALLBACK_REASON = "relay_fallback"  # playlists.model.REASONS
WITHDRAWN_SOURCE = "bulletin_missing: relay source withdrawn"  # an existing code, so any central takes it


@dataclass(frozen=True)
class FallbackItem:
    """One fallback entry, resolved: a verified file to play, or a pause of ``duration_ms``."""

    path: Path | None
    duration_ms: int
    bulletin_id: int | None = None
    sha256: str | None = None
    title: str = ""


@dataclass
class Counters:
    """The play log's ``relay`` field, in milliseconds (docs/contract.md)."""

    source_id: int
    relayed_ms: int = 0
    gap_ms: int = 0
    gaps: int = 0
    fallback_ms: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"source_id": self.source_id, "relayed_ms": self.relayed_ms, "gap_ms": self.gap_ms,
                "gaps": self.gaps, "fallback_ms": self.fallback_ms}


class FallbackLog:
    """How the relay logs its fallback plays (the loop's journal, bound in ``station.relay_start``)."""

    def __init__(self, begin: Callable[[FallbackItem], str], end: Callable[[str, str, float], None]) -> None:
        self.begin, self.end = begin, end


class RelayPlayback:
    """A relay item sounding (the loop's ``Playback``): the stream, or its fallback, until ``seconds`` pass.

    ``poll`` answers 0 when the slot's time is over, ``FAILED_EXIT`` if nothing at all went out.
    """

    def __init__(self, url: str, seconds: float, max_gap_s: float, fallback: Sequence[FallbackItem],
                 player: Player, volume: int, ffmpeg: str, counters: Counters, fallback_log: FallbackLog,
                 on_exit: Callable[[], None]) -> None:
        self.url, self.max_gap_s, self.fallback = url, max(0.0, max_gap_s), list(fallback)
        self.player, self.volume, self.ffmpeg = player, volume, ffmpeg
        self.counters, self.fallback_log, self._on_exit = counters, fallback_log, on_exit
        self.started_monotonic = time.monotonic()
        self.deadline = self.started_monotonic + max(0.0, seconds)
        self.pid = os.getpid()  # the relay has several processes over its life; the agent holds them
        self._stop, self._wake = threading.Event(), threading.Event()
        self._dir = Path(tempfile.mkdtemp(prefix="loa-relay-"))
        self._done_ms = 0  # stream audio handed to the player by finished attempts
        self._gap_from: float | None = None  # monotonic start of the outage in progress
        self._code: int | None = None
        self._error = ""
        self._fallback_index = 0
        self._thread = threading.Thread(target=self._run, name="relay", daemon=True)
        self._thread.start()

    # --- the Playback protocol -----------------------------------------------------------------

    def poll(self) -> int | None:
        return self._code

    def terminate(self) -> None:
        """Stop now (an emergency, an operator, the agent stopping): every process ends before this returns."""
        self._stop.set()
        self._wake.set()
        self._thread.join(15)

    def stderr_tail(self) -> str:
        return self._error or "the relayed stream could not be reached and there is no fallback"

    def relay_log(self) -> dict[str, int]:
        return self.counters.as_dict()

    def withdrawn(self, content: Any) -> bool:
        """The manifest no longer names the source being relayed (an approver disabled it)."""
        return bool(self.url) and self.counters.source_id not in {r.id for r in content.relay_sources}

    # --- the relay's thread --------------------------------------------------------------------

    def _left(self) -> float:
        return self.deadline - time.monotonic()

    def _over(self) -> bool:
        return self._stop.is_set() or self._left() <= 0

    def _run(self) -> None:
        try:
            while not self._over():
                if self._stream():  # down longer than max_gap_s: the fallback until a probe hears it
                    self._fall_back()
            self._close_gap(time.monotonic())
        except Exception as exc:  # the relay must end (and be logged) whatever went wrong
            log.exception("relay of %s failed", self.url)
            self._error = str(exc)
        finally:
            _remove(self._dir)
            c = self.counters
            self._code = 0 if self._stop.is_set() or c.relayed_ms or c.fallback_ms else FAILED_EXIT
            self._on_exit()

    def _stream(self) -> bool:
        """Relay until the slot ends (False) or the stream has been down longer than ``max_gap_s`` (True)."""
        last = time.monotonic()  # the last instant stream audio flowed (or the relay began)
        while not self._over():
            attempt = self._attempt()
            if attempt is None:
                return True
            while not self._cut_off(attempt) and not attempt.ended():
                if attempt.flowing and time.monotonic() - attempt.advanced < STALL_S:
                    self._close_gap(attempt.resumed)
                last = max(last, attempt.advanced) if attempt.flowing else last
                # once ffmpeg has ended, what it handed over plays out before anything else
                if attempt.running() and attempt.reading() and not attempt.starting() and self._stalled(last):
                    break
                self._wake.wait(0.25)
                self._wake.clear()
            self._finish(attempt)
            if attempt.reading() and self._stalled(last):
                return True
            # near the end a new connection would not get past loudnorm's window: silence till the end
            pause = self._left() if self._left() < STARTUP_S else ATTEMPT_BACKOFF_S
            self._stop.wait(max(0.0, pause))
        return False

    def _cut_off(self, attempt: Stream) -> bool:
        """Stop now: asked to, or the slot is over (the stream's last words get DRAIN_S to play out)."""
        if self._stop.is_set():
            return True
        return self._left() <= 0 and (attempt.reading() or self._left() < -DRAIN_S)

    def _stalled(self, last: float) -> bool:
        """Note an outage once stream audio has not flowed for STALL_S; True once it passes max_gap_s."""
        quiet = time.monotonic() - last
        if quiet >= STALL_S and self._gap_from is None:
            self._gap_from = last
            self.counters.gaps += 1
            log.warning("relay: no audio from %s for %.0f s", self.url, quiet)
        return quiet > max(self.max_gap_s, STALL_S)

    def _close_gap(self, until: float) -> None:
        if self._gap_from is not None:
            self.counters.gap_ms += int(max(0.0, min(until, self.deadline) - self._gap_from) * 1000)
            self._gap_from = None
            log.info("relay: %s is back", self.url)

    def _attempt(self) -> Stream | None:
        fifo = self._dir / f"relay-{time.monotonic_ns()}.wav"
        try:
            # read only so much that the flushed window ends with the slot (the connection takes ~1 s)
            seconds = max(0.5, self._left() - LOOKAHEAD_S - 1.0)
            return Stream(self.ffmpeg, self.url, seconds, fifo, self.player, self.volume, self._wake)
        except (OSError, PlayerError) as exc:
            self._error = f"cannot start the relay: {exc}"
            log.error("%s", self._error)
            return None

    def _finish(self, attempt: Stream) -> None:
        tail = attempt.stop()
        self._done_ms += attempt.relayed_ms
        self.counters.relayed_ms = self._done_ms
        if tail:
            self._error = tail

    def _fall_back(self) -> None:
        """Play the fallback (looping) while probing the stream; return when it is back or the slot ends."""
        log.warning("relay: %s down for more than %s s: playing the fallback", self.url, self.max_gap_s)
        probe: tuple[subprocess.Popen[bytes], float] | None = None
        probe_at = time.monotonic()
        current: tuple[Playback | None, float, str, float] | None = None  # playback, until, play id, began
        try:
            while not self._over():
                if probe is None and time.monotonic() >= probe_at:
                    probe = self._probe()
                    probe_at = time.monotonic() + RETRY_S
                if probe is not None and (code := _probe_result(probe)) is not None:
                    probe = None
                    if code == 0:
                        log.info("relay: %s answers again: back to the stream", self.url)
                        return
                current = self._fallback_step(current)
                self._wake.wait(0.25)
                self._wake.clear()
        finally:
            if probe is not None:
                _end(probe[0])
            if current is not None:
                self._fallback_done(current, "completed")

    def _probe(self) -> tuple[subprocess.Popen[bytes], float] | None:
        try:
            proc = subprocess.Popen(die_with_parent(probe_argv(self.ffmpeg, self.url)), stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            return proc, time.monotonic() + PROBE_TIMEOUT_S
        except OSError as exc:
            log.error("cannot probe the relay: %s", exc)
            return None

    def _fallback_step(self, current: tuple[Playback | None, float, str, float] | None
                       ) -> tuple[Playback | None, float, str, float] | None:
        """Keep a fallback item sounding: when one ends, log it and start the next (looping)."""
        if current is not None:
            playback, until, _, _ = current
            if (playback.poll() is None) if playback is not None else time.monotonic() < until:
                return current
            self._fallback_done(current, "completed")
        if not self.fallback:
            return None  # silence: the schedule chose none
        item = self.fallback[self._fallback_index % len(self.fallback)]
        self._fallback_index += 1
        began = time.monotonic()
        if item.path is None:
            return (None, began + item.duration_ms / 1000, "", began)
        play_id = self.fallback_log.begin(item)
        try:
            return (self.player.start(item.path, self.volume, self._wake.set), 0.0, play_id, began)
        except PlayerError as exc:
            self.fallback_log.end(play_id, "failed", 0.0)
            self._error = str(exc)
            return None

    def _fallback_done(self, current: tuple[Playback | None, float, str, float], status: str) -> None:
        playback, _, play_id, began = current
        if playback is not None:
            if playback.poll() is None:  # cut: the stream is back, the slot is over, or an emergency
                status = "interrupted"
                playback.terminate()
            elif playback.poll() != 0:
                status = "failed"
        ran = time.monotonic() - began
        self.counters.fallback_ms += int(ran * 1000)
        if play_id:
            self.fallback_log.end(play_id, status, ran)


def _probe_result(probe: tuple[subprocess.Popen[bytes], float]) -> int | None:
    """The probe's exit status; a probe still hanging at its deadline has failed."""
    proc, deadline = probe
    code = proc.poll()
    if code is None and time.monotonic() > deadline:
        _end(proc)
        return 1
    return code


def _end(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def _remove(d: Path) -> None:
    shutil.rmtree(d, ignore_errors=True)


# --- the loop's side: start a relay item (station/loop.py calls this) ------------------------------

def relay_start(loop: Any, s: Any, item: Any, index: int, now: datetime) -> bool:
    """Start relay item ``item`` of slot ``s`` as the loop's running item; False (logged) if it cannot."""
    sched = loop.find_schedule(s.schedule_id)
    spec = sched.items[index] if sched is not None and index < len(sched.items) else None
    sources = {r.id: r for r in getattr(loop.content, "relay_sources", ())}
    source = sources.get(getattr(spec, "relay_source_id", None))
    title = f"Tiếp sóng {source.name}" if source is not None else "Tiếp sóng"
    note = lateness(loop, s, now)
    fields = play_fields(loop, s, index, None, None, PLAYING, note, now, started=now)
    fields["title"] = title
    play_id = loop.journal.begin_item(slot_row(s, now), index, fields)
    if source is None:  # the central no longer names it (disabled): the fallback fills the slot
        log.warning("relay source %s is not in the manifest: playing the fallback", getattr(spec, "relay_source_id", None))
    counters = Counters(source_id=int(getattr(spec, "relay_source_id", 0) or 0))
    seconds = (item.end - now).total_seconds()
    playback = RelayPlayback(
        source.url if source is not None else "", seconds, getattr(spec, "max_gap_s", 15),
        _fallback_items(loop, getattr(spec, "fallback", ())), loop.player, loop.settings.volume, ffmpeg_exe(),
        counters, _fallback_log(loop, s, index), loop.wake.set)
    loop.running = _running(loop, play_id, s, item, index, title, int(seconds * 1000), now, playback, note)
    log.info("relaying %r from %s (slot %s, %.0f s)", title, source.url if source else "-", s.id, seconds)
    loop.on_change()
    return True


def _running(loop: Any, play_id: str | None, s: Any, item: Any, index: int, title: str, expected_ms: int,
             now: datetime, playback: RelayPlayback, note: str | None) -> Any:
    from .playing import Running  # here: playing.py imports this module

    r = Running(play_id=play_id, slot=s, item=item, index=index, sha256=None, bulletin_id=None, title=title,
                priority=s.priority, expected_ms=expected_ms, started_at=now, playback=playback,
                measurement=loop.sound.measure(), sound=loop.sound.describe(loop.settings, now, loop.local_override))
    r.note = note
    return r


def _fallback_items(loop: Any, items: Sequence[Any]) -> list[FallbackItem]:
    """The fallback's items with their verified files; one whose audio is not here yet is left out."""
    out = []
    for it in items:
        if it.kind == ItemKind.PAUSE:
            out.append(FallbackItem(None, it.duration_ms))
            continue
        b = loop.content.bulletins.get(it.bulletin_id) if it.bulletin_id is not None else None
        sha = it.asset_sha256 or (b.asset_sha256 if b is not None else None)
        path = loop.cache.verified(sha) if sha else None
        if path is None:
            log.warning("relay fallback item %s/%s has no verified audio: left out", it.bulletin_id, sha)
            continue
        out.append(FallbackItem(path, b.duration_ms if b else it.duration_ms, it.bulletin_id, sha,
                                b.title if b else "chuông"))
    return out


def _fallback_log(loop: Any, s: Any, index: int) -> FallbackLog:
    """Each fallback play is an ordinary play log of the relay's slot, reason ``relay_fallback``."""

    def begin(f: FallbackItem) -> str:
        at = loop.clock.now()
        fields = play_fields(loop, s, index, f.bulletin_id, f.sha256, PLAYING, FALLBACK_REASON, at, started=at)
        fields["title"] = f.title
        return str(loop.journal.start_play(fields))

    def end(play_id: str, status: str, seconds: float) -> None:
        loop.journal.end_item(play_id, status, FALLBACK_REASON, loop.clock.now(), None, None, 0)

    return FallbackLog(begin, end)
