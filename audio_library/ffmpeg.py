"""Running the ffmpeg binary: where it is, and one call with a time limit and readable errors."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO

from .errors import AudioError

log = logging.getLogger(__name__)

#: Environment variable naming an ffmpeg binary (path or name on PATH) to use instead of the wheel's.
FFMPEG_ENV = "LOA_FFMPEG"
_PIPE_CHUNK = 64 * 1024


def ffmpeg_exe(configured: str | None = None) -> str:
    """Path of the ffmpeg binary: ``configured`` if given, else ``$LOA_FFMPEG``, else imageio-ffmpeg's.

    The environment is the library's own default (the station names its player's ffmpeg the same
    way); an application with its own settings passes ``configured``.
    """
    configured = (configured or os.environ.get(FFMPEG_ENV, "")).strip()
    if configured:
        found = shutil.which(configured)
        if found is None:
            raise AudioError("%(path)s (%(env)s) không phải ffmpeg chạy được", path=repr(configured), env=FFMPEG_ENV)
        return found
    return _bundled_ffmpeg()


@lru_cache(maxsize=1)
def _bundled_ffmpeg() -> str:
    try:
        import imageio_ffmpeg
    except ImportError as e:  # pragma: no cover - it is a hard dependency
        raise AudioError("thiếu ffmpeg: cài imageio-ffmpeg hoặc đặt LOA_FFMPEG") from e
    return str(imageio_ffmpeg.get_ffmpeg_exe())


def run_ffmpeg(
    args: Sequence[str],
    *,
    timeout_s: float,
    stdin: bytes | None = None,
    what: str = "ffmpeg",
    ffmpeg: str | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg with ``args``; return the finished process (its stderr is the log to parse).

    Raises AudioError when it runs longer than ``timeout_s`` (the process is killed) or cannot
    start. A non-zero exit is *not* raised here: callers know what the failure means. ``ffmpeg``
    names the binary as ``ffmpeg_exe`` takes it.
    """
    cmd = [ffmpeg_exe(ffmpeg), "-hide_banner", "-nostdin" if stdin is None else "-y", *args]
    log.debug("running %s", cmd)
    try:
        return subprocess.run(
            cmd,
            input=stdin,
            stdin=subprocess.DEVNULL if stdin is None else None,
            capture_output=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        raise _too_long(what, timeout_s) from e
    except OSError as e:
        raise AudioError("không chạy được ffmpeg (%(exe)s): %(error)s", exe=cmd[0], error=e) from e


def last_error_line(stderr: bytes) -> str:
    """The last non-empty line of an ffmpeg log, for error messages."""
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[-1] if lines else "no message from ffmpeg"


@dataclass(frozen=True)
class Finished:
    """How one ffmpeg process of a pipeline ended."""

    returncode: int
    stdout: bytes
    stderr: bytes


def run_tee(
    producer_args: Sequence[str],
    consumer_args: Sequence[str],
    tee_to: Path,
    *,
    timeout_s: float,
    what: str,
    ffmpeg: str | None = None,
) -> tuple[Finished, Finished]:
    """Run ``producer | consumer`` while saving the producer's output to ``tee_to``.

    The producer writes its result to stdout (``pipe:1``), the consumer reads it from stdin
    (``pipe:0``): encoding and measuring the encoded stream then use both cores at once. Both are
    killed when the pair runs longer than ``timeout_s``.
    """
    exe = ffmpeg_exe(ffmpeg)
    with tempfile.TemporaryFile() as perr, tempfile.TemporaryFile() as cerr:
        prod, cons = _start_pair(exe, producer_args, consumer_args, perr, cerr)
        expired, stdout = _run_pair(prod, cons, tee_to, timeout_s)
        if expired:
            raise _too_long(what, timeout_s)
        perr.seek(0)
        cerr.seek(0)
        return (Finished(prod.returncode, b"", perr.read()),
                Finished(cons.returncode, stdout, cerr.read()))


def _too_long(what: str, timeout_s: float) -> AudioError:
    return AudioError("xử lý âm thanh (%(what)s) quá %(seconds)s giây nên đã dừng", what=what, seconds=f"{timeout_s:g}")


def _start_pair(
    exe: str, producer_args: Sequence[str], consumer_args: Sequence[str], perr: IO[bytes],
    cerr: IO[bytes],
) -> tuple[subprocess.Popen[bytes], subprocess.Popen[bytes]]:
    try:
        prod = subprocess.Popen([exe, "-hide_banner", "-nostdin", *producer_args],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=perr)
    except OSError as e:
        raise AudioError("không chạy được ffmpeg (%(exe)s): %(error)s", exe=exe, error=e) from e
    try:
        cons = subprocess.Popen([exe, "-hide_banner", *consumer_args],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=cerr)
    except OSError as e:
        prod.kill()
        prod.wait()
        raise AudioError("không chạy được ffmpeg (%(exe)s): %(error)s", exe=exe, error=e) from e
    return prod, cons


def _run_pair(
    prod: subprocess.Popen[bytes], cons: subprocess.Popen[bytes], tee_to: Path, timeout_s: float
) -> tuple[bool, bytes]:
    """Pump the pair to the end; (whether the watchdog had to kill them, consumer's stdout)."""
    expired = threading.Event()

    def stop() -> None:
        expired.set()
        prod.kill()
        cons.kill()

    watchdog = threading.Timer(timeout_s, stop)
    watchdog.start()
    collected: list[bytes] = []
    reader = threading.Thread(target=lambda: collected.append(_read_all(cons.stdout)))
    reader.start()
    try:
        _copy(prod, cons, tee_to)
        prod.wait()
        cons.wait()
    except BaseException:
        prod.kill()  # e.g. the disk is full: leave no ffmpeg behind
        cons.kill()
        prod.wait()
        cons.wait()
        raise
    finally:
        watchdog.cancel()
        reader.join()
    return expired.is_set(), collected[0] if collected else b""


def _read_all(stream: IO[bytes] | None) -> bytes:
    return stream.read() if stream is not None else b""


def _copy(prod: subprocess.Popen[bytes], cons: subprocess.Popen[bytes], tee_to: Path) -> None:
    assert prod.stdout is not None and cons.stdin is not None
    consumer_alive = True
    with tee_to.open("wb") as f:
        while chunk := prod.stdout.read(_PIPE_CHUNK):
            f.write(chunk)
            if consumer_alive:
                try:
                    cons.stdin.write(chunk)
                except BrokenPipeError:
                    consumer_alive = False  # its own log says why; keep saving the file
    with contextlib.suppress(BrokenPipeError):
        cons.stdin.close()
