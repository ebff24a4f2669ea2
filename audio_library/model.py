"""The values the audio library hands out: limits, measurements, encoded outputs, profiles."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import AudioError


@dataclass(frozen=True)
class Limits:
    """Refusal thresholds for an input (size, duration, wall-clock time per ffmpeg run) and the ffmpeg."""

    max_bytes: int = 100 * 1024 * 1024
    max_duration_s: float = 1800.0
    min_duration_s: float = 1.0
    decode_timeout_s: float = 120.0
    ffmpeg: str | None = None  # binary (path or name on PATH); None = $LOA_FFMPEG, else imageio-ffmpeg's


@dataclass(frozen=True)
class AudioInfo:
    """What ffmpeg measured on a piece of audio (loudness by its ``ebur128`` meter)."""

    duration_ms: int
    size: int
    codec: str
    loudness_lufs: float
    true_peak_dbtp: float
    sample_rate: int
    channels: int


@dataclass(frozen=True)
class Encoded:
    """Delivery-ready audio: the bytes, what they measure, their sha256 and file type."""

    data: bytes
    info: AudioInfo
    sha256: str
    extension: str
    mime: str
    #: Set when the target loudness could not be met under the ceiling: tell the uploader.
    warning: str | None = None


@dataclass(frozen=True)
class Profile:
    """An encoding for delivery: codec settings for ffmpeg and the file type they produce."""

    name: str
    codec: str
    extension: str
    mime: str
    muxer: str
    sample_rate: int
    codec_args: tuple[str, ...]
    #: How far below the ceiling to limit sample peaks at first (true peaks and codec overshoot).
    peak_margin_db: float = 1.0


#: Opus in Ogg, mono, 30 kbps (VBR held close to it): about 230 KB a minute with the Ogg framing,
#: safely under the 250 KB budget, and clear speech over slow rural links.
SPEECH = Profile(
    name="speech",
    codec="opus",
    extension="ogg",
    mime="audio/ogg",
    muxer="ogg",
    sample_rate=48000,
    codec_args=(
        "-c:a", "libopus", "-b:a", "30k", "-vbr", "constrained", "-application", "audio",
        # 12 kHz of audio is more than a horn loudspeaker reproduces; coding above it at this
        # bitrate only adds noise-filled bands whose peaks overshoot the limiter.
        "-cutoff", "12000",
    ),
    peak_margin_db=1.5,
)

#: MP3 for players that need it: mono 32 kbps at 24 kHz, the same budget as the speech profile.
MP3 = Profile(
    name="mp3",
    codec="mp3",
    extension="mp3",
    mime="audio/mpeg",
    muxer="mp3",
    sample_rate=24000,
    codec_args=("-c:a", "libmp3lame", "-b:a", "32k"),
    peak_margin_db=1.8,
)

PROFILES = {p.name: p for p in (SPEECH, MP3)}


def profile_named(name: str) -> Profile:
    """The profile called ``name`` ("speech" or "mp3"), or AudioError."""
    try:
        return PROFILES[name]
    except KeyError:
        raise AudioError("không có cấu hình mã hóa %(name)s; chọn %(choices)s", name=repr(name),
                         choices=", ".join(sorted(PROFILES))) from None

