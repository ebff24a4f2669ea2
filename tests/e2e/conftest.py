"""Real processes for end-to-end tests: a central server and station agents on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

BIN = Path(sys.executable).parent
NULL_PLAYER = "{ffmpeg} -nostdin -hide_banner -loglevel error -re -i {path} -af volume={gain} -f null -"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(tool: str, *args: str, env: dict[str, str], timeout: float = 120) -> str:
    """Run ``central``/``station`` like an operator would; return stdout, fail loudly on error."""
    proc = subprocess.run([str(BIN / tool), *args], env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"{tool} {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout.strip()


def wait_for(pred, timeout: float, what: str, interval: float = 0.2):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


@dataclass
class Central:
    url: str
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None
    tokens: dict[str, str] = field(default_factory=dict)
    log_path: Path | None = None

    def cli(self, *args: str) -> str:
        return cli("central", *args, env=self.env)

    def api(self, user: str, method: str, path: str, **kw) -> requests.Response:  # type: ignore[no-untyped-def]
        headers = {"Authorization": f"Bearer {self.tokens[user]}"}
        return requests.request(method, self.url + path, headers=headers, timeout=30, **kw)

    def start(self) -> None:
        assert self.log_path is not None
        port = self.url.rsplit(":", 1)[1]
        self.proc = subprocess.Popen(
            [str(BIN / "central"), "run", "--host", "127.0.0.1", "--port", port],
            env=self.env, stdout=self.log_path.open("ab"), stderr=subprocess.STDOUT,
        )
        wait_for(self._up, 30, "the central to answer")

    def _up(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"central exited {self.proc.returncode}: {self.log_path.read_text()[-3000:]}")  # type: ignore[union-attr]
        try:
            return requests.get(self.url + "/api/v1/openapi.json", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture
def central(tmp_path: Path) -> Iterator[Central]:
    """An initialised central on a free loopback port with one commune, an editor and an approver."""
    env = dict(os.environ, LOA_DATA_DIR=str(tmp_path / "central"), PYTHONUNBUFFERED="1")
    env.pop("DATABASE_URL", None)
    c = Central(url=f"http://127.0.0.1:{free_port()}", env=env, log_path=tmp_path / "central.log")
    c.cli("init")
    c.cli("add-area", "DNO", "Tỉnh Đắk Nông", "--level", "province")
    c.cli("add-area", "DNO-DMI", "Huyện Đắk Mil", "--parent", "DNO", "--level", "district")
    c.cli("add-area", "DNO-DMI-DLA", "Xã Đắk Lao", "--parent", "DNO-DMI", "--level", "commune")
    for name, role in (("bientap", "editor"), ("pheduyet", "approver")):
        c.cli("create-user", name, "--role", role)
        c.tokens[name] = c.cli("create-token", name).splitlines()[-1]
    c.start()
    yield c
    c.stop()


@dataclass
class StationAgent:
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [str(BIN / "station"), "run"], env=self.env,
            stdout=self.log_path.open("ab"), stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture
def station_env(tmp_path: Path) -> dict[str, str]:
    return dict(
        os.environ,
        LOA_STATION_DIR=str(tmp_path / "station"),
        LOA_PLAYER=NULL_PLAYER,
        LOA_SYNC_INTERVAL="1",
        LOA_SYNC_JITTER="0",
        LOA_UI_PORT=str(free_port()),
        PYTHONUNBUFFERED="1",
    )


@pytest.fixture
def station_agent(tmp_path: Path, station_env: dict[str, str]) -> Iterator[StationAgent]:
    agent = StationAgent(env=station_env, log_path=tmp_path / "station.log")
    yield agent
    agent.stop()
