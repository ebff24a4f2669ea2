"""Each alert condition on real rows: when it opens, what it says, and how it closes."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from central.alert_models import Alert
from central.config import settings
from central.models import Bulletin, Emergency, Heartbeat, PlayLog, Report, Schedule, utcnow
from central.services import alerts, emergencies, plans


def _cfg(app, **more):
    return dataclasses.replace(settings(app), **more)


def _open(kind):
    return {a.key: a for a in Alert.select().where((Alert.kind == kind) & Alert.open_key.is_null(False))}


def _log(station, status, at):
    PlayLog.create(station=station, uuid=str(uuid.uuid4()), status=status, planned_start=at,
                   started_at=None if status == "missed" else at, reason="test")


def test_bad_plays_over_the_daily_threshold(app, tree, station_factory):
    station, _ = station_factory(tree["C1"], "Đài xã Đắk Môl")
    now = utcnow()
    for status in ("missed", "failed"):
        _log(station, status, now - timedelta(minutes=5))
    _log(station, "completed", now - timedelta(minutes=4))
    cfg = _cfg(app, alert_bad_plays_per_day=3)
    alerts.run_checks(cfg, now)
    assert _open("plays") == {}  # two bad plays: below the threshold
    _log(station, "missed", now - timedelta(minutes=3))
    alerts.run_checks(cfg, now)
    (key, alert), = _open("plays").items()
    today = now.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    assert key == f"plays:station:{station.id}:{today.isoformat()}"
    assert "có 3 lượt phát không đạt: 2 lượt bị lỡ, 1 lượt lỗi" in alert.body
    # the next local day: the count lapses, closed without a recovery notice
    alerts.run_checks(cfg, now + timedelta(days=1))
    closed = Alert.get_by_id(alert.id)
    assert closed.closed_at is not None and closed.notify_close is False and closed.deliveries.count() == 0


def test_emergency_not_sounding_after_n_minutes_then_sounding(app, tree, make_user, station_factory,
                                                             bulletin_factory):
    station, _ = station_factory(tree["C1"], "Đài xã Đắk Môl")
    approver, _ = make_user("approver", tree["D"])
    b = bulletin_factory(approver, area=tree["D"], priority="emergency")
    e = emergencies.create(approver, {"bulletin_id": b.id, "mode": "live", "targets": {"stations": [station.id]},
                                      "title": "Bão số 5 đổ bộ"})
    cfg = _cfg(app, emergency_late_minutes=5)
    alerts.run_checks(cfg, utcnow() + timedelta(minutes=2))
    assert _open("emergency") == {}  # not late yet
    later = utcnow() + timedelta(minutes=6)
    alerts.run_checks(cfg, later)
    (key, alert), = _open("emergency").items()
    assert key == f"emergency:{e.id}:station:{station.id}"
    assert alert.title == "Lệnh khẩn cấp chưa phát tại đài «Đài xã Đắk Môl»"
    assert "chưa nhận được lệnh sau 5 phút" in alert.body
    PlayLog.create(station=station, uuid=str(uuid.uuid4()), status="completed", schedule_id=e.schedule_id,
                   started_at=later, ended_at=later + timedelta(seconds=30))
    alerts.run_checks(cfg, later + timedelta(minutes=1))
    closed = Alert.get_by_id(alert.id)
    assert closed.close_note == "Đài đã phát lệnh khẩn cấp." and closed.notify_close is True
    assert Emergency.get_by_id(e.id).stopped_at is None


def test_waiting_for_approval_longer_than_n_hours(app, tree, make_user, bulletin_factory, schedule_factory):
    editor, _ = make_user("editor", tree["D"])
    now = utcnow()
    old = bulletin_factory(editor, status="submitted", area=tree["D"], title="Phòng chống ma túy",
                           submitted_at=now - timedelta(hours=30))
    bulletin_factory(editor, status="submitted", area=tree["D"], submitted_at=now - timedelta(hours=2))
    s = schedule_factory(bulletin=old, areas=[tree["C1"]], status="submitted", title="Sáng thứ hai",
                         area=tree["D"], updated_at=now - timedelta(hours=25))
    alerts.run_checks(_cfg(app, alert_approval_hours=24), now)
    assert set(_open("approval")) == {f"approval:bulletin:{old.id}", f"approval:schedule:{s.id}"}
    assert _open("approval")[f"approval:bulletin:{old.id}"].title == \
        "Bản tin chờ duyệt quá 24 giờ: «Phòng chống ma túy»"
    Bulletin.update(status="approved").where(Bulletin.id == old.id).execute()
    Schedule.update(status="rejected").where(Schedule.id == s.id).execute()
    alerts.run_checks(_cfg(app, alert_approval_hours=24), now)
    notes = {a.key: a.close_note for a in Alert.select().where(Alert.kind == "approval")}
    assert notes == {f"approval:bulletin:{old.id}": "Đã xử lý: đã được duyệt.",
                     f"approval:schedule:{s.id}": "Đã xử lý: đã bị từ chối."}


def test_report_deadline_within_n_days_until_submitted(app, tree, make_user):
    editor, _ = make_user("editor", tree["D"])
    today = utcnow().astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()  # the day in Vietnam
    deadline = today + timedelta(days=3)
    start = date(deadline.year, 1, 1) if deadline.month > 1 else deadline - timedelta(days=20)
    plan = plans.create(editor, {"year": deadline.year, "title": "Kế hoạch tuyên truyền phòng, chống ma túy",
                                 "periods": [{"code": "quy", "name": "Báo cáo quý", "starts_on": start.isoformat(),
                                              "ends_on": (deadline - timedelta(days=2)).isoformat(),
                                              "deadline": deadline.isoformat()}]})
    alerts.run_checks(_cfg(app, alert_deadline_days=2), utcnow())
    assert _open("deadline") == {}  # three days away, the setting says two
    alerts.run_checks(_cfg(app, alert_deadline_days=7), utcnow())
    (key, alert), = _open("deadline").items()
    assert alert.title == f"Sắp đến hạn nộp Báo cáo quý ({plan.title}): {deadline:%d/%m/%Y}"
    assert alert.area_id == tree["D"].id and "còn 3 ngày" in alert.body
    Report.create(area=tree["D"], date_from=start, date_to=deadline - timedelta(days=2), status="submitted")
    alerts.run_checks(_cfg(app, alert_deadline_days=7), utcnow())
    assert Alert.get_by_id(alert.id).close_note == "Báo cáo đã được nộp."


def test_disk_low_from_the_latest_heartbeat(app, tree, station_factory):
    station, _ = station_factory(tree["C2"], "Đài xã Nâm N'Jang")
    Heartbeat.create(station=station, disk_free_bytes=100 * 1024 * 1024)
    alerts.run_checks(_cfg(app, alert_disk_min_mb=500), utcnow())
    (alert,) = _open("disk").values()
    assert "chỉ còn 100 MB trống (ngưỡng 500 MB)" in alert.body
    Heartbeat.create(station=station, disk_free_bytes=4 * 1024 ** 3)
    alerts.run_checks(_cfg(app, alert_disk_min_mb=500), utcnow())
    assert _open("disk") == {}
