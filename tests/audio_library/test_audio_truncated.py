"""Uploads cut short in transfer are refused as damaged; whole files of every kind are accepted.

Every file is made by the real ffmpeg, then cut the way a broken upload cuts it: mid-packet, or
exactly between two pages, frames or clusters, where only the container's own bookkeeping tells.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from audio_library import AudioError, ingest
from audio_library.probe import id3_size
from tests.audio_library.audio_helpers import Convert

DAMAGED = r"bị hỏng hoặc không trọn vẹn.*hãy gửi lại tệp gốc đầy đủ"

# name, ffmpeg arguments; each ingests whole (the speech is ~8 s)
WHOLE = [
    ("cbr-xing.mp3", ("-c:a", "libmp3lame", "-b:a", "64k")),
    ("cbr-no-xing.mp3", ("-c:a", "libmp3lame", "-b:a", "64k", "-write_xing", "0")),
    ("vbr-xing.mp3", ("-c:a", "libmp3lame", "-q:a", "4")),
    ("vbr-no-xing.mp3", ("-c:a", "libmp3lame", "-q:a", "4", "-write_xing", "0")),
    ("mpeg2-22k.mp3", ("-ar", "22050", "-c:a", "libmp3lame", "-b:a", "32k")),
    ("id3v1.mp3", ("-c:a", "libmp3lame", "-write_id3v1", "1", "-metadata", "title=Bản tin")),
    ("opus.ogg", ("-c:a", "libopus")),
    ("vorbis.ogg", ("-c:a", "libvorbis")),
    ("plain.webm", ("-c:a", "libopus")),
    # as a browser's MediaRecorder writes it: no duration, clusters of unknown size
    ("recorder.webm", ("-c:a", "libopus", "-live", "1", "-cluster_time_limit", "1000")),
    ("adts.aac", ("-c:a", "aac")),
    ("whole.flac", ("-c:a", "flac")),
    ("faststart.m4a", ("-c:a", "aac", "-movflags", "+faststart")),
    ("pcm.wav", ()),
]


@pytest.fixture(scope="module")
def whole(convert: Convert) -> dict[str, bytes]:
    """Each kind of file in ``WHOLE``, made once for the module."""
    return {name: convert(name, *args).read_bytes() for name, args in WHOLE}


@pytest.mark.parametrize("name", [w[0] for w in WHOLE])
def test_a_whole_file_of_each_kind_is_accepted(whole: dict[str, bytes], name: str) -> None:
    out = ingest(whole[name])
    assert out.info.duration_ms > 6000, out.info  # all of the speech, none refused or lost


# name, where to cut: a fraction of the file, or the name of a cut helper below
CUTS = [
    ("opus.ogg", 0.5),
    ("opus.ogg", 0.97),
    ("opus.ogg", "ogg page"),
    ("vorbis.ogg", 0.5),
    ("vorbis.ogg", "ogg page"),
    ("cbr-no-xing.mp3", 0.5),
    ("cbr-no-xing.mp3", 0.97),
    ("vbr-no-xing.mp3", 0.61),
    ("cbr-xing.mp3", "mp3 frame"),
    ("vbr-xing.mp3", 0.5),
    ("mpeg2-22k.mp3", 0.77),
    ("id3v1.mp3", 0.5),
    ("adts.aac", 0.5),
    ("adts.aac", 0.97),
    ("whole.flac", "flac frame"),
    ("faststart.m4a", 0.97),
    ("plain.webm", 0.97),
    ("plain.webm", "webm cluster"),
    ("recorder.webm", 0.6),
    ("pcm.wav", 0.97),
]


def _cut(data: bytes, where: float | str) -> bytes:
    if isinstance(where, float):
        return data[: int(len(data) * where)]
    middle = len(data) // 2
    if where == "ogg page":  # every page before the cut is whole; the last lacks end-of-stream
        return data[: data.rfind(b"OggS", 0, middle)]
    if where == "mp3 frame":  # 64 kbit/s at 48 kHz: every frame is 192 bytes, Xing frame included
        start = id3_size(data)
        return data[: start + (middle - start) // 192 * 192]
    if where == "flac frame":
        return data[: data.rfind(b"\xff\xf8", 0, middle)]
    assert where == "webm cluster"
    return data[: data.rfind(b"\x1f\x43\xb6\x75", 0, middle)]


@pytest.mark.parametrize(("name", "where"), CUTS, ids=[f"{n}-{w}" for n, w in CUTS])
def test_a_cut_file_is_refused_as_damaged(whole: dict[str, bytes], name: str, where: float | str) -> None:
    cut = _cut(whole[name], where)
    assert 0 < len(cut) < len(whole[name])
    with pytest.raises(AudioError, match=DAMAGED):
        ingest(cut)


def test_a_cut_file_on_disk_is_refused_too(whole: dict[str, bytes], tmp_path: Path) -> None:
    # a path is read through a memory map, not loaded whole: the same checks apply
    path = tmp_path / "bản tin.ogg"
    path.write_bytes(_cut(whole["opus.ogg"], "ogg page"))
    with pytest.raises(AudioError, match="tệp Ogg bị hỏng hoặc không trọn vẹn"):
        ingest(path)
    path.write_bytes(whole["opus.ogg"])
    assert ingest(path).info.duration_ms > 6000


def test_two_mp3s_joined_are_one_whole_recording(whole: dict[str, bytes]) -> None:
    # gTTS answers in chunks that are joined; the second keeps its ID3 tag here, the worst case
    joined = whole["cbr-xing.mp3"] + whole["cbr-no-xing.mp3"]
    assert ingest(joined).info.duration_ms > 14000
    with pytest.raises(AudioError, match=DAMAGED):
        ingest(joined[: len(joined) - 100])
