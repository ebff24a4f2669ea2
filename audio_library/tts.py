"""Speech from text: gTTS (Google, online) with a timeout and retries, eSpeak NG offline.

``engine="auto"`` tries gTTS and falls back to eSpeak NG when Google cannot be reached or answers
nonsense; the result says which engine made the audio. gTTS does the text chunking and request
encoding (``gTTS.get_bodies``); the HTTP exchange is ours, so its host can be any URL — tests point
it at a fake on 127.0.0.1 through ``gtts_host`` or ``$LOA_GTTS_HOST``.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests

from .errors import AudioError
from .espeak import espeak_wav
from .probe import id3_size, sniff
from .text import normalise_text

log = logging.getLogger(__name__)

ENGINES = ("auto", "gtts", "espeak")
GTTS_HOST_ENV = "LOA_GTTS_HOST"
DEFAULT_GTTS_HOST = "https://translate.google.com"
GTTS_PATH = "/_/TranslateWebserverUi/data/batchexecute"
_GTTS_WORKERS = 4
_AUDIO_IN_REPLY = re.compile(r'jQ1olc","\[\\"(.*?)\\"]')


@dataclass(frozen=True)
class Synthesis:
    """Synthesised speech: ``audio`` is MP3 (gTTS) or WAV (eSpeak), both accepted by ``ingest``."""

    audio: bytes
    engine: str
    voice: str | None
    text: str  # what was actually spoken, after normalisation


class GttsUnavailable(AudioError):
    """Google's TTS endpoint failed: unreachable, too slow, an error status or a garbled reply."""


def synthesize(
    text: str,
    language: str = "vi",
    engine: str = "auto",
    voice: str | None = None,
    speed: float = 1.0,
    *,
    gtts_host: str | None = None,
    timeout_s: float = 10.0,
    retries: int = 2,
    extra_abbreviations: Mapping[str, str] | None = None,
) -> Synthesis:
    """Speak ``text`` (normalised first when Vietnamese) with the chosen engine.

    ``voice`` names an eSpeak NG voice (default ``vi``; also ``vi-vn-x-central``, ``vi-vn-x-south``);
    gTTS has one voice per language and only a normal or slow pace (``speed`` below 0.8 is slow).
    ``timeout_s`` and ``retries`` apply to each gTTS request. With ``engine="auto"`` any gTTS
    failure falls back to eSpeak NG, and ``Synthesis.engine`` says which one spoke.
    """
    if engine not in ENGINES:
        raise AudioError("không có bộ đọc %(engine)s; chọn %(choices)s", engine=repr(engine), choices=", ".join(ENGINES))
    if not text or not text.strip():
        raise AudioError("văn bản trống")
    if not 0.25 <= speed <= 4.0:
        raise AudioError("tốc độ đọc %(speed)s phải từ 0,25 đến 4", speed=f"{speed:g}")
    spoken = normalise_text(text, extra_abbreviations) if language == "vi" else text.strip()
    if engine in ("auto", "gtts"):
        host = gtts_host or os.environ.get(GTTS_HOST_ENV) or DEFAULT_GTTS_HOST
        try:
            audio = gtts_mp3(spoken, language, host, speed=speed, timeout_s=timeout_s, retries=retries)
            return Synthesis(audio=audio, engine="gtts", voice=language, text=spoken)
        except GttsUnavailable as e:
            if engine == "gtts":
                raise
            log.warning("gTTS failed (%s); falling back to eSpeak NG", e)
    espeak_voice = voice or (language if language != "vi" else "vi")
    audio = espeak_wav(spoken, espeak_voice, speed)
    return Synthesis(audio=audio, engine="espeak", voice=espeak_voice, text=spoken)


def gtts_mp3(
    text: str, language: str, host: str, *, speed: float, timeout_s: float, retries: int
) -> bytes:
    """MP3 of ``text`` from a Google-Translate-compatible endpoint at ``host``, chunk by chunk."""
    bodies = _gtts_bodies(text, language, slow=speed < 0.8)
    url = host.rstrip("/") + GTTS_PATH
    # once one chunk has failed for good, the others stop retrying and the queued ones never start
    given_up = threading.Event()
    with requests.Session() as session:
        # The first chunk alone: when Google is unreachable, fail once, not once per chunk.
        first = _fetch_chunk(session, url, bodies[0], timeout_s, retries, given_up)
        with ThreadPoolExecutor(max_workers=_GTTS_WORKERS) as pool:
            futures = [
                pool.submit(_fetch_chunk, session, url, body, timeout_s, retries, given_up)
                for body in bodies[1:]
            ]
            try:
                rest = [f.result() for f in futures]
            except GttsUnavailable:
                for f in futures:
                    f.cancel()  # chunks not started yet are dropped; give up promptly
                raise
    # later chunks lose their ID3 tag, so the joined MP3 is one clean stream
    return first + b"".join(chunk[id3_size(chunk) :] for chunk in rest)


def _gtts_bodies(text: str, language: str, *, slow: bool) -> list[str]:
    from gtts import gTTS
    from gtts.tokenizer import pre_processors

    tts = gTTS(
        text,
        lang=language,
        slow=slow,
        lang_check=False,
        pre_processor_funcs=[pre_processors.tone_marks, pre_processors.end_of_line],
    )
    try:
        bodies = [str(b) for b in tts.get_bodies()]
    except AssertionError:  # gTTS asserts that some words are left after its clean-up
        bodies = []
    if not bodies:
        raise AudioError("văn bản không có chữ nào để đọc")
    return bodies


def _fetch_chunk(
    session: requests.Session, url: str, body: str, timeout_s: float, retries: int,
    given_up: threading.Event,
) -> bytes:
    from gtts import gTTS

    problem = "another chunk failed"
    for attempt in range(retries + 1):
        if given_up.is_set():
            break
        try:
            reply = session.post(url, data=body, headers=gTTS.GOOGLE_TTS_HEADERS, timeout=timeout_s)
        except requests.Timeout:
            problem = f"no answer within {timeout_s:g} s"
        except requests.RequestException as e:
            problem = f"cannot reach {url}: {e.__class__.__name__}"
        else:
            if reply.status_code == 200:
                return _audio_from_reply(reply.text)
            problem = f"HTTP {reply.status_code}"
            if reply.status_code < 500 and reply.status_code != 429:
                break  # a refusal, not a hiccup: retrying will not help
        if attempt < retries:
            time.sleep(0.2 * (attempt + 1))
    given_up.set()
    raise GttsUnavailable("Google TTS không dùng được: %(problem)s", problem=problem)


def _audio_from_reply(text: str) -> bytes:
    found = _AUDIO_IN_REPLY.search(text)
    if found is None:
        raise GttsUnavailable("Google TTS trả lời mà không có âm thanh")
    try:
        audio = base64.b64decode(found.group(1), validate=True)
        if sniff(audio[:4096]) != "mp3":
            raise AudioError("không phải MP3")
    except (ValueError, AudioError) as e:
        raise GttsUnavailable("Google TTS gửi âm thanh không phải MP3 (%(error)s)", error=e) from e
    return audio

