"""An attention chime synthesised here (three bell-like strikes), so no sound file is copied in."""

from __future__ import annotations

import io
import math
import wave
from array import array
from functools import lru_cache

#: Descending G5–E5–C5, the familiar public-address "ding-dong-ding".
DEFAULT_NOTES_HZ = (783.99, 659.25, 523.25)
#: Relative frequency, amplitude and decay rate (1/s) of each partial of one strike.
_PARTIALS = ((1.0, 1.0, 2.2), (2.0, 0.35, 4.5), (3.0, 0.12, 7.0), (4.2, 0.05, 9.0))


def chime(
    duration_s: float = 2.0,
    *,
    notes_hz: tuple[float, ...] = DEFAULT_NOTES_HZ,
    spacing_s: float = 0.45,
    sample_rate: int = 48000,
) -> bytes:
    """WAV bytes (mono, 16-bit) of the attention chime; the same arguments give the same bytes."""
    return _chime(round(duration_s, 3), tuple(notes_hz), round(spacing_s, 3), sample_rate)


@lru_cache(maxsize=8)
def _chime(duration_s: float, notes_hz: tuple[float, ...], spacing_s: float, rate: int) -> bytes:
    n = max(1, int(duration_s * rate))
    mix = [0.0] * n
    for index, freq in enumerate(notes_hz):
        _strike(mix, int(index * spacing_s * rate), freq, rate)
    fade = min(n, int(0.05 * rate))
    for i in range(fade):  # no click at the end
        mix[n - 1 - i] *= i / fade
    peak = max(1e-9, max(abs(x) for x in mix))
    scale = 0.5 * 32767 / peak  # -6 dBFS; ingest sets the real level
    pcm = array("h", (int(round(x * scale)) for x in mix))
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return buf.getvalue()


def _strike(mix: list[float], offset: int, freq: float, rate: int) -> None:
    attack = 0.004 * rate
    for ratio, amp, decay in _PARTIALS:
        step = 2.0 * math.pi * freq * ratio / rate
        fall = math.exp(-decay / rate)
        env = amp
        for i in range(offset, len(mix)):
            k = i - offset
            shaped = env * (k / attack if k < attack else 1.0)
            mix[i] += shaped * math.sin(step * k)
            env *= fall
            if env < 1e-4:
                break
