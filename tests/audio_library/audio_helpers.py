"""Helpers shared by the audio library's tests."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from audio_library import ffmpeg_exe

SPEECH_TEXT = (
    "Ủy ban nhân dân xã thông báo: hưởng ứng tháng hành động phòng, chống ma túy, "
    "mời bà con đến nhà văn hóa thôn lúc mười bảy giờ ba mươi phút để nghe phổ biến pháp luật."
)


def run_ffmpeg_cli(*args: str) -> None:
    """Run ffmpeg as a test helper (making inputs), failing the test if ffmpeg fails."""
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args],
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")


Convert = Callable[..., Path]
MakeTone = Callable[..., Path]
