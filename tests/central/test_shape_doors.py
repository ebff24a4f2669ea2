"""One shape, two doors: a body the API document refuses is refused by the web form too, naming the same field.

The API checks a request against the OpenAPI document; the web forms call the services directly. Both
must end at the same shape (``central/shapes``), so a rule can never hold on one door and not the other.
"""

from __future__ import annotations

import html
from typing import Any

import pytest

from central.models import Schedule
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
