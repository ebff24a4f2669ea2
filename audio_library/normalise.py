"""Loudness normalisation with a true-peak ceiling, and encoding for delivery.

Measure-then-gain: the decoding pass measured the integrated loudness, so a render applies gain and
a look-ahead limiter set below the ceiling, writing float PCM through ebur128 to see the result at
once. Those cheap PCM renders repeat until the level is on target (the limiter eats some loudness).
Only then is the audio encoded and the *encoded* file measured. A low-bitrate codec moves both: its
true peaks overshoot the limiter (by 1–4 dB on noise-like audio, more the harder the limiter works)
and it adds or removes loudness. When the encode misses, the next one learns from it: the limiter
goes that overshoot (and a safety margin) below the ceiling, and the PCM aims that much past the
target, so a file that plain levelling leaves at -17 LUFS still lands within ±1 LU.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

from .decode import RATE, Decoded
from .errors import AudioError
from .ffmpeg import last_error_line, run_ffmpeg, run_tee
from .loudness import ebur128_summary, info_from_run, measure_args
from .model import AudioInfo, Limits, Profile

log = logging.getLogger(__name__)

#: Aim for the PCM inside this many LU of the target, well within the promised ±1 LU.
PCM_AIM_LU = 0.3
#: Accept the encoded file this close to the target.
ENCODED_AIM_LU = 0.6
#: What the promise allows: a delivered file further than this from the target carries a warning.
TOLERANCE_LU = 1.0
MAX_LEVEL_PASSES = 6
#: Never push more than this past the first gain: beyond it the limiter only crushes the audio.
#: Noise-like recordings need most of it once the codec's overshoot lowers the limiter's ceiling.
MAX_CORRECTION_DB = 18.0
MAX_ENCODES = 5
#: Keep the limiter this far below the ceiling minus the overshoot the last encode showed: the
#: overshoot of a low-bitrate codec varies from one encode to the next.
OVERSHOOT_SAFETY_DB = 0.4
#: The limiter's ceiling never goes higher than this below the ceiling, nor lower than the floor.
MIN_MARGIN_DB = 0.5
LIMIT_FLOOR_DB = -24.0
#: Silence between the chime and the bulletin.
INTRO_GAP_S = 0.5


@dataclass(frozen=True)
class Intro:
    """Audio to put before the programme (the chime), with the gain that brings it to target."""

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


@dataclass
class _Plan:
    """What the next render uses; corrected after each encode."""

    correction: float  # dB on top of the gain the decoding pass measured
    limit_db: float  # the limiter's ceiling for sample peaks
    aim_lufs: float  # PCM loudness to aim for (the target, shifted by what the codec changes)
    post_gain_db: float = 0.0  # after the limiter, so it scales the peaks the codec sees


@dataclass(frozen=True)
class _Rendered:
    """A levelled PCM file and what its own meter said."""

    path: Path
    loudness_lufs: float
    peak_db: float  # sample peak
    saturated: bool  # more gain no longer made it louder (or the gain is at its bound)


def normalise(job: Job) -> tuple[Path, AudioInfo]:
    """Level and encode ``job`` until the encoded file meets target and ceiling.

    Each encode teaches the next one: how far the codec's true peaks overshoot the limiter, and how
    much loudness the codec adds or removes. The ceiling always holds. When the target cannot be
    met under it, the result is the compliant encode closest to the target, and
    ``pipeline.loudness_warning`` words what the uploader is told.
    """
    if job.decoded.loudness_lufs <= -69.9:
        raise AudioError("âm lượng quá nhỏ, không đo được")
    plan = _Plan(0.0, job.ceiling_dbtp - job.profile.peak_margin_db, job.target_lufs)
    best: tuple[Path, AudioInfo] | None = None
    for attempt in range(MAX_ENCODES):
        rendered = _level(job, plan)
        out = job.workdir / f"out{attempt}.{job.profile.extension}"
        info = _encode(job, rendered.path, out)
        log.debug("encode %d: limit %.1f dB, %.1f LUFS, %.1f dBTP", attempt, plan.limit_db,
                  info.loudness_lufs, info.true_peak_dbtp)
        if _over(job, info) <= 0 and (best is None or _closer(info, best[1], job.target_lufs)):
            best = (out, info)
        if _over(job, info) <= 0 and (_on_target(job, info, ENCODED_AIM_LU) or rendered.saturated):
            break  # on target, or as loud as the limiter can make it under the ceiling
        _learn(plan, job, info, rendered)
        if attempt == MAX_ENCODES - 2 and best is None:
            plan.post_gain_db -= _over(job, info) + OVERSHOOT_SAFETY_DB  # the ceiling comes first
    if best is None:
        raise AudioError("không giữ được đỉnh âm dưới mức trần")
    if not _on_target(job, best[1], TOLERANCE_LU):
        log.warning("target %.1f LUFS out of reach under %.1f dBTP: kept %.1f LUFS",
                    job.target_lufs, job.ceiling_dbtp, best[1].loudness_lufs)
    return best


def _over(job: Job, info: AudioInfo) -> float:
    return info.true_peak_dbtp - job.ceiling_dbtp


def _on_target(job: Job, info: AudioInfo, tolerance_lu: float) -> bool:
    return abs(job.target_lufs - info.loudness_lufs) <= tolerance_lu


def _learn(plan: _Plan, job: Job, info: AudioInfo, rendered: _Rendered) -> None:
    """Set the limiter and the PCM aim so that the next encode lands on target under the ceiling.

    The codec's overshoot is what its true peak exceeded the PCM's sample peak by; its loudness
    change is what it added to the PCM's. Both grow as the limiter works harder, so after an encode
    that still broke the ceiling the limiter only ever goes lower.
    """
    overshoot = info.true_peak_dbtp - rendered.peak_db
    limit = job.ceiling_dbtp - overshoot - OVERSHOOT_SAFETY_DB
    if _over(job, info) > 0:
        limit = min(limit, plan.limit_db - _over(job, info))
    plan.limit_db = max(LIMIT_FLOOR_DB, min(job.ceiling_dbtp - MIN_MARGIN_DB, limit))
    plan.aim_lufs = job.target_lufs - (info.loudness_lufs - rendered.loudness_lufs)


def _closer(a: AudioInfo, b: AudioInfo, target: float) -> bool:
    return abs(a.loudness_lufs - target) < abs(b.loudness_lufs - target)


def _level(job: Job, plan: _Plan) -> _Rendered:
    """Render PCM through gain and limiter until it measures ``plan.aim_lufs``.

    The limiter makes loudness grow slower than gain, so after the first try the next correction
    follows the measured slope (a secant step) instead of assuming one LU per dB.
    """
    pcm = job.workdir / "levelled.f32"
    previous: tuple[float, float] | None = None
    for _ in range(MAX_LEVEL_PASSES):
        loudness, peak_db = _render_pcm(job, pcm, plan)
        miss = plan.aim_lufs - loudness
        log.debug("level: correction %+.2f dB gives %.1f LUFS", plan.correction, loudness)
        if abs(miss) <= PCM_AIM_LU or plan.post_gain_db < 0:
            break  # on aim, or attenuating for the ceiling, when the level is what it is
        slope = 1.0
        if previous is not None and abs(plan.correction - previous[0]) > 0.05:
            slope = (loudness - previous[1]) / (plan.correction - previous[0])
            if slope < 0.1:
                return _Rendered(pcm, loudness, peak_db, saturated=True)  # the limiter is saturated
            slope = min(1.0, slope)
        step = _clamp(plan.correction + miss / slope, MAX_CORRECTION_DB)
        if abs(step - plan.correction) < 0.05:
            return _Rendered(pcm, loudness, peak_db, saturated=True)  # at the bound
        previous = (plan.correction, loudness)
        plan.correction = step
    return _Rendered(pcm, loudness, peak_db, saturated=False)


def _clamp(value: float, bound: float) -> float:
    return max(-bound, min(bound, value))


def _render_pcm(job: Job, out: Path, plan: _Plan) -> tuple[float, float]:
    """Write gained, limited PCM to ``out``; return its (integrated LUFS, sample peak dBFS)."""
    start, end = job.span
    correction = plan.correction
    gain = job.target_lufs - job.decoded.loudness_lufs + correction
    limit = min(1.0, max(0.0625, math.pow(10.0, plan.limit_db / 20.0)))
    main = f"atrim=start={start:.4f}:end={end:.4f},asetpts=N/SR/TB,volume={gain:.3f}dB:precision=float"
    tail = (
        f"alimiter=limit={limit:.5f}:attack=5:release=50:level=0:latency=1,"
        f"volume={plan.post_gain_db:.3f}dB:precision=float,ebur128=peak=sample:framelog=verbose"
    )
    args = ["-nostats", "-f", "f32le", "-ar", str(RATE), "-ac", "1", "-i", str(job.decoded.pcm_path)]
    if job.intro is None:
        graph = f"[0:a]{main},{tail}[out]"
    else:
        args += ["-i", str(job.intro.wav_path)]
        graph = (
            f"[1:a]aresample={RATE},aformat=sample_fmts=flt:channel_layouts=mono,"
            f"volume={job.intro.gain_db + correction:.3f}dB:precision=float,"
            f"apad=pad_dur={INTRO_GAP_S}[intro];[0:a]{main}[main];"
            f"[intro][main]concat=n=2:v=0:a=1,{tail}[out]"
        )
    args += ["-filter_complex", graph, "-map", "[out]", "-f", "f32le", "-y", str(out)]
    proc = run_ffmpeg(args, timeout_s=job.limits.decode_timeout_s, what="levelling", ffmpeg=job.limits.ffmpeg)
    if proc.returncode != 0:
        raise AudioError("san bằng âm lượng thất bại: %(error)s", error=last_error_line(proc.stderr))
    return ebur128_summary(proc.stderr.decode("utf-8", "replace"))


def _encode(job: Job, pcm: Path, out: Path) -> AudioInfo:
    """Encode ``pcm`` into ``out`` while a second ffmpeg meters the encoded stream."""
    args = ["-nostats", "-f", "f32le", "-ar", str(RATE), "-ac", "1", "-i", str(pcm)]
    args += ["-ar", str(job.profile.sample_rate), "-ac", "1", *job.profile.codec_args]
    args += ["-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact"]
    args += ["-f", job.profile.muxer, "pipe:1"]
    meter = measure_args("pipe:0", job.profile.muxer)
    enc, met = run_tee(args, meter, out, timeout_s=job.limits.decode_timeout_s, what="encoding",
                       ffmpeg=job.limits.ffmpeg)
    if enc.returncode != 0:
        raise AudioError("mã hóa thất bại: %(error)s", error=last_error_line(enc.stderr))
    return info_from_run(met.returncode, met.stdout, met.stderr, out.stat().st_size)
