"""The `central` command on real files: init, areas, users, tokens, enrollment codes, configuration."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
from click.testing import CliRunner

from central import create_app
from central.cli import main
from central.db import database
from tests.processes import free_port


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("LOA_DATA_DIR", str(tmp_path / "central"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("LOA_CONFIG", raising=False)
    return tmp_path / "central"


def run(*args):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result


def test_init_makes_database_and_private_key_idempotently(env):
    first = run("init")
    assert first.exit_code == 0, first.output
    key = env / "signing_key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE((env / "secret_key").stat().st_mode) == 0o600
    assert (env / "central.sqlite3").exists()
    before = key.read_bytes()
    again = run("init")
    assert again.exit_code == 0 and "none (up to date)" in again.output
    assert key.read_bytes() == before  # never replaced: enrolled stations trust it


def test_areas_users_tokens_and_codes(env, tmp_path):
    assert run("init").exit_code == 0
    assert run("add-area", "DN", "Tỉnh Đắk Nông").exit_code == 0
    csv = tmp_path / "areas.csv"
    csv.write_text("code,name,level,parent_code\nDN-DM,Xã Đắk Môl,commune,DN\n", encoding="utf-8-sig")
    out = run("import-areas", str(csv))
    assert out.exit_code == 0 and "created 1" in out.output
    dup = run("add-area", "DN", "again")
    assert dup.exit_code == 1 and "đã có" in dup.output
    user = run("create-user", "lan", "--role", "editor", "--area", "DN-DM")
    assert user.exit_code == 0
    password = user.output.strip()
    assert len(password) >= 12
    token = run("create-token", "lan").output.strip()
    code = CliRunner(mix_stderr=False).invoke(main, ["enroll-code", "--area", "DN-DM", "--name", "Đài xã"])
    assert code.exit_code == 0
    one_time = code.stdout.strip()
    assert len(one_time) == 24 and "station" in code.stderr  # five groups of four

    app = create_app()
    client = app.test_client()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json["area_code"] == "DN-DM"
    enrolled = client.post("/api/v1/station/enroll", json={"code": one_time})
    assert enrolled.status_code == 201
    from central.services import users

    with database.connection_context():
        assert users.authenticate("lan", password).name == "lan"
    assert run("create-user", "x", "--role", "editor", "--area", "NOPE").exit_code == 1


def test_config_file_named_by_loa_config(tmp_path, monkeypatch):
    cfg = tmp_path / "central.env"
    cfg.write_text(f"# Loa central\nLOA_DATA_DIR={tmp_path / 'from-file'}\nLOA_SECRET_KEY='s3cret'\n")
    monkeypatch.setenv("LOA_CONFIG", str(cfg))
    monkeypatch.delenv("LOA_DATA_DIR", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["DATA_DIR"] == tmp_path / "from-file"
    assert app.config["SECRET_KEY"] == "s3cret"
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'from-file' / 'central.sqlite3'}"


def test_cli_runs_as_a_real_process(tmp_path):
    env = {**os.environ, "LOA_DATA_DIR": str(tmp_path / "c")}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "central.cli", "init"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "migrations applied" in done.stdout
    assert (tmp_path / "c" / "signing_key.pem").exists()


def test_central_run_serves_http(tmp_path):
    import time

    import requests

    port = free_port()
    env = {**os.environ, "LOA_DATA_DIR": str(tmp_path / "c")}
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "central.cli", "run", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                reply = requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
                break
            except (requests.ConnectionError, requests.Timeout):  # still starting on a busy machine
                assert proc.poll() is None, "central run exited"
                assert time.monotonic() < deadline, "central run did not answer within 60 s"
                time.sleep(0.2)
        assert reply.json() == {"status": "ok"}
        # waitress, a production server, answers; never Flask's development server (Werkzeug).
        assert reply.headers["Server"] == "loa-central"
        assert requests.get(f"http://127.0.0.1:{port}/api/v1/areas", timeout=5).status_code == 401
        proc.terminate()  # SIGTERM, as systemd sends: requests in flight finish, the exit is clean
        assert proc.wait(timeout=30) == 0
        assert "stopped" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


def test_mqtt_config_puts_every_file_in_place_before_the_broker_rereads_them(env, tmp_path, monkeypatch):
    """A broker that rereads its files on SIGHUP while mosquitto.conf was still being written came back
    with no password file and refused every station until the next reload (seen in CI)."""
    from central.services import broker

    assert run("init").exit_code == 0
    target = tmp_path / "mqtt"
    target.mkdir()
    (target / broker.CONF).write_text("listener 1 127.0.0.1\n")  # the old file, about to be replaced
    seen: list[tuple[str, str]] = []

    def reread(mqtt_dir):  # what the broker would read on SIGHUP, at the moment it is sent
        seen.append(((mqtt_dir / broker.CONF).read_text(), (mqtt_dir / broker.PASSWORDS).read_text()))
        return True

    monkeypatch.setattr(broker, "reload", reread)
    out = run("mqtt-config", "--dir", str(target), "--listen", "18830")
    assert out.exit_code == 0, out.output
    [(conf, passwords)] = seen
    assert conf == broker.mosquitto_conf(target.resolve(), 18830)
    assert f"password_file {target.resolve() / broker.PASSWORDS}" in conf
    assert passwords.startswith("central:$7$")
    assert not [p.name for p in target.iterdir() if p.name.startswith(".mosquitto.conf")]  # no temp left behind
