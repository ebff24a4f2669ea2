"""Alerts by webhook to a real local HTTP receiver: signed JSON, retried with back-off, delivered once."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from central.alert_models import AlertDelivery
from central.config import settings
from central.models import Station, utcnow
from central.services import alert_send, alert_timer, alerts

from .alerting import Receiver, webhook_receiver

SECRET = "bí-mật-của-tỉnh"


def _cfg(app, url, secret=SECRET):
    return dataclasses.replace(settings(app), webhook_url=url, webhook_secret=secret)


def test_webhook_fails_twice_then_succeeds_and_is_recorded_once(app, tree, make_user, station_factory):
    station, _ = station_factory(tree["C1"], "Đài xã Đắk Môl")
    Station.update(clock_trusted=False, clock_offset_ms=93_000).where(Station.id == station.id).execute()
    user, _ = make_user("operator", tree["C1"], name="can-bo-xa")
    alerts.set_email(user, "canbo@xa.vn")
    alerts.subscribe(user, "P-D-C1", "clock", "immediate")
    receiver = Receiver(SECRET, fail=2)
    with webhook_receiver(receiver) as url:
        done = alert_timer.tick(_cfg(app, url))
        assert done["webhook"] == 1
        assert receiver.attempts == 3 and receiver.refused == ["failing on purpose"] * 2
        assert len(receiver.accepted) == 1
        for _ in range(2):  # later rounds: nothing more for the same ongoing problem
            assert alert_timer.tick(_cfg(app, url))["webhook"] == 0
        assert receiver.attempts == 3
    got = receiver.accepted[0]
    assert got["headers"]["X-Loa-Event"] == "alert.opened"
    body = got["json"]
    assert body["event"] == "alert.opened" and body["delivery"] == got["headers"]["X-Loa-Delivery"]
    assert body["alert"]["kind"] == "clock" and body["alert"]["area_code"] == "P-D-C1"
    assert body["alert"]["title"] == "Đồng hồ không tin cậy: đài «Đài xã Đắk Môl» (Xã Đắk Môl)"
    assert "lệch 93000 ms" in body["alert"]["body"]
    assert body["recipients"] == [{"user": "can-bo-xa", "full_name": "", "email": "canbo@xa.vn",
                                   "mode": "immediate"}]
    rows = list(AlertDelivery.select().where(AlertDelivery.channel == "webhook"))
    assert [(r.event, r.status) for r in rows] == [("open", "sent")]


def test_a_receiver_with_another_secret_refuses_and_the_notice_waits(app, tree, station_factory):
    station, _ = station_factory(tree["C1"])
    Station.update(clock_trusted=False).where(Station.id == station.id).execute()
    receiver = Receiver("another secret")
    with webhook_receiver(receiver) as url:
        assert alert_timer.tick(_cfg(app, url))["webhook"] == 0
    assert receiver.accepted == [] and receiver.refused == ["bad signature"] * alert_send.WEBHOOK_TRIES
    row = AlertDelivery.get(AlertDelivery.channel == "webhook")
    assert row.status == "pending" and row.error.startswith("HTTP 503")
    # the next round after the back-off, with the right secret, delivers it
    good = Receiver(SECRET)
    with webhook_receiver(good) as url:
        assert alert_timer.tick(_cfg(app, url), utcnow() + timedelta(minutes=2))["webhook"] == 1
    assert len(good.accepted) == 1 and AlertDelivery.get_by_id(row.id).status == "sent"


def test_recovery_is_posted_as_closed(app, tree, station_factory):
    station, _ = station_factory(tree["C2"])
    Station.update(clock_trusted=False).where(Station.id == station.id).execute()
    receiver = Receiver(SECRET)
    with webhook_receiver(receiver) as url:
        alert_timer.tick(_cfg(app, url))
        Station.update(clock_trusted=True).where(Station.id == station.id).execute()
        alert_timer.tick(_cfg(app, url))
    events = [a["json"]["event"] for a in receiver.accepted]
    assert events == ["alert.opened", "alert.closed"]
    closed = receiver.accepted[1]["json"]["alert"]
    assert closed["open"] is False and closed["close_note"] == "Đồng hồ của đài đã được đồng bộ lại."
