"""Pure audio: decode/encode via ffmpeg, loudness, trim, chime, TTS, content-addressed store.

Everything a caller needs is exported here; ``AudioError`` is the one exception root.
"""

from .chime import chime
from .errors import AudioError, Reason
from .espeak import VOICES as ESPEAK_VOICES
from .ffmpeg import ffmpeg_exe
from .loudness import measure
from .model import MP3, PROFILES, SPEECH, AudioInfo, Encoded, Limits, Profile
from .pipeline import (
    DEFAULT_CEILING_DBTP,
    DEFAULT_TARGET_LUFS,
    chime_asset,
    ingest,
    loudness_warning,
)
from .probe import sniff
from .store import AssetStore, is_sha256
from .text import ABBREVIATIONS, normalise_text
from .tts import ENGINES, GttsUnavailable, Synthesis, synthesize

__all__ = [
    "ABBREVIATIONS",
    "DEFAULT_CEILING_DBTP",
    "DEFAULT_TARGET_LUFS",
    "ENGINES",
    "ESPEAK_VOICES",
    "MP3",
    "PROFILES",
    "SPEECH",
    "AssetStore",
    "AudioError",
    "Reason",
    "AudioInfo",
    "Encoded",
    "GttsUnavailable",
    "Limits",
    "Profile",
    "Synthesis",
    "chime",
    "chime_asset",
    "ffmpeg_exe",
    "ingest",
    "is_sha256",
    "loudness_warning",
    "measure",
    "normalise_text",
    "sniff",
    "synthesize",
]
