"""In a real browser: an approver revokes a station's token (after confirming), an admin finds it in the
audit log by filtering and downloads the CSV the page links to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from central.models import AuditLog, Station
from central.services import enrollment

from .conftest import LiveCentral, Sessions

pytestmark = pytest.mark.browser


def test_revoke_then_find_it_in_the_audit_log_and_download_it(sessions: Sessions, live: LiveCentral) -> None:
    with live.app.app_context(), live.db():
        station, code = enrollment.register(None, "DKN-DKS-DKM", "Đài xã Đắk Môl")
        _, token = enrollment.enroll(code)
    beat = f"{live.url}/api/v1/station/heartbeat"
    assert requests.post(beat, json={}, headers={"Authorization": f"Bearer {token}"}, timeout=30).status_code == 200

    approver = sessions.login("pheduyet")
    approver.go(f"/stations/{station.id}")
    dialogs: list[str] = []

    def answer(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss() if len(dialogs) == 1 else dialog.accept()  # say no once, then yes

    approver.page.on("dialog", answer)
    approver.page.click("#revoke-form button[type=submit]")
    assert dialogs and "Đài xã Đắk Môl" in dialogs[0]
    with live.app.app_context(), live.db():
        assert Station.get_by_id(station.id).token_hash is not None  # "no" revoked nothing
    approver.submit("#revoke-form button[type=submit]")
    assert "Đã thu hồi mã của Đài xã Đắk Môl." in approver.flash()
    assert approver.page.locator("#token-revoked").is_visible()
    approver.shot("station-revoked")
    refused = requests.post(beat, json={}, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert refused.status_code == 401 and refused.json()["type"].endswith("/StationTokenRevoked")

    admin = sessions.login("quantri")
    admin.go("/dashboard")
    admin.page.click("nav.mainnav summary:has-text('Quản trị')")  # the admin pages are grouped
    with admin.page.expect_navigation():
        admin.page.click("nav.mainnav >> text=Nhật ký thao tác")
    admin.page.fill("#person", "pheduyet")
    admin.page.select_option("#action", "station.revoke")
    admin.submit("#audit-filters button[type=submit]")
    rows = admin.page.locator("#audit-table tbody tr")
    assert rows.count() == 1
    assert "pheduyet" in rows.first.inner_text() and "Đài: thu hồi quyền truy cập" in rows.first.inner_text()
    admin.shot("audit-log")
    with admin.page.expect_download() as info:
        admin.page.click("#csv-link")
    data = Path(info.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and "pheduyet" in lines[1] and "station.revoke" in lines[1]
    with live.app.app_context(), live.db():
        assert AuditLog.select().where(AuditLog.action == "station.revoke").count() == 1
