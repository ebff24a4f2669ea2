"""Browser tests: a real central served on a free loopback port (werkzeug in a thread), Debian's
Chromium driven by Playwright, and — for the full flow — a real station agent process.

Screenshots go to ``artifacts/screenshots/`` (kept by CI as artifacts).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from central import create_app
from central.cli import initialise
from central.db import database
from central.services import areas, users

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]
NULL_PLAYER = "{ffmpeg} -nostdin -hide_banner -loglevel error -re -i {path} -af volume={gain} -f null -"
PASSWORD = "Mật-khẩu-thử-2024"

#: login → (role, area code); the tree is Đắk Nông with two districts and their communes.
PEOPLE = {
    "quantri": ("admin", None),
    "bientap": ("editor", "DKN"),
    "pheduyet": ("approver", "DKN"),
    "bientap.dakmil": ("editor", "DKN-DML"),
    "bientap.daksong": ("editor", "DKN-DKS"),
}
AREAS = (
    ("DKN", "Tỉnh Đắk Nông", None, "province"),
    ("DKN-DKS", "Huyện Đắk Song", "DKN", "district"),
    ("DKN-DKS-DKM", "Xã Đắk Môl", "DKN-DKS", "commune"),
    ("DKN-DKS-NNJ", "Xã Nâm N'Jang", "DKN-DKS", "commune"),
    ("DKN-DML", "Huyện Đắk Mil", "DKN", "district"),
    ("DKN-DML-DLA", "Xã Đắk Lao", "DKN-DML", "commune"),
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(pred: Callable[[], Any], timeout: float, what: str, interval: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


@dataclass
class LiveCentral:
    app: Flask
    url: str

    def db(self) -> Any:
        """A connection for reading rows in the test thread (``with live.db():``)."""
        return database.connection_context()


def new_central(tmp_path: Path) -> Flask:
    app = create_app({"DATA_DIR": str(tmp_path / "central"), "SECRET_KEY": "browser-tests",
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'central.sqlite3'}"})
    initialise(app)
    return app


def serve(app: Flask) -> Iterator[LiveCentral]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveCentral(app, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join(10)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveCentral]:
    """An initialised central with the small tree and the people above, served on loopback."""
    app = new_central(tmp_path)
    with app.app_context(), database.connection_context():
        for code, name, parent, level in AREAS:
            areas.create(None, code, name, parent, level)
        for login, (role, area) in PEOPLE.items():
            users.create(None, login, role, area, password=PASSWORD)
    yield from serve(app)


@pytest.fixture
def live_demo(tmp_path: Path) -> Iterator[tuple[LiveCentral, dict[str, Any]]]:
    """A central loaded with `central demo` (TTS by eSpeak NG: no network in tests)."""
    from central import demo

    app = new_central(tmp_path)
    with app.app_context(), database.connection_context():
        result = demo.load(app, tts_engine="espeak")
    for live in serve(app):
        yield live, result


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class Person:
    """One logged-in browser session (its own cookies) on the live central."""

    page: Any
    base: str

    def go(self, path: str) -> Any:
        response = self.page.goto(self.base + path)
        return response

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def submit(self, selector: str) -> None:
        """Click a button that posts a form, and wait for the page the server answers with."""
        with self.page.expect_navigation():
            self.page.click(selector)

    def flash(self) -> str:
        return " ".join(self.page.locator(".flash").all_inner_texts())


@dataclass
class Sessions:
    browser: Any
    live: LiveCentral
    opened: list[Any] = field(default_factory=list)

    def login(self, name: str, password: str = PASSWORD, width: int = 1280) -> Person:
        context = self.browser.new_context(viewport={"width": width, "height": 900}, locale="vi-VN")
        self.opened.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        person = Person(page, self.live.url)
        person.go("/login")
        page.fill("#name", name)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_url("**/dashboard")
        return person


@pytest.fixture
def sessions(browser: Any, live: LiveCentral) -> Iterator[Sessions]:
    s = Sessions(browser, live)
    yield s
    for context in s.opened:
        context.close()


@dataclass
class Agent:
    """A real station agent process (``station enroll`` then ``station run``), playing to ffmpeg's null output."""

    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> str:
        proc = subprocess.run([str(BIN / "station"), *args], env=self.env, capture_output=True,
                              text=True, timeout=120)
        assert proc.returncode == 0, f"station {args} exited {proc.returncode}: {proc.stdout}{proc.stderr}"
        return proc.stdout

    def start(self) -> None:
        self.proc = subprocess.Popen([str(BIN / "station"), "run"], env=self.env,
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


@pytest.fixture
def agent(tmp_path: Path) -> Iterator[Agent]:
    env = dict(os.environ, LOA_STATION_DIR=str(tmp_path / "station"), LOA_PLAYER=NULL_PLAYER,
               LOA_SYNC_INTERVAL="1", LOA_SYNC_JITTER="0", LOA_UI_PORT=str(free_port()),
               PYTHONUNBUFFERED="1")
    a = Agent(env, tmp_path / "station.log")
    yield a
    a.stop()
