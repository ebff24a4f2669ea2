"""Speaker test: a short test signal, played when nothing else sounds, and what the monitor heard.

Asked for on the station's page, or on the central's station page: the central puts
``{"id", "requested_at"}`` in the station's signed manifest (``station.speaker_test``), so the request
travels the existing contract and a push nudge brings it at once. A request is played once (its id
is remembered across restarts), only within ``FRESH`` of being made (a station that was off for a
day does not start beeping when it comes back), never over another item, and never in the few
seconds before a slot starts. The result (``speaker_test`` in the store) goes out in the heartbeat's
``sound`` and is shown on both pages; a test is not a broadcast, so it leaves no play log.
"""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from playlists.words import PlayStatus

from .errors import PlayerError

log = logging.getLogger(__name__)

TONE_MS = 3000
FRESH = timedelta(minutes=10)
ROOM = timedelta(seconds=8)  # a test starts only if no slot begins sooner than this
STATUS = "speaker_test"  # the loop's ``ok_status`` for the test signal


class SpeakerTest:
    """The pending request (at most one), the test tone, and the last result."""

    def __init__(self, store: Any, directory: Path, ffmpeg: str | None = None) -> None:
        self.store, self.directory, self.ffmpeg = store, directory, ffmpeg
        self.pending: dict[str, Any] | None = None
        self.current: dict[str, Any] | None = None  # the request being played

    def request(self, test_id: str, source: str, requested_at: datetime) -> None:
        """Ask for a test (``source``: ``local`` or ``central``); a newer request replaces a waiting one."""
        self.pending = {"id": test_id, "source": source, "requested_at": requested_at.isoformat(timespec="seconds")}

    def offer(self, station: Mapping[str, Any], now: datetime) -> None:
        """The manifest's ``station.speaker_test``: a request the station has not seen yet, if still fresh."""
        ask = station.get("speaker_test")
        if not isinstance(ask, dict) or not ask.get("id"):
            return
        try:
            if ask["id"] == self.store.get("speaker_test_seen"):
                return
            self.store.put(speaker_test_seen=ask["id"])  # played at most once, even across a restart
            at = datetime.fromisoformat(str(ask.get("requested_at")))
        except Exception:  # a failing store or a bad time: no test, and the loop goes on
            log.exception("speaker test request %s not taken", ask.get("id"))
            return
        if now - at > FRESH:
            self._record({"id": ask["id"], "source": "central", "requested_at": at.isoformat(timespec="seconds")},
                         "expired", None, None, now)
            return
        self.request(str(ask["id"]), "central", at)

    def due(self, now: datetime) -> bool:
        """A request waits, and it is still fresh (one gone stale is reported as such and dropped)."""
        if self.pending is None:
            return False
        if now - datetime.fromisoformat(self.pending["requested_at"]) > FRESH:
            self._record(self.pending, "expired", None, None, now)
            self.pending = None
            return False
        return True

    def begin(self, now: datetime) -> Path | None:
        """Take the waiting request and answer the tone to play (None, and a failed result, if none)."""
        self.current, self.pending = self.pending, None
        try:
            return self.tone()
        except PlayerError as exc:
            self.finish(PlayStatus.FAILED, str(exc), None, now)
            return None

    def finish(self, status: str, reason: str | None, sound: dict[str, Any] | None, now: datetime) -> None:
        if self.current is not None:
            self._record(self.current, PlayStatus.COMPLETED if status == STATUS else status, reason, sound, now)
        self.current = None

    def _record(self, req: dict[str, Any], status: str, reason: str | None, sound: dict[str, Any] | None,
                now: datetime) -> None:
        result = {**req, "at": now.isoformat(timespec="seconds"), "status": status, "reason": reason}
        for key in ("audibility", "level_lufs", "output", "volume", "monitor"):
            if sound is not None and key in sound:
                result[key] = sound[key]
        try:
            self.store.put(speaker_test=result)
        except Exception:  # a result lost to a failing disk costs a retest, never the loop
            log.exception("could not save the speaker test result")
        log.info("speaker test %s (%s): %s %s", req["id"], req["source"], status,
                 "" if sound is None else f"{sound.get('audibility')} {sound.get('level_lufs')}")

    def result(self) -> dict[str, Any] | None:
        got = self.store.get("speaker_test")
        return got if isinstance(got, dict) else None

    def tone(self) -> Path:
        """A 1 kHz tone, 3 s, at -12 dBFS with short fades (made once with ffmpeg)."""
        path = self.directory / "speaker-test.wav"
        if path.exists():
            return path
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part.wav")
        if self.ffmpeg is None:
            from .ffmpeg import ffmpeg_exe  # only when a test is first asked for

            self.ffmpeg = ffmpeg_exe()
        argv = [self.ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                f"sine=frequency=1000:sample_rate=16000:duration={TONE_MS / 1000}",
                "-af", "volume=0.25,afade=t=in:d=0.05,afade=t=out:st=2.9:d=0.1", "-ac", "1", str(tmp)]
        try:
            subprocess.run(argv, check=True, capture_output=True, timeout=60)
        except (OSError, subprocess.SubprocessError) as exc:
            raise PlayerError(f"cannot make the speaker test tone: {exc}") from exc
        tmp.replace(path)
        return path
