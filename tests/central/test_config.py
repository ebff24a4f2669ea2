"""Every central setting through the ``LOA_CONFIG`` file, and the order: defaults < file < environment <
overrides. Each one is checked by what it changes (a cookie, a request to gTTS, the ffmpeg run)."""

from __future__ import annotations

import io
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from central import config, create_app
from central.cli import initialise
from central.config import ConfigError, settings
from central.db import close_pool, database
from central.services import users
from tests.audio_library.audio_helpers import run_ffmpeg_cli
from tests.audio_library.fake_google_tts import FakeGoogleTTS
from tests.central.test_web_pages import login
from tests.processes import speech_like_wav


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No setting from the machine running the tests leaks in."""
    for var in (*config.ENV.values(), "LOA_CONFIG"):
        monkeypatch.delenv(var, raising=False)


def _file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **lines: str) -> Path:
    path = tmp_path / "central.env"
    body = "".join(f"{k}={v}\n" for k, v in lines.items())
    path.write_text(f"# Loa central (đài trung tâm)\n\n{body}", encoding="utf-8")
    monkeypatch.setenv("LOA_CONFIG", str(path))
    return path


@pytest.fixture
def from_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: None) -> Iterator[Any]:
    """``from_file(LOA_X="…")``: an initialised central whose every setting came from the file only."""
    made: list[Flask] = []

    def make(**lines: str) -> Flask:
        lines.setdefault("LOA_DATA_DIR", str(tmp_path / "data"))
        _file(tmp_path, monkeypatch, **lines)
        app = create_app()
        initialise(app)
        made.append(app)
        return app

    yield make
    if not database.is_closed():
        database.close()
    close_pool()


def _editor_token(app: Flask) -> dict[str, str]:
    with app.app_context(), database.connection_context():
        user, _ = users.create(None, "bientap", "editor", None, password="mật-khẩu-thử-1")
        _, token = users.create_token(None, user, "test")
    return {"Authorization": f"Bearer {token}"}


def test_data_dir_database_and_secret_key_come_from_the_file(tmp_path: Path, from_file: Any) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}"
    app = from_file(LOA_DATA_DIR=str(tmp_path / "from-file"), DATABASE_URL=url, LOA_SECRET_KEY="'s3cret'")
    s = settings(app)
    assert s.data_dir == tmp_path / "from-file" and (s.data_dir / "signing_key.pem").exists()
    assert s.database_url == url and (tmp_path / "elsewhere.sqlite3").exists()
    assert s.secret_key == app.secret_key == "s3cret"


def test_without_a_secret_key_one_is_made_once_and_kept_private(tmp_path: Path, from_file: Any) -> None:
    first = settings(from_file()).secret_key
    key = tmp_path / "data" / "secret_key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(first) == 64
    assert settings(create_app()).secret_key == first
    assert settings(create_app()).database_url == f"sqlite:///{tmp_path / 'data' / 'central.sqlite3'}"


def test_secure_cookies_from_the_file_mark_the_session_cookie_secure(from_file: Any) -> None:
    plain = from_file().test_client().get("/login")
    assert plain.status_code == 200 and "Secure" not in plain.headers["Set-Cookie"]
    secure = from_file(LOA_SECURE_COOKIES="1").test_client().get("/login")
    assert secure.status_code == 200 and "Secure" in secure.headers["Set-Cookie"]


@pytest.fixture(scope="module")
def mp3_chunk(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    out = tmp_path_factory.mktemp("gtts") / "chunk.mp3"
    run_ffmpeg_cli("-f", "lavfi", "-i", "sine=f=220:d=1.5", "-ac", "1", "-c:a", "libmp3lame", str(out))
    return out.read_bytes()


def test_gtts_host_from_the_file_is_where_speech_is_asked_for(from_file: Any, mp3_chunk: bytes) -> None:
    with FakeGoogleTTS(mp3_chunk) as google:
        app = from_file(LOA_GTTS_HOST=google.url)
        reply = app.test_client().post("/api/v1/bulletins", headers=_editor_token(app), json={
            "title": "Thông báo tiêm chủng", "text": "Xin chào bà con", "language": "vi",
            "category": "policy", "engine": "gtts"})
        assert reply.status_code == 201, reply.json
        assert google.texts == ["Xin chào bà con"]


def _logging_ffmpeg(tmp_path: Path) -> tuple[Path, Path]:
    """An ffmpeg that notes each run in a file, then runs the real one."""
    from audio_library import ffmpeg_exe

    calls, wrapper = tmp_path / "ffmpeg-calls", tmp_path / "my-ffmpeg"
    wrapper.write_text(f'#!/bin/sh\necho run >> "{calls}"\nexec "{ffmpeg_exe()}" "$@"\n')
    wrapper.chmod(0o755)
    return wrapper, calls


def test_ffmpeg_from_the_file_runs_uploads_and_speech(tmp_path: Path, from_file: Any) -> None:
    wrapper, calls = _logging_ffmpeg(tmp_path)
    app = from_file(LOA_FFMPEG=str(wrapper))
    client, headers = app.test_client(), _editor_token(app)
    upload = client.post("/api/v1/bulletins", headers=headers, data={
        "title": "Phòng, chống ma túy", "category": "drugs", "language": "vi",
        "file": (io.BytesIO(speech_like_wav(3.0)), "bản tin.wav")})
    assert upload.status_code == 201, upload.json
    after_upload = len(calls.read_text().splitlines())
    assert after_upload >= 2  # decode, level and encode all ran through it
    spoken = client.post("/api/v1/bulletins", headers=headers, json={
        "title": "Thông báo", "text": "Xin chào bà con", "language": "vi", "category": "policy",
        "engine": "espeak"})
    assert spoken.status_code == 201, spoken.json
    assert len(calls.read_text().splitlines()) > after_upload


def test_a_missing_ffmpeg_in_the_file_is_named_in_the_refusal(tmp_path: Path, from_file: Any) -> None:
    app = from_file(LOA_FFMPEG=str(tmp_path / "no-ffmpeg-here"))
    reply = app.test_client().post("/api/v1/bulletins", headers=_editor_token(app), json={
        "title": "Thông báo", "text": "Xin chào", "language": "vi", "category": "policy", "engine": "espeak"})
    assert reply.status_code >= 400 and "no-ffmpeg-here" in reply.json["detail"]


def test_limits_from_the_file(from_file: Any) -> None:
    app = from_file(LOA_LOGIN_MAX_FAILURES="2", LOA_LOGIN_WINDOW_S="60", LOA_MANIFEST_CACHE_S="30",
                    LOA_MAX_CONTENT_LENGTH="1000")
    s = settings(app)
    assert (s.login_max_failures, s.login_window_s, s.manifest_cache_s) == (2, 60.0, 30.0)
    client = app.test_client()
    too_big = client.post("/api/v1/bulletins", headers=_editor_token(app),
                          data={"title": "x", "file": (io.BytesIO(b"0" * 5000), "a.wav")})
    assert too_big.status_code == 413
    assert login(client, "bientap", "sai").status_code == 401
    assert login(client, "bientap", "sai").status_code == 401
    # Two failures were the limit: now even the right password waits for the window to pass.
    assert login(client, "bientap", "mật-khẩu-thử-1").status_code != 302


def test_the_environment_beats_the_file_and_overrides_beat_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: None
) -> None:
    _file(tmp_path, monkeypatch, LOA_DATA_DIR=str(tmp_path / "file"), LOA_GTTS_HOST="http://file",
          LOA_SECURE_COOKIES="0", LOA_FFMPEG="ffmpeg-from-file")
    monkeypatch.setenv("LOA_GTTS_HOST", "http://env")
    monkeypatch.setenv("LOA_SECURE_COOKIES", "yes")
    monkeypatch.setenv("LOA_FFMPEG", "")  # empty counts as unset: the file's value stays
    s = config.load(overrides={"GTTS_HOST": "http://test", "TESTING": True})
    assert s.data_dir == tmp_path / "file" and s.gtts_host == "http://test"
    assert s.secure_cookies is True and s.ffmpeg == "ffmpeg-from-file"
    assert config.load().gtts_host == "http://env"
    app = create_app({"TESTING": True, "SECURE_COOKIES": False})
    assert app.config["TESTING"] is True and settings(app).secure_cookies is False
    with pytest.raises(AttributeError):
        settings(app).ffmpeg = "other"  # type: ignore[misc]  # frozen: read once, never changed


@pytest.mark.parametrize("var, value", [("LOA_SECURE_COOKIES", "maybe"), ("LOA_LOGIN_MAX_FAILURES", "0"),
                                        ("LOA_MANIFEST_CACHE_S", "soon"), ("LOA_MAX_CONTENT_LENGTH", "-1")])
def test_a_bad_value_is_refused_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: None, var: str, value: str
) -> None:
    _file(tmp_path, monkeypatch, LOA_DATA_DIR=str(tmp_path / "d"), **{var: value})
    with pytest.raises(ConfigError, match=var):
        create_app()


def test_a_missing_config_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          clean_env: None) -> None:
    monkeypatch.setenv("LOA_CONFIG", str(tmp_path / "nope.env"))
    with pytest.raises(ConfigError, match="nope.env"):
        create_app()


def test_nothing_else_in_the_central_reads_the_environment() -> None:
    root = Path(__file__).resolve().parents[2] / "central"
    readers = [str(p.relative_to(root)) for p in root.rglob("*.py")
               if p.name != "config.py" and ("os.environ" in p.read_text() or "getenv" in p.read_text())]
    assert readers == [], f"read settings through central.config: {readers}"


def test_alert_settings_are_read_and_checked(tmp_path):
    import pytest

    from central import config

    s = config.load({"LOA_DATA_DIR": str(tmp_path), "LOA_SMTP_HOST": "mail.daknong.gov.vn", "LOA_SMTP_PORT": "465",
                     "LOA_SMTP_SECURITY": "TLS", "LOA_ALERT_OFFLINE_MINUTES": "45", "LOA_ALERTS_TIMER": "yes"})
    assert (s.smtp_host, s.smtp_port, s.smtp_security, s.alert_offline_minutes, s.alerts_timer) == \
        ("mail.daknong.gov.vn", 465, "tls", 45.0, True)
    for var, value in (("LOA_SMTP_SECURITY", "ssl3"), ("LOA_ALERT_DIGEST_HOUR", "24"),
                       ("LOA_ALERT_BAD_PLAYS_PER_DAY", "0")):
        with pytest.raises(config.ConfigError, match=var):
            config.load({"LOA_DATA_DIR": str(tmp_path), var: value})
