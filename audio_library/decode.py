"""Decoding any accepted input to mono 48 kHz float PCM, with the facts the later steps need.

One ffmpeg pass decodes, downmixes, finds silences (``silencedetect``) and measures loudness
(``ebur128``), so a 60 s recording is read once.
"""

from __future__ import annotations

import math
import mmap
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import AudioError, Reason
from .ffmpeg import last_error_line, run_ffmpeg
from .integrity import check_whole, damaged
from .loudness import ebur128_summary
from .model import Limits
from .probe import DEMUXERS, sniff

#: Rate and layout of the intermediate PCM every later step reads.
RATE = 48000
BYTES_PER_SECOND = RATE * 4  # mono float32
SILENCE_DB = -50.0
SILENCE_MIN_S = 0.5
_HEAD_BYTES = 64 * 1024

_SILENCE_START = re.compile(r"silence_start: (-?[\d.]+)")
_SILENCE_END = re.compile(r"silence_end: (-?[\d.]+)")
_DECLARED = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_ESTIMATED = "Estimating duration from bitrate"
#: How much shorter than declared a whole file may decode.
DECLARED_SLACK_S = 0.2
_BROKEN = (
    "partial file",
    "ended prematurely",
    "moov atom not found",
    "invalid data found when processing input",
    "decode_frame() failed",
)


@dataclass(frozen=True)
class Source:
    path: Path
    size: int
    kind: str  # a key of probe.DEMUXERS


@dataclass(frozen=True)
class Decoded:
    """Mono float32 PCM at ``RATE`` in ``pcm_path`` and what the decoding pass learnt about it."""

    pcm_path: Path
    duration_s: float
    loudness_lufs: float
    silences: tuple[tuple[float, float], ...]


def stage(source: bytes | os.PathLike[str] | str, workdir: Path, limits: Limits) -> Source:
    """Check size, content type and wholeness of ``source``; give ffmpeg a seekable file of it."""
    if isinstance(source, bytes | bytearray):
        _check_size(len(source), limits)
        kind = sniff(bytes(source[:_HEAD_BYTES]))
        check_whole(kind, bytes(source))
        path = workdir / "source"
        path.write_bytes(source)
        return Source(path=path, size=len(source), kind=kind)
    path = Path(source)
    try:
        size = path.stat().st_size
        _check_size(size, limits)
        with path.open("rb") as f:
            kind = sniff(f.read(_HEAD_BYTES))
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                check_whole(kind, mapped)
    except OSError as e:
        raise AudioError("không đọc được tệp %(name)s: %(why)s", name=path.name, why=e.strerror) from e
    return Source(path=path, size=size, kind=kind)


def _check_size(size: int, limits: Limits) -> None:
    if size == 0:
        raise AudioError("tệp rỗng")
    if size > limits.max_bytes:
        raise AudioError("tệp quá lớn: %(size)s MB, giới hạn %(limit)s MB",
                         size=f"{size / 1e6:.1f}", limit=f"{limits.max_bytes / 1e6:.0f}")


def decode(src: Source, workdir: Path, limits: Limits) -> Decoded:
    """Decode ``src`` to mono PCM, refusing broken, silent, too short or too long audio."""
    pcm = workdir / "decoded.f32"
    graph = (
        f"aresample={RATE},aformat=sample_fmts=flt:channel_layouts=mono,"
        f"silencedetect=n={SILENCE_DB}dB:d={SILENCE_MIN_S},ebur128=framelog=verbose"
    )
    args = ["-nostats", "-f", DEMUXERS[src.kind], "-i", str(src.path), "-map", "0:a:0"]
    args += ["-t", f"{limits.max_duration_s + 1:g}", "-af", graph, "-f", "f32le", "-y", str(pcm)]
    proc = run_ffmpeg(args, timeout_s=limits.decode_timeout_s, what="decoding", ffmpeg=limits.ffmpeg)
    text = proc.stderr.decode("utf-8", "replace")
    if _looks_broken(text, src.kind):
        raise damaged(src.kind, Reason("lỗi khi giải mã: %(error)s", error=_first_error(text)))
    if proc.returncode != 0 or not pcm.exists():
        raise AudioError("không giải mã được âm thanh %(kind)s: %(error)s", kind=src.kind,
                         error=last_error_line(proc.stderr))
    duration = pcm.stat().st_size / BYTES_PER_SECOND
    _check_declared(text, duration, src.kind, limits)
    _check_duration(duration, limits)
    loudness, _ = ebur128_summary(text, peak=False)
    return Decoded(
        pcm_path=pcm,
        duration_s=duration,
        loudness_lufs=loudness,
        silences=_silences(text, duration),
    )


def _looks_broken(log_text: str, kind: str) -> bool:
    lowered = log_text.lower()
    signs: tuple[str, ...] = _BROKEN
    if kind == "mp3":
        # Joined MP3s (an ID3 tag in the middle) log decoding errors yet play whole; a cut MP3
        # is caught by its declared length instead.
        signs = tuple(s for s in _BROKEN if s != "invalid data found when processing input")
    return any(sign in lowered for sign in signs)


def _first_error(log_text: str) -> str:
    for line in log_text.splitlines():
        if any(sign in line.lower() for sign in _BROKEN):
            return line.split("] ")[-1].strip()
    return "?"


def _check_declared(log_text: str, duration: float, kind: str, limits: Limits) -> None:
    """Refuse audio that decodes shorter than the length its container declares."""
    declared = _DECLARED.search(log_text)
    if declared is None or _ESTIMATED in log_text or duration > limits.max_duration_s:
        return  # no length declared, only a guess from the bitrate, or cut by our own limit
    h, m, s = declared.groups()
    expected = int(h) * 3600 + int(m) * 60 + float(s)
    # whole files decode to their declared length within a packet or two
    if expected - duration > max(DECLARED_SLACK_S, 0.002 * expected):
        raise damaged(
            kind,
            Reason("khai báo %(declared)s giây nhưng chỉ có %(held)s giây",
                   declared=f"{expected:.1f}", held=f"{duration:.1f}"),
        )


def _check_duration(duration: float, limits: Limits) -> None:
    if duration > limits.max_duration_s:
        raise AudioError("âm thanh dài quá giới hạn %(minutes)s phút", minutes=f"{limits.max_duration_s / 60:g}")
    if duration < limits.min_duration_s:
        raise AudioError("âm thanh quá ngắn: %(seconds)s giây, tối thiểu %(minimum)s giây",
                         seconds=f"{duration:.2f}", minimum=f"{limits.min_duration_s:g}")


def _silences(log_text: str, duration: float) -> tuple[tuple[float, float], ...]:
    starts = [float(x) for x in _SILENCE_START.findall(log_text)]
    ends = [float(x) for x in _SILENCE_END.findall(log_text)]
    ends += [duration] * (len(starts) - len(ends))  # older ffmpeg: no end for a silence at EOF
    return tuple((max(0.0, s), min(duration, e)) for s, e in zip(starts, ends, strict=False))


def speech_span(
    decoded: Decoded, keep_s: float = 0.2, window: tuple[float, float] | None = None
) -> tuple[float, float]:
    """(start, end) seconds after trimming leading and trailing silence, keeping ``keep_s``.

    ``window`` is the part the person kept (their trim, in seconds of the decoded audio); silence is
    then trimmed inside it, so a cut that lands in a pause still yields tight audio.
    """
    lo, hi = window if window is not None else (0.0, decoded.duration_s)
    start, end = lo, hi
    edge = 0.02
    for s, e in decoded.silences:
        s, e = max(s, lo), min(e, hi)
        if e <= s:
            continue  # the silence lies outside the window
        if s <= lo + edge and e >= hi - edge:
            raise AudioError("bản ghi không có tiếng")
        if s <= lo + edge:
            start = max(lo, e - keep_s)
        if e >= hi - edge:
            end = min(hi, s + keep_s)
    return start, end


def trim_window(decoded: Decoded, trim: tuple[float, float | None] | None) -> tuple[float, float] | None:
    """The person's trim checked against the decoded length: (start, end) seconds, or None for all of it."""
    if trim is None:
        return None
    start, end = trim
    end = decoded.duration_s if end is None else min(end, decoded.duration_s)
    if not (start >= 0.0 and math.isfinite(start) and math.isfinite(end)):
        raise AudioError("điểm cắt không hợp lệ: %(start)s–%(end)s giây", start=f"{start:g}", end=f"{end:g}")
    if start >= decoded.duration_s:
        raise AudioError("điểm cắt đầu %(start)s giây nằm sau cuối bản ghi (%(length)s giây)",
                         start=f"{start:.1f}", length=f"{decoded.duration_s:.1f}")
    if end <= start:
        raise AudioError("điểm cắt cuối (%(end)s giây) phải sau điểm cắt đầu (%(start)s giây)",
                         end=f"{end:.1f}", start=f"{start:.1f}")
    return start, end
