"""Benchmark: expand and resolve 7 days for a station with 500 schedules; prints milliseconds.

Goal (issue 4): ≤ 50 ms. The schedules began months ago (so rule expansion must not walk from
dtstart), mix the four operator forms with two start times a day, and carry all three tiers.
Cold figures matter most (a fresh station process, a week never previewed): the first call is
also measured in ``--cold`` fresh interpreters, each timing its very first call and then a
week it never expanded, so one noisy run does not decide the figure.
Run: .venv/bin/python bench/timeline.py [--schedules N] [--days D] [--repeat R] [--cold K]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time as clock
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playlists import rules, timeline  # noqa: E402
from playlists.model import (  # noqa: E402
    Bulletin,
    Item,
    ItemKind,
    Priority,
    QuietHours,
    Schedule,
    Slot,
    SlotRecord,
    SlotStatus,
    StationSettings,
)


def build(n: int, seed: int = 4) -> tuple[list[Schedule], dict[int, Bulletin]]:
    rnd = random.Random(seed)
    bulletins = {
        i: Bulletin(i, f"Bản tin {i}", f"{i:064x}", rnd.randint(45, 240) * 1000) for i in range(1, 201)
    }
    chime = Item(ItemKind.CHIME, asset_sha256="c" * 64, duration_ms=4000)
    first, last = date(2026, 6, 1), date(2027, 6, 1)
    schedules = []
    for sid in range(1, n + 1):
        times = sorted({time(rnd.randint(5, 20), rnd.choice((0, 15, 30, 45))) for _ in range(2)})
        form = rnd.random()
        if form < 0.5:
            rule = rules.daily(first, last, times)
        elif form < 0.8:
            rule = rules.weekly(rnd.sample(range(7), 3), times, first, last)
        elif form < 0.95:
            d = rnd.randint(1, 25)
            rule = rules.monthly(range(d, d + 3), times, first)
        else:
            rule = rules.once(date(2026, 11, rnd.randint(26, 30)), times)
        tier = rnd.choices(list(Priority), weights=(90, 8, 2))[0]
        items = (chime, *(Item(ItemKind.BULLETIN, bulletin_id=rnd.randint(1, 200))
                          for _ in range(rnd.randint(1, 3))))
        schedules.append(Schedule(sid, items, rule.dtstart, rrule=rule.rrule, priority=tier))
    return schedules, bulletins


def timed(fn: Callable[[], object], repeat: int) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of ``repeat`` calls (CPU time shows through a busy machine)."""
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = clock.perf_counter(), clock.process_time()
        fn()
        wall.append((clock.perf_counter() - t0) * 1000)
        cpu.append((clock.process_time() - c0) * 1000)
    return wall, cpu


def station_history(slots: list[Slot], now: datetime) -> dict[str, SlotRecord]:
    """What a station that followed the plan until ``now`` has recorded (finished slots only)."""
    out = {}
    for s in slots:
        if s.items and s.end <= now:
            out[s.id] = SlotRecord(SlotStatus.COMPLETED, s.start, s.end)
        elif not s.items and s.planned_start + timedelta(hours=1) <= now:
            out[s.id] = SlotRecord(s.status, reason=s.reason)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--schedules", type=int, default=500)
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--cold", type=int, default=5, help="fresh processes for the cold figures")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    schedules, bulletins = build(args.schedules)
    settings = StationSettings(quiet_hours=QuietHours(time(21, 30), time(5, 0)))
    start = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)
    week = timedelta(days=args.days)

    def preview(at: datetime = start) -> list[Slot]:
        return timeline.expand(schedules, bulletins, settings, at, at + week)

    first = timed(preview, 1)
    if args.child:  # one fresh process: its first call, then a week it never expanded
        fresh = timed(lambda: preview(start + timedelta(weeks=7)), 1)
        print(json.dumps([first[0][0], fresh[0][0]]))
        return
    runs = timed(preview, args.repeat)
    later = [timed(lambda k=k: preview(start + timedelta(weeks=5 * k)), 1) for k in range(1, 4)]
    now = start + timedelta(days=1, hours=9)
    history = station_history(timeline.expand(schedules, bulletins, settings, start, now), now)
    station = timed(lambda: timeline.expand(schedules, bulletins, settings, now, now + week,
                                            history=history, busy_until=now), args.repeat)
    slots = preview()
    statuses = Counter(s.status.value for s in slots)
    print(f"schedules={args.schedules} days={args.days} slots={len(slots)} {dict(statuses)}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; wall ms (cpu ms):")
    print(f"  first call, parses the rules: {first[0][0]:.1f} ({first[1][0]:.1f})")
    print(f"  central preview, same window again: {_stats(runs)}")
    print("  weeks not expanded before: median "
          f"{statistics.median(w[0][0] for w in later):.1f} "
          f"({statistics.median(w[1][0] for w in later):.1f}) over {len(later)} windows")
    print(f"  station call ({len(history)} history records, busy_until=now): {_stats(station)}")
    if args.cold > 0:  # after the in-process runs, so the children do not disturb them
        cold = [_child(args) for _ in range(args.cold)]
        print(f"  first call in {len(cold)} fresh processes: median "
              f"{statistics.median(c[0] for c in cold):.1f}, best {min(c[0] for c in cold):.1f}; "
              f"then a week not expanded before: median "
              f"{statistics.median(c[1] for c in cold):.1f}, best {min(c[1] for c in cold):.1f}")


def _child(args: argparse.Namespace) -> list[float]:
    cmd = [sys.executable, __file__, "--child", "--schedules", str(args.schedules),
           "--days", str(args.days)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return list(json.loads(out.strip().splitlines()[-1]))


def _stats(r: tuple[list[float], list[float]]) -> str:
    wall, cpu = r
    return (f"median {statistics.median(wall):.1f} ({statistics.median(cpu):.1f}), "
            f"best {min(wall):.1f} ({min(cpu):.1f}) over {len(wall)} runs")


if __name__ == "__main__":
    main()
