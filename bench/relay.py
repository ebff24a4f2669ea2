"""Station CPU while relaying a stream (issue 13, target: <= 15 % of one core here).

A real Icecast (Debian's icecast2) fed by ffmpeg with a 128 kbit/s MP3 (what VOV and provincial
stations stream), and a real ``station run`` relaying it through the real-time null player, against
the tests' small fake central on loopback. Once the relay flows, CPU is read from /proc for the agent
and every process under it (the relay's ffmpeg with loudnorm, the player) over ``WINDOW_S`` seconds.
Run: ``PYTHONPATH=. .venv/bin/python bench/relay.py``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playlists.model import RelaySource  # noqa: E402
from station.relay_stream import RELAY_AGENT  # noqa: E402
from tests.processes import Icecast, Station, wait_for  # noqa: E402
from tests.station.fake_central import FakeCentral  # noqa: E402
from tests.station.station_helpers import VN, Central  # noqa: E402

WINDOW_S = 60


def ticks(pid: int) -> int:
    """utime + stime of one process, in clock ticks (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def tree(root: int) -> dict[int, str]:
    """``root`` and every process under it, with its program's name."""
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            argv = (d / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        parents[int(d.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        relay = RELAY_AGENT.encode() in argv
        names[int(d.name)] = "relay ffmpeg (loudnorm)" if relay else Path(argv[0].decode(errors="replace")).name
    out, todo = {root: "agent (python)"}, [root]
    while todo:
        p = todo.pop()
        for child, parent in parents.items():
            if parent == p and child not in out:
                out[child] = names.get(child, "?")
                todo.append(child)
    return out


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="loa-bench-relay-") as tmp:
        root = Path(tmp)
        icecast = Icecast(root / "icecast")
        icecast.start()
        fc = FakeCentral(Central())
        st = Station(root / "agent", fc.url)
        try:
            feed = icecast.feed("/vov1.mp3", codec="mp3", bitrate="128k", channels=2)
            feed.start()
            st.run_cli("enroll", fc.url, "BENCH", "--password", "mật-khẩu-xã")
            start = (datetime.now(VN) + timedelta(seconds=8)).replace(tzinfo=None, microsecond=0)
            fc.central.relay(1, RelaySource(1, "VOV1", feed.url), start, WINDOW_S + 60)
            fc.publish()
            st.start()
            assert st.proc is not None
            wait_for(lambda: any(x.get("UserAgent") == RELAY_AGENT for x in icecast.listeners(feed.mount)), 120,
                     "the station to relay")
            time.sleep(10)  # past loudnorm's window and the player's start
            measure(st.proc.pid)
        finally:
            st.stop()
            fc.close()
            icecast.stop()


def measure(agent: int) -> None:
    procs = tree(agent)
    before = {p: ticks(p) for p in procs}
    t0 = time.monotonic()
    time.sleep(WINDOW_S)
    elapsed = time.monotonic() - t0
    hz = os.sysconf("SC_CLK_TCK")
    print(f"machine: {os.cpu_count()} cores, {os.uname().machine}, Python {sys.version.split()[0]}, "
          f"load {os.getloadavg()[0]:.2f}")
    print(f"station relaying a 128 kbit/s stereo MP3 from Icecast for {elapsed:.0f} s (null player):")
    total = 0.0
    for pid, name in sorted(procs.items()):
        share = 100 * (ticks(pid) - before[pid]) / hz / elapsed
        total += share
        print(f"  {name:<28} pid {pid:<7} {share:5.1f} % of one core")
    verdict = "within" if total <= 15 else "OVER"
    print(f"  {'total':<28} {'':<11} {total:5.1f} % of one core ({verdict} the 15 % target)")


if __name__ == "__main__":
    main()
