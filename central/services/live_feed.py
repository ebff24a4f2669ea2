"""The central's end of a live stream: the speaker's chunks into ffmpeg → Icecast, and into the recording.

One ``Feed`` per live on air, held by the process that received its first chunk (``central run`` is one
process; behind several gunicorn workers, route ``/api/v1/live/*`` to one of them). Each chunk (WebM or
Ogg from the browser's MediaRecorder, in order) is appended to the recording file, the archive's
source, and written to ffmpeg's stdin; ffmpeg re-encodes to Opus in small Ogg pages (low delay) and is
Icecast's source for ``/live-<id>.ogg``. If ffmpeg dies (Icecast restarted), the next chunk starts a new
one fed the stream's header first. A watchdog ends the live when no chunk came for ``live_idle_s``
(the speaker's browser closed or lost its network), so no ffmpeg outlives its live.
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from central.errors import Conflict, TooLarge, Unprocessable
from central.messages import msg

log = logging.getLogger(__name__)

MAX_CHUNK = 1024 * 1024  # a few seconds of audio is a few kB; anything near this is not a timeslice
RESTART_EVERY_S = 2.0  # at most one new ffmpeg this often when Icecast keeps refusing it
_MAGIC = {b"\x1a\x45\xdf\xa3": "matroska", b"OggS": "ogg"}  # WebM (Chromium), Ogg (Firefox)


def container(head: bytes) -> str:
    """ffmpeg's demuxer for the stream's first bytes; 422 for anything but WebM/Matroska or Ogg."""
    for magic, name in _MAGIC.items():
        if head.startswith(magic):
            return name
    raise Unprocessable(msg("Âm thanh phải là WebM hoặc Ogg từ MediaRecorder."), field="chunk")


def ffmpeg_argv(ffmpeg: str, demuxer: str, target: str) -> list[str]:
    """Read the browser's stream on stdin, send Opus in 100 ms Ogg pages to ``target`` at once."""
    return [ffmpeg, "-hide_banner", "-loglevel", "error", "-fflags", "nobuffer", "-probesize", "32768",
            "-analyzeduration", "0", "-f", demuxer, "-i", "pipe:0", "-vn", "-ac", "1", "-ar", "48000",
            "-c:a", "libopus", "-b:a", "48k", "-application", "voip", "-frame_duration", "20",
            "-page_duration", "100000", "-flush_packets", "1", "-f", "ogg", "-content_type", "audio/ogg", target]


def icecast_target(icecast_url: str, password: str, mount: str) -> str:
    parts = urlsplit(icecast_url)
    return f"icecast://source:{password}@{parts.hostname}:{parts.port or 8000}{mount}"


class Feed:
    """ffmpeg feeding one mount, the recording file, and the watchdog that ends a silent live."""

    def __init__(self, live_id: int, argv: Callable[[str], list[str]], recording: Path, idle_s: float,
                 on_idle: Callable[[int], None]) -> None:
        self.live_id, self._argv, self.recording, self.idle_s = live_id, argv, recording, idle_s
        self.on_idle = on_idle
        self.header = b""
        self.proc: subprocess.Popen[bytes] | None = None
        self.last_chunk = time.monotonic()
        self._started_at = 0.0
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self.chunks = 0
        threading.Thread(target=self._watch, name=f"live-{live_id}-watchdog", daemon=True).start()

    def write(self, chunk: bytes) -> None:
        """Append one chunk to the recording and to ffmpeg (started, or started again, as needed)."""
        with self._lock:
            if self._closed.is_set():
                raise Conflict(msg("Buổi phát trực tiếp này đã kết thúc."))
            if not self.header:
                container(chunk)  # refuse before any process starts
                self.header = chunk
            with self.recording.open("ab") as f:
                f.write(chunk)
            self.last_chunk = time.monotonic()
            self.chunks += 1
            self._send(chunk)

    def _send(self, chunk: bytes) -> None:
        if self.proc is None or self.proc.poll() is not None:
            if time.monotonic() - self._started_at < RESTART_EVERY_S:
                return  # Icecast refused it just now: the recording goes on, the stream waits a moment
            self._start()
            if chunk is not self.header:
                self._pipe(self.header)
        self._pipe(chunk)

    def _start(self) -> None:
        self._started_at = time.monotonic()
        if self.proc is not None:
            log.warning("live %s: ffmpeg ended (%s); starting it again", self.live_id, self.proc.returncode)
        self.proc = subprocess.Popen(self._argv(container(self.header)), stdin=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def _pipe(self, data: bytes) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            log.warning("live %s: ffmpeg stopped taking audio", self.live_id)

    def close(self) -> None:
        """End ffmpeg (its stdin closed: it flushes and leaves the mount) and the watchdog."""
        with self._lock:
            self._closed.set()
            proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    def _watch(self) -> None:
        while not self._closed.wait(1.0):
            if time.monotonic() - self.last_chunk > self.idle_s:
                log.warning("live %s: no audio from the speaker for %.0f s: ending it", self.live_id, self.idle_s)
                try:
                    self.on_idle(self.live_id)
                except Exception:  # it must end anyway: never leave an ffmpeg behind
                    log.exception("live %s: ending after silence failed", self.live_id)
                self.close()
                return


_lock = threading.Lock()
_feeds: dict[int, Feed] = {}


def feed(live_id: int, make: Callable[[], Feed]) -> Feed:
    """This process's feed for ``live_id``, made by ``make`` on the first chunk."""
    with _lock:
        found = _feeds.get(live_id)
        if found is None:
            found = _feeds[live_id] = make()
        return found


def write(live_id: int, chunk: bytes, make: Callable[[], Feed]) -> Feed:
    if len(chunk) > MAX_CHUNK:
        raise TooLarge(msg("Mỗi đoạn âm thanh tối đa 1 MB."))
    if not chunk:
        raise Unprocessable(msg("Đoạn âm thanh rỗng."), field="chunk")
    with _lock:
        fresh = live_id not in _feeds
    if fresh:
        container(chunk)  # a first chunk that starts no stream makes no feed, no thread, no process
    f = feed(live_id, make)
    f.write(chunk)
    return f


def close(live_id: int) -> Path | None:
    """End the live's feed in this process; the recording's path (None if no chunk came here)."""
    with _lock:
        f = _feeds.pop(live_id, None)
    if f is None:
        return None
    f.close()
    return f.recording


def close_all() -> None:
    """End every feed of this process (tests and shutdown)."""
    with _lock:
        found = list(_feeds.values())
        _feeds.clear()
    for f in found:
        f.close()
