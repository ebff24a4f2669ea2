"""A real central per test: a fresh SQLite *file* in tmp_path (or a fresh PostgreSQL schema for tests
marked ``postgres``), migrated and keyed exactly as ``central init`` does.

Fixtures others may use:
- ``app`` / ``client``: the Flask app and its test client.
- ``live_server``: the same app served over real HTTP on a free loopback port (threaded); its base URL.
- ``gunicorn_server``: the same data dir and database served by gunicorn with 2 worker processes.
- ``db``: an open connection for direct model work in the test body (``with`` not needed).
- ``make_user(role, area=None, name=None) -> (user, token)``: a user with an API token;
  the ``auth`` fixture turns a token into request headers.
- ``station_factory(area, name=None) -> (station, token)``: an enrolled station, through the real enroll call.
- ``bulletin_factory(author, status="approved", **fields) -> Bulletin`` with a stored asset (opaque bytes).
- ``schedule_factory(bulletin=None, playlist=None, areas=(), stations=(), **fields) -> Schedule`` (approved).
- ``tree``: a small area tree ``{"P": province, "D": district, "C1": commune, "C2": commune, "V": village in C1}``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from central import create_app
from central.cli import initialise
from central.db import close_pool, database
from central.models import Area, User
from central.services import users
from tests.processes import free_port


def _postgres_schema_url(base: str) -> Iterator[str]:
    """A fresh schema on the test server, dropped afterwards; the URL selects it via search_path."""
    import psycopg2

    schema = f"t_{uuid.uuid4().hex[:12]}"
    conn = psycopg2.connect(base)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP SCHEMA {schema} CASCADE")
        conn.close()


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.node.get_closest_marker("postgres"):
        base = os.environ.get("LOA_TEST_POSTGRES_URL")
        if not base:
            pytest.skip("LOA_TEST_POSTGRES_URL is not set")
        yield from _postgres_schema_url(base)
    else:
        yield f"sqlite:///{tmp_path / 'central.sqlite3'}"


@pytest.fixture
def app(tmp_path: Path, database_url: str) -> Iterator[Flask]:
    data = tmp_path / "data"
    # an Icecast nobody listens on (a closed port): live routes work as far as the central goes
    app = create_app({"TESTING": True, "DATA_DIR": str(data), "DATABASE_URL": database_url,
                      "SECRET_KEY": "test-secret", "ICECAST_URL": "http://127.0.0.1:9"})
    initialise(app)
    yield app
    if not database.is_closed():
        database.close()
    close_pool()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def gunicorn_server(app: Flask) -> Iterator[str]:
    import subprocess
    import sys
    import time

    import requests

    port = free_port()
    env = {**os.environ, "LOA_DATA_DIR": str(app.config["DATA_DIR"]),
           "DATABASE_URL": app.config["DATABASE_URL"], "LOA_SECRET_KEY": app.config["SECRET_KEY"]}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen([str(gunicorn), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                             "central:create_app()"], env=env, cwd=Path(__file__).resolve().parents[2])
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{url}/api/v1/health", timeout=2)
                break
            except (requests.ConnectionError, requests.Timeout):  # booting workers on a busy machine
                assert proc.poll() is None, "gunicorn exited"
                assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture
def client(app: Flask) -> Any:
    return app.test_client()


@pytest.fixture
def db(app: Flask) -> Iterator[Any]:
    database.connect(reuse_if_open=True)
    yield database
    if not database.is_closed():
        database.close()


@pytest.fixture
def tree(db: Any) -> dict[str, Area]:
    p = Area.create(code="P", name="Tỉnh Đắk Nông", level="province")
    d = Area.create(code="P-D", name="Huyện Đắk Song", level="district", parent=p)
    c1 = Area.create(code="P-D-C1", name="Xã Đắk Môl", level="commune", parent=d)
    c2 = Area.create(code="P-D-C2", name="Xã Nâm N'Jang", level="commune", parent=d)
    v = Area.create(code="P-D-C1-V", name="Thôn 1", level="village", parent=c1)
    return {"P": p, "D": d, "C1": c1, "C2": c2, "V": v}


@pytest.fixture
def make_user(db: Any) -> Any:
    counter = iter(range(1, 10_000))

    def make(role: str, area: Area | None = None, name: str | None = None) -> tuple[User, str]:
        name = name or f"{role}{next(counter)}"
        user, _ = users.create(None, name, role, area.code if area else None, password="mật-khẩu-thử-1")
        _, token = users.create_token(None, user, "test")
        return user, token

    return make


@pytest.fixture
def auth() -> Any:
    def headers(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    return headers


@pytest.fixture
def station_factory(app: Flask, client: Any, db: Any) -> Any:
    from central.services import enrollment

    def make(area: Area, name: str | None = None) -> tuple[Any, str]:
        station, code = enrollment.register(None, area.code, name or f"Đài {area.name}")
        reply = client.post("/api/v1/station/enroll", json={"code": code})
        assert reply.status_code == 201, reply.json
        database.connect(reuse_if_open=True)
        from central.models import Station

        return Station.get_by_id(station.id), reply.json["token"]

    return make


@pytest.fixture
def bulletin_factory(app: Flask, db: Any) -> Any:
    from central.models import Bulletin
    from central.services import assets

    counter = iter(range(1, 100_000))

    def make(author: User, status: str = "approved", duration_ms: int = 30_000, **fields: Any) -> Any:
        n = next(counter)
        data = os.urandom(4096) + n.to_bytes(4, "big")
        asset = assets.save_bytes(app.config["DATA_DIR"], data, duration_ms=duration_ms, codec="opus",
                                  mime="audio/ogg")
        fields.setdefault("title", f"Bản tin phòng, chống ma túy số {n}")
        return Bulletin.create(author=author, status=status, asset=asset, **fields)

    return make


@pytest.fixture
def schedule_factory(db: Any) -> Any:
    from datetime import datetime

    from central.models import Schedule, ScheduleTarget

    def make(bulletin: Any = None, playlist: Any = None, areas: Any = (), stations: Any = (),
             **fields: Any) -> Any:
        fields.setdefault("dtstart", datetime(2026, 12, 1, 6, 30))
        fields.setdefault("rrule", "FREQ=DAILY")
        fields.setdefault("status", "approved")
        schedule = Schedule.create(bulletin=bulletin, playlist=playlist, **fields)
        for area in areas:
            ScheduleTarget.create(schedule=schedule, area=area)
        for station in stations:
            ScheduleTarget.create(schedule=schedule, station=station)
        return schedule

    return make


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Print the API fuzzer's counts (test_fuzz_api.py) however quiet the run is."""
    from tests.central.test_fuzz_api import SUMMARY_KEY

    lines = config.stash.get(SUMMARY_KEY, None)
    if lines:
        terminalreporter.write_sep("=", "API fuzzing (schemathesis): operations, examples, failures")
        for line in lines:
            terminalreporter.write_line(line)
