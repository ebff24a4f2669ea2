"""measure(), sniff() and chime(): ffmpeg's meter on known signals, content sniffing, the chime."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import pytest

from audio_library import AudioError, chime, chime_asset, ffmpeg_exe, measure, sniff
from tests.audio_library.audio_helpers import Convert, MakeTone


def test_a_known_sine_measures_as_theory_says(tone: MakeTone) -> None:
    # a full-scale-relative -20 dBFS 1 kHz sine in mono: about -23 LUFS, true peak -20 dBTP
    path = tone("sine-20.wav", "sine=f=997:d=5:sample_rate=48000,volume=1.6", "-ac", "1")
    info = measure(path)
    assert info.duration_ms == 5000
    assert (info.codec, info.sample_rate, info.channels) == ("pcm_s16le", 48000, 1)
    assert info.size == path.stat().st_size
    peak = info.true_peak_dbtp
    assert abs(info.loudness_lufs - (peak - 3.0)) <= 0.3, info
    assert measure(path.read_bytes()) == info


def test_louder_measures_louder(tone: MakeTone) -> None:
    soft = measure(tone("soft.wav", "sine=f=440:d=3,volume=-20dB"))
    loud = measure(tone("loud.wav", "sine=f=440:d=3,volume=-8dB"))
    assert abs((loud.loudness_lufs - soft.loudness_lufs) - 12.0) <= 0.2


def test_measure_reports_the_container_codec(convert: Convert) -> None:
    info = measure(convert("m.m4a", "-c:a", "aac", "-ac", "2", "-ar", "44100"))
    assert (info.codec, info.sample_rate, info.channels) == ("aac", 44100, 2)


def test_measure_refuses_non_audio(tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"this is not audio at all" * 10)
    with pytest.raises(AudioError):
        measure(junk)
    with pytest.raises(AudioError, match="không đọc được"):
        measure(tmp_path / "missing.ogg")


@pytest.mark.parametrize(
    ("name", "codec_args", "kind"),
    [
        ("s.wav", (), "wav"),
        ("s.mp3", ("-c:a", "libmp3lame"), "mp3"),
        ("s.ogg", ("-c:a", "libvorbis"), "ogg"),
        ("s.webm", ("-c:a", "libopus"), "webm"),
        ("s.m4a", ("-c:a", "aac"), "mp4"),
        ("s.aac", ("-c:a", "aac"), "aac"),
        ("s.flac", ("-c:a", "flac"), "flac"),
        ("s-noid3.mp3", ("-c:a", "libmp3lame", "-write_id3v2", "0"), "mp3"),
    ],
)
def test_sniff_names_each_container(
    convert: Convert, name: str, codec_args: tuple[str, ...], kind: str
) -> None:
    assert sniff(convert(name, *codec_args).read_bytes()[:65536]) == kind


def test_the_chime_is_a_deterministic_two_second_wav() -> None:
    data = chime()
    assert data == chime()
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 48000)
        assert w.getnframes() == 96000
    assert chime(duration_s=3.0) != data
    assert measure(data).loudness_lufs > -30


def test_the_chime_asset_has_one_hash_per_profile() -> None:
    speech = chime_asset()
    chime_asset.cache_clear()
    again = chime_asset("speech")
    assert speech.sha256 == again.sha256 and speech.data == again.data
    mp3 = chime_asset("mp3")
    assert mp3.sha256 != speech.sha256 and mp3.extension == "mp3"
    for asset in (speech, mp3):
        assert abs(asset.info.loudness_lufs + 16) <= 2 and asset.info.true_peak_dbtp <= -1.5


def test_ffmpeg_can_be_configured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bundled = ffmpeg_exe()
    monkeypatch.setenv("LOA_FFMPEG", bundled)
    assert ffmpeg_exe() == bundled
    monkeypatch.setenv("LOA_FFMPEG", str(tmp_path / "no-ffmpeg-here"))
    with pytest.raises(AudioError, match="LOA_FFMPEG"):
        ffmpeg_exe()


def test_a_piped_pair_is_stopped_at_its_time_limit(tmp_path: Path) -> None:
    from audio_library.ffmpeg import run_tee

    endless = ["-f", "lavfi", "-i", "sine=f=440:d=36000", "-f", "wav", "pipe:1"]
    meter = ["-f", "wav", "-i", "pipe:0", "-f", "null", "-"]
    with pytest.raises(AudioError, match="quá 0.5 giây nên đã dừng"):
        run_tee(endless, meter, tmp_path / "tee.wav", timeout_s=0.5, what="encoding")


def test_a_failing_consumer_does_not_lose_the_producers_file(tmp_path: Path) -> None:
    from audio_library.ffmpeg import run_tee

    tone = ["-f", "lavfi", "-i", "sine=f=440:d=2", "-f", "wav", "pipe:1"]
    wrong = ["-f", "mp3", "-i", "pipe:0", "-f", "null", "-"]  # it is WAV, not MP3
    out = tmp_path / "tee.wav"
    made, metered = run_tee(tone, wrong, out, timeout_s=30, what="encoding")
    assert made.returncode == 0 and metered.returncode != 0
    assert measure(out).duration_ms == 2000
