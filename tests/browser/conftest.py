"""Browser tests: a real central served on a free loopback port (werkzeug in a thread), Debian's
Chromium driven by Playwright, and — for the full flow — a real station agent process.

Screenshots go to ``artifacts/screenshots/`` (kept by CI as artifacts).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
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
from tests.processes import Station, free_port

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]
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
def browser(playwright: Any) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing")
    b = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
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


@pytest.fixture
def agent(tmp_path: Path) -> Iterator[Station]:
    """A real station agent process (``station enroll`` then ``station run``) playing to ffmpeg's null output."""
    a = Station(tmp_path / "agent", LOA_UI_PORT=str(free_port()))
    yield a
    a.stop()
