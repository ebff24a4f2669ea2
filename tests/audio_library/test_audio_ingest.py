"""ingest(): real inputs of every accepted format through the real ffmpeg, checked by its own meter."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from audio_library import AudioError, Limits, ingest, measure
from audio_library.espeak import espeak_wav
from tests.audio_library.audio_helpers import Convert, MakeTone, run_ffmpeg_cli

TARGET = -16.0
CEILING = -1.5

FORMATS = [
    ("in.mp3", ("-c:a", "libmp3lame", "-b:a", "64k")),
    ("in-vorbis.ogg", ("-c:a", "libvorbis")),
    ("in-opus.ogg", ("-c:a", "libopus")),
    ("in.webm", ("-c:a", "libopus")),
    # as a browser's MediaRecorder writes it: no duration, clusters of unknown size
    ("in-browser.webm", ("-c:a", "libopus", "-live", "1", "-cluster_time_limit", "1000")),
    ("in.m4a", ("-c:a", "aac")),
    ("in.aac", ("-c:a", "aac")),
    ("in.flac", ("-c:a", "flac")),
    ("in-stereo-44k.wav", ("-ac", "2", "-ar", "44100")),
]


def assert_on_target(data: bytes, tolerance_lu: float = 1.0) -> None:
    """Measure ``data`` afresh with ffmpeg's ebur128, independent of what ingest reported."""
    info = measure(data)
    assert abs(info.loudness_lufs - TARGET) <= tolerance_lu, info
    assert info.true_peak_dbtp <= CEILING, info


@pytest.mark.parametrize(("name", "codec_args"), FORMATS, ids=[f[0] for f in FORMATS])
def test_every_accepted_format_comes_out_mono_opus_at_target(
    convert: Convert, speech_wav: bytes, name: str, codec_args: tuple[str, ...]
) -> None:
    source = convert(name, *codec_args)
    out = ingest(source.read_bytes())
    assert (out.extension, out.mime, out.info.codec) == ("ogg", "audio/ogg", "opus")
    assert out.info.channels == 1 and out.info.sample_rate == 48000
    assert out.data[:4] == b"OggS"
    assert out.sha256 == hashlib.sha256(out.data).hexdigest()
    assert out.info.size == len(out.data)
    speech_s = (len(speech_wav) - 44) / 2 / 22050
    assert abs(out.info.duration_ms / 1000 - speech_s) < 1.0
    assert_on_target(out.data)
    assert out.warning is None


def test_content_decides_not_the_file_name(convert: Convert, tmp_path: Path) -> None:
    wav_named_mp3 = tmp_path / "bulletin.mp3"
    wav_named_mp3.write_bytes(convert("real.wav").read_bytes())
    assert ingest(wav_named_mp3).info.codec == "opus"


def test_a_jpeg_renamed_mp3_is_refused_as_an_image(tmp_path: Path) -> None:
    jpeg = tmp_path / "photo.jpg"
    run_ffmpeg_cli("-f", "lavfi", "-i", "color=red:s=32x32", "-frames:v", "1", str(jpeg))
    fake = tmp_path / "bulletin.mp3"
    jpeg.rename(fake)
    with pytest.raises(AudioError, match="JPEG"):
        ingest(fake)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "tệp rỗng"),
        ("Xin chào bà con, đây là văn bản chứ không phải âm thanh.\n".encode() * 20, "là văn bản, không phải âm thanh"),
        (bytes(range(256)) * 64, "định dạng không được hỗ trợ"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "bị hỏng hoặc không trọn vẹn|không giải mã được"),
    ],
    ids=["empty", "text", "binary-junk", "wav-header-only"],
)
def test_non_audio_is_refused_with_a_reason(data: bytes, words: str) -> None:
    with pytest.raises(AudioError, match=words):
        ingest(data)


@pytest.mark.parametrize(
    ("name", "codec_args"),
    [
        ("cut.wav", ()),
        ("cut.m4a", ("-c:a", "aac")),
        ("cut-faststart.m4a", ("-c:a", "aac", "-movflags", "+faststart")),
        ("cut.flac", ("-c:a", "flac")),
        ("cut.webm", ("-c:a", "libopus")),
        ("cut.mp3", ("-c:a", "libmp3lame")),
    ],
)
def test_a_truncated_file_is_refused(convert: Convert, name: str, codec_args: tuple[str, ...]) -> None:
    whole = convert(name, *codec_args).read_bytes()
    ingest(whole)  # the complete file is fine
    with pytest.raises(AudioError, match="bị hỏng hoặc không trọn vẹn"):
        ingest(whole[: len(whole) // 2])


def test_limits_on_size_duration_and_decode_time(speech_wav: bytes, tone: MakeTone) -> None:
    with pytest.raises(AudioError, match="MB"):
        ingest(speech_wav, limits=Limits(max_bytes=len(speech_wav) - 1))
    with pytest.raises(AudioError, match="dài quá giới hạn"):
        ingest(speech_wav, limits=Limits(max_duration_s=3))
    with pytest.raises(AudioError, match="quá .* giây nên đã dừng"):
        ingest(speech_wav, limits=Limits(decode_timeout_s=0.001))
    blip = tone("blip.wav", "sine=f=440:d=0.6")
    with pytest.raises(AudioError, match="quá ngắn"):
        ingest(blip)


def test_a_bomb_is_cut_off_at_the_duration_limit(tone: MakeTone) -> None:
    # 10 minutes of FLAC-compressed silence: tiny on disk, 115 MB once decoded.
    bomb = tone("bomb.flac", "anullsrc=r=48000:cl=mono:d=600", "-c:a", "flac")
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(AudioError, match="dài quá giới hạn"):
        ingest(bomb, limits=Limits(max_duration_s=60))


def test_leading_and_trailing_silence_is_trimmed_but_not_pauses(tone: MakeTone) -> None:
    graph = (
        "aevalsrc='if(between(t,2,3)+between(t,4.5,6),0.1*sin(2*PI*440*t),0)':d=9:s=48000"
    )
    out = ingest(tone("gaps.wav", graph))
    # speech 2–6 s (with its 1.5 s inner pause kept) plus 0.2 s kept at each end
    assert abs(out.info.duration_ms - 4400) <= 60, out.info


def test_a_silent_recording_is_refused(tone: MakeTone) -> None:
    with pytest.raises(AudioError, match="không có tiếng"):
        ingest(tone("silence.wav", "anullsrc=r=44100:cl=mono:d=4"))


def test_quiet_and_spiky_inputs_both_reach_target_under_the_ceiling(convert: Convert, tone: MakeTone) -> None:
    quiet = convert("quiet.wav", "-af", "volume=-35dB")
    assert measure(quiet).loudness_lufs < -45
    assert_on_target(ingest(quiet).data)
    clicks = tone(
        "clicks.wav", "aevalsrc='0.02*sin(2*PI*440*t)+if(lt(mod(t,0.5),0.002),0.95,0)':d=5:s=48000"
    )
    assert measure(clicks).true_peak_dbtp > -1.0
    assert_on_target(ingest(clicks).data)


def test_music_with_drum_hits_and_white_noise_reach_target(tone: MakeTone) -> None:
    # noisy transients make a low-bitrate codec overshoot the limiter; both must still comply
    music = tone(
        "music.wav",
        "aevalsrc='0.2*(sin(2*PI*220*t)+0.5*sin(2*PI*440*t)+0.4*sin(2*PI*277*t))"
        "*(0.6+0.4*sin(2*PI*2*t))+0.5*exp(-30*mod(t,0.5))*(random(0)-0.5)':d=8:s=44100",
    )
    assert_on_target(ingest(music).data)
    noise = tone("noise.wav", "anoisesrc=color=white:amplitude=0.3:d=5")
    assert_on_target(ingest(noise).data)


def test_other_target_and_ceiling(speech_wav: bytes) -> None:
    out = ingest(speech_wav, target_lufs=-23.0, ceiling_dbtp=-6.0)
    info = measure(out.data)
    assert abs(info.loudness_lufs + 23.0) <= 1.0 and info.true_peak_dbtp <= -6.0


def test_an_unreachable_target_still_keeps_the_ceiling(speech_wav: bytes) -> None:
    out = ingest(speech_wav, target_lufs=-5.0, ceiling_dbtp=-1.5)
    info = measure(out.data)
    assert info.true_peak_dbtp <= -1.5
    assert -16.0 < info.loudness_lufs < -5.0  # as loud as the limiter allows, and no louder
    assert out.warning is not None and "-5 LUFS" in out.warning  # the uploader is told


@pytest.mark.parametrize(("target", "ceiling"), [(-60.0, -1.5), (0.0, -1.5), (-16.0, 3.0)])
def test_absurd_levels_are_refused(speech_wav: bytes, target: float, ceiling: float) -> None:
    with pytest.raises(AudioError, match="phải từ"):
        ingest(speech_wav, target_lufs=target, ceiling_dbtp=ceiling)


def test_a_short_clip_is_within_two_lu(tone: MakeTone) -> None:
    out = ingest(tone("short.wav", "sine=f=660:d=1.6"))
    assert abs(measure(out.data).loudness_lufs - TARGET) <= 2.0


def test_three_second_bulletin_on_target_and_within_budget(speech_wav: bytes, tmp_path: Path) -> None:
    src = tmp_path / "speech.wav"
    src.write_bytes(speech_wav)
    three = tmp_path / "three.wav"
    run_ffmpeg_cli("-i", str(src), "-t", "3", str(three))
    out = ingest(three)
    assert 2800 <= out.info.duration_ms <= 3100
    assert_on_target(out.data)
    assert out.info.size <= 250_000 * out.info.duration_ms / 60_000 + 2_000  # Ogg headers


def test_sixty_second_bulletin_on_target_and_under_250_kb_a_minute() -> None:
    wav = espeak_wav(
        "Thực hiện kế hoạch tuyên truyền phòng, chống ma túy năm hai nghìn không trăm hai mươi tư, "
        "đề nghị các thôn, tổ dân phố tổ chức họp dân, phổ biến tác hại của ma túy. " * 6
    )
    out = ingest(wav)
    assert 50_000 <= out.info.duration_ms <= 80_000, out.info
    assert out.info.size <= 250_000 * out.info.duration_ms / 60_000
    assert_on_target(out.data)


def test_mp3_profile(speech_wav: bytes) -> None:
    out = ingest(speech_wav, profile="mp3")
    assert (out.extension, out.mime, out.info.codec) == ("mp3", "audio/mpeg", "mp3")
    assert out.info.channels == 1
    assert out.info.size <= 250_000 * out.info.duration_ms / 60_000 + 2_000
    assert_on_target(out.data)
    with pytest.raises(AudioError, match="không có cấu hình mã hóa"):
        ingest(speech_wav, profile="flac")


def test_chime_goes_before_the_bulletin(speech_wav: bytes) -> None:
    plain = ingest(speech_wav)
    with_chime = ingest(speech_wav, chime=True)
    assert 2300 <= with_chime.info.duration_ms - plain.info.duration_ms <= 2700
    assert_on_target(with_chime.data)


def test_same_input_same_bytes(speech_wav: bytes) -> None:
    assert ingest(speech_wav).sha256 == ingest(speech_wav).sha256


def test_concurrent_ingests_and_speech_do_not_interfere(speech_wav: bytes) -> None:
    # the central serves uploads and TTS from several threads at once
    from concurrent.futures import ThreadPoolExecutor

    from audio_library import synthesize

    with ThreadPoolExecutor(max_workers=4) as pool:
        ingests = [pool.submit(ingest, speech_wav) for _ in range(2)]
        voices = [pool.submit(synthesize, "Xin chào bà con", engine="espeak", voice=v)
                  for v in ("vi", "vi-vn-x-south")]
        alone = {v: len(espeak_wav("Xin chào bà con", v)) for v in ("vi", "vi-vn-x-south")}
        assert ingests[0].result().sha256 == ingests[1].result().sha256
        for future, voice in zip(voices, ("vi", "vi-vn-x-south"), strict=True):
            # each thread got its own whole utterance, not a mix of two
            assert abs(len(future.result().audio) - alone[voice]) < 0.02 * alone[voice]


def test_a_trim_keeps_only_the_chosen_part(tone: MakeTone) -> None:
    steady = tone("steady.wav", "aevalsrc='0.2*sin(2*PI*330*t)*(0.6+0.4*sin(2*PI*3*t))':d=10:s=48000")
    whole = ingest(steady)
    cut = ingest(steady, trim=(2.0, 6.5))
    assert abs(whole.info.duration_ms - 10000) <= 60, whole.info
    assert abs(cut.info.duration_ms - 4500) <= 60, cut.info
    assert abs(ingest(steady, trim=(7.5, None)).info.duration_ms - 2500) <= 60
    assert_on_target(cut.data)


def test_a_trim_that_lands_in_a_pause_still_drops_the_silence(tone: MakeTone) -> None:
    # sound 0–2 s and 3.5–8 s: a cut at 2.2 s starts inside the pause, which goes (0.2 s kept)
    graph = "aevalsrc='if(lt(t,2)+between(t,3.5,8),0.2*sin(2*PI*330*t),0)':d=8:s=48000"
    out = ingest(tone("pause-at-cut.wav", graph), trim=(2.2, 6.0))
    assert abs(out.info.duration_ms - 2700) <= 60, out.info


@pytest.mark.parametrize(("trim", "words"), [
    ((9.5, None), "nằm sau cuối bản ghi"),
    ((3.0, 2.0), "phải sau điểm cắt đầu"),
    ((-1.0, 2.0), "điểm cắt không hợp lệ"),
    ((float("nan"), 2.0), "điểm cắt không hợp lệ"),
    ((2.0, 2.5), "chỉ còn .* tối thiểu"),
    ((0.5, 1.2), "không có tiếng"),
])
def test_a_trim_that_leaves_nothing_usable_is_refused(tone: MakeTone, trim: tuple[float, float | None],
                                                      words: str) -> None:
    graph = "aevalsrc='if(lt(t,0.4)+gt(t,1.6),0.2*sin(2*PI*330*t),0)':d=9:s=48000"
    with pytest.raises(AudioError, match=words):
        ingest(tone("trim-edges.wav", graph), trim=trim)
