"""The loudness promise on what is delivered: −16 LUFS ±1 LU under −1.5 dBTP, or a warning.

Speech-like pink noise is the hard case: the Opus encoder rebuilds noise with its own peaks, which
overshoot the limiter by 1–4 dB, and cuts the band above 12 kHz, which takes loudness away. A
representative subset of the sweep in ``bench/loudness.py`` runs here; each delivered file is
measured afresh by ffmpeg's ebur128.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from audio_library import (
    DEFAULT_CEILING_DBTP,
    DEFAULT_TARGET_LUFS,
    ingest,
    loudness_warning,
    measure,
)
from tests.audio_library.audio_helpers import clicks_over_hum_wav, speech_like_noise

# seconds, input true peak (dBFS), variant: the long ones are those that plain levelling left
# at -17.2 LUFS; the short ones cover the other input levels and lengths
SIGNALS = [(60.0, -30.0, 3), (60.0, 0.0, 3), (20.0, -28.0, 2), (7.0, 0.0, 3), (3.0, -28.0, 1)]


@pytest.mark.parametrize(("seconds", "level", "seed"), SIGNALS,
                         ids=[f"{s:g}s-{lv:g}dB-v{v}" for s, lv, v in SIGNALS])
def test_speech_like_noise_is_delivered_on_target_under_the_ceiling(
    tmp_path: Path, seconds: float, level: float, seed: int
) -> None:
    src = speech_like_noise(tmp_path / "in.wav", seconds, level, seed)
    out = ingest(src)
    delivered = measure(out.data)
    assert abs(delivered.loudness_lufs - DEFAULT_TARGET_LUFS) <= 1.0, delivered
    assert delivered.true_peak_dbtp <= DEFAULT_CEILING_DBTP, delivered
    assert out.warning is None
    assert abs(delivered.duration_ms - seconds * 1000) < 1000  # all of it, pauses included


def test_audio_that_cannot_reach_the_target_carries_a_warning() -> None:
    out = ingest(clicks_over_hum_wav())
    delivered = measure(out.data)
    assert delivered.true_peak_dbtp <= DEFAULT_CEILING_DBTP  # the ceiling holds even so
    assert delivered.loudness_lufs < DEFAULT_TARGET_LUFS - 1.0
    assert out.warning is not None
    assert f"{delivered.loudness_lufs:.1f} LUFS" in out.warning
    assert "nghe nhỏ hơn" in out.warning and "quieter" in out.warning


def test_the_warning_follows_the_promise() -> None:
    assert loudness_warning(-16.9) is None and loudness_warning(-15.1) is None
    assert loudness_warning(None) is None
    assert "quieter" in (loudness_warning(-17.2) or "")
    assert "louder" in (loudness_warning(-14.5) or "")
    assert "-23 LUFS" in (loudness_warning(-25.0, target_lufs=-23.0) or "")
