"""Where the ffmpeg binary is, as audio_library.ffmpeg_exe() answers it, without importing audio_library.

Importing ``audio_library`` pulls in the whole audio pipeline (gTTS, eSpeak NG, …: ~20 MB of RSS); the
agent on a Pi only needs the binary's path. tests/station check that both answers agree.
"""

from __future__ import annotations

import os
import shutil

from .errors import PlayerError

FFMPEG_ENV = "LOA_FFMPEG"


def ffmpeg_exe() -> str:
    configured = os.environ.get(FFMPEG_ENV, "").strip()
    if configured:
        found = shutil.which(configured)
        if found is None:
            raise PlayerError(f"{FFMPEG_ENV}={configured!r} is not an executable ffmpeg")
        return found
    try:
        import imageio_ffmpeg
    except ImportError:
        found = shutil.which("ffmpeg")
        if found is None:
            raise PlayerError("no ffmpeg: install imageio-ffmpeg or set LOA_FFMPEG") from None
        return found
    return str(imageio_ffmpeg.get_ffmpeg_exe())
