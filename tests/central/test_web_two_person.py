"""The two-person rule in the web UI: chimes and programme changes wait for a second person."""

from __future__ import annotations

import io
from typing import Any

from central.models import Chime, Playlist, Schedule, ScheduleTarget
from central.services import programmes

from .test_two_person_rule import _tone
from .test_web_flows import post, world  # noqa: F401  (world is a fixture)
from .test_web_pages import csrf_of, login


def _scheduled(world: dict) -> Playlist:  # noqa: F811
    p = programmes.create(world["editor"], {"name": "Bản tin buổi sáng", "items": [
        {"kind": "bulletin", "bulletin_id": world["bulletin"].id}]})
    s = Schedule.create(playlist=p, dtstart="2026-12-01T06:00", rrule="FREQ=DAILY", status="approved",
                        created_by=world["editor"], area=world["tree"]["D"])
    ScheduleTarget.create(schedule=s, area=world["tree"]["C1"])
    return p


def test_a_programme_change_waits_on_its_page_and_is_approved_on_the_approvals_page(
        client: Any, world: dict) -> None:  # noqa: F811
    p = _scheduled(world)
    login(client, "bien.tap")
    b = world["bulletin"]
    r = post(client, f"/playlists/{p.id}", {
        "name": p.name, "kind_0": "bulletin", "bulletin_0": str(b.id), "pos_0": "1",
        "kind_1": "pause", "pause_1": "2", "pos_1": "2"}, f"/playlists/{p.id}")
    assert r.status_code == 302
    page = client.get(f"/playlists/{p.id}").get_data(as_text=True)
    assert 'id="pending-change"' in page and "Thay đổi chờ duyệt" in page
    assert "Duyệt thay đổi" not in page  # an editor cannot decide
    assert Playlist.get_by_id(p.id).live_revision == 1
    assert "Thay đổi chờ duyệt" in client.get("/playlists").get_data(as_text=True)
    client.get("/logout")
    login(client, "nguoi.duyet")
    approvals = client.get("/approvals").get_data(as_text=True)
    assert "Thay đổi chương trình chờ duyệt" in approvals and p.name in approvals
    r = post(client, f"/playlists/{p.id}/approve", {"back": "approvals"}, "/approvals")
    assert r.status_code == 302 and r.headers["Location"].endswith("/approvals")
    assert Playlist.get_by_id(p.id).live_revision == 2
    assert [i.kind for i in programmes.answer(Playlist.get_by_id(p.id)).items] == ["bulletin", "pause"]


def test_a_chime_is_uploaded_approved_by_another_and_then_usable(client: Any, world: dict) -> None:  # noqa: F811
    login(client, "bien.tap")
    token = csrf_of(client.get("/chimes").get_data(as_text=True))
    r = client.post("/chimes", data={"csrf_token": token, "title": "Nhạc hiệu xã Đắk Môl",
                                     "file": (io.BytesIO(_tone()), "nhac-hieu.wav")},
                    content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)
    c = Chime.get(Chime.title == "Nhạc hiệu xã Đắk Môl")
    assert c.status == "draft"
    form = {"name": "Sáng", "kind_0": "chime", "chime_0": str(c.id), "pos_0": "1",
            "kind_1": "bulletin", "bulletin_1": str(world["bulletin"].id), "pos_1": "2"}
    r = post(client, "/playlists/new", form, "/playlists/new")
    assert r.status_code == 200 and "chưa được duyệt" in r.get_data(as_text=True)
    assert post(client, f"/chimes/{c.id}/submit", {}, "/chimes").status_code == 302
    assert Chime.get_by_id(c.id).status == "submitted"
    client.get("/logout")
    login(client, "nguoi.duyet")
    approvals = client.get("/approvals").get_data(as_text=True)
    assert "Nhạc hiệu chờ duyệt" in approvals and f"/chimes/{c.id}/audio" in approvals
    assert client.get(f"/chimes/{c.id}/audio").status_code == 200
    assert post(client, f"/chimes/{c.id}/approve", {"back": "approvals"}, "/approvals").status_code == 302
    assert Chime.get_by_id(c.id).status == "approved"
    client.get("/logout")
    login(client, "bien.tap")
    assert f'<option value="{c.id}"' in client.get("/playlists/new").get_data(as_text=True)
    r = post(client, "/playlists/new", form, "/playlists/new")
    assert r.status_code == 302
    (item, _) = programmes.ordered_items(Playlist.get(Playlist.name == "Sáng"))
    assert item.chime_id == c.id and item.asset_id == c.asset_id
