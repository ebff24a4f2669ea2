"""A real central on loopback for the station's multi-process tests (one per module: it is slow to make)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.e2e.conftest import NULL_PLAYER, Central, free_port, wait_for
from tests.e2e.test_first_broadcast import speech_like_wav

BIN = Path(sys.executable).parent
ZONE = "Asia/Ho_Chi_Minh"
AREA = "DNO-DMI-DLA"


@pytest.fixture(scope="module")
def real_central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Central]:
    tmp = tmp_path_factory.mktemp("central")
    env = dict(os.environ, LOA_DATA_DIR=str(tmp / "data"), PYTHONUNBUFFERED="1")
    env.pop("DATABASE_URL", None)
    c = Central(url=f"http://127.0.0.1:{free_port()}", env=env, log_path=tmp / "central.log")
    c.cli("init")
    c.cli("add-area", "DNO", "Tỉnh Đắk Nông", "--level", "province")
    c.cli("add-area", "DNO-DMI", "Huyện Đắk Mil", "--parent", "DNO", "--level", "district")
    c.cli("add-area", AREA, "Xã Đắk Lao", "--parent", "DNO-DMI", "--level", "commune")
    for name, role in (("bientap", "editor"), ("pheduyet", "approver")):
        c.cli("create-user", name, "--role", role)
        c.tokens[name] = c.cli("create-token", name).splitlines()[-1]
    c.start()
    yield c
    c.stop()


def bulletin(central: Central, title: str, seconds: float) -> dict[str, Any]:
    """Upload, submit and approve a bulletin of ``seconds`` of speech-like audio."""
    r = central.api("bientap", "POST", "/api/v1/bulletins",
                    files={"file": ("bản tin.wav", speech_like_wav(seconds), "audio/wav")},
                    data={"title": title, "category": "drugs", "language": "vi"})
    assert r.status_code == 201, r.text
    bid = r.json()["id"]
    assert central.api("bientap", "POST", f"/api/v1/bulletins/{bid}/submit").status_code == 200
    r = central.api("pheduyet", "POST", f"/api/v1/bulletins/{bid}/approve")
    assert r.status_code == 200, r.text
    return dict(r.json())


def schedule(central: Central, bulletin_id: int, station_id: int, at: datetime,
             priority: str = "normal", grace_s: int | None = None) -> int:
    local = at.astimezone(ZoneInfo(ZONE)).replace(tzinfo=None, microsecond=0)
    body: dict[str, Any] = {"bulletin_id": bulletin_id, "targets": {"areas": [], "stations": [station_id]},
                            "dtstart": local.isoformat(), "rrule": "", "timezone": ZONE, "priority": priority}
    if grace_s is not None:
        body["grace_s"] = grace_s
    author = "pheduyet" if priority == "emergency" else "bientap"  # emergencies need the approver role
    r = central.api(author, "POST", "/api/v1/schedules", json=body)
    assert r.status_code == 201, r.text
    sid = int(r.json()["id"])
    if r.json()["status"] != "approved":
        r = central.api("pheduyet", "POST", f"/api/v1/schedules/{sid}/approve")
        assert r.status_code == 200, r.text
    return sid


def soon(seconds: float) -> datetime:
    return datetime.now().astimezone().replace(microsecond=0) + timedelta(seconds=seconds)


def play_logs(central: Central, station_id: int) -> list[dict[str, Any]]:
    r = central.api("pheduyet", "GET", f"/api/v1/play-logs?station={station_id}")
    assert r.status_code == 200, r.text
    return list(r.json()["play_logs"])


class Station:
    """One station's directory, environment and CLI."""

    def __init__(self, root: Path, central_url: str, **env: str) -> None:
        self.root = root
        self.central_url = central_url
        self.env = dict(os.environ, LOA_STATION_DIR=str(root / "station"), LOA_PLAYER=NULL_PLAYER,
                        LOA_SYNC_INTERVAL="1", LOA_SYNC_JITTER="0", LOA_UI_PORT="0",
                        LOA_HEARTBEAT_INTERVAL="2", PYTHONUNBUFFERED="1", **env)
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = root / "station.log"
        self.id = 0

    def run_cli(self, *args: str, check: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
        p = subprocess.run([str(BIN / "station"), *args], env={**self.env, **env}, capture_output=True,
                           text=True, timeout=120)
        if check and p.returncode != 0:
            raise AssertionError(f"station {' '.join(args)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
        return p

    def enroll(self, central: Central, name: str) -> int:
        code = central.cli("enroll-code", "--area", AREA, "--name", name).splitlines()[-1]
        self.run_cli("enroll", self.central_url, code, "--password", "mật-khẩu-xã")
        self.id = int(self.status()["station_id"])
        return self.id

    def status(self) -> dict[str, Any]:
        return dict(json.loads(self.run_cli("status", "--json").stdout))

    def start(self, **env: str) -> None:
        self.proc = subprocess.Popen([str(BIN / "station"), "run"], env={**self.env, **env},
                                     stdout=self.log_path.open("ab"), stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def make_station(tmp_path: Path) -> Iterator[Callable[..., Station]]:
    made: list[Station] = []

    def make(central_url: str, **env: str) -> Station:
        s = Station(tmp_path / f"s{len(made)}", central_url, **env)
        made.append(s)
        return s

    yield make
    for s in made:
        s.stop()


class TamperingProxy:
    """A man in the middle on loopback: forwards to the central, and can rewrite the manifest reply."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.mutate: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        self.seen_manifests: list[dict[str, Any]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else None
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() in ("authorization", "content-type", "if-none-match", "range")}
                r = requests.request(self.command, proxy.upstream + self.path, headers=headers, data=body,
                                     timeout=30)
                data = r.content
                if self.path.endswith("/manifest") and r.status_code == 200:
                    reply = r.json()
                    proxy.seen_manifests.append(reply)
                    if proxy.mutate is not None:
                        data = json.dumps(proxy.mutate(reply), ensure_ascii=False).encode()
                self.send_response(r.status_code)
                for k in ("Content-Type", "ETag", "X-Loa-Server-Time", "Content-Range", "Retry-After"):
                    if k in r.headers:
                        self.send_header(k, r.headers[k])
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy(real_central: Central) -> Iterator[TamperingProxy]:
    p = TamperingProxy(real_central.url)
    yield p
    p.close()


__all__ = ["Central", "Station", "TamperingProxy", "bulletin", "play_logs", "schedule", "soon", "wait_for"]
