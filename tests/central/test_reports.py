"""Report figures against hand-computed expectations, local-day ranges, scope, CSV for Excel."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from central.models import Campaign, Category
from central.services import playlogs, reports

HANOI = timezone(timedelta(hours=7))
BOTH_DATABASES = pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)


def send(station, **fields):
    """Store one log the way a station's upload does (so the rollups reports read are kept too)."""
    log = {"id": str(uuid.uuid4()), **{k: v.isoformat() if isinstance(v, datetime) else v
                                       for k, v in fields.items()}}
    assert playlogs.ingest(station, [log]) == (1, 0)


def fact(status, seconds=0.0, key="k", station=1, bulletin=True):
    return reports.LogFact(station, status, key, key.upper(), has_bulletin=bulletin, seconds=seconds)


def test_summarise_by_hand():
    rows, total = reports.summarise([
        fact("completed", 120), fact("interrupted", 30), fact("missed"), fact("skipped"),
        fact("completed", 90, station=2), fact("failed", 0, station=2),
        fact("completed", 15, bulletin=False),  # no bulletin, no audio (a pause): not counted
        fact("local", 48, key="local", station=3, bulletin=False),
    ])
    k, local = rows
    assert (k.plays, k.completed, k.interrupted, k.failed, k.missed, k.skipped) == (3, 2, 1, 1, 1, 1)
    assert k.minutes_aired == 4.0  # (120 + 30 + 90) / 60
    assert k.completion_rate == 0.4  # 2 completed of 5 attempts (skipped is not an attempt)
    assert k.stations_reached == 2
    assert (local.plays, local.local, local.minutes_aired, local.completion_rate) == (1, 1, 0.8, None)
    assert (total.plays, total.minutes_aired, total.stations_reached) == (4, 4.8, 3)


def test_ranges_are_local_days_and_presets_follow_the_plan():
    lo, hi = reports.utc_bounds(date(2026, 6, 1), date(2026, 6, 30))
    assert lo.astimezone(UTC) == datetime(2026, 5, 31, 17, 0, tzinfo=UTC)
    assert hi.astimezone(UTC) == datetime(2026, 6, 30, 17, 0, tzinfo=UTC)
    assert reports.preset_range("six-month", 2024) == (date(2024, 1, 1), date(2024, 6, 14))
    assert reports.preset_range("year", 2024) == (date(2024, 1, 1), date(2024, 11, 30))
    assert reports.resolve_range(None, None, None, date(2026, 11, 26)) == (date(2026, 10, 28),
                                                                           date(2026, 11, 26))
    with pytest.raises(reports.Invalid):
        reports.resolve_range("2026-06-30", "2026-06-01", None, date(2026, 11, 26))


@pytest.fixture
def aired(tree, make_user, station_factory, bulletin_factory):
    """Three stations' June logs; the figures each test expects are worked out in its comments."""
    editor, _ = make_user("editor", tree["D"])
    june = Campaign.create(name="Tháng hành động phòng, chống ma túy", starts_on=date(2026, 6, 1),
                           ends_on=date(2026, 6, 30), category=Category.get(code="drugs"))
    drugs = bulletin_factory(editor, category=Category.get(code="drugs"), campaign=june)
    hiv = bulletin_factory(editor, category=Category.get(code="hiv"))
    s1, _ = station_factory(tree["C1"], "Đài xã Đắk Môl")
    s2, _ = station_factory(tree["C2"], "Đài xã Nâm N'Jang")
    s3, _ = station_factory(tree["V"], "Cụm loa thôn 1")

    def log(station, status, local_start, seconds, bulletin=None, planned=None):
        start = None if local_start is None else local_start.replace(tzinfo=HANOI)
        send(station, status=status, bulletin_id=bulletin.id if bulletin else None, started_at=start,
             ended_at=None if start is None else start + timedelta(seconds=seconds),
             planned_start=(planned or local_start).replace(tzinfo=HANOI))

    d = datetime
    log(s1, "completed", d(2026, 6, 2, 6, 30), 120, drugs)
    log(s1, "interrupted", d(2026, 6, 3, 6, 30), 30, drugs)
    log(s1, "missed", None, 0, hiv, planned=d(2026, 6, 4, 17, 0))
    log(s1, "completed", d(2026, 6, 2, 6, 29), 5)  # no bulletin and no audio (a pause): not counted
    log(s1, "completed", d(2026, 6, 1, 0, 10), 60, drugs)  # 31 May in UTC, 1 June locally: in
    log(s1, "completed", d(2026, 7, 1, 0, 30), 60, drugs)  # 30 June in UTC, 1 July locally: out
    log(s2, "completed", d(2026, 6, 5, 6, 30), 60, drugs)
    log(s2, "completed", d(2026, 6, 5, 17, 0), 90, hiv)
    log(s2, "failed", d(2026, 6, 6, 17, 0), 0, hiv)
    log(s3, "local", d(2026, 6, 7, 8, 0), 48)
    log(s3, "skipped", None, 0, drugs, planned=d(2026, 6, 8, 6, 30))
    return {"stations": (s1, s2, s3), "june": june}


def by_key(body):
    return {r["label"]: r for r in body["rows"]}


def pick(row, *keys):
    return tuple(row[k] for k in keys)


FIGURES = ("plays", "minutes_aired", "completed", "interrupted", "failed", "missed", "skipped", "local",
           "completion_rate", "stations_reached")


@BOTH_DATABASES
def test_summary_by_category_matches_the_hand_count(client, auth, make_user, aired, backend):
    _, token = make_user("admin")
    reply = client.get("/api/v1/reports/summary", headers=auth(token),
                       query_string={"from": "2026-06-01", "to": "2026-06-30", "group_by": "category"})
    assert reply.status_code == 200, reply.json
    rows = by_key(reply.json)
    # drugs: completed 120 s + 60 s (1/6 local) + 60 s (s2), interrupted 30 s, skipped (s3)
    assert pick(rows["Phòng, chống ma túy"], *FIGURES) == (4, 4.5, 3, 1, 0, 0, 1, 0, 0.75, 2)
    # hiv: missed (s1), completed 90 s and failed (s2)
    assert pick(rows["Phòng, chống HIV/AIDS"], *FIGURES) == (1, 1.5, 1, 0, 1, 1, 0, 0, 0.3333, 1)
    assert pick(rows["Phát tại chỗ"], *FIGURES) == (1, 0.8, 0, 0, 0, 0, 0, 1, None, 1)
    # total: 408 s aired; 4 completed of 7 attempts; three stations
    assert pick(reply.json["total"], *FIGURES) == (6, 6.8, 4, 1, 1, 1, 1, 1, 0.5714, 3)
    assert reply.json["from"] == "2026-06-01" and reply.json["to"] == "2026-06-30"


@BOTH_DATABASES
def test_summary_by_area_groups_under_the_asked_area(client, auth, make_user, aired, backend):
    _, token = make_user("admin")
    reply = client.get("/api/v1/reports/summary", headers=auth(token),
                       query_string={"from": "2026-06-01", "to": "2026-06-30", "group_by": "area",
                                     "area": "P-D"})
    rows = {r["key"]: r for r in reply.json["rows"]}
    assert set(rows) == {"P-D-C1", "P-D-C2"}  # the village's station counts for its commune
    assert pick(rows["P-D-C1"], *FIGURES) == (4, 4.3, 2, 1, 0, 1, 1, 1, 0.5, 2)
    assert pick(rows["P-D-C2"], *FIGURES) == (2, 2.5, 2, 0, 1, 0, 0, 0, 0.6667, 1)
    assert rows["P-D-C1"]["label"] == "Xã Đắk Môl"


def test_summary_by_campaign_and_station(client, auth, make_user, aired):
    _, token = make_user("admin")
    q = {"from": "2026-06-01", "to": "2026-06-30"}
    campaign = by_key(client.get("/api/v1/reports/summary", headers=auth(token),
                                 query_string={**q, "group_by": "campaign"}).json)
    assert campaign["Tháng hành động phòng, chống ma túy"]["plays"] == 4
    assert campaign["(không thuộc đợt tuyên truyền)"]["plays"] == 1
    station = by_key(client.get("/api/v1/reports/summary", headers=auth(token),
                                query_string={**q, "group_by": "station"}).json)
    assert pick(station["Đài xã Đắk Môl"], "plays", "missed", "minutes_aired") == (3, 1, 3.5)
    assert pick(station["Cụm loa thôn 1"], "plays", "local", "skipped") == (1, 1, 1)


def test_summary_stays_inside_the_callers_scope(client, auth, make_user, aired, tree):
    _, c2 = make_user("operator", tree["C2"])
    reply = client.get("/api/v1/reports/summary", headers=auth(c2),
                       query_string={"from": "2026-06-01", "to": "2026-06-30", "group_by": "station"})
    assert [r["label"] for r in reply.json["rows"]] == ["Đài xã Nâm N'Jang"]
    assert reply.json["total"]["plays"] == 2
    outside = client.get("/api/v1/reports/summary", headers=auth(c2), query_string={"area": "P-D-C1"})
    assert outside.status_code == 403
    assert client.get("/api/v1/reports/summary", headers=auth(c2),
                      query_string={"group_by": "weather"}).status_code == 400


def test_csv_opens_in_excel_with_vietnamese_intact(client, auth, make_user, aired):
    _, token = make_user("admin")
    reply = client.get("/api/v1/reports/summary", headers=auth(token),
                       query_string={"from": "2026-06-01", "to": "2026-06-30", "format": "csv"})
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in reply.headers["Content-Disposition"]
    assert reply.data.startswith(b"\xef\xbb\xbf")
    text = reply.data.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["Báo cáo từ 01/06/2026 đến 30/06/2026"]
    assert table[1][:4] == ["Mã", "Chủ đề", "Số lượt phát", "Số phút phát"]
    drugs = next(r for r in table[1:] if r[1] == "Phòng, chống ma túy")
    assert drugs[:4] == ["drugs", "Phòng, chống ma túy", "4", "4.5"]
    assert drugs[table[1].index("Tỉ lệ hoàn thành (%)")] == "75.0"
    assert table[-1][1] == "Tổng cộng" and table[-1][2] == "6"


def test_csv_headings_follow_the_readers_language(client, auth, make_user, aired):
    """Headings and the summary's own labels are translated; names from the database are not."""
    _, token = make_user("admin")
    reply = client.get("/api/v1/reports/summary", headers={**auth(token), "Accept-Language": "en"},
                       query_string={"from": "2026-06-01", "to": "2026-06-30", "format": "csv"})
    table = list(csv.reader(io.StringIO(reply.data.decode("utf-8-sig"))))
    assert table[0] == ["Report from 01/06/2026 to 30/06/2026"]
    assert table[1][:4] == ["Code", "Category", "Plays", "Minutes aired"]
    assert "Completion rate (%)" in table[1]
    assert any(r[1] == "Phòng, chống ma túy" for r in table[2:])
    assert table[-1][1] == "Total" and table[-1][2] == "6"


def test_six_month_preset_covers_the_plans_period(client, auth, make_user, aired):
    _, token = make_user("admin")
    body = client.get("/api/v1/reports/summary", headers=auth(token), query_string={"preset": "six-month"}).json
    year = datetime.now(HANOI).year
    assert (body["from"], body["to"]) == (f"{year}-01-01", f"{year}-06-14")


def test_a_chime_fact_is_counted_like_any_aired_audio():
    rows, total = reports.summarise([
        reports.LogFact(1, "completed", "chime", "Nhạc hiệu", has_bulletin=False, seconds=6, has_asset=True),
        reports.LogFact(1, "missed", "chime", "Nhạc hiệu", has_bulletin=False, has_asset=True),
    ])
    (chime,) = rows
    assert pick(chime.answer().model_dump(), "plays", "completed", "missed", "minutes_aired") == (1, 1, 1, 0.1)
    assert total.plays == 1


@BOTH_DATABASES
def test_chimes_are_counted_under_what_they_are(app, client, auth, tree, make_user, station_factory,
                                                bulletin_factory, backend):
    """Logs as a station sends them: a chime item names only its audio; so may other audio."""
    from central.models import Chime

    editor, token = make_user("admin")
    drugs = bulletin_factory(editor, category=Category.get(code="drugs"))
    chime = Chime.create(title="Nhạc hiệu", status="approved", builtin=True,
                         asset=bulletin_factory(editor, status="draft").asset)
    st, _ = station_factory(tree["C1"], "Đài xã Đắk Môl")
    at = datetime(2026, 6, 2, 6, 30, tzinfo=HANOI)

    def log(status, seconds, sha=None, bulletin=None):
        send(st, status=status, bulletin_id=bulletin, asset_sha256=sha, planned_start=at,
             started_at=None if status == "missed" else at,
             ended_at=None if status == "missed" else at + timedelta(seconds=seconds))

    log("completed", 6, sha=chime.asset_id)  # the chime before the bulletin
    log("completed", 60, sha=drugs.asset_id, bulletin=drugs.id)
    log("missed", 0, sha=chime.asset_id)  # a slot that never started: its chime is missed too
    log("completed", 30, sha=drugs.asset_id)  # a bulletin's audio named without its id
    q = {"from": "2026-06-01", "to": "2026-06-30"}
    body = client.get("/api/v1/reports/summary", headers=auth(token),
                      query_string={**q, "group_by": "category"}).json
    rows = by_key(body)
    assert set(rows) == {"Nhạc hiệu", "Phòng, chống ma túy"}
    assert rows["Nhạc hiệu"]["key"] == "chime"
    assert pick(rows["Nhạc hiệu"], "plays", "completed", "missed", "minutes_aired") == (1, 1, 1, 0.1)
    assert pick(rows["Phòng, chống ma túy"], "plays", "completed", "minutes_aired") == (2, 2, 1.5)
    assert pick(body["total"], "plays", "minutes_aired") == (3, 1.6)
    station = client.get("/api/v1/reports/summary", headers=auth(token),
                         query_string={**q, "group_by": "station"}).json
    assert pick(station["total"], "plays", "missed", "minutes_aired") == (3, 1, 1.6)
    csv_text = client.get("/api/v1/reports/summary", headers=auth(token),
                          query_string={**q, "group_by": "campaign", "format": "csv"}).data.decode("utf-8-sig")
    assert "chime,Nhạc hiệu,1," in csv_text
