"""One shape, two doors: a body the API document refuses is refused by the web form too, naming the same field.

The API checks a request against the OpenAPI document; the web forms call the services directly. Both
must end at the same shape (``central/shapes``), so a rule can never hold on one door and not the other.
"""

from __future__ import annotations

import html
import io
from typing import Any

import pytest

from central.models import Bulletin, Emergency, Schedule
from tests.central.test_web_pages import csrf_of, login

REPEAT = {"form": "daily", "times": ["06:00"], "first_day": "2099-06-01", "last_day": "2099-06-30"}
FORM = {"rule_kind": "daily", "times": ["06:00"], "first_day": "2099-06-01", "last_day": "2099-06-30",
        "title": "Bản tin sáng", "priority": "normal", "areas": ["P-D-C1"], "action": "save"}


@pytest.fixture
def editor(tree: dict, make_user: Any) -> tuple[Any, str]:
    return make_user("editor", tree["D"], name="bien.tap")


def _names(text: str, field: str) -> bool:
    """``text`` names ``field`` (a list member's fault names its list and field apart: 'repeat', 'times')."""
    return f"'{field}'" in text or all(f"'{part}'" in text for part in field.split("."))


@pytest.mark.parametrize("form, body, field", [
    ({"times": ["06:00:00"]}, {"repeat": {**REPEAT, "times": ["06:00:00"]}}, "repeat.times"),
    ({"times": ["25:00"]}, {"repeat": {**REPEAT, "times": ["25:00"]}}, "repeat.times"),
    ({"first_day": "2099-02-30"}, {"repeat": {**REPEAT, "first_day": "2099-02-30"}}, "repeat.first_day"),
    ({"rule_kind": "weekly", "weekdays": ["XX"]},
     {"repeat": {**REPEAT, "form": "weekly", "weekdays": ["XX"]}}, "repeat.weekdays"),
    ({"title": "x" * 301}, {"title": "x" * 301}, "title"),
])
def test_a_schedule_the_api_refuses_is_refused_by_the_web_form_naming_the_same_field(
        client: Any, auth: Any, editor: tuple[Any, str], bulletin_factory: Any,
        form: dict[str, Any], body: dict[str, Any], field: str) -> None:
    b = bulletin_factory(editor[0], status="approved")
    api = client.post("/api/v1/schedules", headers=auth(editor[1]), json={
        "bulletin_id": b.id, "title": "Bản tin sáng", "targets": {"areas": ["P-D-C1"]}, "repeat": REPEAT, **body})
    assert api.status_code == 400, api.json
    assert _names(api.json["detail"], field)
    login(client, "bien.tap")
    page = client.get("/schedules/new").get_data(as_text=True)
    web = client.post("/schedules/new", data={**FORM, "content": f"b:{b.id}", **form, "csrf_token": csrf_of(page)})
    assert web.status_code == 200  # the form again, with the fault: nothing saved
    assert _names(html.unescape(web.get_data(as_text=True)), field)
    assert Schedule.select().count() == 0


TTS_FORM = {"mode": "tts", "title": "Họp thôn", "text": "Mời bà con họp lúc 17 giờ.", "engine": "espeak",
            "speed": "1.0", "language": "vie"}


@pytest.mark.parametrize("form, body, field", [
    ({"title": "   "}, {"title": "   "}, "title"),
    ({"speed": "3"}, {"speed": 3}, "speed"),
    ({"voice": "v" * 65}, {"voice": "v" * 65}, "voice"),
    ({"language": "x" * 9}, {"language": "x" * 9}, "language"),
    ({"campaign_id": "số năm"}, {"campaign_id": "số năm"}, "campaign_id"),
])
def test_a_bulletin_the_api_refuses_is_refused_by_the_web_form_naming_the_same_field(
        client: Any, auth: Any, editor: tuple[Any, str], form: dict[str, Any], body: dict[str, Any],
        field: str) -> None:
    api = client.post("/api/v1/bulletins", headers=auth(editor[1]), json={
        "title": "Họp thôn", "text": TTS_FORM["text"], "engine": "espeak", **body})
    assert api.status_code == 400, api.json
    assert _names(api.json["detail"], field)
    login(client, "bien.tap")
    page = client.get("/bulletins/new").get_data(as_text=True)
    web = client.post("/bulletins/new", data={**TTS_FORM, **form, "csrf_token": csrf_of(page)})
    assert web.status_code == 400
    assert _names(html.unescape(web.get_data(as_text=True)), field)
    assert Bulletin.select().count() == 0


@pytest.mark.parametrize("trim, field", [({"trim_start": "-1"}, "trim_start"), ({"trim_end": "một"}, "trim_end")])
def test_an_upload_the_api_refuses_is_refused_by_the_web_form_naming_the_same_field(
        client: Any, auth: Any, editor: tuple[Any, str], trim: dict[str, str], field: str) -> None:
    def form() -> dict[str, Any]:
        return {"title": "Họp thôn", **trim, "file": (io.BytesIO(b"RIFF not really audio"), "ban-tin.wav")}

    api = client.post("/api/v1/bulletins", headers=auth(editor[1]), data=form(), content_type="multipart/form-data")
    assert api.status_code == 400, api.json
    assert _names(api.json["detail"], field)
    login(client, "bien.tap")
    page = client.get("/bulletins/new").get_data(as_text=True)
    web = client.post("/bulletins/new", data={**form(), "mode": "upload", "csrf_token": csrf_of(page)},
                      content_type="multipart/form-data")
    assert web.status_code == 400
    assert _names(html.unescape(web.get_data(as_text=True)), field)
    assert Bulletin.select().count() == 0


@pytest.mark.parametrize("lang, words", [("vi", "Trường 'repeat.times' không hợp lệ: sai dạng."),
                                         ("en", "Field 'repeat.times' is not valid: not in the expected form.")])
def test_a_shape_fault_on_a_web_form_is_worded_in_the_persons_language(
        client: Any, editor: tuple[Any, str], bulletin_factory: Any, lang: str, words: str) -> None:
    b = bulletin_factory(editor[0], status="approved")
    login(client, "bien.tap")
    client.get(f"/lang/{lang}?next=/schedules/new")
    page = client.get("/schedules/new").get_data(as_text=True)
    web = client.post("/schedules/new", data={**FORM, "content": f"b:{b.id}", "times": ["25:00"],
                                              "csrf_token": csrf_of(page)})
    assert words in html.unescape(web.get_data(as_text=True))


@pytest.mark.parametrize("form, body, field", [
    ({"times": ["25:00"]}, {"times": ["25:00"]}, "times"),
    ({"first_day": "2099-06-31"}, {"first_day": "2099-06-31"}, "first_day"),
])
def test_a_campaign_rotation_the_api_refuses_is_refused_by_the_web_form_naming_the_same_field(
        client: Any, auth: Any, editor: tuple[Any, str], bulletin_factory: Any,
        form: dict[str, Any], body: dict[str, Any], field: str) -> None:
    made = client.post("/api/v1/campaigns", headers=auth(editor[1]), json={
        "name": "Tháng hành động phòng, chống ma túy", "starts_on": "2099-06-01", "ends_on": "2099-06-30"})
    cid = made.json["id"]
    bulletin_factory(editor[0], status="approved", campaign=cid)
    api = client.post(f"/api/v1/campaigns/{cid}/schedule", headers=auth(editor[1]),
                      json={"times": ["06:00"], "targets": {"areas": ["P-D"]}, **body})
    assert api.status_code == 400, api.json
    assert _names(api.json["detail"], field)
    login(client, "bien.tap")
    page = client.get(f"/campaigns/{cid}").get_data(as_text=True)
    web = client.post(f"/campaigns/{cid}/schedule", follow_redirects=True, data={
        "times": ["06:00"], "areas": ["P-D"], **form, "csrf_token": csrf_of(page)})
    assert _names(html.unescape(web.get_data(as_text=True)), field)
    assert Schedule.select().count() == 0


def test_a_validity_the_api_refuses_is_refused_by_the_web_form_naming_the_same_field(
        client: Any, auth: Any, editor: tuple[Any, str], bulletin_factory: Any) -> None:
    b = bulletin_factory(editor[0], status="approved")
    api = client.post("/api/v1/schedules", headers=auth(editor[1]), json={
        "bulletin_id": b.id, "targets": {"areas": ["P-D-C1"]}, "repeat": REPEAT, "valid_from": "sáng mai"})
    assert api.status_code == 400, api.json
    assert _names(api.json["detail"], "valid_from")
    login(client, "bien.tap")
    page = client.get("/schedules/new").get_data(as_text=True)
    web = client.post("/schedules/new", data={**FORM, "content": f"b:{b.id}", "valid_from": "sáng mai",
                                              "csrf_token": csrf_of(page)})
    assert _names(html.unescape(web.get_data(as_text=True)), "valid_from")
    assert Schedule.select().count() == 0


@pytest.mark.parametrize("form, body, field", [
    ({"stations": ["một"]}, {"targets": {"areas": ["P-D-C1"], "stations": ["một"]}}, "targets.stations"),
    ({"play_by": "0"}, {"play_by_minutes": 0}, "play_by_minutes"),
    ({"mode": "thật"}, {"mode": "thật"}, "mode"),
])
def test_an_emergency_the_api_refuses_is_refused_by_the_web_form_naming_the_same_field(
        client: Any, auth: Any, tree: dict, make_user: Any, bulletin_factory: Any,
        form: dict[str, Any], body: dict[str, Any], field: str) -> None:
    approver = make_user("approver", tree["D"], name="duyet")
    b = bulletin_factory(approver[0], status="approved")
    api = client.post("/api/v1/emergencies", headers=auth(approver[1]), json={
        "bulletin_id": b.id, "targets": {"areas": ["P-D-C1"]}, **body})
    assert api.status_code == 400, api.json
    assert _names(api.json["detail"], field)
    login(client, "duyet")
    page = client.get("/emergency").get_data(as_text=True)
    web = client.post("/emergency", data={"source": f"bulletin:{b.id}", "mode": "live", "play_by": "30",
                                          "hours": "2", "areas": ["P-D-C1"], "step": "send", **form,
                                          "csrf_token": csrf_of(page)})
    assert web.status_code == 200  # the form again, with the fault: nothing sent
    assert _names(html.unescape(web.get_data(as_text=True)), field)
    assert Emergency.select().count() == 0
