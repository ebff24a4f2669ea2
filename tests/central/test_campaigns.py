"""Reference data of the provincial plan (categories, dated campaigns) and the campaign API."""

from __future__ import annotations

from datetime import date

from central.models import Campaign, Category
from central.services.categories import seed_reference_data


def test_seed_makes_the_plans_topics_and_dated_drives_once(db):
    made = seed_reference_data(years=(2024,))
    assert made == {"categories": 0, "campaigns": 5}  # categories come with the schema already
    names = {c.code: c.name for c in Category.select()}
    assert names["drugs"] == "Phòng, chống ma túy"
    assert names["hiv"] == "Phòng, chống HIV/AIDS"
    assert names["trafficking"] == "Phòng, chống mua bán người"
    assert len(names) == 10
    drives = {c.name: (c.starts_on, c.ends_on, c.category.code) for c in Campaign.select()}
    assert drives["Tháng hành động phòng, chống ma túy"] == (date(2024, 6, 1), date(2024, 6, 30), "drugs")
    assert drives["Ngày toàn dân phòng, chống ma túy 26/6"][:2] == (date(2024, 6, 26), date(2024, 6, 26))
    assert drives["Ngày toàn dân phòng, chống mua bán người 30/7"][2] == "trafficking"
    assert drives["Tháng hành động quốc gia phòng, chống HIV/AIDS"][:2] == (date(2024, 11, 10),
                                                                            date(2024, 12, 10))
    assert drives["Ngày Thế giới phòng, chống AIDS 1/12"][:2] == (date(2024, 12, 1), date(2024, 12, 1))
    assert seed_reference_data(years=(2024,)) == {"categories": 0, "campaigns": 0}
    assert seed_reference_data(years=(2025,))["campaigns"] == 5


def test_seed_keeps_an_edited_name(db):
    c = Category.get(Category.code == "local-news")
    c.name = "Tin tức xã"
    c.save()
    seed_reference_data(years=(2024,))
    assert Category.get(Category.code == "local-news").name == "Tin tức xã"


def test_campaign_api_create_list_and_scope(client, auth, tree, make_user, db):
    seed_reference_data(years=(2026,))
    _, district = make_user("editor", tree["D"])
    _, c2_editor = make_user("editor", tree["C2"])
    _, operator = make_user("operator", tree["C1"])
    made = client.post("/api/v1/campaigns", json={"name": "Ra quân phòng, chống ma túy huyện Đắk Song",
                                                   "starts_on": "2026-06-01", "ends_on": "2026-06-15",
                                                   "category": "drugs"}, headers=auth(district))
    assert made.status_code == 201, made.json
    assert made.json["area_code"] == "P-D" and made.json["category"] == "drugs"
    june = client.get("/api/v1/campaigns?active_on=2026-06-10", headers=auth(operator)).json
    assert {c["name"] for c in june} == {"Tháng hành động phòng, chống ma túy",
                                         "Ra quân phòng, chống ma túy huyện Đắk Song"}
    cid = made.json["id"]
    assert client.patch(f"/api/v1/campaigns/{cid}", json={"ends_on": "2026-05-01"},  # before it starts
                        headers=auth(district)).status_code == 422
    assert client.patch(f"/api/v1/campaigns/{cid}", json={"name": "x"},
                        headers=auth(c2_editor)).status_code == 403  # made above their commune
    assert client.post("/api/v1/campaigns", json={"name": "x", "starts_on": "2026-01-01",
                                                  "ends_on": "2026-01-02"},
                       headers=auth(operator)).status_code == 403
    assert client.delete(f"/api/v1/campaigns/{cid}", headers=auth(district)).status_code == 204


def test_only_admins_edit_categories(client, auth, tree, make_user, db):
    _, admin = make_user("admin")
    _, editor = make_user("editor", tree["D"])
    made = client.post("/api/v1/categories", json={"code": "traffic", "name": "An toàn giao thông"},
                       headers=auth(admin))
    assert made.status_code == 201 and made.json["name"] == "An toàn giao thông"
    assert client.post("/api/v1/categories", json={"code": "traffic", "name": "again"},
                       headers=auth(admin)).status_code == 409
    assert client.patch(f"/api/v1/categories/{made.json['id']}", json={"name": "x"},
                        headers=auth(editor)).status_code == 403
    listed = client.get("/api/v1/categories", headers=auth(editor)).json
    assert listed[0]["code"] == "drugs" and "traffic" in {c["code"] for c in listed}
    assert client.delete(f"/api/v1/categories/{made.json['id']}", headers=auth(admin)).status_code == 204
    assert "traffic" not in {c["code"] for c in client.get("/api/v1/categories", headers=auth(editor)).json}
