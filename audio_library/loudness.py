"""Measuring audio with ffmpeg alone (no ffprobe): ebur128 loudness, true peak, duration, format."""

from __future__ import annotations

import math
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import AudioError
from .ffmpeg import last_error_line, run_ffmpeg
from .model import AudioInfo

_STREAM = re.compile(r"Stream #\d+:\d+\S*: Audio: (\w+)[^\n]*?, (\d+) Hz, ([^,\n]+)")
_INTEGRATED = re.compile(r"^\s*I:\s+(-?[\d.]+|-?inf) LUFS", re.M)
_PEAK = re.compile(r"^\s*Peak:\s+(-?[\d.]+|-?inf) dBFS", re.M)
_OUT_TIME = re.compile(rb"^out_time_us=(\d+)", re.M)
_LAYOUTS = {"mono": 1, "stereo": 2, "2.1": 3, "quad": 4, "4.0": 4, "5.0": 5, "5.1": 6, "7.1": 8}


@dataclass(frozen=True)
class StreamFormat:
    codec: str
    sample_rate: int
    channels: int


def measure(
    data_or_path: bytes | os.PathLike[str] | str, *, timeout_s: float = 120.0, ffmpeg: str | None = None
) -> AudioInfo:
    """Measure duration, integrated loudness (LUFS) and true peak (dBTP) with ffmpeg's ebur128."""
    if isinstance(data_or_path, bytes | bytearray):
        with tempfile.TemporaryDirectory(prefix="loa-measure-") as tmp:
            path = Path(tmp) / "audio"
            path.write_bytes(data_or_path)
            return _measure_path(path, len(data_or_path), timeout_s, ffmpeg)
    path = Path(data_or_path)
    try:
        size = path.stat().st_size
    except OSError as e:
        raise AudioError("không đọc được %(path)s: %(error)s", path=path, error=e.strerror) from e
    return _measure_path(path, size, timeout_s, ffmpeg)


def _measure_path(path: Path, size: int, timeout_s: float, ffmpeg: str | None) -> AudioInfo:
    proc = run_ffmpeg(measure_args(str(path)), timeout_s=timeout_s, what="measuring loudness",
                      ffmpeg=ffmpeg)
    return info_from_run(proc.returncode, proc.stdout, proc.stderr, size)


def measure_args(source: str, input_format: str | None = None) -> list[str]:
    """ffmpeg arguments that meter ``source`` (a path, or ``pipe:0``) for ``info_from_run``."""
    args = ["-nostats", "-progress", "pipe:1"]
    if input_format is not None:
        args += ["-f", input_format]
    args += ["-i", source, "-map", "0:a:0"]
    return args + ["-af", "ebur128=peak=true:framelog=verbose", "-f", "null", "-"]


def info_from_run(returncode: int, stdout: bytes, stderr: bytes, size: int) -> AudioInfo:
    """AudioInfo from a finished ffmpeg run with ``measure_args``."""
    log_text = stderr.decode("utf-8", "replace")
    if returncode != 0:
        raise AudioError("không đo được âm thanh này: %(error)s", error=last_error_line(stderr))
    fmt = stream_format(log_text)
    loudness, peak = ebur128_summary(log_text)
    times = _OUT_TIME.findall(stdout)
    duration_ms = round(int(times[-1]) / 1000) if times else 0
    return AudioInfo(
        duration_ms=duration_ms,
        size=size,
        codec=fmt.codec,
        loudness_lufs=loudness,
        true_peak_dbtp=peak,
        sample_rate=fmt.sample_rate,
        channels=fmt.channels,
    )


def stream_format(log_text: str) -> StreamFormat:
    """The first input audio stream's codec, rate and channel count from an ffmpeg log."""
    head = log_text.split("Stream mapping:", 1)[0]
    m = _STREAM.search(head)
    if m is None:
        raise AudioError("không tìm thấy luồng âm thanh")
    layout = m.group(3).strip().split("(")[0].strip()
    if layout in _LAYOUTS:
        channels = _LAYOUTS[layout]
    else:
        count = re.match(r"(\d+) channels", layout)
        channels = int(count.group(1)) if count else 0
    return StreamFormat(codec=m.group(1), sample_rate=int(m.group(2)), channels=channels)


def ebur128_summary(log_text: str, *, peak: bool = True) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) from the summary an ``ebur128=peak=true`` filter logs.

    With ``peak=False`` (the filter ran without peak metering) the peak is returned as NaN.
    """
    loud = _INTEGRATED.findall(log_text)
    peaks = _PEAK.findall(log_text) if peak else ["nan"]
    if not loud or not peaks:
        raise AudioError("bộ đo độ to của ffmpeg không cho kết quả tổng")
    return _number(loud[-1]), _number(peaks[-1])


def _number(text: str) -> float:
    return -math.inf if text.endswith("inf") else float(text)  # float() reads "nan"
