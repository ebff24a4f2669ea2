"""The area tree: API listing and creation within scope, CSV import."""

from __future__ import annotations

import pytest

from central.errors import Invalid
from central.models import Area, AuditLog
from central.services import area_tree, areas


def test_list_areas_is_scoped(client, tree, make_user, auth):
    _, everywhere = make_user("operator")
    _, commune = make_user("operator", tree["C1"])
    codes = [a["code"] for a in client.get("/api/v1/areas", headers=auth(everywhere)).json["areas"]]
    assert codes == ["P", "P-D", "P-D-C1", "P-D-C2", "P-D-C1-V"]
    scoped = client.get("/api/v1/areas", headers=auth(commune)).json["areas"]
    assert [(a["code"], a["parent_code"]) for a in scoped] == [("P-D-C1", "P-D"), ("P-D-C1-V", "P-D-C1")]
    assert scoped[0]["name"] == "Xã Đắk Môl"
    assert client.get("/api/v1/areas").status_code == 401


def test_create_area_needs_admin_within_scope(client, tree, make_user, auth):
    _, editor = make_user("editor")
    _, admin = make_user("admin")
    _, local_admin = make_user("admin", tree["C1"])
    body = {"code": "P-D-C1-V2", "name": "Thôn 2", "parent_code": "P-D-C1"}
    assert client.post("/api/v1/areas", json=body, headers=auth(editor)).status_code == 403
    reply = client.post("/api/v1/areas", json=body, headers=auth(local_admin))
    assert reply.status_code == 201
    assert reply.json == {"id": reply.json["id"], "code": "P-D-C1-V2", "name": "Thôn 2", "level": "village",
                          "parent_code": "P-D-C1"}
    outside = {"code": "P-D-C2-V", "name": "Thôn 3", "parent_code": "P-D-C2"}
    assert client.post("/api/v1/areas", json=outside, headers=auth(local_admin)).status_code == 403
    assert client.post("/api/v1/areas", json={"code": "Q", "name": "Tỉnh khác"},
                       headers=auth(local_admin)).status_code == 403
    assert client.post("/api/v1/areas", json=body, headers=auth(admin)).status_code == 409
    bad = client.post("/api/v1/areas", json={"code": "X", "name": "X", "level": "galaxy"}, headers=auth(admin))
    assert bad.status_code == 400
    assert AuditLog.select().where(AuditLog.action == "area.create").count() == 1


def test_import_csv_any_order_and_update(db):
    text = ("\ufeffcode,name,level,parent_code\n"
            "DN-DS-DM,Xã Đắk Môl,commune,DN-DS\n"
            "DN,Tỉnh Đắk Nông,province,\n"
            "DN-DS,Huyện Đắk Song,district,DN\n"
            "DN-GN,Thành phố Gia Nghĩa,,DN\n")
    assert areas.import_csv(None, text) == (4, 0)
    assert Area.get(Area.code == "DN-DS-DM").parent.code == "DN-DS"
    assert Area.get(Area.code == "DN-GN").level == "district"  # one below its parent by default
    assert areas.import_csv(None, "code,name,level,parent_code\nDN-DS-DM,Xã Đắk Môl mới,commune,DN\n") == (0, 1)
    moved = Area.get(Area.code == "DN-DS-DM")
    assert moved.name == "Xã Đắk Môl mới" and moved.parent.code == "DN"


def test_import_csv_refuses_orphans_whole(db):
    with pytest.raises(Invalid, match="X-1"):
        areas.import_csv(None, "code,name,level,parent_code\nA,Tỉnh A,province,\nX-1,Xã,commune,NOPE\n")
    assert Area.select().count() == 0


def test_subtree_and_ancestors(tree):
    assert area_tree.subtree_ids(tree["D"].id) == {tree[k].id for k in ("D", "C1", "C2", "V")}
    assert area_tree.ancestor_ids(tree["V"].id) == [tree[k].id for k in ("V", "C1", "D", "P")]


def test_moving_an_area_bumps_its_stations(client, tree, station_factory):
    from central.models import Station

    station, _ = station_factory(tree["V"])
    other, _ = station_factory(tree["C2"])
    before = {s.id: s.manifest_version for s in Station.select()}
    areas.import_csv(None, "code,name,level,parent_code\nP-D-C1-V,Thôn 1,village,P-D-C2\n")
    after = {s.id: s.manifest_version for s in Station.select()}
    assert after[station.id] > before[station.id]
    assert after[other.id] == before[other.id]


def test_import_csv_refuses_a_nameless_area(db):
    with pytest.raises(Invalid, match="DN"):
        areas.import_csv(None, "code,name,level,parent_code\nDN,,province,\n")
    assert Area.select().count() == 0
