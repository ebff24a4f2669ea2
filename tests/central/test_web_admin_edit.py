"""Admins edit, deactivate and reset people in the web UI; station volume, quiet hours and active flag."""

from __future__ import annotations

import re
from typing import Any

import pytest

from central.models import AuditLog, Station, User
from central.services import users
from tests.central.test_web_pages import PASSWORD, csrf_of, login


@pytest.fixture
def people(tree: dict, make_user: Any) -> dict[str, Any]:
    return {"admin": make_user("admin", None, name="quan.tri")[0],
            "district_admin": make_user("admin", tree["D"], name="qt.huyen")[0],
            "editor": make_user("editor", tree["C1"], name="bien.tap")[0],
            "operator": make_user("operator", tree["C1"], name="van.hanh")[0],
            "approver": make_user("approver", tree["C1"], name="nguoi.duyet")[0]}


def _post(client: Any, page_url: str, url: str, data: dict[str, Any]) -> Any:
    page = client.get(page_url).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_of(page)})


def test_admin_edits_deactivates_and_resets_a_person(client: Any, app: Any, people: dict) -> None:
    login(client, "quan.tri")
    uid = people["editor"].id
    assert "bien.tap" in client.get("/admin/users").get_data(as_text=True)
    r = _post(client, f"/admin/users/{uid}", f"/admin/users/{uid}",
              {"full_name": "Nguyễn Thị Hằng", "role": "approver", "area": "P-D", "active": "1"})
    assert r.status_code == 302
    u = User.get_by_id(uid)
    assert (u.full_name, u.role, u.area.code, u.active) == ("Nguyễn Thị Hằng", "approver", "P-D", True)
    _post(client, f"/admin/users/{uid}", f"/admin/users/{uid}", {"full_name": "Nguyễn Thị Hằng", "role": "approver",
                                                                 "area": "P-D"})  # active unticked
    assert User.get_by_id(uid).active is False
    other = app.test_client()
    assert login(other, "bien.tap").status_code == 401  # a locked account cannot log in
    r = _post(client, f"/admin/users/{uid}", f"/admin/users/{uid}/reset", {})
    shown = re.search(r'<code id="new-password">([^<]+)</code>', r.get_data(as_text=True)).group(1)
    assert "new-password" not in client.get(f"/admin/users/{uid}").get_data(as_text=True)  # shown once
    actions = [a.action for a in AuditLog.select().where(AuditLog.object_id == str(uid)).order_by(AuditLog.id)]
    assert actions[-3:] == ["user.update", "user.update", "user.reset_password"]
    from central.auth import verify_password

    assert verify_password(shown, User.get_by_id(uid).password_hash)
    assert not verify_password(PASSWORD, User.get_by_id(uid).password_hash)


def test_the_last_admin_and_scopes_are_kept(client: Any, people: dict) -> None:
    from central.errors import Conflict

    login(client, "quan.tri")
    me = people["admin"].id
    r = _post(client, f"/admin/users/{me}", f"/admin/users/{me}", {"role": "admin", "area": ""})  # lock myself
    assert r.status_code == 200 and "Không tự khóa" in r.get_data(as_text=True)
    assert User.get_by_id(me).active is True
    users.update(people["admin"], people["district_admin"].id, {"role": "editor"})
    with pytest.raises(Conflict):
        users.update(people["admin"], me, {"role": "editor"})  # the last active admin stays one
    users.update(people["admin"], people["district_admin"].id, {"role": "admin"})
    login(client, "qt.huyen")  # a district admin cannot reach the province admin, nor give scope above theirs
    assert client.get(f"/admin/users/{me}").status_code == 404
    uid = people["editor"].id
    r = _post(client, f"/admin/users/{uid}", f"/admin/users/{uid}", {"role": "editor", "area": "P", "active": "1"})
    assert r.status_code == 404 and User.get_by_id(uid).area.code == "P-D-C1"
    login(client, "bien.tap")
    assert client.get(f"/admin/users/{uid}").status_code == 403


def test_station_volume_quiet_hours_and_active_from_the_page(client: Any, people: dict, station_factory: Any,
                                                              tree: dict) -> None:
    station, _ = station_factory(tree["C1"], "Đài xã Đắk Môl")
    before = Station.get_by_id(station.id).manifest_version
    login(client, "van.hanh")
    page = client.get(f"/stations/{station.id}").get_data(as_text=True)
    assert "Đổi âm lượng, giờ yên lặng, hoạt động" in page
    r = _post(client, f"/stations/{station.id}", f"/stations/{station.id}/settings",
              {"volume": "65", "quiet_start": "21:30", "quiet_end": "05:00", "active": "1"})
    assert r.status_code == 302
    s = Station.get_by_id(station.id)
    assert (s.volume, s.quiet_start, s.quiet_end, s.active) == (65, "21:30", "05:00", True)
    assert s.manifest_version > before  # the station syncs the change
    _post(client, f"/stations/{station.id}", f"/stations/{station.id}/settings",
          {"volume": "65", "quiet_start": "", "quiet_end": ""})
    s = Station.get_by_id(station.id)
    assert (s.quiet_start, s.active) == (None, False)
    r = _post(client, f"/stations/{station.id}", f"/stations/{station.id}/settings",
              {"volume": "300", "quiet_start": "21:30", "quiet_end": ""})
    assert Station.get_by_id(station.id).volume == 65  # refused, nothing changed
    login(client, "nguoi.duyet")
    r = _post(client, f"/stations/{station.id}", f"/stations/{station.id}/settings", {"volume": "10"})
    assert r.status_code == 403


def test_a_district_admin_sees_and_scopes_only_their_own_subtree(client: Any, people: dict) -> None:
    """The users service owns the admin's scope: the list, and no whole-tree scope from a district admin."""
    login(client, "qt.huyen")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "bien.tap" in page and "quan.tri" not in page
    uid = people["editor"].id
    r = _post(client, f"/admin/users/{uid}", f"/admin/users/{uid}", {"role": "editor", "area": "", "active": "1"})
    assert r.status_code == 404 and User.get_by_id(uid).area.code == "P-D-C1"
