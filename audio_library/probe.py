"""Judge an input by its first bytes, never its name: which container it is, or why it is refused."""

from __future__ import annotations

import struct

from .errors import AudioError, Reason

#: ffmpeg demuxer for each container we accept.
DEMUXERS = {
    "wav": "wav",
    "mp3": "mp3",
    "ogg": "ogg",
    "webm": "matroska",
    "mp4": "mov",
    "flac": "flac",
    "aac": "aac",
}

_NOT_AUDIO = (
    (b"\xff\xd8\xff", Reason("ảnh JPEG")),
    (b"\x89PNG\r\n\x1a\n", Reason("ảnh PNG")),
    (b"GIF8", Reason("ảnh GIF")),
    (b"%PDF", Reason("tài liệu PDF")),
    (b"PK\x03\x04", Reason("tệp nén ZIP hoặc tài liệu văn phòng")),
    (b"\x7fELF", Reason("một chương trình")),
    (b"MZ", Reason("một chương trình Windows")),
)


def sniff(head: bytes) -> str:
    """Name the container of audio starting with ``head`` (a key of ``DEMUXERS``) or refuse it."""
    if not head:
        raise AudioError("tệp rỗng")
    kind = _audio_kind(head)
    if kind is not None:
        return kind
    for magic, name in _NOT_AUDIO:
        if head.startswith(magic):
            raise AudioError("đây không phải tệp âm thanh mà là %(kind)s", kind=name)
    if _looks_like_text(head):
        raise AudioError("đây là văn bản, không phải âm thanh")
    raise AudioError("định dạng không được hỗ trợ; hãy dùng WAV, MP3, Ogg, WebM, M4A/AAC hoặc FLAC")


def _audio_kind(head: bytes) -> str | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] in (b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    if head[4:8] == b"ftyp":
        return "mp4"
    if head[:3] == b"ID3":
        return _after_id3(head)
    return _frame_kind(head)


def id3_size(data: bytes) -> int:
    """Length of the ID3v2 tag at the start of ``data`` (0 without one)."""
    if data[:3] != b"ID3" or len(data) < 10:
        return 0
    b = data[6:10]  # a 28-bit "synchsafe" integer
    return 10 + ((b[0] & 0x7F) << 21 | (b[1] & 0x7F) << 14 | (b[2] & 0x7F) << 7 | b[3] & 0x7F)


def _after_id3(head: bytes) -> str:
    # ID3v2 precedes MP3 and sometimes ADTS AAC
    size = id3_size(head)
    if len(head) > size + 1 and _frame_kind(head[size:]) == "aac":
        return "aac"
    return "mp3"


def _frame_kind(head: bytes) -> str | None:
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return None
    layer = (head[1] >> 1) & 0x3
    if layer == 0:
        return "aac" if head[1] & 0xF6 == 0xF0 else None
    bitrate_index = head[2] >> 4
    if bitrate_index == 0xF or (head[2] >> 2) & 0x3 == 0x3:
        return None
    return "mp3"


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # the head may end inside a multi-byte character
        try:
            text = head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return False
    printable = sum(1 for c in text if c.isprintable() or c in "\r\n\t")
    return printable >= 0.95 * max(1, len(text))


def wav_data_shortfall(head: bytes, total_size: int) -> int:
    """Bytes missing from a RIFF WAV's data chunk compared with its header (0 when complete).

    ``head`` is the start of the file (enough to hold the chunks before ``data``), ``total_size``
    its full length.
    """
    if head[:4] != b"RIFF":
        return 0
    pos = 12
    while pos + 8 <= len(head):
        chunk_id, size = head[pos : pos + 4], struct.unpack("<I", head[pos + 4 : pos + 8])[0]
        if chunk_id == b"data":
            if size in (0, 0xFFFFFFFF):  # streamed WAV: size unknown
                return 0
            return max(0, size - (total_size - pos - 8))
        pos += 8 + size + (size & 1)
    return 0
