"""How plays sounded (issue 15 §1): ``sound`` on play logs and heartbeats, honest counting in reports."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from central.models import PlayLog
from central.services import reports
from playlists.sound import aired, outcome

from .test_playlogs import make_log
from .test_web_pages import login

NULL = {"output": "null output (ffmpeg -f null): not audible", "null_output": True, "volume": 80,
        "muted": False, "quiet_hours": False, "local_override": False, "audibility": "not_audible",
        "monitor": False}
CARD = {**NULL, "output": "bcm2835 Headphones: ffplay → sound card", "null_output": False,
        "audibility": "unchecked"}


def _post(client, token, logs):
    return client.post("/api/v1/station/play-logs", json={"logs": logs},
                       headers={"Authorization": f"Bearer {token}"})


def test_outcome_is_the_one_classification():
    assert outcome("completed", None) == "completed"  # an older station: as before
    assert outcome("completed", NULL) == "not_audible" and not aired("not_audible")
    assert outcome("interrupted", {"audibility": "not_audible"}) == "not_audible"
    assert outcome("failed", {"audibility": "failed_to_sound"}) == "failed_to_sound"
    assert outcome("failed", {"audibility": "not_audible"}) == "failed"  # a player that failed failed
    assert outcome("missed", NULL) == "missed"  # nothing ran: nothing to hear
    assert outcome("completed", CARD) == "completed" and aired("completed")


def test_logs_with_sound_are_stored_as_heard_and_old_logs_unchanged(client, auth, tree, make_user,
                                                                     station_factory):
    _, token = station_factory(tree["C1"])
    null, card, old = make_log(sound=NULL), make_log(sound=CARD), make_log()
    zero = make_log(sound={**CARD, "volume": 0, "muted": True, "audibility": "not_audible"})
    silent = make_log(status="failed", reason="failed_to_sound: the monitor heard at most -91.0 LUFS",
                      sound={**CARD, "monitor": True, "audibility": "failed_to_sound", "level_lufs": -91.0})
    assert _post(client, token, [null, card, old, zero, silent]).json == {"accepted": 5, "duplicates": 0}
    got = {r.uuid: r for r in PlayLog.select()}
    assert got[null["id"]].status == "not_audible"
    assert got[null["id"]].sound["reported_status"] == "completed" and got[null["id"]].sound["null_output"]
    assert got[card["id"]].status == "completed" and got[old["id"]].status == "completed"
    assert got[old["id"]].sound is None
    assert got[zero["id"]].status == "not_audible"
    assert (got[silent["id"]].status, got[silent["id"]].sound["level_lufs"]) == ("failed_to_sound", -91.0)
    _, token_u = make_user("approver", tree["P"])
    rows = client.get("/api/v1/play-logs", headers=auth(token_u)).json["play_logs"]
    shown = {r["id"]: r for r in rows}
    assert shown[null["id"]]["status"] == "not_audible" and shown[null["id"]]["sound"]["volume"] == 80
    assert shown[old["id"]]["sound"] is None


@pytest.mark.parametrize(("sound", "field"), [
    ("loud", "sound"), ({"audibility": "maybe"}, "sound.audibility"), ({"volume": 101}, "sound.volume"),
    ({"volume": True}, "sound.volume"), ({"null_output": "yes"}, "sound.null_output"),
])
def test_a_bad_sound_refuses_the_batch(client, tree, station_factory, sound, field):
    _, token = station_factory(tree["C1"])
    r = _post(client, token, [make_log(), make_log(sound=sound)])
    assert r.status_code == 400 and f"'{field}'" in r.json["detail"], r.json
    assert PlayLog.select().count() == 0


def test_report_leaves_not_audible_plays_out_of_aired_minutes(client, auth, tree, make_user, station_factory,
                                                               bulletin_factory):
    editor, _ = make_user("editor", tree["D"])
    b = bulletin_factory(editor)
    _, token = station_factory(tree["C1"], "Đài xã Đắk Môl")
    logs = [make_log(bulletin_id=b.id), make_log(bulletin_id=b.id, sound=NULL),
            make_log(bulletin_id=b.id, sound={**CARD, "volume": 0, "audibility": "not_audible"}),
            make_log(bulletin_id=b.id, status="failed", sound={**CARD, "audibility": "failed_to_sound"})]
    assert _post(client, token, logs).json["accepted"] == 4
    approver, tok = make_user("approver", tree["P"])
    body = client.get("/api/v1/reports/summary?from=2026-12-01&to=2026-12-01&group_by=station",
                      headers=auth(tok)).json
    total = body["total"]
    assert (total["plays"], total["minutes_aired"]) == (1, 0.5), total  # only the one heard: 30 s
    assert (total["not_audible"], total["failed_to_sound"], total["completed"]) == (2, 1, 1)
    assert total["completion_rate"] == 0.25  # 1 completed of 4 attempts
    csv_text = client.get("/api/v1/reports/summary?from=2026-12-01&to=2026-12-01&format=csv",
                          headers=auth(tok)).data.decode("utf-8-sig")
    assert "Không nghe được" in csv_text and "Không phát ra tiếng" in csv_text
    summary = reports.summary(approver, date(2026, 12, 1), date(2026, 12, 1))
    assert (summary.total.plays, summary.total.not_audible) == (1, 2)


def test_station_page_and_dashboard_say_nobody_hears_it(app, client, tree, make_user, station_factory):
    station, token = station_factory(tree["C1"], "Đài xã Đắk Môl")
    hb = {"agent_version": "t", "manifest_version": None, "clock_offset_ms": 0, "clock_trusted": True,
          "disk_free_bytes": 1, "cache": {"assets": 0, "missing": 0, "bytes": 0}, "now_playing": None,
          "outbox": 0, "last_error": None, "sound": NULL}
    r = client.post("/api/v1/station/heartbeat", json=hb, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.json
    now = datetime.now(UTC)
    today = make_log(started_at=(now - timedelta(seconds=40)).isoformat(), ended_at=now.isoformat(), sound=NULL)
    assert _post(client, token, [make_log(id=str(uuid.uuid4()), sound=NULL), today]).json["accepted"] == 2
    make_user("admin", None, name="quan.tri")
    assert login(client, "quan.tri").status_code == 302
    page = client.get(f"/stations/{station.id}").data.decode()
    assert 'id="not-audible"' in page and "đầu ra câm" in page
    assert "Đầu ra câm, không ai nghe được (ffmpeg -f null)" in page and "Không nghe được" in page
    dash = client.get("/dashboard").data.decode()
    row = re.search(r"<tr><td>Huyện Đắk Song</td>(.*?)</tr>", dash, re.S)  # the admin sees districts
    assert row and re.findall(r'class="num">(\d+)<', row.group(1)) == ["0", "0", "1"], dash[:3000]



def test_a_speaker_test_goes_out_in_the_signed_manifest_and_its_result_shows(app, client, auth, tree, make_user,
                                                                              station_factory):
    from central.models import AuditLog

    station, token = station_factory(tree["C1"], "Đài xã Đắk Môl")
    st = {"Authorization": f"Bearer {token}"}
    before = client.get("/api/v1/station/manifest", headers=st).json["manifest"]
    assert "speaker_test" not in before["station"]
    _, editor = make_user("editor", tree["C1"])
    assert client.post(f"/api/v1/stations/{station.id}/speaker-test", headers=auth(editor)).status_code == 403
    _, operator = make_user("operator", tree["C1"])
    r = client.post(f"/api/v1/stations/{station.id}/speaker-test", headers=auth(operator))
    assert r.status_code == 202, r.json
    test_id = r.json["id"]
    after = client.get("/api/v1/station/manifest", headers=st).json["manifest"]
    assert after["version"] > before["version"] and after["station"]["speaker_test"]["id"] == test_id
    assert AuditLog.get(AuditLog.action == "station.speaker_test").detail["test_id"] == test_id
    shown = client.get(f"/api/v1/stations/{station.id}", headers=auth(operator)).json
    assert shown["speaker_test_waiting"]["id"] == test_id and shown["sound"] is None
    result = {"id": test_id, "source": "central", "at": "2026-12-01T06:30:00+00:00", "status": "completed",
              "audibility": "audible", "level_lufs": -21.8, "output": CARD["output"], "volume": 80}
    hb = {"agent_version": "t", "manifest_version": after["version"], "clock_offset_ms": 0, "clock_trusted": True,
          "disk_free_bytes": 1, "cache": {"assets": 0, "missing": 0, "bytes": 0}, "now_playing": None,
          "outbox": 0, "last_error": None, "sound": {**CARD, "speaker_test": result}}
    assert client.post("/api/v1/station/heartbeat", json=hb, headers=st).status_code == 200
    shown = client.get(f"/api/v1/stations/{station.id}", headers=auth(operator)).json
    assert shown["speaker_test_waiting"] is None and shown["sound"]["speaker_test"]["level_lufs"] == -21.8
    make_user("admin", None, name="quan.tri")
    assert login(client, "quan.tri").status_code == 302
    page = client.get(f"/stations/{station.id}").data.decode()
    assert "nghe được" in page and "-21.8 LUFS" in page and 'id="speaker-test-waiting"' not in page
    assert f'action="/stations/{station.id}/speaker-test"' in page


BOTH_DATABASES = pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)


@BOTH_DATABASES
def test_a_local_announcement_nobody_heard_stays_local_also_after_a_rebuild(client, auth, tree, make_user,
                                                                            station_factory, backend):
    from central.services import rollups

    _, token = station_factory(tree["C1"], "Đài xã Đắk Môl")
    heard = make_log(status="local", bulletin_id=None, schedule_id=None, slot_id=None, reason="local_announcement")
    unheard = make_log(status="local", bulletin_id=None, schedule_id=None, slot_id=None, sound=NULL,
                       asset_sha256="b" * 64)
    assert _post(client, token, [heard, unheard]).json["accepted"] == 2
    approver, tok = make_user("approver", tree["P"])

    def local_row():
        rows = client.get("/api/v1/reports/summary?from=2026-12-01&to=2026-12-01&group_by=category",
                          headers=auth(tok)).json["rows"]
        return [(r["key"], r["local"], r["not_audible"], r["plays"]) for r in rows]

    assert local_row() == [("local", 1, 1, 1)], "both under Phát tại chỗ; only the heard one aired"
    rollups.rebuild()
    assert local_row() == [("local", 1, 1, 1)], "a rebuild folds them the same way"
