"""Spoken bulletins: hear a text read aloud before saving it, and read a draft again when its text changes.

The "as spoken" text is what TTS really says: the written text after ``audio_library.normalise_text``
(abbreviations, dates, times and numbers in words). People may correct it; since normalising spoken
text changes nothing, a corrected spoken text saved as the bulletin's script is read exactly as heard.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from os import PathLike
from typing import Any

import audio_library
from audio_library import normalise_text
from central import shapes
from central.errors import Invalid, Unprocessable
from central.messages import msg
from central.models import Asset, Bulletin, User
from central.policy import EDITORS, check_role
from central.services import bulletins, languages
from central.shapes.workflow import TTSPreviewInput

#: Keys of a request body that change what a TTS bulletin says (and so its audio).
SPEECH_KEYS = ("text", "engine", "voice", "speed")


@dataclass(frozen=True)
class Preview:
    """Speech made for listening only: nothing is stored."""

    spoken: str  # the text as read, after normalisation
    engine: str
    voice: str | None
    audio: bytes  # delivery-encoded, exactly as a saved bulletin would be
    mime: str
    duration_ms: int
    loudness_lufs: float


@dataclass(frozen=True)
class Speech:
    """What a TTS request asks for, checked."""

    text: str
    language: str  # ISO 639-3
    engine: str
    voice: str | None
    speed: float


def speech_request(body: Mapping[str, Any], *, text: str | None = None, language: str | None = None,
                   engine: str | None = None) -> Speech:
    """The TTS fields of ``body`` (its shape read them: ``Speech``); ``text``/``language``/``engine`` fill in
    what it leaves out."""
    value = (body.get("text", text) or "").strip()
    if not value:  # a draft's stored text, when the body changes only how it is read
        raise Invalid(msg("Cần nội dung 'text' để đọc."), field="text")
    lang = languages.normalise(body.get("language", language))
    chosen = body.get("engine") or engine or "auto"
    return Speech(value, lang, chosen, body.get("voice") or None, float(body.get("speed", 1.0)))


def speak(speech: Speech, *, ffmpeg: str | None, gtts_host: str | None) -> tuple[Any, Any]:
    """Synthesise and normalise ``speech``: (``audio_library.Synthesis``, ``Encoded``)."""
    synth = audio_library.synthesize(
        speech.text, language=languages.tts_language(speech.language), engine=speech.engine,
        voice=speech.voice, speed=speech.speed, gtts_host=gtts_host,
    )
    encoded = audio_library.ingest(synth.audio, profile="speech", limits=audio_library.Limits(ffmpeg=ffmpeg))
    return synth, encoded


def preview(actor: User, body: Mapping[str, Any], *, ffmpeg: str | None = None,
            gtts_host: str | None = None) -> Preview:
    """Read ``body``'s text aloud as a new TTS bulletin would be, without storing anything."""
    check_role(actor, EDITORS, "nghe thử bản tin")
    shapes.read(TTSPreviewInput, body)
    synth, encoded = speak(speech_request(body), ffmpeg=ffmpeg, gtts_host=gtts_host)
    return Preview(spoken=synth.text, engine=synth.engine, voice=synth.voice, audio=encoded.data,
                   mime=encoded.mime, duration_ms=encoded.info.duration_ms,
                   loudness_lufs=encoded.info.loudness_lufs)


def spoken_text(text: str | None, language: str = languages.VIETNAMESE) -> str:
    """How TTS would read ``text`` (Vietnamese is normalised; other languages are read as written)."""
    if not text:
        return ""
    return normalise_text(text) if language == languages.VIETNAMESE else text.strip()


def new_words(b: Bulletin, body: Mapping[str, Any], data_dir: str | PathLike[str], *,
              ffmpeg: str | None, gtts_host: str | None) -> dict[str, Any]:
    """Columns that change when a draft's words change: a TTS bulletin is read again, a recording's
    transcript is only kept (its audio is the person's voice, not the text)."""
    if not b.tts_engine:
        if any(k in body for k in ("engine", "voice", "speed")):
            raise Unprocessable(msg("Bản tin này là bản ghi âm hoặc tệp tải lên, không đọc từ văn bản."),
                                field="engine")
        return {"text": speech_request(body).text}
    # keep the engine that read it (an offline eSpeak choice stays offline); gTTS may fall back
    engine = "espeak" if b.tts_engine == "espeak" else "auto"
    speech = speech_request(body, text=b.text, language=b.language, engine=engine)
    synth, encoded = speak(speech, ffmpeg=ffmpeg, gtts_host=gtts_host)
    asset: Asset = bulletins.save_asset(encoded, data_dir, None)
    return {"text": speech.text, "asset": asset, "tts_engine": synth.engine}
