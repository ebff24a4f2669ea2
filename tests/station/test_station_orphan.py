"""The player dies with the agent: a ``kill -9`` of the agent must not leave the loudspeaker playing."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import imageio_ffmpeg
import pytest

from station.player import die_with_parent
from tests.processes import wait_for

SLEEP = shutil.which("sleep") or "/bin/sleep"

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


def _runs(pid: int, program: str) -> bool:
    """The process has exec'd ``program`` itself (not merely a wrapper naming it in its arguments)."""
    try:
        return os.readlink(f"/proc/{pid}/exe") == os.path.realpath(program)
    except OSError:
        return False


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
    # the wrapper's own argv names ffmpeg before it has set the death signal: wait for the exec itself
    wait_for(lambda: _alive(pid) and _runs(pid, ffmpeg), 30, "the player to exec")
    agent.send_signal(signal.SIGKILL)
    agent.wait(10)
    return pid


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_the_player_dies_when_the_agent_is_killed(tmp_path: Path) -> None:
    pid = _play_then_kill_agent(tmp_path, "wrapped")
    wait_for(lambda: not _alive(pid), 10, "the orphaned player to exit")


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
    wait_for(lambda: _alive(pid) and _runs(pid, SLEEP), 30, "sleep to exec")
    agent.kill()
    agent.wait(10)
    wait_for(lambda: not _alive(pid), 10, "the orphaned player to exit")


def test_no_wrapper_where_there_is_no_pdeathsig() -> None:
    assert die_with_parent(["mpg123", "x.mp3"], platform="darwin") == ["mpg123", "x.mp3"]
    wrapped = die_with_parent(["mpg123", "x.mp3"], platform="linux", setpriv="/usr/bin/setpriv", parent=42)
    assert wrapped[:5] == ["/usr/bin/setpriv", "--pdeathsig", "TERM", "--", "/bin/sh"]
    assert wrapped[-3:] == ["42", "mpg123", "x.mp3"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
@pytest.mark.parametrize("setpriv", [None, ""], ids=["setpriv", "python-fallback"])
def test_a_player_whose_agent_died_before_the_death_signal_was_set_never_starts(setpriv: str | None) -> None:
    """The window between fork and prctl: the agent is gone, so the child now has another parent.

    The wrapper is made by an agent process that then exits, and started by this test process:
    exactly what the child of an agent killed before prctl sees. It must not exec the player.
    """
    if setpriv is None and shutil.which("setpriv") is None:
        pytest.skip("util-linux setpriv is not installed")
    code = ("import json,sys\n"
            "from station.player import die_with_parent\n"
            f"print(json.dumps(die_with_parent([{SLEEP!r}, '600'], setpriv={setpriv!r})))\n")
    made = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).parents[2], timeout=60)
    argv = json.loads(made.stdout)
    child = subprocess.Popen(argv)
    try:
        assert child.wait(60) == 143, "the wrapper must refuse to start a player for a dead agent"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
