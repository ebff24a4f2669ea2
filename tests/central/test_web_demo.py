"""`central demo`: the Đắk Nông demo loads through the services, and its station is ready to play soon."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from central import demo
from central.errors import Conflict
from central.models import Area, Bulletin, Playlist, Schedule, StandingAlert, Station, User
from central.services import enrollment, manifests
from playlists import model as pm
from playlists import timeline as pt


@pytest.fixture
def loaded(app: Any, db: Any) -> dict[str, Any]:
    with app.app_context():
        return demo.load(app, tts_engine="espeak")  # tests never call Google


def test_demo_is_a_real_province_with_people_and_approved_work(loaded: dict[str, Any]) -> None:
    assert Area.get(Area.code == "DKN").name == "Tỉnh Đắk Nông"
    districts = {a.name for a in Area.select().where(Area.level == "district")}
    assert {"Thành phố Gia Nghĩa", "Huyện Đắk Mil", "Huyện Cư Jút", "Huyện Krông Nô", "Huyện Đắk Song",
            "Huyện Đắk R'Lấp", "Huyện Đắk Glong", "Huyện Tuy Đức"} == districts
    assert Area.select().where(Area.level == "commune").count() >= 40
    roles = {u["role"] for u in loaded["users"]}
    assert roles == {"admin", "editor", "approver", "operator"}
    assert all(len(u["password"]) >= 12 for u in loaded["users"])
    assert User.select().count() == 4
    alerts = list(StandingAlert.select())  # the emergency recordings every station keeps cached
    assert {a.key for a in alerts} >= {"storm", "flood", "landslide", "forest_fire", "evacuation", "all_clear"}
    assert all(a.bulletin.status == "approved" and a.bulletin.approver_id != a.bulletin.author_id
               and a.bulletin.tts_engine == "espeak" for a in alerts)
    made = list(Bulletin.select().where(Bulletin.id.not_in([a.bulletin_id for a in alerts])))
    assert len(made) == 6 and all(b.status == "approved" and b.approver_id != b.author_id for b in made)
    assert all(b.tts_engine in ("gtts", "espeak") and b.asset.duration_ms > 1000 for b in made)
    assert {p.name for p in Playlist.select()} == {"Bản tin buổi sáng", "Bản tin buổi chiều"}
    assert Schedule.select().where(Schedule.status == "approved").count() == 4  # with the VOV1 relay


def test_demo_relays_vov1_daily_from_an_approved_source(loaded: dict[str, Any]) -> None:
    from central.relay_models import RelaySource

    (src,) = RelaySource.select()
    assert src.status == "approved" and src.approver_id != src.author_id
    # the stand-in radio `make run` feeds to the central's own Icecast (the test app names port 9)
    assert src.url == "http://127.0.0.1:9/vov1.ogg"
    manifest, _etag = manifests.build(Station.get_by_id(loaded["station_id"]))
    assert manifest["relay_sources"] == [{"id": src.id, "name": src.name, "url": src.url}]
    (relay,) = manifest["relay_schedules"]
    item = relay["items"][0]
    assert "FREQ=DAILY" in relay["rrule"] and relay["title"] == "Tiếp sóng VOV1 buổi chiều"
    assert (item["kind"], item["duration_ms"]) == ("relay", 15 * 60_000)
    assert [f["kind"] for f in item["fallback"]] == ["bulletin"]


def test_without_an_icecast_the_demo_relay_names_the_usual_local_address() -> None:
    from pathlib import Path

    from central.config import Settings
    from central.demo import relay_url

    base = Settings(data_dir=Path("/nowhere"), database_url="sqlite://", secret_key="k")
    assert relay_url(base) == "http://127.0.0.1:8000/vov1.ogg"
    with_icecast = dataclasses.replace(base, icecast_url="http://127.0.0.1:18000/")
    assert relay_url(with_icecast) == "http://127.0.0.1:18000/vov1.ogg"


def test_demo_station_enrolls_and_plays_within_about_a_minute(loaded: dict[str, Any]) -> None:
    station, token = enrollment.enroll(loaded["enrollment_code"])
    assert station.id == loaded["station_id"] and token
    manifest, _etag = manifests.build(Station.get_by_id(station.id))
    content = pm.manifest_content(manifest)
    now = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh"))
    slots = pt.expand(list(content.schedules), content.bulletins, content.settings, now, now + timedelta(minutes=3))
    assert slots, "nothing to play in the first minutes after loading the demo"
    first = slots[0]
    assert first.status == pm.SlotStatus.PLANNED
    assert 0 < (first.start - now).total_seconds() <= demo.SOON_S + 5
    local = first.start.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).replace(tzinfo=None, microsecond=0)
    assert local.isoformat() == loaded["first_play"]


def test_demo_refuses_a_central_that_has_data(app: Any, loaded: dict[str, Any]) -> None:
    with app.app_context(), pytest.raises(Conflict):
        demo.load(app, tts_engine="espeak")


def test_demo_dashboard_has_online_offline_and_waiting_stations(app: Any, loaded: dict[str, Any]) -> None:
    from collections import Counter

    from central.services import stations

    states = Counter(stations.state(stations.health(s)) for s in Station.select())
    assert states == {"online": 4, "offline": 1, "never": 1}
