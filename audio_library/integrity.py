"""Is the whole file there? Container checks that a cut-off upload cannot pass.

A file cut short in transfer often still decodes: ffmpeg stops at the last whole packet and reports
a shorter, valid-looking recording. Where the container says how it ends, check that it does:
- Ogg: every logical stream's last page carries the end-of-stream flag, and no page is cut;
- MP3 and ADTS AAC: the last frame is whole, and an MP3 holds the frames its Xing/Info or VBRI
  header counts;
- WAV: the data chunk holds the bytes its header declares.
FLAC, M4A and WebM declare their length, which ``decode`` compares with what decoded. Some cuts
cannot be seen: an MP3 or ADTS file without a length header cut exactly between two frames, or a
browser's WebM recording (no length header) cut exactly between two clusters, is a shorter whole
file.
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Callable

from .errors import AudioError, Reason
from .probe import id3_size, wav_data_shortfall

#: A whole upload: its bytes, or the file mapped into memory.
Buffer = bytes | mmap.mmap
Frame = Callable[[Buffer, int], tuple[int, ...] | None]

#: Names of the containers in messages.
_NAMES = {"ogg": "Ogg", "mp3": "MP3", "aac": "AAC", "wav": "WAV", "flac": "FLAC", "mp4": "M4A",
          "webm": "WebM"}
# kbit/s by [MPEG-1?][layer 1..3][index]
_MP3_KBPS = {
    True: {
        1: (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
        2: (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
        3: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    },
    False: {
        1: (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
        2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
        3: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    },
}
#: Bytes of the longest frame header (ADTS with CRC); fewer at the end cannot be a whole frame.
_LONGEST_HEADER = 9
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def damaged(kind: str, why: Reason) -> AudioError:
    """The error for a damaged or incomplete upload of container ``kind``."""
    return AudioError("tệp %(name)s bị hỏng hoặc không trọn vẹn (%(why)s); hãy gửi lại tệp gốc đầy đủ",
                      name=_NAMES.get(kind, kind), why=why)


def check_whole(kind: str, data: Buffer) -> None:
    """Raise AudioError when ``data`` (a whole upload of container ``kind``) is visibly cut short."""
    if kind == "wav":
        missing = wav_data_shortfall(data[:65536], len(data))
        if missing:
            raise damaged(kind, Reason("thiếu %(missing)s byte âm thanh ở cuối", missing=missing))
        return
    checker = _CHECKERS.get(kind)
    problem = checker(data) if checker is not None else None
    if problem is not None:
        raise damaged(kind, problem)


# --- Ogg -----------------------------------------------------------------------------------------


def ogg_problem(data: Buffer) -> Reason | None:
    """Why the Ogg pages in ``data`` do not end whole (a ``Reason``), or None."""
    pos, size = 0, len(data)
    ended: dict[int, bool] = {}  # serial number -> end-of-stream page seen
    while pos < size:
        if data[pos : pos + 4] != b"OggS":
            # not a page: junk after the streams ended is harmless, anything else is damage
            break
        if pos + 27 > size or pos + 27 + data[pos + 26] > size:
            return Reason("trang Ogg cuối bị cắt")
        segments = data[pos + 27 : pos + 27 + data[pos + 26]]
        end = pos + 27 + len(segments) + sum(segments)
        if end > size:
            return Reason("trang Ogg cuối bị cắt")
        serial = struct.unpack_from("<I", data, pos + 14)[0]
        ended[serial] = bool(data[pos + 5] & 0x04)  # header_type 0x04: end of stream
        pos = end
    if not ended:
        return Reason("không có trang Ogg nào")
    if not all(ended.values()):
        return Reason("thiếu trang kết thúc luồng")
    return None


# --- MP3 -----------------------------------------------------------------------------------------


def _mp3_frame(data: Buffer, pos: int) -> tuple[int, int, bool, bool] | None:
    """(length, samples, MPEG-1?, mono?) of the MP3 frame header at ``pos``, or None."""
    if pos + 4 > len(data) or data[pos] != 0xFF or data[pos + 1] & 0xE0 != 0xE0:
        return None
    version, layer = (data[pos + 1] >> 3) & 3, 4 - ((data[pos + 1] >> 1) & 3)
    index, rate_index = data[pos + 2] >> 4, (data[pos + 2] >> 2) & 3
    if version == 1 or layer == 4 or index in (0, 15) or rate_index == 3:
        return None  # reserved values, or free format (no length to check)
    mpeg1 = version == 3
    bitrate = _MP3_KBPS[mpeg1][layer][index] * 1000
    rate = _MP3_RATES[version][rate_index]
    padding = (data[pos + 2] >> 1) & 1
    mono = data[pos + 3] >> 6 == 3
    if layer == 1:
        return (12 * bitrate // rate + padding) * 4, 384, mpeg1, mono
    samples = 1152 if layer == 2 or mpeg1 else 576
    return samples // 8 * bitrate // rate + padding, samples, mpeg1, mono


def _audio_end(data: Buffer) -> int:
    """Where the frames of an MP3/AAC end: before a trailing ID3v1 or APEv2 tag."""
    end = len(data)
    if end >= 128 and data[end - 128 : end - 125] == b"TAG":
        end -= 128
    if end >= 32 and data[end - 32 : end - 24] == b"APETAGEX":
        tag_size = struct.unpack_from("<I", data, end - 20)[0]
        has_header = struct.unpack_from("<I", data, end - 12)[0] & 0x80000000
        end -= tag_size + (32 if has_header else 0)
    return max(0, end)


def _walk(data: Buffer, frame: Frame, start: int, end: int) -> tuple[int, bool]:
    """Follow frames from ``start``; (number of whole frames, whether the last one is cut off).

    Junk between frames (a second ID3 tag in joined files, a broken frame) is skipped by searching
    for a header that the next header confirms.
    """
    pos, count = start, 0
    while pos < end:
        head = frame(data, pos)
        if head is not None:
            if pos + head[0] > end:
                return count, True  # the frame's end lies past the end of the file
            count, pos = count + 1, pos + head[0]
        elif end - pos < _LONGEST_HEADER and data[pos] == 0xFF:
            return count, True  # the cut fell inside the last frame's header
        elif data[pos : pos + 3] == b"ID3" and id3_size(data[pos : pos + 10]) > 10:
            pos += id3_size(data[pos : pos + 10])
        else:
            pos = _resync(data, frame, pos + 1, end)
    return count, False


def _resync(data: Buffer, frame: Frame, pos: int, end: int) -> int:
    """The next position from ``pos`` where a frame header is followed by another (or the end)."""
    while (pos := data.find(b"\xff", pos, end)) >= 0:
        head = frame(data, pos)
        if head is not None and (pos + head[0] == end or frame(data, pos + head[0]) is not None):
            return pos
        pos += 1
    return end


def _xing_frames(data: Buffer, pos: int, mpeg1: bool, mono: bool) -> int | None:
    """Frames counted by a Xing/Info (LAME) or VBRI header in the frame at ``pos``, or None."""
    side = (17 if mono else 32) if mpeg1 else (9 if mono else 17)
    tag = pos + 4 + side
    if data[tag : tag + 4] in (b"Xing", b"Info"):
        flags = struct.unpack_from(">I", data, tag + 4)[0]
        return struct.unpack_from(">I", data, tag + 8)[0] if flags & 1 else None
    if data[pos + 36 : pos + 40] == b"VBRI":
        return int(struct.unpack_from(">I", data, pos + 50)[0])
    return None


def mp3_problem(data: Buffer) -> Reason | None:
    """Why the MP3 frames in ``data`` do not end whole (a ``Reason``), or None."""
    start, end = id3_size(data[:10]), _audio_end(data)
    first = _mp3_frame(data, start)
    if first is None:
        return None  # free format or junk first: leave it to the decoder
    declared = _xing_frames(data, start, first[2], first[3]) if start + first[0] <= end else None
    count, cut = _walk(data, _mp3_frame, start, end)
    if cut:
        return Reason("khung MP3 cuối bị cắt")
    if declared is not None and count - 1 < declared:
        return Reason("chỉ có %(count)s trên %(declared)s khung MP3 đã khai báo", count=count - 1, declared=declared)
    return None


# --- ADTS AAC ------------------------------------------------------------------------------------


def _adts_frame(data: Buffer, pos: int) -> tuple[int] | None:
    if pos + 7 > len(data) or data[pos] != 0xFF or data[pos + 1] & 0xF6 != 0xF0:
        return None
    length = (data[pos + 3] & 3) << 11 | data[pos + 4] << 3 | data[pos + 5] >> 5
    return (length,) if length >= 7 else None


def adts_problem(data: Buffer) -> Reason | None:
    """Why the ADTS AAC frames in ``data`` do not end whole (a ``Reason``), or None."""
    start = id3_size(data[:10])
    _, cut = _walk(data, _adts_frame, start, _audio_end(data))
    return Reason("khung AAC cuối bị cắt") if cut else None


_CHECKERS: dict[str, Callable[[Buffer], Reason | None]] = {
    "ogg": ogg_problem,
    "mp3": mp3_problem,
    "aac": adts_problem,
}
