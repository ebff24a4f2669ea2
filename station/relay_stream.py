"""One connection of a relay: ffmpeg reading the stream, levelling it, and a pump into the station's player.

ffmpeg reads the source live (reconnecting on drops), levels it with ``loudnorm`` in its one-pass
(dynamic) mode to the bulletins' target, and writes WAV to its stdout. A pump thread hands that WAV,
through a named pipe, to the station's own player (``LOA_PLAYER``), so a relay sounds through the same
output, volume and orphan protection as a bulletin. The pump holds up to ``BUFFER_S`` of audio, so a
player that buffers when it starts (ffmpeg and ffplay probe their input) never stalls the reading of
the stream. Two real counts come out: the PCM bytes the player took (what was relayed) and, from
ffmpeg's ``-progress`` on a separate pipe, how much of the stream was read (a stalled stream stops it).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import queue
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import IO

from .errors import PlayerError
from .player import Playback, Player, die_with_parent

log = logging.getLogger(__name__)

TARGET = "loudnorm=I=-16:TP=-1.5:LRA=11"  # the bulletins' target (audio_library.normalise), one pass
RATE = 48000
BYTES_PER_S = RATE * 2 * 2  # s16 stereo
WAV_HEADER = 44  # with +bitexact: RIFF, fmt and data headers only
LOOKAHEAD_S = 3.0  # loudnorm's one-pass window: its output trails the stream by this much
STARTUP_S = LOOKAHEAD_S + 3.0  # a connected stream's first audio may take this long (connect, probe, window)
STALL_S = 2.0  # no stream read for this long is an outage (shorter hiccups are jitter)
DRAIN_S = 8.0  # after ffmpeg ends, the player gets this long to play what it was handed
BUFFER_S = 10.0
CHUNK = 1 << 15
RELAY_AGENT = "Loa-station relay"
PROBE_AGENT = "Loa-station probe"


def relay_argv(ffmpeg: str, url: str, seconds: float, progress_fd: int) -> list[str]:
    """ffmpeg reading ``seconds`` of ``url`` live (reconnecting), levelled to -16 LUFS, WAV on stdout.

    The input's length is bounded (``-t``) rather than the process killed, so ffmpeg ends by flushing
    loudnorm's window: what it read reaches the player. ``out_time_us`` in the progress reports follows
    a copy of the input into the null muxer, ahead of the window: it stops when the stream stalls.
    """
    return [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-stats_period", "0.5",
            "-progress", f"pipe:{progress_fd}", "-user_agent", RELAY_AGENT, "-reconnect", "1",
            "-reconnect_streamed", "1", "-reconnect_on_network_error", "1", "-reconnect_delay_max", "2",
            "-rw_timeout", "8000000", "-probesize", "8192", "-analyzeduration", "500000",  # start in ½ s, not 5
            "-t", f"{max(0.5, seconds):.2f}", "-i", url,
            "-map", "0:a:0", "-af", f"{TARGET},aresample={RATE}", "-ar", str(RATE), "-ac", "2",
            "-flags", "+bitexact", "-fflags", "+bitexact", "-f", "wav", "pipe:1",
            "-map", "0:a:0", "-c", "copy", "-f", "null", "-"]


def probe_argv(ffmpeg: str, url: str) -> list[str]:
    """ffmpeg that succeeds only if it decodes a second of the stream."""
    return [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-user_agent", PROBE_AGENT,
            "-rw_timeout", "5000000", "-i", url, "-vn", "-t", "1", "-f", "null", "-"]


class Stream:
    """One relay ffmpeg, its pump and the player reading the pump's pipe."""

    def __init__(self, ffmpeg: str, url: str, seconds: float, fifo: Path, player: Player, volume: int,
                 wake: threading.Event) -> None:
        self.seconds, self._fifo, self._wake = seconds, fifo, wake
        self.in_us = 0  # stream read so far
        self.handed = 0  # WAV bytes the player took
        self.began = self.advanced = self.resumed = time.monotonic()
        self.flowing = False  # the stream has been read (past its first progress report)
        self._exited: float | None = None
        self._pumped = threading.Event()  # the pump has handed over everything (or given up)
        self._chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=int(BUFFER_S * BYTES_PER_S / CHUNK))
        self._halt = threading.Event()
        self._err: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        os.mkfifo(fifo, 0o600)
        r, w = os.pipe()
        try:
            self.proc = subprocess.Popen(die_with_parent(relay_argv(ffmpeg, url, seconds, w)), stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=self._err, pass_fds=(w,))
        finally:
            os.close(w)
        try:
            self.playback: Playback | None = player.start(fifo, volume, wake.set)
        except PlayerError:
            os.close(r)
            self.playback = None
            self.stop()
            raise
        for target, name in ((self._progress, "progress"), (self._read, "read"), (self._pump, "pump")):
            args = (r,) if target == self._progress else ()
            threading.Thread(target=target, args=args, name=f"relay-{name}-{self.proc.pid}", daemon=True).start()

    # --- the threads ---------------------------------------------------------------------------

    def _progress(self, fd: int) -> None:
        with os.fdopen(fd, "rb") as f:
            for raw in f:
                key, _, value = raw.decode("ascii", "replace").strip().partition("=")
                if key == "out_time_us" and value.isdigit() and int(value) > self.in_us:
                    self._advance(int(value))
        self._wake.set()

    def _advance(self, in_us: int) -> None:
        now = time.monotonic()
        if not self.flowing:  # the first report comes once loudnorm's window is full: date the start back
            self.resumed = max(self.began, now - (in_us - self.in_us) / 1e6)
        elif now - self.advanced >= STALL_S:
            self.resumed = now
        self.in_us, self.advanced = in_us, now
        log.debug("relay %s: read %.1f s, handed %.1f s", self.proc.pid, in_us / 1e6, self.relayed_ms / 1000)
        if not self.flowing:
            self.flowing = True
            self._wake.set()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while chunk := os.read(fd, CHUNK):
            self._chunks.put(chunk)
        self._chunks.put(None)

    def _pump(self) -> None:
        try:
            fd = self._open_fifo()
            if fd is None:
                return
            with os.fdopen(fd, "wb", buffering=0) as out:
                while (chunk := self._chunks.get()) is not None and not self._halt.is_set():
                    view = memoryview(chunk)
                    while view:
                        n = out.write(view) or 0
                        self.handed += n
                        view = view[n:]
        except OSError as exc:  # the player ended or refused the pipe: nothing more is handed over
            log.debug("relay pump: %s", exc)
        finally:
            self._pumped.set()
            self._wake.set()

    def _open_fifo(self) -> int | None:
        """Open the pipe for writing once the player has opened it for reading (never block on it)."""
        while not self._halt.is_set():
            try:
                fd = os.open(self._fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:
                    raise
                if self.playback is not None and self.playback.poll() is not None:
                    return None
                self._halt.wait(0.05)
                continue
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
            return fd
        return None

    # --- what the relay asks -------------------------------------------------------------------

    @property
    def relayed_ms(self) -> int:
        return max(0, self.handed - WAV_HEADER) * 1000 // BYTES_PER_S

    def running(self) -> bool:
        """ffmpeg still runs (reading, or waiting for a stream that went quiet)."""
        return self.proc.poll() is None

    def reading(self) -> bool:
        """It has not read all it was asked to (so a pause in its input is the stream's, not its end)."""
        return self.in_us < (self.seconds - 0.75) * 1e6

    def starting(self) -> bool:
        """Connected and running, but nothing read shows yet (loudnorm's window fills first)."""
        return not self.flowing and self.proc.poll() is None and time.monotonic() - self.began < STARTUP_S

    def ended(self) -> bool:
        """ffmpeg has ended and the player has played what it was handed (or had nothing, or took too long)."""
        if self.proc.poll() is None:
            return False
        self._exited = self._exited or time.monotonic()
        late = time.monotonic() - self._exited > DRAIN_S
        playing = self.playback is not None and self.playback.poll() is None
        return late or (self._pumped.is_set() and not (playing and self.handed > WAV_HEADER))

    def stop(self) -> str:
        """End ffmpeg, the pump and the player; answer the tail of ffmpeg's errors."""
        self._halt.set()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(2)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        with contextlib.suppress(queue.Full):
            self._chunks.put_nowait(None)  # wake a pump waiting for audio
        if self.playback is not None:
            self.playback.terminate()
        self._pumped.wait(2)
        self._fifo.unlink(missing_ok=True)
        try:
            self._err.seek(0)
            return self._err.read()[-300:].decode("utf-8", "replace").strip()
        finally:
            self._err.close()
