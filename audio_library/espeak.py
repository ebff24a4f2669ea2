"""eSpeak NG through ctypes (the library and voices shipped by ``espeakng-loader``), fully offline.

The library keeps global state, so calls are serialised by a lock; each process loads it once.
Its pitch "flutter" runs on from one text to the next (a static counter in eSpeak NG's wave
generator that even re-initialising does not reset), so the same text spoken twice in a process
differs by a few samples: TTS audio is not byte-for-byte repeatable, unlike ``ingest`` and the chime.
"""

from __future__ import annotations

import ctypes
import io
import logging
import threading
import wave
from dataclasses import dataclass

from .errors import AudioError

log = logging.getLogger(__name__)

#: The Vietnamese voices (northern, central, southern); any other eSpeak NG voice name works too.
VOICES = ("vi", "vi-vn-x-central", "vi-vn-x-south")
DEFAULT_RATE_WPM = 165

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_ESPEAK_RATE = 1
_EE_OK = 0
_INITIALIZE_DONT_EXIT = 0x8000  # report errors instead of calling exit() inside the library
_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


@dataclass
class _Engine:
    lib: ctypes.CDLL
    sample_rate: int
    callback: object  # keeps the ctypes callback alive as long as the library holds it


_lock = threading.Lock()
_engine: _Engine | None = None
_chunks: list[bytes] = []


@_CALLBACK
def _on_samples(wav: ctypes._Pointer[ctypes.c_short], count: int, _events: int) -> int:
    if count > 0:
        _chunks.append(ctypes.string_at(wav, count * 2))
    return 0  # 0 = continue


def _load() -> _Engine:
    global _engine
    if _engine is not None:
        return _engine
    try:
        import espeakng_loader
    except ImportError as e:
        raise AudioError("chưa cài eSpeak NG (pip install espeakng-loader)") from e
    try:
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        data_path = espeakng_loader.get_data_path().encode()
    except (OSError, RuntimeError) as e:
        raise AudioError("không nạp được eSpeak NG: %(error)s", error=e) from e
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_SetSynthCallback.argtypes = [_CALLBACK]
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_Synth.argtypes = [
        ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
        ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
    ]
    rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path, _INITIALIZE_DONT_EXIT)
    if rate <= 0:
        raise AudioError("eSpeak NG không khởi động được (espeak_Initialize)")
    lib.espeak_SetSynthCallback(_on_samples)
    _engine = _Engine(lib=lib, sample_rate=rate, callback=_on_samples)
    return _engine


def espeak_wav(text: str, voice: str = "vi", speed: float = 1.0) -> bytes:
    """Speak ``text`` with eSpeak NG; WAV bytes (mono, 16-bit, the engine's rate, 22050 Hz)."""
    if not text.strip():
        raise AudioError("văn bản trống")
    with _lock:
        engine = _load()
        _chunks.clear()
        try:
            _speak(engine, text, voice, speed)
            pcm = b"".join(_chunks)
        finally:
            _chunks.clear()
    if not pcm:
        raise AudioError("eSpeak NG không tạo ra âm thanh")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(engine.sample_rate)
        w.writeframes(pcm)
    return buf.getvalue()


def _speak(engine: _Engine, text: str, voice: str, speed: float) -> None:
    lib = engine.lib
    if lib.espeak_SetVoiceByName(voice.encode()) != _EE_OK:
        raise AudioError("eSpeak NG không có giọng %(voice)s", voice=repr(voice))
    wpm = max(80, min(450, round(DEFAULT_RATE_WPM * speed)))
    lib.espeak_SetParameter(_ESPEAK_RATE, wpm, 0)
    encoded = text.encode("utf-8") + b"\0"
    status = lib.espeak_Synth(encoded, len(encoded), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
    if status != _EE_OK:
        raise AudioError("eSpeak NG không đọc được văn bản này (lỗi %(status)s)", status=status)
