"""Loudness normalisation with a true-peak ceiling, and encoding for delivery.

Measure-then-gain: the decoding pass measured the integrated loudness, so one render applies the
gain, a look-ahead limiter below the ceiling and the encoder. The *encoded* result is then measured
with ebur128; when it misses the target (the limiter ate loudness) or the codec's overshoot broke the
ceiling, the render is corrected and repeated — a few passes at most.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

from .decode import RATE, Decoded
from .errors import AudioError
from .ffmpeg import last_error_line, run_ffmpeg
from .loudness import measure
from .model import AudioInfo, Limits, Profile

log = logging.getLogger(__name__)

#: Aim inside this many LU of the target, well within the promised ±1 LU.
AIM_LU = 0.5
#: First guess at how far below the ceiling to limit sample peaks (true peaks and the codec overshoot).
FIRST_MARGIN_DB = 1.0
MAX_PASSES = 4
#: Silence between the chime and the bulletin.
INTRO_GAP_S = 0.5


@dataclass(frozen=True)
class Intro:
    """Audio to put before the programme (the chime), already at its own gain."""

    wav_path: Path
    gain_db: float


@dataclass(frozen=True)
class Job:
    decoded: Decoded
    span: tuple[float, float]
    profile: Profile
    target_lufs: float
    ceiling_dbtp: float
    intro: Intro | None
    workdir: Path
    limits: Limits


def normalise(job: Job) -> tuple[Path, AudioInfo]:
    """Render ``job`` until the encoded file meets target and ceiling; return its path and info."""
    if job.decoded.loudness_lufs <= -69.9:
        raise AudioError("the recording is too quiet to measure (âm lượng quá nhỏ)")
    gain = job.target_lufs - job.decoded.loudness_lufs
    correction, margin = 0.0, FIRST_MARGIN_DB
    best: tuple[Path, AudioInfo] | None = None
    for attempt in range(MAX_PASSES):
        out = job.workdir / f"out{attempt}.{job.profile.extension}"
        _render(job, out, gain + correction, correction, job.ceiling_dbtp - margin)
        info = measure(out, timeout_s=job.limits.decode_timeout_s)
        miss_lu = job.target_lufs - info.loudness_lufs
        over_db = info.true_peak_dbtp - job.ceiling_dbtp
        log.debug("pass %d: %.1f LUFS, %.1f dBTP", attempt, info.loudness_lufs, info.true_peak_dbtp)
        if over_db <= 0 and (best is None or _closer(info, best[1], job.target_lufs)):
            best = (out, info)
        if over_db <= 0 and abs(miss_lu) <= AIM_LU:
            break
        if over_db > 0:
            margin += over_db + 0.3
        if abs(miss_lu) > AIM_LU:
            correction += miss_lu
    if best is None:
        raise AudioError("could not keep this audio under the true-peak ceiling")
    if abs(best[1].loudness_lufs - job.target_lufs) > AIM_LU:
        log.warning("loudness %.1f LUFS after %d passes (target %.1f)",
                    best[1].loudness_lufs, MAX_PASSES, job.target_lufs)
    return best


def _closer(a: AudioInfo, b: AudioInfo, target: float) -> bool:
    return abs(a.loudness_lufs - target) < abs(b.loudness_lufs - target)


def _render(job: Job, out: Path, gain_db: float, intro_shift_db: float, limit_db: float) -> None:
    start, end = job.span
    limit = min(1.0, max(0.0625, math.pow(10.0, limit_db / 20.0)))
    main = (
        f"atrim=start={start:.4f}:end={end:.4f},asetpts=N/SR/TB,"
        f"volume={gain_db:.3f}dB:precision=float"
    )
    tail = (
        f"alimiter=limit={limit:.5f}:attack=5:release=50:level=0:latency=1,"
        f"aresample={job.profile.sample_rate}"
    )
    args = ["-nostats", "-f", "f32le", "-ar", str(RATE), "-ac", "1", "-i", str(job.decoded.pcm_path)]
    if job.intro is None:
        graph = f"[0:a]{main},{tail}[out]"
    else:
        args += ["-i", str(job.intro.wav_path)]
        intro_gain = job.intro.gain_db + intro_shift_db
        graph = (
            f"[1:a]aresample={RATE},aformat=sample_fmts=flt:channel_layouts=mono,"
            f"volume={intro_gain:.3f}dB:precision=float,apad=pad_dur={INTRO_GAP_S}[intro];"
            f"[0:a]{main}[main];"
            f"[intro][main]concat=n=2:v=0:a=1,{tail}[out]"
        )
    args += ["-filter_complex", graph, "-map", "[out]", "-ac", "1", *job.profile.codec_args]
    args += ["-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact"]
    args += ["-f", job.profile.muxer, "-y", str(out)]
    proc = run_ffmpeg(args, timeout_s=job.limits.decode_timeout_s, what="encoding")
    if proc.returncode != 0:
        raise AudioError(f"encoding failed: {last_error_line(proc.stderr)}")
