"""Benchmark the broadcast audio pipeline: ingest of a 60 s speech recording, 60 s of eSpeak TTS.

Prints seconds and real-time factor (audio seconds per wall-clock second). Goals on a 2-core
machine: ingest >= 30x real time, eSpeak NG synthesis >= 50x real time.

    .venv/bin/python bench/audio_pipeline.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audio_library import ffmpeg_exe, ingest, measure, synthesize  # noqa: E402

PARAGRAPH = (
    "UBND xã thông báo: thực hiện Kế hoạch số 15/KH-UBND ngày 26/6/2024 về tuyên truyền phòng, "
    "chống ma túy, lúc 17h30 các ngày trong tuần, Đài truyền thanh xã phát bản tin về tác hại của "
    "ma túy và HIV/AIDS. Đề nghị 100% hộ gia đình theo dõi và tham gia tố giác tội phạm. "
)
TARGET_S = 60.0
GOAL_INGEST, GOAL_TTS = 30.0, 50.0


def text_for(seconds: float) -> str:
    """A bulletin long enough that eSpeak NG speaks it for about ``seconds``."""
    one = measure(synthesize(PARAGRAPH, engine="espeak").audio).duration_ms / 1000
    return PARAGRAPH * max(1, round(seconds / one))


def recording(workdir: Path, text: str) -> Path:
    """A 60 s 'phone recording' of the bulletin: stereo 44.1 kHz MP3, room noise, a silent lead-in."""
    wav = workdir / "voice.wav"
    wav.write_bytes(synthesize(text, engine="espeak").audio)
    out = workdir / "recording.mp3"
    graph = (
        "[0:a]aresample=44100,adelay=1500,apad=pad_dur=2,volume=-9dB[v];"
        "anoisesrc=color=pink:amplitude=0.002:sample_rate=44100[n];"
        "[v][n]amix=inputs=2:duration=first,aformat=channel_layouts=stereo[out]"
    )
    cmd = [ffmpeg_exe(), "-v", "error", "-y", "-i", str(wav), "-filter_complex", graph,
           "-map", "[out]", "-t", f"{TARGET_S:g}", "-c:a", "libmp3lame", "-b:a", "128k", str(out)]
    subprocess.run(cmd, check=True)
    return out


def timed(fn, repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    args = parser.parse_args()
    text = text_for(TARGET_S)
    with tempfile.TemporaryDirectory(prefix="loa-bench-") as tmp:
        rec = recording(Path(tmp), text)
        rec_s = measure(rec).duration_ms / 1000
        secs, out = timed(lambda: ingest(rec), args.repeat)
        info = out.info  # type: ignore[attr-defined]
        ingest_rtf = rec_s / secs
        print(f"ingest  {rec_s:6.1f} s MP3 recording -> {info.duration_ms / 1000:.1f} s Opus "
              f"({info.size / 1000:.0f} KB, {info.size / 1000 / (info.duration_ms / 60000):.0f} KB/min, "
              f"{info.loudness_lufs:.1f} LUFS, {info.true_peak_dbtp:.1f} dBTP): "
              f"{secs:.3f} s, {ingest_rtf:.0f}x real time (goal {GOAL_INGEST:.0f}x)")
        secs, syn = timed(lambda: synthesize(text, engine="espeak"), args.repeat)
        tts_s = measure(syn.audio).duration_ms / 1000  # type: ignore[attr-defined]
        tts_rtf = tts_s / secs
        print(f"espeak  {len(text)} characters -> {tts_s:.1f} s of speech: "
              f"{secs:.3f} s, {tts_rtf:.0f}x real time (goal {GOAL_TTS:.0f}x)")
    ok = ingest_rtf >= GOAL_INGEST and tts_rtf >= GOAL_TTS
    print("goals met" if ok else "GOALS NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
