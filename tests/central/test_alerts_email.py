"""Alerts by mail to a real local SMTP server: subject, Vietnamese body, no repeat, recovery, scope."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from central.alert_models import Alert, AlertDelivery
from central.config import settings
from central.models import Station, utcnow
from central.services import alert_timer, alerts

from .alerting import smtp_server


def _cfg(app, port, **more):
    return dataclasses.replace(settings(app), smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
                               alert_offline_minutes=30, public_url="https://loa.daknong.gov.vn", **more)


def _subscribe(user, email, area_code=None, kind="", mode="immediate"):
    alerts.set_email(user, email)
    return alerts.subscribe(user, area_code, kind, mode)


def test_offline_station_mails_once_then_recovery(app, tree, make_user, station_factory):
    station, _ = station_factory(tree["C1"], "Đài xã Đắk Môl")
    Station.update(last_seen=utcnow() - timedelta(hours=2)).where(Station.id == station.id).execute()
    commune, _ = make_user("operator", tree["C1"], name="can-bo-xa")
    other, _ = make_user("operator", tree["C2"], name="xa-ben")
    _subscribe(commune, "canbo@xa.vn", "P-D-C1", "offline")
    _subscribe(other, "khac@xa.vn")  # C2 only: never told about C1
    with smtp_server() as (inbox, port):
        cfg = _cfg(app, port)
        first = alert_timer.tick(cfg)
        assert first["opened"] >= 1 and first["email"] == 1
        mails = inbox.wait_for(1)
        mail = mails[0]
        assert mail["To"] == "canbo@xa.vn"
        assert mail["Subject"] == "[Loa] Mất kết nối: đài «Đài xã Đắk Môl» (Xã Đắk Môl)"
        text = mail.get_content()
        assert "mất kết nối từ" in text and "ngưỡng 30 phút" in text
        assert "https://loa.daknong.gov.vn/alerts" in text
        # the same ongoing problem: later rounds send nothing
        for _ in range(3):
            again = alert_timer.tick(cfg)
            assert again["opened"] == 0 and again["email"] == 0
        assert Alert.select().where(Alert.key == f"offline:station:{station.id}").count() == 1
        # the station comes back: one recovery notice, and the alert is closed
        Station.update(last_seen=utcnow()).where(Station.id == station.id).execute()
        back = alert_timer.tick(cfg)
        assert back["closed"] >= 1 and back["email"] == 1
        mails = inbox.wait_for(2)
        assert mails[1]["Subject"] == "[Loa] Đã khắc phục: Mất kết nối: đài «Đài xã Đắk Môl» (Xã Đắk Môl)"
        assert "Đài đã kết nối lại lúc" in mails[1].get_content()
        assert all(m["To"] != "khac@xa.vn" for m in inbox.mails)
        # the same problem again later is a new alert (the first stays closed in the history)
        Station.update(last_seen=utcnow() - timedelta(hours=1)).where(Station.id == station.id).execute()
        alert_timer.tick(cfg)
        inbox.wait_for(3)
    rows = list(Alert.select().where(Alert.key == f"offline:station:{station.id}").order_by(Alert.id))
    assert [r.closed_at is None for r in rows] == [False, True]
    assert len(inbox.mails) == 3


def test_smtp_down_waits_and_retries(app, tree, make_user, station_factory):
    station, _ = station_factory(tree["C1"])
    Station.update(last_seen=utcnow() - timedelta(hours=2)).where(Station.id == station.id).execute()
    user, _ = make_user("admin")
    _subscribe(user, "tinh@loa.vn")
    with smtp_server() as (inbox, port):
        pass  # a port nobody listens on any more
    cfg = _cfg(app, port)
    assert alert_timer.tick(cfg)["email"] == 0
    row = AlertDelivery.get()
    assert row.status == "pending" and row.attempts == 1 and "Error" in (row.error or "")
    with smtp_server() as (inbox, port2):
        later = utcnow() + timedelta(minutes=2)  # past the back-off
        assert alert_timer.tick(_cfg(app, port2), later)["email"] == 1
        assert inbox.wait_for(1)[0]["To"] == "tinh@loa.vn"
    assert AlertDelivery.get().status == "sent"


def test_digest_collects_a_day_into_one_mail(app, tree, make_user, station_factory):
    a, _ = station_factory(tree["C1"], "Đài A")
    b, _ = station_factory(tree["C2"], "Đài B")
    Station.update(clock_trusted=False).where(Station.id.in_([a.id, b.id])).execute()
    user, _ = make_user("admin", tree["D"])
    _subscribe(user, "huyen@loa.vn", kind="clock", mode="digest")
    with smtp_server() as (inbox, port):
        morning = utcnow().replace(hour=23, minute=0) - timedelta(days=1)  # 06:00 in Vietnam
        cfg = _cfg(app, port, alert_digest_hour=7)
        assert alert_timer.tick(cfg, morning)["digest"] == 0  # before the hour
        assert alert_timer.tick(cfg, morning + timedelta(hours=2))["digest"] == 1
        mail = inbox.wait_for(1)[0]
        assert mail["Subject"].startswith("[Loa] Tóm tắt cảnh báo ngày") and mail["Subject"].endswith("(2)")
        assert "Đồng hồ không tin cậy: đài «Đài A»" in mail.get_content()
        assert "Đồng hồ không tin cậy: đài «Đài B»" in mail.get_content()
        assert alert_timer.tick(cfg, morning + timedelta(hours=3))["digest"] == 0  # once a day
