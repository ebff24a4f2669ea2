"""The web UI through Flask's test client on a real SQLite file: login, CSRF, pages, the workflow."""

from __future__ import annotations

import re
from typing import Any

import pytest

from central.models import AuditLog, Bulletin
from tests.processes import speech_like_wav

PASSWORD = "mật-khẩu-thử-1"  # the conftest's make_user password


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html)
    assert m, "page carries no CSRF token"
    return m.group(1)


def login(client: Any, name: str, password: str = PASSWORD) -> Any:
    page = client.get("/login")
    return client.post("/login", data={"name": name, "password": password,
                                       "csrf_token": csrf_of(page.get_data(as_text=True))})


@pytest.fixture
def people(tree: dict, make_user: Any) -> dict[str, Any]:
    return {
        "editor": make_user("editor", tree["D"], name="bien.tap")[0],
        "approver": make_user("approver", tree["D"], name="nguoi.duyet")[0],
        "admin": make_user("admin", None, name="quan.tri")[0],
    }


def test_pages_need_login_and_default_to_vietnamese(client: Any) -> None:
    r = client.get("/dashboard")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="vi">' in page and "Đăng nhập" in page and "Mật khẩu" in page


def test_login_sets_a_hardened_cookie_and_english_is_switchable(client: Any, people: dict) -> None:
    r = login(client, "bien.tap")
    assert r.status_code == 302
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Tổng quan" in client.get("/dashboard").get_data(as_text=True)
    client.get("/lang/en?next=/dashboard")
    page = client.get("/dashboard").get_data(as_text=True)
    assert '<html lang="en">' in page and "Dashboard" in page


def test_wrong_password_is_refused_then_throttled(app: Any, client: Any, people: dict) -> None:
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert login(client, "bien.tap", "sai-mật-khẩu").status_code == 401
    r = login(client, "bien.tap")  # even the right password waits out the window
    assert r.status_code == 429
    assert "Quá nhiều lần đăng nhập sai" in r.get_data(as_text=True)


def test_post_without_csrf_token_is_refused(client: Any, people: dict) -> None:
    login(client, "bien.tap")
    r = client.post("/bulletins/new", data={"mode": "tts", "title": "x", "text": "y"})
    assert r.status_code == 400
    assert "CSRF" in r.get_data(as_text=True)
    assert Bulletin.select().count() == 0


def test_every_page_renders_for_an_admin(client: Any, people: dict) -> None:
    login(client, "quan.tri")
    for path in ("/dashboard", "/bulletins", "/bulletins/new", "/bulletins/new?mode=upload", "/approvals",
                 "/playlists", "/playlists/new", "/schedules", "/schedules/new", "/emergency",
                 "/stations", "/play-logs", "/reports", "/reports?preset=six-month",
                 "/reports?preset=year&group_by=area", "/admin/users", "/admin/areas",
                 "/account/password"):
        r = client.get(path)
        assert r.status_code == 200, path


def test_tts_bulletin_workflow_two_person_rule(client: Any, people: dict) -> None:
    login(client, "bien.tap")
    page = client.get("/bulletins/new").get_data(as_text=True)
    title = "Phòng, chống ma túy: Tháng hành động"
    r = client.post("/bulletins/new", data={
        "csrf_token": csrf_of(page), "mode": "tts", "title": title, "category": "drugs",
        "text": "Chung tay xây dựng xã sạch ma túy.", "engine": "espeak", "speed": "1.0"})
    assert r.status_code == 302, r.get_data(as_text=True)
    b = Bulletin.get(Bulletin.title == title)
    assert b.status == "draft" and b.tts_engine == "espeak"
    detail = client.get(f"/bulletins/{b.id}").get_data(as_text=True)
    assert title in detail and f"/bulletins/{b.id}/audio" in detail
    audio = client.get(f"/bulletins/{b.id}/audio")
    assert audio.status_code == 200 and audio.data[:4] == b"OggS"
    client.post(f"/bulletins/{b.id}/submit", data={"csrf_token": csrf_of(detail)})
    assert Bulletin.get_by_id(b.id).status == "submitted"

    client.post("/logout", data={"csrf_token": csrf_of(detail)})
    assert client.get(f"/bulletins/{b.id}/audio").status_code == 302  # audio only for people logged in
    login(client, "nguoi.duyet")
    page = client.get("/approvals").get_data(as_text=True)
    assert title in page
    assert 'Phê duyệt<span class="badge-count">1</span>' in page  # waiting work shows in the menu
    client.post(f"/bulletins/{b.id}/approve", data={"csrf_token": csrf_of(page), "back": "approvals"})
    assert Bulletin.get_by_id(b.id).status == "approved"
    actions = [a.action for a in AuditLog.select().where(AuditLog.object_type == "Bulletin", AuditLog.object_id == str(b.id)).order_by(AuditLog.id)]
    assert actions == ["bulletin.create", "bulletin.submit", "bulletin.approve"]
    assert "Duyệt" in client.get(f"/bulletins/{b.id}").get_data(as_text=True)




def test_uploaded_recording_becomes_a_draft_with_its_measurements(client: Any, people: dict) -> None:
    import io

    login(client, "bien.tap")
    page = client.get("/bulletins/new?mode=upload").get_data(as_text=True)
    assert 'type="file"' in page
    r = client.post("/bulletins/new", content_type="multipart/form-data", data={
        "csrf_token": csrf_of(page), "mode": "upload", "title": "Ghi âm: họp dân thôn Đắk Rung",
        "category": "local-news", "file": (io.BytesIO(speech_like_wav(3.0)), "ghi âm.wav")})
    assert r.status_code == 302, r.get_data(as_text=True)
    b = Bulletin.get(Bulletin.title == "Ghi âm: họp dân thôn Đắk Rung")
    assert b.tts_engine is None and 2500 <= b.asset.duration_ms <= 3500
    detail = client.get(f"/bulletins/{b.id}").get_data(as_text=True)
    assert "Tệp tải lên" in detail and "LUFS" in detail
    assert 'id="loudness-warning"' not in detail
    r = client.post("/bulletins/new", content_type="multipart/form-data", data={
        "csrf_token": csrf_of(page), "mode": "upload", "title": "Không phải âm thanh",
        "file": (io.BytesIO(b"\xff\xd8\xff\xe0 not audio"), "anh.mp3")})
    assert r.status_code == 400 and 'class="flash error"' in r.get_data(as_text=True)
    assert Bulletin.select().count() == 1



def test_a_recording_too_quiet_to_fix_shows_a_warning_on_its_page(client: Any, people: dict) -> None:
    import io

    from tests.audio_library.audio_helpers import clicks_over_hum_wav

    login(client, "bien.tap")
    page = client.get("/bulletins/new?mode=upload").get_data(as_text=True)
    r = client.post("/bulletins/new", content_type="multipart/form-data", data={
        "csrf_token": csrf_of(page), "mode": "upload", "title": "Ghi âm bị lỗi micrô",
        "category": "local-news", "file": (io.BytesIO(clicks_over_hum_wav()), "ghi âm.wav")})
    assert r.status_code == 302, r.get_data(as_text=True)
    b = Bulletin.get(Bulletin.title == "Ghi âm bị lỗi micrô")
    detail = client.get(r.headers["Location"]).get_data(as_text=True)
    assert 'id="loudness-warning"' in detail
    assert "Bản tin nhỏ hơn mức chuẩn" in detail and f"{b.asset.loudness_lufs:.1f} LUFS" in detail
    login(client, "nguoi.duyet")  # the approver sees it too
    assert "Bản tin nhỏ hơn mức chuẩn" in client.get(f"/bulletins/{b.id}").get_data(as_text=True)
    client.get(f"/lang/en?next=/bulletins/{b.id}")
    english = client.get(f"/bulletins/{b.id}").get_data(as_text=True)
    assert "This bulletin is quieter than the standard" in english


def test_change_password(client: Any, people: dict) -> None:
    login(client, "bien.tap")
    page = client.get("/account/password").get_data(as_text=True)
    form = {"csrf_token": csrf_of(page), "current": "sai-mật-khẩu", "new": "mật khẩu mới dài", "repeat": "mật khẩu mới dài"}
    r = client.post("/account/password", data=form)
    assert r.status_code == 200 and "Mật khẩu hiện tại không đúng" in r.get_data(as_text=True)
    r = client.post("/account/password", data={**form, "current": PASSWORD})
    assert r.status_code == 302
    other = client.application.test_client()
    assert login(other, "bien.tap", PASSWORD).status_code == 401
    assert login(other, "bien.tap", "mật khẩu mới dài").status_code == 302


def test_login_only_follows_local_next_links(client: Any, people: dict) -> None:
    page = client.get("/login").get_data(as_text=True)
    r = client.post("/login?next=https://evil.example/x", data={
        "name": "bien.tap", "password": PASSWORD, "csrf_token": csrf_of(page)})
    assert r.headers["Location"].endswith("/dashboard")


def test_secure_cookies_when_configured(tmp_path: Any, database_url: str, people: dict) -> None:
    from central import create_app

    secure = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": database_url,
                         "SECRET_KEY": "test-secret", "SECURE_COOKIES": "1"})
    r = login(secure.test_client(), "bien.tap")
    assert r.status_code == 302 and "Secure" in r.headers["Set-Cookie"]


def test_report_presets_follow_the_plan_and_csv_opens_in_excel(client: Any, people: dict) -> None:
    login(client, "quan.tri")
    page = client.get("/reports?preset=six-month&year=2024").get_data(as_text=True)
    assert "Từ 01/01/2024 đến 14/06/2024" in page
    page = client.get("/reports?preset=year&year=2024&group_by=area").get_data(as_text=True)
    assert "Từ 01/01/2024 đến 30/11/2024" in page
    csv = client.get("/reports?format=csv&from=2024-01-01&to=2024-11-30&group_by=campaign")
    assert csv.mimetype == "text/csv" and csv.data.startswith(b"\xef\xbb\xbf")
    assert "Đợt tuyên truyền" in csv.data.decode("utf-8-sig")
