"""Revoking a station's token: from the API and the station's page, at once, audited; the agent is told."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from central.models import AuditLog, Station
from central.services import enrollment
from tests.central.test_web_pages import csrf_of, login
from tests.processes import Station as StationAgent
from tests.processes import new_central

REVOKED = "https://loa.example/problems/StationTokenRevoked"


def _beat(client: Any, token: str) -> Any:
    return client.post("/api/v1/station/heartbeat", json={}, headers={"Authorization": f"Bearer {token}"})


def test_revocation_refuses_the_next_call_and_voids_unused_codes(client, tree, make_user, auth, station_factory):
    station, token = station_factory(tree["C1"])
    approver, key = make_user("approver", tree["D"])
    pending = enrollment.issue_code(None, station)
    manifest = client.get("/api/v1/station/manifest", headers=auth(token))
    etag = manifest.headers["ETag"]
    assert client.get("/api/v1/station/manifest", headers={**auth(token), "If-None-Match": etag}).status_code == 304

    assert client.delete(f"/api/v1/stations/{station.id}/token", headers=auth(key)).status_code == 204

    for reply in (_beat(client, token),  # the cached-ETag fast path must not let it through either
                  client.get("/api/v1/station/manifest", headers={**auth(token), "If-None-Match": etag})):
        assert reply.status_code == 401
        assert reply.mimetype == "application/problem+json"
        assert reply.json["type"] == REVOKED
        assert "thu hồi" in reply.json["detail"] and "station enroll --force" in reply.json["detail"]
    assert client.get("/api/v1/station/manifest", headers=auth("something-else")).json["type"].endswith(
        "/Unauthorized")
    assert client.post("/api/v1/station/enroll", json={"code": pending}).status_code == 410
    row = AuditLog.get(AuditLog.action == "station.revoke")
    assert (row.actor_id, row.object_id, row.area_id) == (approver.id, str(station.id), tree["C1"].id)
    assert row.detail == {"had_token": True, "voided_codes": 1}
    assert client.get(f"/api/v1/stations/{station.id}", headers=auth(key)).json["enrolled"] is False
    assert client.delete(f"/api/v1/stations/{station.id}/token", headers=auth(key)).status_code == 409

    fresh = enrollment.issue_code(None, station)  # a replaced device enrolls again
    new = client.post("/api/v1/station/enroll", json={"code": fresh}).json["token"]
    assert _beat(client, new).status_code == 200
    assert _beat(client, token).status_code == 401


def test_the_station_page_revokes_with_a_confirmation_for_approvers_in_scope(client, tree, make_user,
                                                                              station_factory):
    station, token = station_factory(tree["C1"])
    make_user("editor", tree["C1"], name="bien.tap")
    make_user("approver", tree["C2"], name="duyet.xa.khac")
    make_user("approver", tree["D"], name="duyet.huyen")
    page = f"/stations/{station.id}"

    login(client, "bien.tap")
    html = client.get(page).get_data(as_text=True)
    assert "revoke-form" not in html
    assert client.post(f"{page}/revoke", data={"csrf_token": csrf_of(html)}).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_of(html)})

    login(client, "duyet.xa.khac")  # an approver of another commune does not even see it
    html = client.get("/dashboard").get_data(as_text=True)
    assert client.post(f"{page}/revoke", data={"csrf_token": csrf_of(html)}).status_code == 404
    client.post("/logout", data={"csrf_token": csrf_of(html)})

    login(client, "duyet.huyen")
    html = client.get(page).get_data(as_text=True)
    assert 'id="revoke-form"' in html and "data-confirm=" in html and "Thu hồi mã của đài" in html
    assert client.post(f"{page}/revoke", data={}).status_code == 400  # no CSRF token, no revocation
    assert Station.get_by_id(station.id).token_hash is not None
    done = client.post(f"{page}/revoke", data={"csrf_token": csrf_of(html)}, follow_redirects=True)
    assert done.status_code == 200
    html = done.get_data(as_text=True)
    assert "Đã thu hồi mã của Đài Xã Đắk Môl." in html and 'id="token-revoked"' in html
    assert 'id="revoke-form"' not in html  # nothing left to revoke
    assert _beat(client, token).status_code == 401
    assert AuditLog.select().where(AuditLog.action == "station.revoke").count() == 1

    client.get("/lang/en")
    html = client.get(page).get_data(as_text=True)
    assert "The station's token was revoked" in html


def test_a_revoked_agent_says_it_must_be_enrolled_again(tmp_path: Path) -> None:
    central = new_central(tmp_path)
    central.start()
    agent = StationAgent(tmp_path / "agent", central.url)
    try:
        sid = agent.enroll(central, "Đài xã Đắk Lao")
        assert agent.run_cli("sync").returncode == 0
        assert central.api("pheduyet", "DELETE", f"/api/v1/stations/{sid}/token").status_code == 204
        sync = agent.run_cli("sync", check=False)
        assert sync.returncode == 1
        error = json.loads(sync.stdout)["error"]
        assert "CẦN ĐĂNG KÝ LẠI" in error and "thu hồi" in error
        assert "CẦN ĐĂNG KÝ LẠI" in agent.status()["last_error"]
        assert "Re-enrollment needed" in sync.stderr  # the agent's log
    finally:
        agent.stop()
        central.stop()
