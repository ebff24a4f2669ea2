"""Real audio for the audio library's tests: eSpeak NG speech and ffmpeg-made tones and encodings."""

from __future__ import annotations

from pathlib import Path

import pytest

from audio_library.espeak import espeak_wav
from tests.audio_library.audio_helpers import SPEECH_TEXT, Convert, MakeTone, run_ffmpeg_cli


@pytest.fixture(scope="session")
def speech_wav() -> bytes:
    """About 8 s of real Vietnamese speech from eSpeak NG (WAV, 22.05 kHz mono)."""
    return espeak_wav(SPEECH_TEXT)


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def convert(media_dir: Path, speech_wav: bytes) -> Convert:
    """``convert("x.m4a", "-c:a", "aac", source=...)``: the speech (or ``source``) re-encoded by ffmpeg."""
    src = media_dir / "speech.wav"
    src.write_bytes(speech_wav)

    def make(name: str, *codec_args: str, source: Path | None = None, pre: tuple[str, ...] = ()) -> Path:
        out = media_dir / name
        run_ffmpeg_cli(*pre, "-i", str(source or src), *codec_args, str(out))
        return out

    return make


@pytest.fixture(scope="session")
def tone(media_dir: Path) -> MakeTone:
    """``tone("a.wav", "sine=f=440:d=3", ...)``: any lavfi source graph rendered by ffmpeg."""

    def make(name: str, graph: str, *codec_args: str) -> Path:
        out = media_dir / name
        run_ffmpeg_cli("-f", "lavfi", "-i", graph, *codec_args, str(out))
        return out

    return make
