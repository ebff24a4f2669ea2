"""Search and pagination on the bulletin, schedule, programme and station lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from central.models import Bulletin, Campaign
from central.services import programmes, schedules
from tests.central.test_web_pages import login


def _titles(html: str, marker: str) -> int:
    return html.count(marker)


def test_bulletins_page_and_filter_by_language_campaign_and_day(client: Any, tree: dict, make_user: Any,
                                                                bulletin_factory: Any) -> None:
    editor, _ = make_user("editor", tree["D"], name="bien.tap")
    c = Campaign.create(name="Tháng hành động", starts_on="2099-06-01", ends_on="2099-06-30")
    for n in range(120):
        bulletin_factory(editor, title=f"Tin số {n:03d}", language="cmo" if n % 10 == 0 else "vie",
                         campaign=c if n < 5 else None)
    june = datetime(2099, 6, 3, 23, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))  # 16:30 UTC, still the 3rd locally
    Bulletin.update(created_at=june).where(Bulletin.title == "Tin số 007").execute()
    login(client, "bien.tap")
    first = client.get("/bulletins").get_data(as_text=True)
    assert _titles(first, "Tin số ") == 50 and "Trang 1/3 · 120 mục" in first and "Tin số 119" in first
    third = client.get("/bulletins?page=3").get_data(as_text=True)
    assert _titles(third, "Tin số ") == 20 and "Tin số 000" in third and "Trang 3/3" in third
    assert "page=2" in third  # the link back keeps the way
    mnong = client.get("/bulletins?language=cmo").get_data(as_text=True)
    assert _titles(mnong, "Tin số ") == 12 and "M&#39;Nông" in mnong
    assert _titles(client.get(f"/bulletins?campaign={c.id}&language=cmo").get_data(as_text=True), "Tin số ") == 1
    day = client.get("/bulletins?from=2099-06-03&to=2099-06-03").get_data(as_text=True)
    assert _titles(day, "Tin số ") == 1 and "Tin số 007" in day
    assert _titles(client.get("/bulletins?q=số 11").get_data(as_text=True), "Tin số ") == 10
    assert client.get("/bulletins?from=hôm-qua").status_code == 200  # a bad day is said, not a 500


def test_schedules_search_by_title_campaign_language_and_airing_day(client: Any, tree: dict, make_user: Any,
                                                                    bulletin_factory: Any) -> None:
    editor, _ = make_user("editor", tree["D"], name="bien.tap")
    c = Campaign.create(name="Tháng hành động", starts_on="2099-06-01", ends_on="2099-06-30")
    drive = bulletin_factory(editor, title="Ma túy", campaign=c, language="rad")
    other = bulletin_factory(editor, title="Thời tiết")
    for b, day in ((drive, "2099-06-10"), (other, "2099-06-11")):
        schedules.create(editor, {"bulletin_id": b.id, "title": f"Lịch {b.title}", "targets": {"areas": ["P-D"]},
                                  "dtstart": f"{day}T06:00"})
    login(client, "bien.tap")
    assert "Lịch Ma túy" in client.get(f"/schedules?campaign={c.id}").get_data(as_text=True)
    assert "Lịch Thời tiết" not in client.get(f"/schedules?campaign={c.id}").get_data(as_text=True)
    assert "Lịch Ma túy" in client.get("/schedules?language=rad").get_data(as_text=True)
    on_11 = client.get("/schedules?day=2099-06-11").get_data(as_text=True)
    assert "Lịch Thời tiết" in on_11 and "Lịch Ma túy" not in on_11
    assert "Lịch Ma túy" not in client.get("/schedules?q=thời").get_data(as_text=True)


def test_programmes_and_stations_search(client: Any, tree: dict, make_user: Any, bulletin_factory: Any,
                                        station_factory: Any) -> None:
    editor, _ = make_user("editor", tree["D"], name="bien.tap")
    b = bulletin_factory(editor)
    for name in ("Buổi sáng", "Buổi chiều"):
        programmes.create(editor, {"name": name, "items": [{"kind": "bulletin", "bulletin_id": b.id}]})
    station_factory(tree["C1"], "Đài xã Đắk Môl")
    station_factory(tree["C2"], "Đài xã Nâm N'Jang")
    login(client, "bien.tap")
    found = client.get("/playlists?q=sáng").get_data(as_text=True)
    assert "Buổi sáng" in found and "Buổi chiều" not in found
    assert "Đắk Môl" in client.get("/stations?q=môl").get_data(as_text=True)
    by_area = client.get("/stations?area=P-D-C2").get_data(as_text=True)
    assert "Nâm N&#39;Jang" in by_area and "Đài xã Đắk Môl" not in by_area
