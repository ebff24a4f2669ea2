"""``ingest``: any accepted recording in, a loudness-normalised delivery file out."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from .chime import chime
from .decode import decode, speech_span, stage, trim_window
from .errors import AudioError
from .loudness import measure
from .model import Encoded, Limits, profile_named
from .normalise import TOLERANCE_LU, Intro, Job, normalise

log = logging.getLogger(__name__)

DEFAULT_TARGET_LUFS = -16.0
DEFAULT_CEILING_DBTP = -1.5


def ingest(
    source: bytes | os.PathLike[str] | str,
    *,
    profile: str = "speech",
    target_lufs: float = DEFAULT_TARGET_LUFS,
    ceiling_dbtp: float = DEFAULT_CEILING_DBTP,
    chime: bool = False,
    limits: Limits = Limits(),  # noqa: B008  (frozen dataclass: a shared default is safe)
    trim: tuple[float, float | None] | None = None,
) -> Encoded:
    """Decode, downmix, cut to ``trim``, trim silence, normalise loudness, optionally prefix the chime, encode.

    ``source`` is judged by content, never by name. ``trim`` is (start, end) in seconds of the
    source as the person heard it (end None: to the end). Anything that is not usable audio, or
    breaks ``limits``, raises AudioError with a message saying what was wrong.
    """
    prof = profile_named(profile)
    _check_levels(target_lufs, ceiling_dbtp)
    with tempfile.TemporaryDirectory(prefix="loa-ingest-") as tmp:
        workdir = Path(tmp)
        src = stage(source, workdir, limits)
        decoded = decode(src, workdir, limits)
        span = speech_span(decoded, window=trim_window(decoded, trim))
        if span[1] - span[0] < limits.min_duration_s:
            raise AudioError("sau khi cắt khoảng lặng chỉ còn %(seconds)s giây, tối thiểu %(minimum)s giây",
                             seconds=f"{span[1] - span[0]:.2f}", minimum=f"{limits.min_duration_s:g}")
        intro = _intro(workdir, target_lufs, limits.ffmpeg) if chime else None
        job = Job(decoded, span, prof, target_lufs, ceiling_dbtp, intro, workdir, limits)
        out, info = normalise(job)
        data = out.read_bytes()
    log.info("ingested %s: %d ms, %d bytes, %.1f LUFS, %.1f dBTP",
             src.kind, info.duration_ms, info.size, info.loudness_lufs, info.true_peak_dbtp)
    return Encoded(
        data=data,
        info=info,
        sha256=hashlib.sha256(data).hexdigest(),
        extension=prof.extension,
        mime=prof.mime,
        warning=loudness_warning(info.loudness_lufs, target_lufs, ceiling_dbtp),
    )


def loudness_warning(
    loudness_lufs: float | None,
    target_lufs: float = DEFAULT_TARGET_LUFS,
    ceiling_dbtp: float = DEFAULT_CEILING_DBTP,
) -> str | None:
    """What to tell the uploader when delivered audio misses the target by more than ±1 LU."""
    if loudness_lufs is None or abs(loudness_lufs - target_lufs) <= TOLERANCE_LU:
        return None
    vi, en = ("nhỏ hơn", "quieter") if loudness_lufs < target_lufs else ("to hơn", "louder")
    return (
        f"Không đạt được độ to chuẩn {target_lufs:g} LUFS mà vẫn giữ đỉnh dưới {ceiling_dbtp:g} dBTP: "
        f"bản tin đo được {loudness_lufs:.1f} LUFS, sẽ nghe {vi} các bản tin khác. "
        f"(The target loudness of {target_lufs:g} LUFS could not be met under the peak ceiling of "
        f"{ceiling_dbtp:g} dBTP: this audio measures {loudness_lufs:.1f} LUFS and will sound "
        f"{en} than other bulletins.)"
    )


def _check_levels(target_lufs: float, ceiling_dbtp: float) -> None:
    if not -40.0 <= target_lufs <= -5.0:
        raise AudioError("mức âm lượng đích %(target)s LUFS phải từ -40 đến -5", target=f"{target_lufs:g}")
    if not -12.0 <= ceiling_dbtp <= 0.0:
        raise AudioError("mức trần %(ceiling)s dBTP phải từ -12 đến 0", ceiling=f"{ceiling_dbtp:g}")


def _intro(workdir: Path, target_lufs: float, ffmpeg: str | None) -> Intro:
    path = workdir / "chime.wav"
    path.write_bytes(chime())
    return Intro(wav_path=path, gain_db=target_lufs - _chime_loudness(ffmpeg))


@lru_cache(maxsize=2)
def _chime_loudness(ffmpeg: str | None) -> float:
    return measure(chime(), ffmpeg=ffmpeg).loudness_lufs


@lru_cache(maxsize=4)
def chime_asset(profile: str = "speech", ffmpeg: str | None = None) -> Encoded:
    """The chime as a delivery file: the same bytes (and sha256) every time for a profile."""
    return ingest(chime(), profile=profile, limits=Limits(ffmpeg=ffmpeg))

