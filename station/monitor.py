"""How a play sounded: the output and settings it met, and, with a monitor, the level actually heard.

``LOA_MONITOR`` is a capture command template like ``LOA_PLAYER`` (``{ffmpeg}`` is the ffmpeg
binary) that writes audio, in any format ffmpeg reads (WAV is simplest), to its standard output
for as long as it runs: an ALSA capture of the amplifier's line-out (``arecord -q -D plughw:1 -f
S16_LE -r 16000 -c 1 -t wav``) or of a microphone near a horn. While an item plays, the agent runs
it into ``ffmpeg … -af ebur128`` and keeps the loudest momentary loudness (LUFS, 400 ms windows).
A play that ran at least ``MIN_MEASURE_S`` and never rose above ``LOA_MONITOR_MIN_LUFS`` (default
-45) is silent: logged ``failed_to_sound`` with that level. Without a monitor nothing is measured;
a play into the null output or at volume 0 is ``not_audible`` either way (``playlists.sound``).
"""

from __future__ import annotations

import logging
import re
import shlex
import subprocess
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from playlists.model import StationSettings
from playlists.sound import AUDIBLE, FAILED_TO_SOUND, NOT_AUDIBLE, UNCHECKED, setup_audibility
from playlists.words import PlayStatus, Reason

from .errors import PlayerError
from .player import die_with_parent

log = logging.getLogger(__name__)

MIN_MEASURE_S = 2.0  # a shorter measurement says nothing either way (the first window takes 0.4 s)
DEFAULT_MIN_LUFS = -45.0  # above a line-out's silence (about -90) and a quiet room's mic (about -60)
_MOMENTARY = re.compile(rb"\bt:\s*([\d.]+).*?\bM:\s*(-?(?:inf|[\d.]+))")


@dataclass(frozen=True)
class Level:
    """What one measurement heard: the loudest momentary loudness (None: nothing) over ``seconds``."""

    max_lufs: float | None
    seconds: float


class Measurement:
    """A capture process piped into ffmpeg's ebur128 meter, read by a thread until ``stop``."""

    def __init__(self, capture: list[str], ffmpeg: str) -> None:
        meter = [ffmpeg, "-nostdin", "-hide_banner", "-nostats", "-loglevel", "info", "-i", "pipe:0",
                 "-af", "ebur128", "-f", "null", "-"]
        self.max_lufs: float | None = None
        self.seconds = 0.0
        try:
            self.capture = subprocess.Popen(die_with_parent(capture), stdin=subprocess.DEVNULL,
                                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError as exc:
            raise PlayerError(f"cannot start the monitor {capture[0]!r}: {exc}") from exc
        assert self.capture.stdout is not None
        try:
            self.meter = subprocess.Popen(die_with_parent(meter), stdin=self.capture.stdout,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except OSError as exc:
            self.capture.kill()
            raise PlayerError(f"cannot start the level meter {ffmpeg!r}: {exc}") from exc
        self.capture.stdout.close()  # the meter holds it now: the capture sees EPIPE when it stops
        assert self.meter.stderr is not None
        self._reader = threading.Thread(target=self._read, args=(self.meter.stderr,), name="monitor", daemon=True)
        self._reader.start()

    def _read(self, stream: IO[bytes]) -> None:
        for line in stream:
            m = _MOMENTARY.search(line)
            if m is None:
                continue
            self.seconds = max(self.seconds, float(m.group(1)))
            level = float(m.group(2))
            if self.max_lufs is None or level > self.max_lufs:
                self.max_lufs = level

    def stop(self) -> Level:
        """End the capture, let the meter read what is left, and answer what was heard."""
        for proc in (self.capture, self.meter):
            if proc.poll() is None:
                proc.terminate()
            try:
                proc.wait(timeout=2.0)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._reader.join(timeout=2.0)
        return Level(self.max_lufs, self.seconds)


@dataclass(frozen=True)
class Monitor:
    """The ``LOA_MONITOR`` capture template and the level below which a play counts as silent."""

    template: str
    ffmpeg: str = "ffmpeg"
    min_lufs: float = DEFAULT_MIN_LUFS

    def argv(self) -> list[str]:
        try:
            return [tok.format(ffmpeg=self.ffmpeg) for tok in shlex.split(self.template)]
        except (KeyError, IndexError, ValueError) as exc:
            raise PlayerError(f"bad monitor template {self.template!r}: {exc}") from exc

    def start(self) -> Measurement:
        return Measurement(self.argv(), self.ffmpeg)


def judge(level: Level, min_lufs: float) -> str:
    """``audible``, ``failed_to_sound`` (silent all along), or ``unchecked`` (too short to tell)."""
    if level.max_lufs is not None and level.max_lufs >= min_lufs:
        return AUDIBLE  # heard, however briefly
    if level.seconds < MIN_MEASURE_S:
        return UNCHECKED
    return FAILED_TO_SOUND


def in_quiet_hours(settings: StationSettings, now: datetime) -> bool:
    qh = settings.quiet_hours
    return qh is not None and qh.contains(now.astimezone(ZoneInfo(settings.timezone)).time())


class SoundCheck:
    """The ``sound`` of each play log and of the heartbeat: output, settings, and what the monitor heard."""

    def __init__(self, player: Any, monitor: Monitor | None = None) -> None:
        self.player, self.monitor = player, monitor
        self.last: dict[str, Any] | None = None  # the last measured play, for the heartbeat

    def describe(self, settings: StationSettings, now: datetime, local_override: bool) -> dict[str, Any]:
        """How an item started now sounds, as far as the set-up tells (before any measurement)."""
        null = bool(getattr(self.player, "null_output", False))
        return {
            "output": str(getattr(self.player, "output", "") or getattr(self.player, "description", "")),
            "null_output": null, "volume": int(settings.volume), "muted": int(settings.volume) <= 0,
            "quiet_hours": in_quiet_hours(settings, now), "local_override": local_override,
            "audibility": setup_audibility(null, settings.volume), "monitor": self.monitor is not None,
        }

    def measure(self) -> Measurement | None:
        """Start listening (None without a monitor, or if it cannot start: the play goes on)."""
        if self.monitor is None:
            return None
        try:
            return self.monitor.start()
        except PlayerError as exc:
            log.error("%s", exc)
            return None

    def finish(self, sound: dict[str, Any] | None, measurement: Measurement | None, status: str,
               reason: str | None, title: str = "") -> tuple[dict[str, Any] | None, str, str | None]:
        """A play's ``sound`` with the level heard, and its status: ``failed`` if the monitor heard silence."""
        if sound is None or measurement is None or self.monitor is None:
            return sound, status, reason
        level = measurement.stop()
        out = dict(sound, level_lufs=_round(level.max_lufs))
        if out["audibility"] != NOT_AUDIBLE:  # the null output stays not audible whatever a mic hears
            out["audibility"] = judge(level, self.monitor.min_lufs)
        self.last = out
        silent = silent_reason(out, self.monitor.min_lufs)
        if silent and status not in (PlayStatus.FAILED, PlayStatus.INTERRUPTED):  # it ended well, but nothing came out
            log.warning("play of %r failed to sound: %s", title, silent)
            return out, PlayStatus.FAILED, silent
        return out, status, reason


def _round(v: float | None) -> float | None:
    return None if v is None or v == float("-inf") else round(v, 1)


def silent_reason(sound: dict[str, Any] | None, min_lufs: float) -> str | None:
    """The play log's reason for a silent play: ``failed_to_sound: …``; None if it was not silent."""
    if not sound or sound.get("audibility") != FAILED_TO_SOUND:
        return None
    heard = sound.get("level_lufs")
    level = "nothing" if heard is None else f"{heard:.1f} LUFS"
    return f"{Reason.FAILED_TO_SOUND}: the monitor heard at most {level} (threshold {min_lufs:.0f} LUFS)"
