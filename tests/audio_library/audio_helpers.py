"""Helpers shared by the audio library's tests."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from audio_library import ffmpeg_exe, measure

SPEECH_TEXT = (
    "Ủy ban nhân dân xã thông báo: hưởng ứng tháng hành động phòng, chống ma túy, "
    "mời bà con đến nhà văn hóa thôn lúc mười bảy giờ ba mươi phút để nghe phổ biến pháp luật."
)


def run_ffmpeg_cli(*args: str) -> None:
    """Run ffmpeg as a test helper (making inputs), failing the test if ffmpeg fails."""
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args],
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")


Convert = Callable[..., Path]
MakeTone = Callable[..., Path]


def speech_like_noise(out: Path, seconds: float, level_db: float, seed: int = 1) -> Path:
    """Pink noise shaped like speech: ~4 syllables a second, phrases of 2–3 s, 0.6 s pauses.

    Its true peak is set to ``level_db`` dBFS (0 is a recording that touches full scale), and it
    is written as 16-bit WAV at 48 kHz, the way a recorder or an editor's export delivers it.
    """
    phrase = 2.4 + 0.1 * (seed % 7)  # each seed phrases a little differently
    envelope = (
        f"if(lt(mod(t,{phrase + 0.6:g}),{phrase:g}),"
        f"pow(sin(PI*{3.7 + 0.2 * (seed % 5):g}*t),2)*(0.55+0.45*sin(2*PI*0.37*t+{seed})),0)"
    )
    graph = (
        f"anoisesrc=color=pink:amplitude=0.5:seed={seed}:sample_rate=48000:duration={seconds:g}[n];"
        f"aevalsrc='{envelope}':s=48000:d={seconds:g}[e];[n][e]amultiply[out]"
    )
    raw = out.with_suffix(".raw.wav")
    run_ffmpeg_cli("-filter_complex", graph, "-map", "[out]", "-c:a", "pcm_f32le", str(raw))
    gain = level_db - measure(raw).true_peak_dbtp
    run_ffmpeg_cli("-i", str(raw), "-af", f"volume={gain:.3f}dB", "-c:a", "pcm_s16le", str(out))
    raw.unlink()
    return out


#: A broken recording: a click four times a second over a faint hum. The clicks reach the peak
#: ceiling long before the hum is loud enough, so no level meets -16 LUFS under -1.5 dBTP.
CLICKS_OVER_HUM = "aevalsrc='if(lt(mod(t,0.25),0.0005),0.9,0)+0.001*sin(2*PI*200*t)':d=6:s=48000"


def clicks_over_hum_wav() -> bytes:
    """``CLICKS_OVER_HUM`` as WAV bytes, made by ffmpeg."""
    proc = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", CLICKS_OVER_HUM, "-f", "wav", "-"],
        capture_output=True, check=True,
    )
    return proc.stdout
