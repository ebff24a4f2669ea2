"""The period report of an area: figures by hand, DOCX/XLSX equal to the JSON, draft → submit → roll-up."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from central.models import Area, AuditLog, Campaign, Category, StationOutage
from central.services import playlogs

HANOI = timezone(timedelta(hours=7))
JUNE = {"from": "2026-06-01", "to": "2026-06-30"}
BOTH_DATABASES = pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)


def send(station, status, local_start, seconds, bulletin=None, planned=None):
    start = None if local_start is None else local_start.replace(tzinfo=HANOI)
    when = (planned or local_start).replace(tzinfo=HANOI)
    log = {"id": str(uuid.uuid4()), "status": status, "bulletin_id": bulletin.id if bulletin else None,
           "started_at": None if start is None else start.isoformat(), "planned_start": when.isoformat(),
           "ended_at": None if start is None else (start + timedelta(seconds=seconds)).isoformat()}
    assert playlogs.ingest(station, [log]) == (1, 0)


@pytest.fixture
def june(tree, make_user, station_factory, bulletin_factory):
    """Two districts; June logs of three stations in the first; a silent station in the second."""
    d2 = Area.create(code="P-K", name="Huyện Krông Nô", level="district", parent=tree["P"])
    c3 = Area.create(code="P-K-C3", name="Xã Buôn Choáh", level="commune", parent=d2)
    editor, _ = make_user("editor", tree["D"])
    month = Campaign.create(name="Tháng hành động phòng, chống ma túy", starts_on=date(2026, 6, 1),
                            ends_on=date(2026, 6, 30), category=Category.get(code="drugs"))
    drugs = bulletin_factory(editor, category=Category.get(code="drugs"), campaign=month,
                             title="Ma túy “núp bóng” thực phẩm: cảnh giác")
    hiv = bulletin_factory(editor, category=Category.get(code="hiv"), language="rad",
                           title="Phòng, chống HIV/AIDS (tiếng Ê Đê)")
    s1, _ = station_factory(tree["C1"], "Đài xã Đắk Môl")
    s2, _ = station_factory(tree["C2"], "Đài xã Nâm N'Jang")
    s3, _ = station_factory(tree["V"], "Cụm loa thôn 1")
    quiet, _ = station_factory(c3, "Đài xã Buôn Choáh")
    d = datetime
    send(s1, "completed", d(2026, 6, 2, 6, 30), 120, drugs)
    send(s1, "interrupted", d(2026, 6, 3, 6, 30), 30, drugs)
    send(s1, "missed", None, 0, hiv, planned=d(2026, 6, 4, 17, 0))
    send(s1, "completed", d(2026, 6, 1, 0, 10), 60, drugs)  # 31/5 in UTC, 1/6 locally: in
    send(s1, "completed", d(2026, 7, 1, 0, 30), 60, drugs)  # 1/7 locally: out
    send(s2, "completed", d(2026, 6, 5, 6, 30), 60, drugs)
    send(s2, "completed", d(2026, 6, 29, 17, 0), 90, hiv)
    send(s2, "failed", d(2026, 6, 29, 17, 30), 0, hiv)
    send(s3, "local", d(2026, 6, 28, 8, 0), 48)
    send(quiet, "completed", d(2026, 5, 20, 6, 30), 60, drugs)  # its last log: 20/5
    StationOutage.create(station=s1, started_at=d(2026, 6, 10, tzinfo=UTC), ended_at=d(2026, 6, 16, tzinfo=UTC))
    return {"d2": d2, "campaign": month, "drugs": drugs, "hiv": hiv, "quiet": quiet, "s1": s1}


def lines(rows):
    return {r["label"]: r for r in rows}


FIG = ("bulletins", "plays", "minutes_aired", "stations_reached", "stations_total", "completion_rate")


@BOTH_DATABASES
def test_the_province_report_by_hand(client, auth, make_user, june, backend):
    _, token = make_user("admin")
    body = client.get("/api/v1/reports/period", headers=auth(token), query_string={**JUNE, "area": "P"}).json
    themes = lines(body["themes"])
    # drugs: 120 + 30 + 60 (1/6 local) + 60 (s2) s; 3 completed of 4 attempts; s1, s2 of 4 stations
    assert tuple(themes["Phòng, chống ma túy"][k] for k in FIG) == (1, 4, 4.5, 2, 4, 0.75)
    assert themes["Phòng, chống ma túy"]["titles"] == ["Ma túy “núp bóng” thực phẩm: cảnh giác"]
    assert tuple(themes["Phòng, chống HIV/AIDS"][k] for k in FIG) == (1, 1, 1.5, 1, 4, round(1 / 3, 4))
    assert tuple(themes["Phát tại chỗ"][k] for k in FIG) == (0, 1, 0.8, 1, 4, None)
    assert tuple(body["total"][k] for k in FIG) == (2, 6, 6.8, 3, 4, round(4 / 7, 4))
    (section,) = body["campaigns"]
    assert section["label"] == "Tháng hành động phòng, chống ma túy" and section["bulletins"] == 1
    by_area = lines(section["areas"])
    assert tuple(by_area["Huyện Đắk Song"][k] for k in ("plays", "minutes_aired", "stations_reached",
                                                       "stations_total", "bulletins")) == (4, 4.5, 2, 3, 1)
    assert "Huyện Krông Nô" not in by_area  # nothing of the campaign aired there
    langs = lines(body["languages"])
    assert (langs["Tiếng Việt"]["plays"], langs["Ê Đê"]["plays"], langs["Ê Đê"]["minutes_aired"]) == (4, 1, 1.5)
    assert body["relay_minutes"] == 0.0
    c = body["completeness"]
    silent = {s["name"]: s["last_log_day"] for s in c["silent"]}
    assert silent == {"Đài xã Đắk Môl": "2026-06-04", "Đài xã Buôn Choáh": "2026-05-20"}
    assert c["silent_since"] == "2026-05-20"
    assert "Đài xã Đắk Môl" in {s["name"] for s in c["offline"]}  # six days off line in June
    district = client.get("/api/v1/reports/period", headers=auth(token),
                          query_string={**JUNE, "area": "P-K"}).json
    assert (district["total"]["plays"], district["stations_total"]) == (0, 1)


def _docx_tables(data):
    import docx

    doc = docx.Document(io.BytesIO(data))
    text = "\n".join(p.text for p in doc.paragraphs)
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    return doc, text, tables


def _fmt_rate(v):
    return "" if v is None else f"{v * 100:.1f}"


def test_docx_and_xlsx_carry_the_json_numbers(client, auth, make_user, june):
    import openpyxl

    _, token = make_user("admin")
    q = {**JUNE, "area": "P"}
    start = datetime(2026, 6, 12, 6, 30, tzinfo=HANOI)  # a play into the null output: not aired, its own column
    silent = {"id": str(uuid.uuid4()), "status": "completed", "bulletin_id": june["drugs"].id,
              "planned_start": start.isoformat(), "started_at": start.isoformat(),
              "ended_at": (start + timedelta(seconds=60)).isoformat(),
              "sound": {"null_output": True, "audibility": "not_audible"}}
    assert playlogs.ingest(june["s1"], [silent]) == (1, 0)
    body = client.get("/api/v1/reports/period", headers=auth(token), query_string=q).json
    assert lines(body["themes"])["Phòng, chống ma túy"]["not_audible"] == 1
    reply = client.get("/api/v1/reports/period/docx", headers=auth(token), query_string=q)
    assert reply.status_code == 200 and reply.mimetype.endswith("wordprocessingml.document")
    doc, text, tables = _docx_tables(reply.data)
    header = tables[0]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in header[0][1] and "Độc lập - Tự do - Hạnh phúc" in header[0][1]
    assert "ĐƠN VỊ: TỈNH ĐẮK NÔNG" in header[0][0] and "Số:" in header[0][0]
    assert ", ngày " in header[0][1] and " tháng " in header[0][1] and " năm " in header[0][1]
    assert "BÁO CÁO" in text and "Nơi nhận:" in tables[-1][0][0]
    themes = next(t for t in tables if t[0][:2] == ["TT", "Chủ đề"])
    for row, t in zip(themes[1:], body["themes"], strict=True):
        assert row[1] == t["label"]
        assert row[2:] == [str(t["bulletins"]), str(t["plays"]), str(t["minutes_aired"]),
                           str(t["stations_reached"]), str(t["stations_total"]), _fmt_rate(t["completion_rate"]),
                           str(t["not_audible"]), str(t["failed_to_sound"])]
    assert themes[0][8:] == ["Không nghe được", "Không phát ra tiếng"]
    titles = next(t for t in tables if t[0] == ["Chủ đề", "Tên tin, bài"])
    assert ["Phòng, chống ma túy", "Ma túy “núp bóng” thực phẩm: cảnh giác"] in titles
    campaigns = next(t for t in tables if t[0][:2] == ["Đợt tuyên truyền", "Đơn vị"])
    assert campaigns[2][:4] == ["Tháng hành động phòng, chống ma túy", "Huyện Đắk Song", "1", "4"]
    assert campaigns[2][-2:] == ["1", "0"]  # the null-output play, under its campaign and district
    languages = next(t for t in tables if t[0][0] == "Ngôn ngữ")
    for row, lang in zip(languages[1:], body["languages"], strict=True):
        assert [row[0], row[-2], row[-1]] == [lang["label"], str(lang["not_audible"]), str(lang["failed_to_sound"])]
    assert "2 đài chưa gửi nhật ký phát từ ngày 20/05/2026 (trên tổng số 4 đài)." in text
    assert len(doc.inline_shapes) == 1  # the chart of minutes by theme
    book = openpyxl.load_workbook(io.BytesIO(client.get("/api/v1/reports/period/xlsx", headers=auth(token),
                                                        query_string=q).data))
    assert {"Tổng hợp", "Chủ đề", "Tin bài", "Đợt tuyên truyền", "Ngôn ngữ", "Nhập tay", "Đầy đủ số liệu",
            "Đơn vị trực thuộc"} <= set(book.sheetnames)
    sheet = book["Chủ đề"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    header = next(sheet.iter_rows(max_row=1, values_only=True))
    statuses = ("not_audible", "failed_to_sound", "completed", "interrupted", "failed", "missed", "skipped", "local")
    assert header[7:15] == ("Không nghe được", "Không phát ra tiếng", "Hoàn thành", "Bị ngắt", "Lỗi", "Bị lỡ",
                            "Bỏ qua", "Phát tại chỗ")
    for row, t in zip(rows, body["themes"], strict=True):
        rate = None if t["completion_rate"] is None else round(t["completion_rate"] * 100, 1)
        assert row[:7] == (t["label"], t["bulletins"], t["plays"], t["minutes_aired"], t["stations_reached"],
                           t["stations_total"], rate)
        assert row[7:15] == tuple(t[k] for k in statuses)
    assert len(sheet._charts) == 1
    langs = {r[0]: r for r in book["Ngôn ngữ"].iter_rows(min_row=2, values_only=True)}
    assert langs["Ê Đê"][2] == 1 and langs["Tiếng Việt"][3] == 4.5
    cover = {r[0]: r[1] for r in book["Tổng hợp"].iter_rows(values_only=True) if r and r[0]}
    assert cover["Số lượt phát"] == body["total"]["plays"] and cover["Số phút phát"] == body["total"]["minutes_aired"]


def test_a_district_saves_submits_and_the_province_rolls_it_up(client, auth, make_user, tree, june):
    district_editor, dtok = make_user("editor", tree["D"])
    _, ptok = make_user("admin")
    _, operator = make_user("operator", tree["D"])
    _, outsider = make_user("editor", june["d2"])
    q = {**JUNE, "area": "P-D"}
    draft = {"number": "15/BC-TTVH", "place": "Đắk Song", "signer_title": "GIÁM ĐỐC", "signer_name": "Nguyễn Văn Ân",
             "manual": {"sms_messages": 1200, "portal_articles": 7},
             "narrative": {"results": "Đã phát đủ các bản tin theo kế hoạch.", "difficulties": "Mất điện ở Thôn 1."}}
    assert client.put("/api/v1/reports/period", headers=auth(operator), query_string=q, json=draft).status_code == 403
    assert client.put("/api/v1/reports/period", headers=auth(outsider), query_string=q, json=draft).status_code == 403
    assert client.put("/api/v1/reports/period", headers=auth(dtok), query_string=q,
                      json={"manual": {"sms_messages": -1}}).status_code == 400
    saved = client.put("/api/v1/reports/period", headers=auth(dtok), query_string=q, json=draft)
    assert saved.status_code == 200, saved.json
    assert saved.json["report"]["status"] == "draft" and saved.json["manual"]["sms_messages"] == 1200
    province = client.get("/api/v1/reports/period", headers=auth(ptok), query_string={**JUNE, "area": "P"}).json
    assert set(province["children_missing"]) == {"Huyện Krông Nô", "Huyện Đắk Song"}
    assert province["manual_total"]["sms_messages"] == 0  # a draft does not count yet
    done = client.post("/api/v1/reports/period/submit", headers=auth(dtok), query_string=q,
                       json={"narrative": {"proposals": "Đề nghị cấp thêm cụm loa."}})
    assert done.status_code == 200, done.json
    assert done.json["report"]["status"] == "submitted" and done.json["report"]["submitted_by"] == district_editor.name
    assert done.json["narrative"]["results"] == "Đã phát đủ các bản tin theo kế hoạch."
    assert client.put("/api/v1/reports/period", headers=auth(dtok), query_string=q, json=draft).status_code == 409
    province = client.get("/api/v1/reports/period", headers=auth(ptok), query_string={**JUNE, "area": "P"}).json
    assert province["children_missing"] == ["Huyện Krông Nô"]
    assert (province["manual_total"]["sms_messages"], province["manual_total"]["portal_articles"]) == (1200, 7)
    # frozen: a late log after submission changes the province's live figures, not the district's report
    send(june["s1"], "completed", datetime(2026, 6, 20, 6, 30), 60, june["drugs"])
    after = client.get("/api/v1/reports/period", headers=auth(dtok), query_string=q).json
    assert after["total"]["plays"] == done.json["total"]["plays"]
    assert client.get("/api/v1/reports/period", headers=auth(ptok),
                      query_string={**JUNE, "area": "P"}).json["total"]["plays"] == province["total"]["plays"] + 1
    actions = [a.action for a in AuditLog.select().where(AuditLog.object_type == "Report").order_by(AuditLog.id)]
    assert actions == ["report.save", "report.save", "report.submit"]


def test_answers_match_the_openapi_document(client, auth, make_user, tree, june):
    from tests.central.test_openapi import conforms

    spec = client.get("/api/v1/openapi.json").json
    _, admin = make_user("admin")
    _, dtok = make_user("editor", tree["D"])
    q = {**JUNE, "area": "P-D"}
    calls = [
        ("GET", "/api/v1/reports/period", {**JUNE, "area": "P"}, admin, None, 200),
        ("PUT", "/api/v1/reports/period", q, dtok, {"manual": {"fm_communes": 3}, "narrative": {"results": "Tốt"}},
         200),
        ("PUT", "/api/v1/reports/period", q, dtok, {"manual": {"nope": 1}}, 400),
        ("POST", "/api/v1/reports/period/submit", q, dtok, None, 200),
        ("POST", "/api/v1/reports/period/submit", q, dtok, None, 409),
        ("GET", "/api/v1/reports/period", {**JUNE, "area": "P"}, admin, None, 200),
        ("GET", "/api/v1/reports/period", {**JUNE, "area": "P-K"}, dtok, None, 403),
        ("GET", "/api/v1/reports/period", {"preset": "year", "year": "2026", "plan": "999", "period": "year"},
         admin, None, 404),
        ("GET", "/api/v1/reports/period/docx", q, admin, None, 200),
        ("GET", "/api/v1/reports/period/xlsx", q, admin, None, 200),
        ("GET", "/api/v1/reports/period/chart.png", q, admin, None, 200),
    ]
    for method, template, query, token, body, status in calls:
        reply = client.open(template, method=method, json=body, query_string=query, headers=auth(token))
        assert reply.status_code == status, (method, template, reply.json if reply.is_json else reply.status)
        if reply.mimetype == "application/json" or reply.mimetype.endswith("problem+json"):
            conforms(spec, method, template, reply)
        else:
            assert reply.mimetype in spec["paths"][template][method.lower()]["responses"]["200"]["content"]
    assert client.get("/api/v1/reports/period/chart.png", headers=auth(admin),
                      query_string=q).data.startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize("path", ["/api/v1/reports/period", "/api/v1/reports/summary"])
@pytest.mark.parametrize("query", [{"from": "0001-01-01"}, {"to": "9999-12-31"}, {"from": "2026-02-30"}])
def test_days_far_outside_any_plan_are_refused_not_a_server_error(client, auth, make_user, tree, path, query):
    _, token = make_user("admin")
    reply = client.get(path, headers=auth(token), query_string={"area": "P", **query})
    assert reply.status_code == 400, reply.data
    assert reply.mimetype == "application/problem+json"


def test_text_with_a_nul_character_is_refused(client, auth, make_user, tree):
    _, token = make_user("editor", tree["D"])
    q = {**JUNE, "area": "P-D"}
    for body in ({"number": "1\x00"}, {"narrative": {"results": "a\x00b"}}):
        reply = client.put("/api/v1/reports/period", headers=auth(token), query_string=q, json=body)
        # refused at the edge, on every path, with 422 (central/text_guard.py), and nothing is saved
        assert reply.status_code == 422 and reply.mimetype == "application/problem+json", reply.data
    assert client.get("/api/v1/reports/period", headers=auth(token), query_string=q).json["report"]["id"] is None


@BOTH_DATABASES
def test_a_test_emergency_is_not_a_broadcast_in_any_report(client, auth, make_user, tree, station_factory,
                                                           bulletin_factory, backend):
    """A drill's plays stay out of aired figures (period report, summary, DOCX) and are shown apart."""
    import openpyxl

    from central.services import emergencies, reports, rollups

    approver, token = make_user("approver", tree["D"])
    flood = bulletin_factory(approver, category=Category.get(code="disaster"), title="Cảnh báo lũ quét")
    drugs = bulletin_factory(approver, category=Category.get(code="drugs"), title="Tác hại của ma túy")
    s1, _ = station_factory(tree["C1"], "Đài xã Đắk Môl")
    drill = emergencies.create(approver, {"bulletin_id": flood.id, "mode": "test",
                                          "targets": {"areas": [], "stations": [s1.id]}})
    live = emergencies.create(approver, {"bulletin_id": flood.id, "targets": {"areas": ["P-D-C1"], "stations": []}})
    day = datetime.now(HANOI).replace(hour=9, minute=0, second=0, microsecond=0, tzinfo=None)

    def play(schedule_id, bulletin, seconds, status="completed"):
        start = day.replace(tzinfo=HANOI)
        log = {"id": str(uuid.uuid4()), "schedule_id": schedule_id, "bulletin_id": bulletin.id, "status": status,
               "planned_start": start.isoformat(), "started_at": start.isoformat(),
               "ended_at": (start + timedelta(seconds=seconds)).isoformat()}
        assert playlogs.ingest(s1, [log]) == (1, 0)

    play(drill.schedule_id, flood, 120)
    play(drill.schedule_id, flood, 0, "failed")
    play(live.schedule_id, flood, 60)  # a real emergency is a broadcast
    play(None, drugs, 30)
    q = {"from": day.date().isoformat(), "to": day.date().isoformat(), "area": "P-D"}

    def check() -> dict:
        body = client.get("/api/v1/reports/period", headers=auth(token), query_string=q).json
        assert (body["total"]["plays"], body["total"]["minutes_aired"], body["total"]["failed"]) == (2, 1.5, 0)
        assert lines(body["themes"])["Phòng, chống thiên tai"]["plays"] == 1, [t["label"] for t in body["themes"]]
        tests = body["tests"]
        assert (tests["plays"], tests["minutes_aired"], tests["failed"], tests["stations_reached"]) == (1, 2.0, 1, 1)
        summary = reports.summary(approver, day.date(), day.date(), "P-D", "station")
        assert (summary.total.plays, summary.total.minutes_aired, summary.total.failed) == (2, 1.5, 0)
        return body

    body = check()
    rollups.rebuild()  # the migration's backfill (SQL on PostgreSQL) keeps the drill apart too
    check()
    docx_bytes = client.get("/api/v1/reports/period/docx", headers=auth(token), query_string=q).data
    _, text, _ = _docx_tables(docx_bytes)
    assert "Phát thử nghiệm (khẩn cấp), không tính vào số liệu trên: 1 lượt phát, 2.0 phút, 1 đài." in text
    book = openpyxl.load_workbook(io.BytesIO(client.get("/api/v1/reports/period/xlsx", headers=auth(token),
                                                        query_string=q).data))
    cover = [r for r in book["Tổng hợp"].iter_rows(values_only=True)]
    at = cover.index(("Phát thử nghiệm (khẩn cấp), không tính vào số liệu trên", None, None, None))
    assert cover[at + 1][:2] == ("  Số lượt phát", body["tests"]["plays"])


@BOTH_DATABASES
def test_the_report_equals_a_count_of_the_stored_logs(client, auth, make_user, tree, bulletin_factory, backend):
    """Reach is folded as words of station bits (64 stations a word on PostgreSQL): with 150 stations in two
    districts and random logs, every line equals a plain count over ``play_log`` by the report's rules."""
    import random

    from central.models import Chime, PlayLog, Station

    rng = random.Random(14)
    d2 = Area.create(code="P-K", name="Huyện Krông Nô", level="district", parent=tree["P"])
    c3 = Area.create(code="P-K-C3", name="Xã Buôn Choáh", level="commune", parent=d2)
    admin, token = make_user("admin")
    month = Campaign.create(name="Tháng hành động phòng, chống ma túy", starts_on=date(2026, 6, 1),
                            ends_on=date(2026, 6, 30), category=Category.get(code="drugs"))
    b = [bulletin_factory(admin, category=Category.get(code="drugs"), campaign=month, title="Ma túy “núp bóng”"),
         bulletin_factory(admin, category=Category.get(code="hiv"), language="rad", title="HIV/AIDS (Ê Đê)"),
         bulletin_factory(admin, category=Category.get(code="drugs"), campaign=month, language="cmo",
                          title="Ma túy (M'Nông)")]
    chime = Chime.create(title="Nhạc hiệu", status="approved", asset=bulletin_factory(admin, status="draft").asset)
    areas = [tree["C1"], tree["C2"], tree["V"], c3]
    stations = [Station.create(area=areas[i % 4], name=f"Đài {i:03d}") for i in range(150)]
    for s in stations:
        logs = []
        for _ in range(rng.randrange(0, 5)):
            at = datetime(2026, 6, rng.randrange(1, 31), rng.randrange(24), tzinfo=HANOI)
            pick = rng.randrange(6)
            body = {"id": str(uuid.uuid4()), "status": rng.choice(["completed", "completed", "interrupted", "failed",
                                                                   "missed", "local"]),
                    "planned_start": at.isoformat(), "started_at": at.isoformat(),
                    "ended_at": (at + timedelta(seconds=rng.randrange(10, 300))).isoformat()}
            if pick < 3:
                body["bulletin_id"] = b[pick].id
            elif pick == 3:
                body["asset_sha256"] = b[0].asset_id  # a bulletin's audio, no bulletin named: it is b[0]'s
            elif pick == 4:
                body["asset_sha256"] = chime.asset_id
            if body["status"] == "local" and pick < 3 and rng.random() < 0.5:
                body.pop("bulletin_id")  # a local announcement
            logs.append(body)
        if logs:
            assert playlogs.ingest(s, logs)[0] == len(logs)
    report = client.get("/api/v1/reports/period", headers=auth(token), query_string={**JUNE, "area": "P"}).json

    lines: dict = {}  # line name → [plays, aired seconds, stations, bulletins, completed]
    district = {tree["C1"].id: "Huyện Đắk Song", tree["C2"].id: "Huyện Đắk Song", tree["V"].id: "Huyện Đắk Song",
                c3.id: "Huyện Krông Nô"}
    theme = {b[0].id: "Phòng, chống ma túy", b[1].id: "Phòng, chống HIV/AIDS", b[2].id: "Phòng, chống ma túy"}
    language = {b[0].id: "Tiếng Việt", b[1].id: "Ê Đê", b[2].id: "M'Nông"}
    for log in PlayLog.select():
        # a local play naming no bulletin is an announcement made there, whatever audio it names
        owner = log.bulletin_id or (b[0].id if log.asset_sha256 == b[0].asset_id and log.status != "local"
                                    else None)
        names = ["total"]
        if owner is not None:
            names += [theme[owner], f"lang:{language[owner]}"]
            if owner != b[1].id:
                names.append(f"campaign:{district[Station.get_by_id(log.station_id).area_id]}")
        elif log.status == "local":
            names.append("Phát tại chỗ")
        elif log.asset_sha256 == chime.asset_id:
            names.append("Nhạc hiệu")
        elif log.status in ("completed", "interrupted"):
            continue  # a pause: nothing was heard, nothing counts
        else:
            names.append("(chưa phân loại)")  # failed or missed, naming nothing
        for name in names:
            line = lines.setdefault(name, [0, 0.0, set(), set(), 0])
            line[4] += log.status == "completed"
            if log.status in ("completed", "interrupted", "local"):
                line[0] += 1
                line[1] += (log.ended_at - log.started_at).total_seconds()
                line[2].add(log.station_id)
                if owner is not None:
                    line[3].add(owner)

    def check(name: str, got: dict) -> None:
        plays, seconds, reached, bulletins, completed = lines.get(name, [0, 0.0, set(), set(), 0])
        assert (got["plays"], got["minutes_aired"], got["stations_reached"], got["completed"]) == (
            plays, round(seconds / 60, 1), len(reached), completed), name
        if not name.startswith(("Nhạc", "Phát", "(")):
            assert got["bulletins"] == len(bulletins), name

    check("total", report["total"])
    for t in report["themes"]:
        check(t["label"], t)
    for lang in report["languages"]:
        check(f"lang:{lang['label']}", lang)
    (section,) = report["campaigns"]
    for a in section["areas"]:
        check(f"campaign:{a['label']}", a)
    assert {t["label"] for t in report["themes"]} == {n for n in lines if ":" not in n and n != "total"}
    assert len(section["areas"]) == 2 and report["total"]["stations_reached"] > 64


def test_the_xlsx_headings_follow_the_readers_language(client, auth, make_user, june):
    """Sheet names and headings in the reader's language; names from the database stay as they are."""
    import openpyxl

    _, token = make_user("admin")
    q = {**JUNE, "area": "P"}
    reply = client.get("/api/v1/reports/period/xlsx", headers={**auth(token), "Accept-Language": "en"}, query_string=q)
    book = openpyxl.load_workbook(io.BytesIO(reply.data))
    assert {"Summary", "Category", "Bulletins", "Campaign", "Language", "Entered by hand", "Completeness"} <= set(
        book.sheetnames)
    header = next(book["Category"].iter_rows(max_row=1, values_only=True))
    assert header[:4] == ("Category", "Bulletins", "Plays", "Minutes aired")
    cover = {r[0]: r[1] for r in book["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert "Plays" in cover and "Area" in cover
    themes = {r[0] for r in book["Category"].iter_rows(min_row=2, values_only=True)}
    assert any("ma túy" in str(name) for name in themes)  # a theme's own name is not translated
