"""Running the ffmpeg binary: where it is, and one call with a time limit and readable errors."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from collections.abc import Sequence
from functools import lru_cache

from .errors import AudioError

log = logging.getLogger(__name__)

#: Environment variable naming an ffmpeg binary (path or name on PATH) to use instead of the wheel's.
FFMPEG_ENV = "LOA_FFMPEG"


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary: ``$LOA_FFMPEG`` if set, else the one shipped by imageio-ffmpeg."""
    configured = os.environ.get(FFMPEG_ENV, "").strip()
    if configured:
        found = shutil.which(configured)
        if found is None:
            raise AudioError(f"{FFMPEG_ENV}={configured!r} is not an executable ffmpeg")
        return found
    return _bundled_ffmpeg()


@lru_cache(maxsize=1)
def _bundled_ffmpeg() -> str:
    try:
        import imageio_ffmpeg
    except ImportError as e:  # pragma: no cover - it is a hard dependency
        raise AudioError("ffmpeg is missing: install imageio-ffmpeg or set LOA_FFMPEG") from e
    return str(imageio_ffmpeg.get_ffmpeg_exe())


def run_ffmpeg(
    args: Sequence[str],
    *,
    timeout_s: float,
    stdin: bytes | None = None,
    what: str = "ffmpeg",
) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg with ``args``; return the finished process (its stderr is the log to parse).

    Raises AudioError when it runs longer than ``timeout_s`` (the process is killed) or cannot
    start. A non-zero exit is *not* raised here: callers know what the failure means.
    """
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin" if stdin is None else "-y", *args]
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
        raise AudioError(f"{what} took longer than {timeout_s:g} s and was stopped") from e
    except OSError as e:
        raise AudioError(f"cannot run ffmpeg ({cmd[0]}): {e}") from e


def last_error_line(stderr: bytes) -> str:
    """The last non-empty line of an ffmpeg log, for error messages."""
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[-1] if lines else "no message from ffmpeg"
