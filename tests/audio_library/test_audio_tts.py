"""synthesize(): eSpeak NG for real, gTTS against a fake Google endpoint on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from audio_library import AudioError, GttsUnavailable, ingest, measure, synthesize
from audio_library.probe import sniff
from tests.audio_library.audio_helpers import run_ffmpeg_cli
from tests.audio_library.fake_google_tts import FakeGoogleTTS

BULLETIN = (
    "UBND xã Đắk Mol thông báo: hưởng ứng Ngày quốc tế phòng, chống ma túy 26/6, "
    "lúc 17h30 ngày 25/6/2024 tại nhà văn hóa thôn 3 sẽ tổ chức buổi tuyên truyền. "
    "Đề nghị 100% hộ gia đình cử người tham dự. "
)


@pytest.fixture(scope="module")
def mp3_chunk(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """What Google sends for one chunk: a short real MP3 (a tone stands in for the voice)."""
    out = tmp_path_factory.mktemp("gtts") / "chunk.mp3"
    run_ffmpeg_cli("-f", "lavfi", "-i", "sine=f=220:d=0.6", "-ac", "1", "-c:a", "libmp3lame",
                   "-b:a", "32k", str(out))
    return out.read_bytes()


@pytest.fixture
def google(mp3_chunk: bytes) -> Iterator[FakeGoogleTTS]:
    with FakeGoogleTTS(mp3_chunk) as fake:
        yield fake


def test_espeak_speech_ingests_on_target() -> None:
    out = ingest(synthesize(BULLETIN, engine="espeak").audio)
    assert abs(out.info.loudness_lufs + 16) <= 1 and out.info.true_peak_dbtp <= -1.5


def test_espeak_speaks_each_vietnamese_voice() -> None:
    lengths = {}
    for voice in ("vi", "vi-vn-x-central", "vi-vn-x-south"):
        result = synthesize(BULLETIN, engine="espeak", voice=voice)
        assert (result.engine, result.voice) == ("espeak", voice)
        info = measure(result.audio)
        assert info.duration_ms > 8000 and info.loudness_lufs > -40
        lengths[voice] = info.duration_ms
    assert len(set(lengths.values())) > 1  # different voices really speak differently


def test_speed_changes_the_length() -> None:
    slow = measure(synthesize(BULLETIN, engine="espeak", speed=0.8).audio).duration_ms
    fast = measure(synthesize(BULLETIN, engine="espeak", speed=1.5).audio).duration_ms
    assert fast < 0.75 * slow


def test_the_text_is_normalised_before_speaking() -> None:
    result = synthesize("UBND họp lúc 17h30 ngày 26/6", engine="espeak")
    assert result.text == "Ủy ban nhân dân họp lúc mười bảy giờ ba mươi phút ngày hai mươi sáu tháng sáu"
    extra = synthesize("Đài TTTH xã", engine="espeak", extra_abbreviations={"TTTH": "truyền thanh"})
    assert extra.text == "Đài truyền thanh xã"


def test_a_3000_character_bulletin_with_espeak_is_spoken_whole() -> None:
    copies = -(-3000 // len(BULLETIN))
    text = BULLETIN * copies
    assert len(text) >= 3000
    whole = measure(synthesize(text, engine="espeak").audio).duration_ms
    once = measure(synthesize(BULLETIN, engine="espeak").audio).duration_ms
    assert whole > 120_000
    assert 0.85 * copies * once < whole < 1.15 * copies * once  # nothing cut off


def test_gtts_success_chunks_the_text_and_returns_mp3(google: FakeGoogleTTS) -> None:
    text = (BULLETIN * 12)[:3000]
    result = synthesize(text, engine="gtts", gtts_host=google.url, timeout_s=5)
    assert (result.engine, result.voice) == ("gtts", "vi")
    assert sniff(result.audio[:4096]) == "mp3"
    assert len(google.texts) >= 30 and all(len(t) <= 100 for t in google.texts)
    assert set(google.languages) == {"vi"}
    assert "Ủy ban nhân dân xã Đắk Mol" in google.texts[0]  # diacritics intact on the wire
    spoken = " ".join(google.texts)
    assert "hai mươi sáu tháng sáu" in spoken and "26/6" not in spoken
    info = measure(result.audio)
    assert abs(info.duration_ms - 600 * len(google.texts)) < 300 * len(google.texts)
    out = ingest(result.audio)  # the joined MP3 chunks are one valid, whole recording
    assert out.info.duration_ms > 0.9 * info.duration_ms


def test_gtts_host_from_the_environment(google: FakeGoogleTTS, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOA_GTTS_HOST", google.url)
    assert synthesize("Xin chào bà con", engine="gtts").engine == "gtts"
    assert google.texts == ["Xin chào bà con"]


@pytest.mark.parametrize("mode", ["slow", "error", "garbage", "not-mp3"])
def test_gtts_failures_raise_when_gtts_was_asked_for(google: FakeGoogleTTS, mode: str) -> None:
    google.mode = mode
    with pytest.raises(GttsUnavailable):
        synthesize("Xin chào bà con", engine="gtts", gtts_host=google.url, timeout_s=0.5, retries=1)


@pytest.mark.parametrize("mode", ["slow", "error", "garbage"])
def test_auto_falls_back_to_espeak_and_says_so(google: FakeGoogleTTS, mode: str) -> None:
    google.mode = mode
    result = synthesize(BULLETIN, gtts_host=google.url, timeout_s=0.5, retries=1)
    assert (result.engine, result.voice) == ("espeak", "vi")
    assert sniff(result.audio[:64]) == "wav"
    assert google.hits >= 1


def test_server_errors_are_retried_then_given_up(google: FakeGoogleTTS) -> None:
    google.mode = "error"
    with pytest.raises(GttsUnavailable, match="HTTP 500"):
        synthesize("Xin chào", engine="gtts", gtts_host=google.url, retries=2)
    assert google.hits == 3


def test_google_failing_midway_gives_up_promptly_and_falls_back(google: FakeGoogleTTS) -> None:
    google.fail_after = 5
    text = (BULLETIN * 12)[:3000]  # about 35 chunks
    result = synthesize(text, gtts_host=google.url, retries=1)
    assert result.engine == "espeak"
    # the five good chunks, then at most two tries on each of the four workers: once one chunk has
    # failed for good, the others stop retrying and the queued ones never start
    assert google.hits <= 5 + 2 * 4


def test_unreachable_google_falls_back() -> None:
    # nothing listens on port 9 (discard) of loopback: connection refused at once
    result = synthesize("Xin chào bà con", gtts_host="http://127.0.0.1:9", retries=0)
    assert result.engine == "espeak"


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"text": "   "}, "văn bản trống"),
        ({"text": "... !", "engine": "gtts", "gtts_host": "http://127.0.0.1:9"}, "không có chữ nào"),
        ({"text": "Xin chào", "engine": "festival"}, "không có bộ đọc"),
        ({"text": "Xin chào", "speed": 10.0}, "tốc độ đọc"),
        ({"text": "Xin chào", "engine": "espeak", "voice": "no-such-voice"}, "không có giọng"),
    ],
)
def test_bad_requests_are_refused(kwargs: dict[str, object], words: str) -> None:
    with pytest.raises(AudioError, match=words):
        synthesize(**kwargs)  # type: ignore[arg-type]
