"""Relay sources (issue 13): the two-person workflow over the API, disable at once, audit, web pages."""

from __future__ import annotations

from typing import Any

import pytest

from central.models import AuditLog
from central.relay_models import RelaySource

from .test_web_flows import post, world  # noqa: F401  (world is a fixture)
from .test_web_pages import login

URL = "http://127.0.0.1:8000/vov1.ogg"


@pytest.fixture
def people(tree: dict, make_user: Any) -> dict[str, Any]:
    editor, et = make_user("editor", tree["D"])
    approver, at = make_user("approver", tree["D"])
    other_approver, ot = make_user("approver", tree["D"])
    return {"editor": editor, "et": et, "approver": approver, "at": at, "other": other_approver, "ot": ot}


def _create(client: Any, auth: Any, token: str, **body: Any) -> Any:
    return client.post("/api/v1/relay-sources", json={"name": "VOV1 — Thời sự", "url": URL, **body},
                       headers=auth(token))


def test_a_source_is_added_submitted_and_approved_by_a_second_person(client: Any, auth: Any,
                                                                     people: dict) -> None:
    r = _create(client, auth, people["et"])
    assert r.status_code == 201, r.json
    rid = r.json["id"]
    assert r.json["status"] == "draft" and r.json["url"] == URL and r.json["area_code"] == "P-D"
    assert client.post(f"/api/v1/relay-sources/{rid}/approve", headers=auth(people["at"])).status_code == 409
    s = client.post(f"/api/v1/relay-sources/{rid}/submit", headers=auth(people["et"]))
    assert s.status_code == 200 and s.json["status"] == "submitted"
    a = client.post(f"/api/v1/relay-sources/{rid}/approve", headers=auth(people["at"]))
    assert a.status_code == 200 and a.json["status"] == "approved" and a.json["approver"] == people["approver"].name
    actions = [row.action for row in AuditLog.select().where(AuditLog.object_type == "RelaySource")
               .order_by(AuditLog.id)]
    assert actions == ["relay.create", "relay.submit", "relay.approve"]
    listed = client.get("/api/v1/relay-sources?status=approved", headers=auth(people["et"])).json
    assert [x["id"] for x in listed] == [rid]


def test_nobody_approves_their_own_source_not_even_an_approver(client: Any, auth: Any, people: dict) -> None:
    r = _create(client, auth, people["at"])  # approvers may not create: editors' role
    assert r.status_code == 403
    admin_source = RelaySource.create(name="Đài tỉnh", url=URL, status="submitted", author=people["approver"],
                                       area=people["approver"].area_id)
    reply = client.post(f"/api/v1/relay-sources/{admin_source.id}/approve", headers=auth(people["at"]))
    assert reply.status_code == 403 and "tự duyệt" in reply.json["detail"]
    assert RelaySource.get_by_id(admin_source.id).status == "submitted"
    ok = client.post(f"/api/v1/relay-sources/{admin_source.id}/approve", headers=auth(people["ot"]))
    assert ok.status_code == 200


def test_a_bad_stream_address_is_refused(client: Any, auth: Any, people: dict) -> None:
    for url in ("ftp://example.org/a.mp3", "file:///etc/passwd", "http://", "vov1"):
        r = _create(client, auth, people["et"], url=url)
        assert r.status_code == 400, (url, r.json)
    assert RelaySource.select().count() == 0


def test_reject_needs_a_reason_and_a_rejected_source_can_be_submitted_again(client: Any, auth: Any,
                                                                            people: dict) -> None:
    rid = _create(client, auth, people["et"], submit=True).json["id"]
    assert RelaySource.get_by_id(rid).status == "submitted"
    assert client.post(f"/api/v1/relay-sources/{rid}/reject", json={},
                       headers=auth(people["at"])).status_code == 400
    r = client.post(f"/api/v1/relay-sources/{rid}/reject", json={"reason": "Luồng không ổn định"},
                    headers=auth(people["at"]))
    assert r.status_code == 200 and r.json["status"] == "rejected" and r.json["reason"] == "Luồng không ổn định"
    again = client.post(f"/api/v1/relay-sources/{rid}/submit", headers=auth(people["et"]))
    assert again.status_code == 200 and again.json["status"] == "submitted" and again.json["reason"] is None


def test_an_approver_disables_an_approved_source_at_once_and_it_needs_approval_again(
        client: Any, auth: Any, people: dict) -> None:
    rid = _create(client, auth, people["et"], submit=True).json["id"]
    client.post(f"/api/v1/relay-sources/{rid}/approve", headers=auth(people["at"]))
    assert client.post(f"/api/v1/relay-sources/{rid}/disable", headers=auth(people["et"])).status_code == 403
    d = client.post(f"/api/v1/relay-sources/{rid}/disable", json={"reason": "Phát nội dung sai"},
                    headers=auth(people["ot"]))
    assert d.status_code == 200 and d.json["status"] == "disabled"
    assert d.json["disabled_by"] == people["other"].name and d.json["disabled_at"]
    assert AuditLog.get(AuditLog.action == "relay.disable").actor_id == people["other"].id
    # back on the air only through a second person again
    assert client.post(f"/api/v1/relay-sources/{rid}/approve", headers=auth(people["at"])).status_code == 409
    client.post(f"/api/v1/relay-sources/{rid}/submit", headers=auth(people["et"]))
    assert client.post(f"/api/v1/relay-sources/{rid}/approve", headers=auth(people["at"])).json["status"] == \
        "approved"


def test_web_relay_page_adds_and_the_approvals_page_decides(client: Any, world: dict) -> None:  # noqa: F811
    login(client, "bien.tap")
    page = client.get("/relays").get_data(as_text=True)
    assert "Nguồn tiếp sóng" in page and "Thêm nguồn tiếp sóng" in page
    r = post(client, "/relays", {"name": "VOV1", "url": URL, "submit": "1"}, "/relays")
    assert r.status_code == 302, r.get_data(as_text=True)
    src = RelaySource.get(RelaySource.name == "VOV1")
    assert src.status == "submitted" and src.author_id == world["editor"].id
    bad = post(client, "/relays", {"name": "Sai", "url": "ftp://x/y"}, "/relays")
    assert bad.status_code == 200 and "http" in bad.get_data(as_text=True)
    client.get("/logout")
    login(client, "nguoi.duyet")
    approvals = client.get("/approvals").get_data(as_text=True)
    assert "Nguồn tiếp sóng chờ duyệt" in approvals and URL in approvals
    r = post(client, f"/relays/{src.id}/approve", {"back": "approvals"}, "/approvals")
    assert r.status_code == 302 and RelaySource.get_by_id(src.id).status == "approved"
    assert "Tắt ngay" in client.get("/relays").get_data(as_text=True)
    assert post(client, f"/relays/{src.id}/disable", {}, "/relays").status_code == 302
    assert RelaySource.get_by_id(src.id).status == "disabled"


def test_relay_page_in_english(client: Any, world: dict) -> None:  # noqa: F811
    login(client, "bien.tap")
    client.get("/lang/en?next=/relays")
    page = client.get("/relays").get_data(as_text=True)
    assert "Relay sources" in page and "Add a relay source" in page


def test_web_programme_and_schedule_forms_offer_the_relay(client: Any, world: dict) -> None:  # noqa: F811
    from central.models import Playlist, Schedule

    from .test_web_flows import schedule_form

    src = RelaySource.create(name="VOV1", url=URL, status="approved", author=world["editor"],
                             area=world["tree"]["D"])
    login(client, "bien.tap")
    page = client.get("/playlists/new").get_data(as_text=True)
    assert 'name="relay_src_0"' in page and "VOV1" in page and 'value="relay"' in page
    form = {"name": "Sáng: tin xã và VOV1", "kind_0": "bulletin", "bulletin_0": str(world["bulletin"].id),
            "pos_0": "1", "kind_1": "relay", "relay_src_1": str(src.id), "relay_min_1": "30",
            "relay_fb_1": f"b:{world['bulletin'].id}", "pos_1": "2"}
    r = post(client, "/playlists/new", form, "/playlists/new")
    assert r.status_code == 302, r.get_data(as_text=True)
    p = Playlist.get(Playlist.name == "Sáng: tin xã và VOV1")
    page = client.get(f"/playlists/{p.id}").get_data(as_text=True)
    assert f'<option value="{src.id}" selected>VOV1</option>' in page
    new = client.get("/schedules/new").get_data(as_text=True)
    assert f'value="r:{src.id}"' in new and 'name="relay_min"' in new
    sform = schedule_form(world, content=f"r:{src.id}", relay_min="45", relay_gap="20", relay_fb="",
                          title="VOV1 thời sự sáng")
    shown = post(client, "/schedules/new", sform, "/schedules/new")  # the preview first
    assert shown.status_code == 200 and "Tiếp sóng" in shown.get_data(as_text=True)
    r = post(client, "/schedules/new", {**sform, "action": "save"}, "/schedules/new")
    assert r.status_code == 302, r.get_data(as_text=True)
    s = Schedule.get(Schedule.title == "VOV1 thời sự sáng")
    assert s.relay == {"source_id": src.id, "duration_ms": 45 * 60_000, "max_gap_s": 20, "fallback": None}
    detail = client.get(f"/schedules/{s.id}").get_data(as_text=True)
    assert 'id="relay"' in detail and "VOV1" in detail
