"""The audit log: where rows are placed, the admins' API (filters, pages, CSV) and its scope."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest

from central import migrations
from central.migrations import m0005_enroll_throttle_revoke_audit_area as m0005
from central.models import ApiToken, AuditLog, LoginAttempt, PlayLog, Station
from central.services import audit, enrollment, users


def _at(row: AuditLog, when: datetime) -> None:
    AuditLog.update(at=when).where(AuditLog.id == row.id).execute()


@pytest.fixture
def logged(tree, make_user, bulletin_factory) -> dict[str, Any]:
    """Rows of known people, objects, areas and times (2026, Vietnam's days)."""
    lan, _ = make_user("editor", tree["C1"], name="lan")
    minh, _ = make_user("approver", tree["D"], name="minh")
    hoa, _ = make_user("editor", tree["C2"], name="hoa")
    keys = {"admin": make_user("admin", None)[1], "admin D": make_user("admin", tree["D"])[1],
            "admin C2": make_user("admin", tree["C2"])[1],
            **{role: make_user(role, None)[1] for role in ("editor", "approver", "operator")}}
    AuditLog.delete().execute()  # only the rows below
    b1 = bulletin_factory(lan, status="draft", area=tree["C1"])
    b2 = bulletin_factory(hoa, status="draft", area=tree["C2"])
    rows = {
        "create1": audit.record(lan, "bulletin.create", b1, title=b1.title),
        "approve1": audit.record(minh, "bulletin.approve", b1, before="submitted", after="approved"),
        "create2": audit.record(hoa, "bulletin.create", b2, title="=HYPERLINK(\"http://x\")"),
        "cat": audit.record(None, "category.create", None, code="mua-bao"),
    }
    # 1/6 local starts at 31/5 17:00 UTC; the approval at 1/6 06:59 local is on 1/6, hoa's at 2/6 00:30 local
    _at(rows["create1"], datetime(2026, 5, 31, 16, 59, tzinfo=UTC))  # 31/5 23:59 local
    _at(rows["approve1"], datetime(2026, 5, 31, 23, 59, tzinfo=UTC))
    _at(rows["create2"], datetime(2026, 6, 1, 17, 30, tzinfo=UTC))
    _at(rows["cat"], datetime(2026, 6, 1, 1, 0, tzinfo=UTC))
    return {"lan": lan, "minh": minh, "hoa": hoa, "b1": b1, "b2": b2, "keys": keys, **rows}


def _ids(reply: Any) -> list[int]:
    assert reply.status_code == 200, reply.json
    return [e["id"] for e in reply.json["entries"]]


def test_a_row_is_placed_in_its_objects_area_else_its_actors(tree, make_user, station_factory):
    admin, _ = make_user("admin", None)
    clerk, _ = make_user("editor", tree["C2"])
    station, _ = station_factory(tree["C1"])
    assert audit.record(clerk, "station.update", station).area_id == tree["C1"].id  # the object's area
    assert audit.record(admin, "area.create", tree["V"]).area_id == tree["V"].id  # an area is its own
    assert audit.record(clerk, "category.create", None).area_id == tree["C2"].id  # no object: the actor's
    assert audit.record(admin, "category.create", None).area_id is None  # province-wide
    token = ApiToken.get(ApiToken.user == clerk.id)
    assert audit.record(admin, "token.revoke", token).area_id == tree["C2"].id  # a token: its owner's


def test_filters_by_person_object_action_area_and_local_days(client, auth, logged):
    key = logged["keys"]["admin"]
    get = lambda q: _ids(client.get(f"/api/v1/audit?{q}", headers=auth(key)))  # noqa: E731
    r = logged
    assert get("") == [r["create2"].id, r["cat"].id, r["approve1"].id, r["create1"].id]  # newest first
    assert get("person=minh") == [r["approve1"].id]
    assert get(f"object_type=Bulletin&object_id={r['b1'].id}") == [r["approve1"].id, r["create1"].id]
    assert get("action=bulletin.create") == [r["create2"].id, r["create1"].id]
    assert get("action=bulletin") == [r["create2"].id, r["approve1"].id, r["create1"].id]
    assert get("area=P-D-C1") == [r["approve1"].id, r["create1"].id]
    assert get("area=P-D") == [r["create2"].id, r["approve1"].id, r["create1"].id]  # the subtree
    assert get("from=2026-06-01&to=2026-06-01") == [r["cat"].id, r["approve1"].id]  # Vietnam's 1 June
    assert get("from=2026-05-31T23:59:00Z&to=2026-06-01T01:00:00Z") == [r["approve1"].id]  # "to" excluded
    assert get("from=0001-01-01&to=9999-12-31") == get("")  # far dates are clamped, not a server error
    entry = client.get("/api/v1/audit?person=minh", headers=auth(key)).json["entries"][0]
    assert entry == {"id": r["approve1"].id, "at": "2026-05-31T23:59:00+00:00", "actor_id": r["minh"].id,
                     "actor_name": "minh", "action": "bulletin.approve", "object_type": "Bulletin",
                     "object_id": str(r["b1"].id), "area_code": "P-D-C1",
                     "detail": {"before": "submitted", "after": "approved"}}


def test_pages_carry_the_total(client, auth, logged):
    key = logged["keys"]["admin"]
    first = client.get("/api/v1/audit?limit=2", headers=auth(key)).json
    second = client.get("/api/v1/audit?limit=2&offset=2", headers=auth(key)).json
    assert (first["total"], first["limit"], first["offset"]) == (4, 2, 0)
    assert first["total"] == second["total"] == 4 and second["offset"] == 2
    assert len({e["id"] for e in first["entries"] + second["entries"]}) == 4
    for bad in ("limit=0", "limit=1001", "offset=-1", "offset=99999999999999999999", "limit=x",
                "from=yesterday", "format=xml"):
        reply = client.get(f"/api/v1/audit?{bad}", headers=auth(key))
        assert reply.status_code == 400, bad
        assert reply.mimetype == "application/problem+json"


def test_csv_has_every_matching_row_for_excel(client, auth, logged):
    key = logged["keys"]["admin"]
    reply = client.get("/api/v1/audit?format=csv&action=bulletin&from=2026-05-01&to=2026-06-30",
                       headers=auth(key))
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="nhat-ky-thao-tac-20260501-20260630.csv"' in reply.headers["Content-Disposition"]
    data = reply.get_data()
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with a BOM
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8"))))
    assert rows[0] == list(audit.CSV_HEADER)
    assert [r[1] for r in rows[1:]] == ["hoa", "minh", "lan"]
    assert rows[3][0] == "2026-05-31 23:59:00"  # Vietnam's time
    assert rows[3][5] == "P-D-C1" and "Bản tin phòng, chống ma túy" in rows[3][6]  # diacritics intact
    assert rows[1][6] == '{"title": "=HYPERLINK(\\"http://x\\")"}'  # JSON opens with "{": never a formula


def test_csv_cells_excel_would_run_as_formulas_stay_text(db):
    row = audit.record(None, "user.create", None)
    AuditLog.update(actor_name="=2+3", object_id="@SUM(A1)").where(AuditLog.id == row.id).execute()
    data = audit.to_csv([AuditLog.get_by_id(row.id)])
    line = list(csv.reader(io.StringIO(data[3:].decode())))[1]
    assert (line[1], line[4]) == ("'=2+3", "'@SUM(A1)")


def test_only_admins_read_it_and_a_scoped_admin_sees_their_subtree(client, auth, logged):
    assert client.get("/api/v1/audit").status_code == 401
    for role in ("editor", "approver", "operator"):
        reply = client.get("/api/v1/audit", headers=auth(logged["keys"][role]))
        assert reply.status_code == 403 and reply.mimetype == "application/problem+json"
    district = logged["keys"]["admin D"]
    assert set(_ids(client.get("/api/v1/audit", headers=auth(district)))) == {
        logged["create1"].id, logged["approve1"].id, logged["create2"].id}  # not the province-wide row
    commune = logged["keys"]["admin C2"]
    assert _ids(client.get("/api/v1/audit", headers=auth(commune))) == [logged["create2"].id]
    assert client.get("/api/v1/audit?area=P-D-C1", headers=auth(commune)).status_code == 403
    csv_rows = client.get("/api/v1/audit?format=csv", headers=auth(commune)).get_data()[3:].decode().splitlines()
    assert len(csv_rows) == 2


def test_the_migration_places_old_rows(db, tree, make_user, station_factory):
    clerk, _ = make_user("editor", tree["C2"])
    station, _ = station_factory(tree["C1"])
    rows = [audit.record(clerk, "station.update", station), audit.record(None, "area.create", tree["V"]),
            audit.record(clerk, "category.create", None), audit.record(None, "station.enroll", station)]
    AuditLog.update(area=None).execute()
    m0005._backfill_audit_areas(db)
    assert [AuditLog.get_by_id(r.id).area_id for r in rows] == [
        tree["C1"].id, tree["V"].id, tree["C2"].id, tree["C1"].id]


def test_logins_and_revocations_are_audited(client, tree, make_user, station_factory):
    user, _ = make_user("approver", tree["D"], name="duyet")
    users.authenticate("duyet", "mật-khẩu-thử-1", "10.0.0.9")
    row = AuditLog.get(AuditLog.action == "user.login")
    assert (row.actor_id, row.area_id, row.detail) == (user.id, tree["D"].id, {"remote_addr": "10.0.0.9"})
    station, _ = station_factory(tree["C1"])
    enrollment.revoke(user, station)
    assert AuditLog.get(AuditLog.action == "station.revoke").actor_id == user.id


def _as_version_4(db: Any) -> None:
    """Take away what step 5 adds, as a database made before it would be."""
    import re

    from playhouse.migrate import migrate

    from central.db import is_postgres
    from central.models import SchemaVersion

    migrator = migrations.migrator_for(db)
    for table, column in (("login_attempt", "kind"), ("station", "revoked_token_hash"),
                          ("station", "token_revoked_at"), ("audit_log", "area_id")):
        for index in db.get_indexes(table):
            if column in index.columns:
                migrate(migrator.drop_index(table, index.name))
        if column != "area_id" or is_postgres():
            migrate(migrator.drop_column(table, column))
            continue
        # SQLite drops no foreign key column: make the table again as version 4 had it
        ddl = db.execute_sql("SELECT sql FROM sqlite_master WHERE name = 'audit_log'").fetchone()[0]
        ddl = re.sub(r', FOREIGN KEY \("area_id"\)[^,)]*\([^)]*\)[^,)]*', "", ddl.replace('"area_id" INTEGER, ', ""))
        keep = ", ".join(f'"{c.name}"' for c in db.get_columns("audit_log") if c.name != "area_id")
        db.execute_sql("ALTER TABLE audit_log RENAME TO audit_log_v5")
        db.execute_sql(ddl)
        db.execute_sql(f"INSERT INTO audit_log ({keep}) SELECT {keep} FROM audit_log_v5")
        db.execute_sql("DROP TABLE audit_log_v5")
    SchemaVersion.delete().execute()  # a new database holds the latest version only
    SchemaVersion.create(version=4)


def test_step_5_brings_a_version_4_database_forward(db, tree, make_user, station_factory, client):
    clerk, _ = make_user("editor", tree["C2"])
    station, token = station_factory(tree["C1"])
    client.post("/api/v1/station/play-logs", headers={"Authorization": f"Bearer {token}"}, json={"logs": [{
        "id": "6f1c1f7e-0000-4000-8000-000000000001", "status": "completed", "clock_trusted": True,
        "clock_offset_ms": 0, "started_at": "2026-06-01T06:30:00+07:00"}]})
    users.authenticate(clerk.name, "mật-khẩu-thử-1", "10.0.0.1")
    row = audit.record(clerk, "station.update", station)
    real = db.obj  # the database behind the proxy: the migrator is chosen by its kind
    _as_version_4(real)
    assert "area_id" not in {c.name for c in real.get_columns("audit_log")}

    assert migrations.apply(real) == list(range(5, migrations.latest() + 1))  # later steps too

    assert AuditLog.get_by_id(row.id).area_id == tree["C1"].id  # placed by its object
    assert {a.kind for a in LoginAttempt.select()} == {"login"}
    assert PlayLog.select().where(PlayLog.station == station.id).count() == 1  # nothing cascaded away
    assert Station.get_by_id(station.id).token_hash is not None
    enrollment.revoke(clerk, station)  # the new columns work
    assert Station.get_by_id(station.id).token_revoked_at is not None
    assert migrations.apply(real) == []


def test_changes_made_at_the_console_name_the_console_user(app, db):
    import getpass

    from click.testing import CliRunner

    from central.cli import main

    env = {"LOA_DATA_DIR": str(app.config["DATA_DIR"]), "DATABASE_URL": app.config["DATABASE_URL"]}
    out = CliRunner().invoke(main, ["add-area", "HN", "Hà Nội", "--level", "province"], env=env)
    assert out.exit_code == 0, out.output
    assert AuditLog.get(AuditLog.action == "area.create").actor_name == f"cli:{getpass.getuser()}"
    assert audit.record(None, "category.create", None).actor_name == "system"  # only while the command runs
