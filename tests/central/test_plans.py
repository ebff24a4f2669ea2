"""Plans (kế hoạch): periods and deadlines, themes, targets, scope, audit, and the seeded 2024 plan."""

from __future__ import annotations

from datetime import date

import pytest

from central.models import AuditLog, Campaign, Plan
from central.services import plans
from central.services.categories import seed_reference_data


def test_default_periods_end_five_days_before_the_plans_deadlines():
    six, year = plans.default_periods(2024)
    assert (six["code"], six["starts_on"], six["ends_on"], six["deadline"]) == (
        "six-month", date(2024, 1, 1), date(2024, 6, 10), date(2024, 6, 15))
    assert (year["code"], year["ends_on"], year["deadline"]) == ("year", date(2024, 11, 26), date(2024, 12, 1))
    assert plans.default_periods(2025, lead_days=1)[0]["ends_on"] == date(2025, 6, 14)


def test_create_fills_default_periods_and_an_officer_changes_them(client, auth, tree, make_user, db):
    _, editor = make_user("editor", tree["D"])
    made = client.post("/api/v1/plans", json={"year": 2026, "title": "Kế hoạch tuyên truyền năm 2026",
                                               "issuer": "Phòng Văn hóa và Thông tin huyện Đắk Song",
                                               "number": "12/KH-VHTT", "themes": ["drugs", "hiv"]},
                       headers=auth(editor))
    assert made.status_code == 201, made.json
    body = made.json
    assert body["area_code"] == "P-D" and body["themes"] == ["drugs", "hiv"]
    assert [(p["code"], p["ends_on"], p["deadline"]) for p in body["periods"]] == [
        ("six-month", "2026-06-10", "2026-06-15"), ("year", "2026-11-26", "2026-12-01")]
    periods = [dict(p) for p in body["periods"]]
    periods[0]["ends_on"] = "2026-06-12"
    changed = client.patch(f"/api/v1/plans/{body['id']}", json={
        "periods": periods,
        "targets": [{"category": "drugs", "period": "six-month", "min_bulletins": 4},
                    {"category": "hiv", "period": None, "min_bulletins": 2}]}, headers=auth(editor))
    assert changed.status_code == 200, changed.json
    assert changed.json["periods"][0]["ends_on"] == "2026-06-12"
    assert changed.json["targets"] == [{"category": "drugs", "period": "six-month", "min_bulletins": 4},
                                       {"category": "hiv", "period": None, "min_bulletins": 2}]
    # a change of title alone keeps periods and targets
    again = client.patch(f"/api/v1/plans/{body['id']}", json={"title": "KH 2026"}, headers=auth(editor)).json
    assert again["targets"] == changed.json["targets"] and again["periods"] == changed.json["periods"]
    actions = [a.action for a in AuditLog.select().where(AuditLog.object_type == "Plan").order_by(AuditLog.id)]
    assert actions == ["plan.create", "plan.update", "plan.update"]


def test_bad_periods_and_targets_are_refused(client, auth, tree, make_user, db):
    _, editor = make_user("editor")
    base = {"year": 2026, "title": "KH"}
    # 400: not as the API document describes; 422: as described, but it does not hold together
    bad = [
        ({**base, "periods": [{"code": "q1", "name": "Quý 1", "starts_on": "2026-01-01", "ends_on": "2026-04-01",
                               "deadline": "2026-03-31"}]}, 422),  # ends after its deadline
        ({**base, "periods": [{"code": "q", "name": "a", "starts_on": "2026-01-01", "ends_on": "2026-01-02",
                               "deadline": "2026-01-03"}] * 2}, 422),  # repeated code
        ({**base, "targets": [{"category": "drugs", "period": "q9", "min_bulletins": 1}]}, 422),  # no such period
        ({**base, "targets": [{"category": "drugs", "min_bulletins": -1}]}, 400),
        ({**base, "themes": ["no-such-theme"]}, 422),
        ({**base, "year": 1999}, 400),
        ({"title": "no year"}, 400),
    ]
    for body, status in bad:
        r = client.post("/api/v1/plans", json=body, headers=auth(editor))
        assert r.status_code == status, (body, r.json)
    assert Plan.select().count() == 0


def test_scope_roles_and_deadlines(client, auth, tree, make_user, db):
    _, district = make_user("editor", tree["D"])
    _, other = make_user("editor", tree["C2"])
    _, operator = make_user("operator", tree["C1"])
    pid = client.post("/api/v1/plans", json={"year": 2026, "title": "KH huyện"}, headers=auth(district)).json["id"]
    assert client.post("/api/v1/plans", json={"year": 2026, "title": "x"}, headers=auth(operator)).status_code == 403
    assert client.patch(f"/api/v1/plans/{pid}", json={"title": "y"}, headers=auth(other)).status_code == 403
    assert client.get(f"/api/v1/plans/{pid}", headers=auth(operator)).status_code == 200  # below the district
    due = client.get("/api/v1/deadlines?from=2026-06-01&to=2026-06-30", headers=auth(operator)).json
    assert [(d["plan_id"], d["code"], d["deadline"]) for d in due] == [(pid, "six-month", "2026-06-15")]
    assert client.get("/api/v1/plans?year=2025", headers=auth(operator)).json == []
    assert client.get("/api/v1/plans/defaults?year=2027", headers=auth(operator)).json["periods"][1] == {
        "code": "year", "name": "Báo cáo năm", "starts_on": "2027-01-01", "ends_on": "2027-11-26",
        "deadline": "2027-12-01"}


def test_campaigns_join_a_plan_and_survive_its_deletion(client, auth, tree, make_user, db):
    _, editor = make_user("editor", tree["D"])
    _, other = make_user("editor", tree["C2"])
    pid = client.post("/api/v1/plans", json={"year": 2026, "title": "KH"}, headers=auth(editor)).json["id"]
    made = client.post("/api/v1/campaigns", json={"name": "Tháng hành động", "starts_on": "2026-06-01",
                                                  "ends_on": "2026-06-30", "plan_id": pid}, headers=auth(editor))
    assert made.status_code == 201 and made.json["plan_id"] == pid
    assert client.get(f"/api/v1/campaigns?plan={pid}", headers=auth(editor)).json[0]["id"] == made.json["id"]
    assert client.get(f"/api/v1/plans/{pid}", headers=auth(editor)).json["campaigns"][0]["name"] == "Tháng hành động"
    # a plan out of sight is no plan at all
    other_pid = client.post("/api/v1/plans", json={"year": 2026, "title": "KH xã"}, headers=auth(other)).json["id"]
    assert client.patch(f"/api/v1/campaigns/{made.json['id']}", json={"plan_id": other_pid},
                        headers=auth(editor)).status_code == 422  # well-formed, but names no plan they see
    assert client.delete(f"/api/v1/plans/{pid}", headers=auth(editor)).status_code == 204
    assert Campaign.get_by_id(made.json["id"]).plan_id is None


def test_seeded_plan_follows_the_provinces_2024_plan(db):
    seed_reference_data(years=(2024,))
    plan = plans.seed_plan(2024)
    assert plans.seed_plan(2024).id == plan.id  # once
    body = plans.answer(plan).model_dump()
    assert body["issuer"] == "Sở Thông tin và Truyền thông tỉnh Đắk Nông" and body["number"] == "/KH-STTTT"
    assert "phòng, chống mua bán người năm 2024" in body["title"]
    assert {"drugs", "hiv", "trafficking", "prostitution", "crime"} <= set(body["themes"])
    assert [p["deadline"] for p in body["periods"]] == ["2024-06-15", "2024-12-01"]
    assert len(body["campaigns"]) == 5
    assert body["campaigns"][0]["name"] == "Tháng hành động phòng, chống ma túy"


@pytest.mark.postgres
def test_step_7_brings_a_version_6_database_forward(db):
    from central import migrations
    from central.models import SchemaVersion

    # CASCADE: later steps' tables (the period reports) refer to plans; they are made again safely
    for sql in ('ALTER TABLE "campaign" DROP COLUMN "plan_id"', 'DROP TABLE "plan_target"',
                'DROP TABLE "report_period"', 'DROP TABLE "plan_theme"', 'DROP TABLE "plan" CASCADE'):
        db.execute_sql(sql)
    SchemaVersion.delete().execute()
    SchemaVersion.create(version=6)  # as a database made before step 7 says
    assert migrations.apply(db) == list(range(7, migrations.latest() + 1))
    assert "plan_id" in {c.name for c in db.get_columns("campaign")}
    seed_reference_data(years=(2024,))
    assert len(plans.answer(plans.seed_plan(2024)).campaigns) == 5


def test_odd_shapes_are_refused_not_crashed(client, auth, tree, make_user, db):
    _, editor = make_user("editor")
    base = {"year": 2026, "title": "KH"}
    for body in ({**base, "targets": [{"category": "drugs", "period": ["x"], "min_bulletins": 1}]},
                 {**base, "targets": [{"category": ["drugs"], "min_bulletins": 1}]},
                 {**base, "periods": "six-month"}, {**base, "themes": [{"code": "drugs"}]},
                 {**base, "issued_on": {"d": 1}}, {**base, "year": True}, {**base, "title": 7}):
        r = client.post("/api/v1/plans", json=body, headers=auth(editor))
        assert r.status_code == 400, (body, r.status_code)
    r = client.post("/api/v1/campaigns", json={"name": "x", "starts_on": "2026-01-01", "ends_on": "2026-01-02",
                                               "plan_id": 2**70}, headers=auth(editor))
    assert r.status_code == 400
