"""The player dies with the agent: a ``kill -9`` of the agent must not leave the loudspeaker playing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import imageio_ffmpeg
import pytest

from station.player import die_with_parent
from tests.processes import wait_for

HARNESS = """
import sys, threading, time
from pathlib import Path
from station.player import detect
player = detect(None, sys.argv[1], sound=False)
if sys.argv[3] == "bare":
    player.die_with_agent = False
def start():  # from a thread that lives on, as the agent's player loop does
    pb = player.start(Path(sys.argv[2]), 80, lambda: None)
    print(pb.pid, flush=True)
    time.sleep(3600)
threading.Thread(target=start, daemon=True).start()
time.sleep(3600)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie no longer plays; it only waits for init to reap it


def _play_then_kill_agent(tmp_path: Path, mode: str) -> int:
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    long_file = tmp_path / "long.wav"
    subprocess.run([ffmpeg, "-loglevel", "error", "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "600",
                    str(long_file)], check=True, timeout=60)
    agent = subprocess.Popen([sys.executable, "-c", HARNESS, ffmpeg, str(long_file), mode],
                             stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2])
    assert agent.stdout is not None
    pid = int(agent.stdout.readline())
    wait_for(lambda: _alive(pid) and ffmpeg in Path(f"/proc/{pid}/cmdline").read_text(), 10, "the player to exec")
    agent.send_signal(signal.SIGKILL)
    agent.wait(10)
    return pid


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_the_player_dies_when_the_agent_is_killed(tmp_path: Path) -> None:
    pid = _play_then_kill_agent(tmp_path, "wrapped")
    wait_for(lambda: not _alive(pid), 5, "the orphaned player to exit")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_without_the_wrapper_the_player_would_be_orphaned(tmp_path: Path) -> None:
    """The control: shows the test above would catch an orphan (and cleans it up)."""
    pid = _play_then_kill_agent(tmp_path, "bare")
    try:
        time.sleep(1.0)
        assert _alive(pid)
    finally:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_the_python_fallback_wrapper_also_ties_the_player_to_its_parent(tmp_path: Path) -> None:
    code = ("import subprocess,sys,time\n"
            "from station.player import die_with_parent\n"
            "p = subprocess.Popen(die_with_parent(['sleep', '600'], setpriv=''))\n"
            "print(p.pid, flush=True)\n"
            "time.sleep(600)\n")
    agent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                             cwd=Path(__file__).parents[2])
    assert agent.stdout is not None
    pid = int(agent.stdout.readline())
    wait_for(lambda: _alive(pid) and "sleep" in Path(f"/proc/{pid}/cmdline").read_text(), 10, "sleep to exec")
    agent.kill()
    agent.wait(10)
    wait_for(lambda: not _alive(pid), 5, "the orphaned player to exit")


def test_no_wrapper_where_there_is_no_pdeathsig() -> None:
    assert die_with_parent(["mpg123", "x.mp3"], platform="darwin") == ["mpg123", "x.mp3"]
    assert die_with_parent(["mpg123", "x.mp3"], platform="linux", setpriv="/usr/bin/setpriv")[:4] == [
        "/usr/bin/setpriv", "--pdeathsig", "TERM", "--"]
