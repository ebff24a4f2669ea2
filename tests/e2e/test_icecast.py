"""The Icecast test fixture itself: a real server on loopback, fed by ffmpeg, cut and fed again."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest
import requests

from tests.processes import Icecast, wait_for

pytestmark = [pytest.mark.icecast]


def _listen(url: str, nbytes: int = 8192) -> bytes:
    """Read the first bytes a listener gets from a mount."""
    with requests.get(url, stream=True, timeout=20) as r:
        assert r.status_code == 200, r.status_code
        data = b""
        for chunk in r.iter_content(1024):
            data += chunk
            if len(data) >= nbytes:
                break
        return data


def _uid(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return int(next(line for line in f if line.startswith("Uid:")).split()[1])


def test_a_fed_mount_streams_ogg_stops_when_cut_and_comes_back(icecast: Icecast) -> None:
    feed = icecast.feed("/tiepsong.ogg")
    feed.start()
    assert icecast.sources()["/tiepsong.ogg"]["server_type"] == "audio/ogg"
    data = _listen(feed.url)
    assert data.startswith(b"OggS") and b"vorbis" in data
    wait_for(lambda: feed.sent_s() >= 1.0, 30, "the feed to report a second sent")
    feed.stop()
    assert "/tiepsong.ogg" not in icecast.sources()
    assert requests.get(feed.url, timeout=10).status_code == 404
    first = feed.sent_s()
    assert first >= 1.0
    feed.start()
    wait_for(lambda: feed.sent_s() >= first + 1.0, 30, "the resumed feed to add to what was sent")
    assert _listen(feed.url).startswith(b"OggS")


def test_the_server_refuses_a_wrong_source_password_and_never_runs_as_root(icecast: Icecast) -> None:
    assert icecast.proc is not None
    if os.geteuid() == 0:
        assert _uid(icecast.proc.pid) != 0  # dropped to Debian's icecast2 user
    r = requests.put(icecast.url + "/intruder.ogg", data=b"OggS", auth=("source", "hackme"),
                     headers={"Content-Type": "audio/ogg"}, timeout=10)
    assert r.status_code == 401
    assert "/intruder.ogg" not in icecast.sources()
    assert r"hackme" not in (icecast.dir / "icecast.xml").read_text()


def test_teardown_ends_the_server_and_its_feeds(tmp_path: Path) -> None:
    server = Icecast(tmp_path / "ice")
    server.start()
    feed = server.feed("/a.ogg")
    feed.start()
    assert feed.proc is not None and server.proc is not None
    server.stop()
    assert server.proc.poll() is not None and feed.proc.poll() is not None
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", server.port), timeout=2):
        pass
    assert subprocess.run(["pgrep", "-f", server.source_password], capture_output=True).returncode == 1
