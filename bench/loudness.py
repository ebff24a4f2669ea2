"""Benchmark the loudness promise: speech-like pink noise in, delivered Opus measured by ebur128.

The signal is pink noise shaped by a syllable-rate envelope with pauses, 3–60 s long, at three
input levels (true peak −30, −28 and 0 dBFS), three variants each. Every delivered file is measured
afresh by ffmpeg's ``ebur128`` and must be −16 LUFS ±1 LU with a true peak at most −1.5 dBTP, or
carry a warning that says why not.

    .venv/bin/python bench/loudness.py [--lengths 3,7,20,60] [--levels -30,-28,0] [--seeds 1,2,3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audio_library import DEFAULT_CEILING_DBTP, DEFAULT_TARGET_LUFS, ingest, measure  # noqa: E402
from tests.audio_library.audio_helpers import speech_like_noise  # noqa: E402

TOLERANCE_LU = 1.0


def numbers(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x.strip()]


def one(workdir: Path, seconds: float, level: float, seed: int) -> bool:
    """Ingest one signal, print its line; whether the delivered file kept the promise."""
    src = speech_like_noise(workdir / f"in-{seconds:g}-{level:g}-{seed}.wav", seconds, level, seed)
    before = measure(src)
    start = time.perf_counter()
    out = ingest(src)
    secs = time.perf_counter() - start
    got = measure(out.data)
    warning = out.warning
    ok = (abs(got.loudness_lufs - DEFAULT_TARGET_LUFS) <= TOLERANCE_LU
          and got.true_peak_dbtp <= DEFAULT_CEILING_DBTP)
    verdict = "ok" if ok else ("WARNED" if warning else "MISS")
    print(f"{seconds:4g} s  in {level:5g} dBTP {before.loudness_lufs:6.1f} LUFS  seed {seed}  ->  "
          f"{got.loudness_lufs:6.1f} LUFS {got.true_peak_dbtp:5.1f} dBTP  "
          f"{secs:5.2f} s ({seconds / secs:3.0f}x)  {verdict}" + (f"  [{warning}]" if warning else ""),
          flush=True)
    return ok or bool(warning)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=numbers, default=[3.0, 7.0, 20.0, 60.0])
    parser.add_argument("--levels", type=numbers, default=[-30.0, -28.0, 0.0])
    parser.add_argument("--seeds", type=lambda s: [int(x) for x in numbers(s)], default=[1, 2, 3])
    args = parser.parse_args()
    kept = total = 0
    with tempfile.TemporaryDirectory(prefix="loa-bench-loudness-") as tmp:
        for seconds in args.lengths:
            for level in args.levels:
                for seed in args.seeds:
                    kept += one(Path(tmp), seconds, level, seed)
                    total += 1
    print(f"{kept}/{total} delivered files within {TOLERANCE_LU:g} LU of {DEFAULT_TARGET_LUFS:g} LUFS "
          f"and at most {DEFAULT_CEILING_DBTP:g} dBTP (or warned)")
    return 0 if kept == total else 1


if __name__ == "__main__":
    sys.exit(main())
