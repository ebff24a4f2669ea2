"""Rules that used to live in views, now one definition in a service: checked through the pages and API.

- the dashboard's emergencies reach a commune when a province aims one at it;
- a schedule preview (page and timeline API) writes no Station row;
- the approvals badge counts with ``COUNT`` instead of loading every waiting row.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from central.models import Station, utcnow
from tests.central.test_web_pages import login


@pytest.fixture
def people(tree: dict, make_user: Any) -> dict[str, Any]:
    return {
        "province": make_user("approver", tree["P"], name="tinh.duyet")[0],
        "commune": make_user("operator", tree["C1"], name="xa.vanhanh")[0],
        "other": make_user("operator", tree["C2"], name="xa.khac")[0],
        "editor": make_user("editor", tree["D"], name="huyen.bientap"),
    }


def test_a_province_emergency_aimed_at_a_commune_shows_on_that_communes_dashboard(
        app: Any, people: dict, tree: dict, bulletin_factory: Any, schedule_factory: Any) -> None:
    audio = bulletin_factory(people["province"], area=tree["P"], title="Cảnh báo lũ quét")
    schedule_factory(bulletin=audio, areas=[tree["C1"]], area=tree["P"], priority="emergency", rrule="",
                     dtstart=utcnow().replace(tzinfo=None), title="KHẨN CẤP: lũ quét xã Đắk Môl",
                     valid_until=utcnow() + timedelta(hours=2), created_by=people["province"])
    for name, shown in (("xa.vanhanh", True), ("xa.khac", False), ("tinh.duyet", True)):
        client = app.test_client()
        login(client, name)
        page = client.get("/dashboard").get_data(as_text=True)
        assert ("KHẨN CẤP: lũ quét xã Đắk Môl" in page) is shown, name


def _stations() -> list[tuple[Any, ...]]:
    return list(Station.select().order_by(Station.id).tuples())


def test_previews_write_no_station_row(app: Any, client: Any, auth: Any, people: dict, tree: dict,
                                       station_factory: Any, bulletin_factory: Any,
                                       schedule_factory: Any) -> None:
    editor, token = people["editor"]
    station, _ = station_factory(tree["C1"])
    morning = bulletin_factory(editor, area=tree["D"])
    s = schedule_factory(bulletin=morning, areas=[tree["D"]], area=tree["D"], created_by=editor)
    before = _stations()
    assert client.get(f"/api/v1/stations/{station.id}/timeline", headers=auth(token)).status_code == 200
    login(client, "huyen.bientap")
    page = client.get(f"/schedules/{s.id}").get_data(as_text=True)
    assert station.name in page, "the detail page previews the target station"
    assert _stations() == before, "a preview bound a manifest version or cached an ETag"


def test_the_approvals_badge_counts_with_count_not_by_loading_rows(
        app: Any, db: Any, monkeypatch: Any, people: dict, tree: dict, make_user: Any,
        bulletin_factory: Any, schedule_factory: Any) -> None:
    from central.web import queries

    editor, _ = people["editor"]
    approver, _ = make_user("approver", tree["D"], name="huyen.duyet")
    for _ in range(3):
        bulletin_factory(editor, status="submitted", area=tree["D"])
    bulletin_factory(approver, status="submitted", area=tree["D"])  # their own: never counted
    aired = bulletin_factory(editor, area=tree["D"])
    for by in (editor, editor, approver):
        schedule_factory(bulletin=aired, areas=[tree["C1"]], area=tree["D"], status="submitted", created_by=by)
    seen: list[str] = []
    real = db.obj.execute_sql

    def recording(sql: str, params: Any = None, *args: Any, **kwargs: Any) -> Any:
        seen.append(sql)
        return real(sql, params, *args, **kwargs)

    monkeypatch.setattr(db.obj, "execute_sql", recording)
    with app.test_request_context():
        assert queries.pending_count(approver) == 5
    waiting = [q for q in seen if any(f'FROM "{t}"' in q for t in ("bulletin", "schedule", "chime", "playlist"))]
    assert waiting and all("COUNT(" in q.upper() for q in waiting), waiting


def test_the_users_service_owns_who_may_revoke_a_token(db: Any, tree: dict, make_user: Any) -> None:
    """Any caller of the service (a page, a script), not only the API view, meets the same rule."""
    from central.errors import NotFound
    from central.models import ApiToken
    from central.services import users

    commune, _ = make_user("operator", tree["C1"])
    other, _ = make_user("operator", tree["C1"])
    district_admin, _ = make_user("admin", tree["D"])
    province_admin, _ = make_user("admin", tree["P"])
    row = ApiToken.get(ApiToken.user == commune.id)
    upper = ApiToken.get(ApiToken.user == province_admin.id)
    for actor, token in ((other, row), (district_admin, upper)):
        with pytest.raises(NotFound):
            users.revoke_token(actor, token.id)
    users.revoke_token(district_admin, row.id)
    assert ApiToken.get_by_id(row.id).revoked_at is not None
    assert ApiToken.get_by_id(upper.id).revoked_at is None
